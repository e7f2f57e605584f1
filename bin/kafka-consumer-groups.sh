#!/usr/bin/env bash
# kafka-consumer-groups.sh as in Apache Kafka, on Sediment's tools (bin/sediment consumer-groups --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" consumer-groups "$@"
