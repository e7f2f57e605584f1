#!/usr/bin/env bash
# kafka-delete-records.sh as in Apache Kafka, on Sediment's tools (bin/sediment delete-records --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" delete-records "$@"
