#!/usr/bin/env bash
# What each codec makes of a dataset's values (no Redis): average stored bytes per value, encode and
# decode µs per value, for lz4, zstd levels, and dictionaries of several sizes trained on the first values.
#
#   loadtest/bench/codecs.sh                                  # sessions, 20,000 values
#   loadtest/bench/codecs.sh --dataset text --values 5000 --train-after 500
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=loadtest/target/redis-compactor-loadtest.jar
[ -f "$JAR" ] || mvn -q -DskipTests package
exec java -cp "$JAR" io.compactor.loadtest.codecs.CodecComparison "$@"
