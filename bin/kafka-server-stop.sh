#!/usr/bin/env bash
# Stops the Sediment broker started by bin/kafka-server-start.sh (found through the pid file it wrote in
# logs/), cleanly: SIGTERM runs the broker's shutdown, which closes every log and leaves the clean-shutdown marker.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG_DIR="${LOG_DIR:-$ROOT/logs}"
PID_FILE="$LOG_DIR/sediment-broker.pid"

if [ ! -s "$PID_FILE" ]; then
  echo "No Sediment broker to stop (no $PID_FILE)" >&2
  exit 1
fi
PID="$(cat "$PID_FILE")"
if ! kill -0 "$PID" 2>/dev/null; then
  echo "No Sediment broker to stop (pid $PID is not running)" >&2
  rm -f "$PID_FILE"
  exit 1
fi
kill -TERM "$PID"
for _ in $(seq 1 300); do
  if ! kill -0 "$PID" 2>/dev/null; then
    rm -f "$PID_FILE"
    exit 0
  fi
  sleep 0.1
done
echo "Sediment broker (pid $PID) did not stop within 30 s" >&2
exit 1
