#!/usr/bin/env bash
# kafka-broker-api-versions.sh as in Apache Kafka, on Sediment's tools (bin/sediment broker-api-versions --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" broker-api-versions "$@"
