#!/usr/bin/env bash
# Runs the benchmark jar, building it first if needed: scripts/bench.sh throughput|loadbalance|compare-etcd [...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BENCH_JAR="$RINGKV_ROOT/bench/target/bench.jar"
if [[ ! -f "$BENCH_JAR" ]]; then
  build_jars
fi
ensure_jars
exec java -Xmx1g -XX:+UseParallelGC -jar "$BENCH_JAR" "$@"
