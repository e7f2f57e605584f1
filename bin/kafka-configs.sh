#!/usr/bin/env bash
# kafka-configs.sh as in Apache Kafka, on Sediment's tools (bin/sediment configs --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" configs "$@"
