#!/usr/bin/env bash
# kafka-verifiable-producer.sh as in Apache Kafka, on Sediment's tools (bin/sediment verifiable-producer --help for the options).
exec "$(dirname "${BASH_SOURCE[0]}")/sediment" verifiable-producer "$@"
