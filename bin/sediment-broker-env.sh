# Sourced by bin/kafka-server-start.sh and bin/sediment-cds-archive.sh (not run by itself): how the broker's JVM
# is put together, in one place, so that the class-data archive is trained on exactly the command line it serves.
# The caller sets ROOT (the repository root) and `set -euo pipefail`.
#
# sediment_broker_env sets JAVA, CLASSPATH, HEAP_OPTS, PERF_OPTS and LOG_OPTS (an array), building the broker first
# when broker/target/classpath.txt or its jar is missing, or broker/pom.xml is newer than classpath.txt. LOG_OPTS:
# every log line (the engine's through java.util.logging, the broker's and kafka-clients' through slf4j-jdk14 into
# java.util.logging) is configured by config/logging.properties and written by LogLineFormatter as
# "yyyy-MM-dd HH:mm:ss,SSS [logger] LEVEL message" to stderr; BrokerLogManager keeps the handlers open until the
# broker's shutdown hook has logged its last lines. No -Djava.util.logging.SimpleFormatter.format: every
# ConsoleHandler first makes a SimpleFormatter, whose constructor validates that property with String.format (the
# JDK's locale data, ~25 ms of CPU at a start), even when the configuration then gives it LogLineFormatter.
#
# sediment_cds_archive sets CDS_OPTS (an array: -XX:SharedArchiveFile=<archive>, or empty) after making sure the
# archive is there and current. The archive is a JDK 17 dynamic AppCDS archive: the JVM maps the broker's classes,
# already parsed and verified, instead of loading ~2,000 of them from jars at every start. It lives in
# broker/target/cds/ (mvn clean removes it) and is named after a key of everything it depends on: the JDK (the real
# path of `java`, size and time of its lib/modules and libjvm.so), the exact classpath, and size and time of every
# jar on it. A rebuilt jar, a changed classpath or another JDK gives another name, so the archive is trained again
# (a few seconds, once): ClassDataTraining starts the broker on an ephemeral 127.0.0.1 port in a temp dir, serves
# a few real requests, stops cleanly, and the JVM writes the classes at exit (-XX:ArchiveClassesAtExit). The new
# archive is checked (-XX:+PrintSharedArchiveAndExit) before it is moved into place, with a .ok stamp of its size,
# inode and time; an archive whose stamp does not match (overwritten, truncated, garbage) is trained again too.
# The start uses -Xshare:auto (the default), never -Xshare:on: should the JVM still find the archive unusable (for
# instance with KAFKA_OPTS that change the class path or compressed pointers), it starts without it. Any failure
# to train only prints a warning: the broker then starts as it would without an archive.
# SEDIMENT_CDS=off skips all of this.

sediment_broker_env() {
  local cp_file="$ROOT/broker/target/classpath.txt" jar
  jar="$(sediment_broker_jar)"
  if [ ! -s "$cp_file" ] || [ -z "$jar" ] || [ "$ROOT/broker/pom.xml" -nt "$cp_file" ]; then
    echo "Building Sediment (first run, or broker/pom.xml changed; this takes a minute)..." >&2
    # Maven 3.8 prints bare colour resets (ESC[0m) even with -B -q; pipefail keeps its exit status.
    (cd "$ROOT" && mvn -B -q -DskipTests -pl broker -am package 2>&1 | sed 's/\x1b\[0m//g')
    jar="$(sediment_broker_jar)"
  fi
  CLASSPATH="$jar:$(cat "$cp_file")"
  if [ -n "${JAVA_HOME:-}" ]; then
    JAVA="$JAVA_HOME/bin/java"
  else
    JAVA="java"
  fi
  HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m}"
  PERF_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true}"
  LOG_OPTS=("-Djava.util.logging.config.file=$ROOT/config/logging.properties"
            -Djava.util.logging.manager=io.sediment.broker.BrokerLogManager)
}

sediment_broker_jar() {
  ls "$ROOT"/broker/target/sediment-broker-*.jar 2>/dev/null | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | head -n 1 || true
}

# Prints the archive's stamp: size, inode and modification time (to the nanosecond).
sediment_cds_stamp() {
  stat -c '%s %i %y' "$1" 2>/dev/null || true
}

sediment_cds_archive() {
  CDS_OPTS=()
  if [ "${SEDIMENT_CDS:-on}" = off ]; then
    return 0
  fi
  local java_real jdk key stamp="" dir archive entries
  java_real="$(readlink -f "$(command -v "$JAVA" || echo "$JAVA")")"
  jdk="${java_real%/bin/java}"
  IFS=: read -r -a entries <<< "$CLASSPATH"
  # One stat for the JDK's files and every jar: a few milliseconds at each start.
  read -r key _ < <( { echo "sediment-cds-v1 $java_real"; echo "$CLASSPATH";
                       stat -L -c '%n %s %Y' "$jdk/lib/modules" "$jdk/lib/server/libjvm.so" "${entries[@]}" 2>&1; } \
                     | md5sum)
  dir="$ROOT/broker/target/cds"
  archive="$dir/broker-${key:0:16}.jsa"
  if [ -f "$archive.ok" ]; then
    read -r stamp < "$archive.ok" || true
  fi
  if [ -n "$stamp" ] && [ "$stamp" = "$(sediment_cds_stamp "$archive")" ]; then
    CDS_OPTS=("-XX:SharedArchiveFile=$archive")
    return 0
  fi
  if sediment_cds_train "$dir" "$archive"; then
    CDS_OPTS=("-XX:SharedArchiveFile=$archive")
  fi
  return 0
}

# Trains a new archive into a temp file beside $2, checks it and moves it into place; 1 (with a warning) if any step
# fails. Concurrent starts may both train: each moves its own complete file, the last one wins.
sediment_cds_train() {
  local dir="$1" archive="$2" tmp work log status=0
  mkdir -p "$dir" || return 1
  log="$dir/training.log"
  echo "Creating the class-data archive $archive (after a build or a JDK change; a few seconds)..." >&2
  tmp="$(mktemp "$dir/.training-XXXXXX.jsa")" && work="$(mktemp -d "${TMPDIR:-/tmp}/sediment-cds.XXXXXX")" || return 1
  rm -f "$tmp"
  # shellcheck disable=SC2086
  "$JAVA" $HEAP_OPTS $PERF_OPTS "${LOG_OPTS[@]}" "-XX:ArchiveClassesAtExit=$tmp" -cp "$CLASSPATH" \
      io.sediment.broker.ClassDataTraining "$work" > "$log" 2>&1 || status=$?
  rm -rf "$work"
  if [ "$status" -eq 0 ] && [ -s "$tmp" ] \
      && "$JAVA" "-XX:SharedArchiveFile=$tmp" -XX:+PrintSharedArchiveAndExit -cp "$CLASSPATH" >> "$log" 2>&1; then
    # Older archives are of other builds or JDKs: nothing will use them again.
    rm -f "$dir"/broker-*.jsa "$dir"/broker-*.jsa.ok
    mv -f "$tmp" "$archive" && sediment_cds_stamp "$archive" > "$archive.ok" && return 0
  fi
  rm -f "$tmp"
  echo "WARNING: could not create the class-data archive (see $log); starting without it." >&2
  return 1
}
