#!/usr/bin/env bash
# Runs the benchmark jar, building it first if needed: scripts/bench.sh throughput|loadbalance [...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BENCH_JAR="$RINGKV_ROOT/bench/target/bench.jar"
if [[ ! -f "$BENCH_JAR" ]]; then
  command -v mvn >/dev/null || die "the bench jar is not built and Maven (mvn) is not installed"
  echo "building ringkv (first run only) ..." >&2
  (cd "$RINGKV_ROOT" && mvn -q -B -DskipTests package) >&2 || die "the build failed"
fi
ensure_jars
exec java -Xmx1g -XX:+UseParallelGC -jar "$BENCH_JAR" "$@"
