#!/usr/bin/env bash
# kafka-console-producer.sh as in Apache Kafka, on Sediment's tools (bin/sediment console-producer --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" console-producer "$@"
