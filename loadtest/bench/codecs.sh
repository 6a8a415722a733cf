#!/usr/bin/env bash
# What each codec makes of a dataset's values (no Redis): average stored bytes per value, encode and
# decode µs per value, for lz4, zstd levels, dictionaries of several sizes trained on the first values, and
# an fsst symbol table and a json model trained on the same values (every codec with min-size 0).
#
#   loadtest/bench/codecs.sh                                  # sessions, 20,000 values
#   loadtest/bench/codecs.sh --dataset text --values 5000 --train-after 500
#   loadtest/bench/codecs.sh --dataset small --values 300000 --keys-matching "user:*:email"
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=loadtest/target/redis-compactor-loadtest.jar
[ -f "$JAR" ] || mvn -q -DskipTests package
exec java -cp "$JAR" io.compactor.loadtest.codecs.CodecComparison "$@"
