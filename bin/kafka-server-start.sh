#!/usr/bin/env bash
# Starts a single-node Sediment broker, as Apache Kafka's script of the same name starts Kafka:
#
#   bin/kafka-server-start.sh [-daemon] config/server.properties [--override property=value]*
#
# The first run builds the broker (mvn -DskipTests -pl broker -am package), which also writes its runtime
# classpath to broker/target/classpath.txt (every build does); later runs start at once. It builds again when
# broker/pom.xml is newer than that file; delete the file to force a rebuild after changing code.
#
# The broker runs from the repository root (so log.dirs=./data means <repo>/data) and logs to logs/server.log.
# Environment: KAFKA_HEAP_OPTS (default -Xmx512m -Xms128m), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS,
# JAVA_HOME, LOG_DIR (default <repo>/logs).
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

CP_FILE="$ROOT/broker/target/classpath.txt"
find_jar() {
  ls "$ROOT"/broker/target/sediment-broker-*.jar 2>/dev/null | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | head -n 1 || true
}
if [ ! -s "$CP_FILE" ] || [ -z "$(find_jar)" ] || [ "$ROOT/broker/pom.xml" -nt "$CP_FILE" ]; then
  echo "Building Sediment (first run, or broker/pom.xml changed; this takes a minute)..." >&2
  # Maven 3.8 prints bare colour resets (ESC[0m) even with -B -q; pipefail keeps its exit status.
  (cd "$ROOT" && mvn -B -q -DskipTests -pl broker -am package 2>&1 | sed 's/\x1b\[0m//g')
fi
CLASSPATH="$(find_jar):$(cat "$CP_FILE")"

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m}"
PERF_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true}"
LOG_DIR="${LOG_DIR:-$ROOT/logs}"
mkdir -p "$LOG_DIR"
LOG_FILE="$LOG_DIR/server.log"
PID_FILE="$LOG_DIR/sediment-broker.pid"
LOG_OPTS=(-Dorg.slf4j.simpleLogger.showDateTime=true
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss,SSS"
          -Dorg.slf4j.simpleLogger.logFile=System.out
          -Dorg.slf4j.simpleLogger.defaultLogLevel=info
          "-Djava.util.logging.SimpleFormatter.format=%1\$tY-%1\$tm-%1\$td %1\$tH:%1\$tM:%1\$tS,%1\$tL [%3\$s] %4\$s %5\$s%6\$s%n")

# shellcheck disable=SC2086
CMD=("$JAVA" $HEAP_OPTS $PERF_OPTS "${LOG_OPTS[@]}" ${KAFKA_OPTS:-} -cp "$CLASSPATH"
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
