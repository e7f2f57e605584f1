#!/usr/bin/env bash
# kafka-console-consumer.sh as in Apache Kafka, on Sediment's tools (bin/sediment console-consumer --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" console-consumer "$@"
