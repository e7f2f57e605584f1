#!/usr/bin/env bash
# The end-to-end broker suite (bench/README.md, "Broker suite"): builds the bench module, then runs
# io.sediment.bench.broker.BrokerSuite from the repository root with any options given here (see SuiteConfig).
# Writes bench/results/broker.md and bench/results/broker-*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl bench -am package -DskipTests
exec java -cp "bench/target/classes:$(cat bench/target/broker-suite-classpath.txt)" \
    io.sediment.bench.broker.BrokerSuite "$@"
