#!/usr/bin/env bash
# Creates (or checks) the class-data archive bin/kafka-server-start.sh starts the broker with, without starting a
# broker, and prints its path: for packaging, or to keep the training run out of a timed start (the broker suite in
# bench/ runs it before each Sediment start). Reads the same environment as kafka-server-start.sh (JAVA_HOME,
# KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, SEDIMENT_CDS) and builds the broker first if it must.
# Exit status 1 when no usable archive could be made (the start script would then start without one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bin/sediment-broker-env.sh
. "$ROOT/bin/sediment-broker-env.sh"
sediment_broker_env
sediment_cds_archive
if [ ${#CDS_OPTS[@]} -eq 0 ]; then
  exit 1
fi
echo "${CDS_OPTS[0]#-XX:SharedArchiveFile=}"
