#!/usr/bin/env bash
# kafka-get-offsets.sh as in Apache Kafka, on Sediment's tools (bin/sediment get-offsets --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" get-offsets "$@"
