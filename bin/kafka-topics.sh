#!/usr/bin/env bash
# kafka-topics.sh as in Apache Kafka, on Sediment's tools (bin/sediment topics --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" topics "$@"
