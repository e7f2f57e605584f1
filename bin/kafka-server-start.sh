#!/usr/bin/env bash
# Starts a single-node Sediment broker, as Apache Kafka's script of the same name starts Kafka:
#
#   bin/kafka-server-start.sh [-daemon] config/server.properties [--override property=value]*
#
# The first run builds the broker (mvn -DskipTests -pl broker -am package), which also writes its runtime
# classpath to broker/target/classpath.txt (every build does); later runs start at once. It builds again when
# broker/pom.xml is newer than that file; delete the file to force a rebuild after changing code.
#
# Class-data sharing: the first start after a build (or a JDK change) first trains an AppCDS archive in
# broker/target/cds/ (a few seconds: a throw-away broker on an ephemeral 127.0.0.1 port in a temp dir serves a few
# requests and stops; output in broker/target/cds/training.log), and every start passes it to the JVM with
# -XX:SharedArchiveFile, which roughly halves the time until the broker answers. A stale archive (rebuilt jars,
# another classpath or JDK) or a damaged one is trained again; if training fails, or the JVM cannot use the
# archive, the broker starts without it. bin/sediment-cds-archive.sh creates it ahead of time (e.g. when
# packaging); SEDIMENT_CDS=off turns it off. Details: bin/sediment-broker-env.sh.
#
# The broker runs from the repository root (so log.dirs=./data means <repo>/data) and logs to logs/server.log.
# Environment: KAFKA_HEAP_OPTS (default -Xmx512m -Xms128m), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS (last, so its
# flags win), JAVA_HOME, LOG_DIR (default <repo>/logs), SEDIMENT_CDS (on, or off).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi

DAEMON=false
if [ "$1" = "-daemon" ]; then
  DAEMON=true
  shift
fi
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi

# The properties file may be given relative to the caller's directory; the broker runs from the root.
CONFIG="$1"
shift
if [ ! -f "$CONFIG" ]; then
  echo "No such file: $CONFIG" >&2
  exit 1
fi
CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"

# shellcheck source=bin/sediment-broker-env.sh
. "$ROOT/bin/sediment-broker-env.sh"
sediment_broker_env
LOG_DIR="${LOG_DIR:-$ROOT/logs}"
mkdir -p "$LOG_DIR"
LOG_FILE="$LOG_DIR/server.log"
PID_FILE="$LOG_DIR/sediment-broker.pid"
sediment_cds_archive

# shellcheck disable=SC2086
CMD=("$JAVA" $HEAP_OPTS $PERF_OPTS ${CDS_OPTS[@]+"${CDS_OPTS[@]}"} "${LOG_OPTS[@]}" ${KAFKA_OPTS:-} -cp "$CLASSPATH"
     io.sediment.broker.SedimentBroker "$CONFIG" "$@")

cd "$ROOT"
if [ "$DAEMON" = true ]; then
  nohup "${CMD[@]}" >> "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  echo "Sediment broker started in the background (pid $!), logging to $LOG_FILE"
else
  echo $$ > "$PID_FILE"
  # tee ignores SIGINT so that Ctrl-C stops the broker, not the copy of its shutdown lines into the log.
  exec "${CMD[@]}" > >(trap '' INT; exec tee -a "$LOG_FILE") 2>&1
fi
