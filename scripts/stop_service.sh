#!/usr/bin/env bash
# Stops every process of a ringkv cluster started by start_service.sh: SIGTERM, then SIGKILL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/stop_service.sh [--run-dir DIR]

Stops the manager and every storage node recorded in DIR/pids (default: $RINGKV_ROOT/run):
a SIGTERM first, so nodes finish in-flight requests, then SIGKILL after 10 s. Data stays in
DIR/data; start_service.sh with the same run dir brings the cluster back.
USAGE
}

while (($#)); do
  case "$1" in
    --run-dir) RUN_DIR="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

[[ -d "$RUN_DIR/pids" ]] || { echo "nothing to stop in $RUN_DIR"; exit 0; }
pids=()
for pid_file in "$RUN_DIR"/pids/*.pid; do
  [[ -e "$pid_file" ]] || continue
  pid="$(live_pid "$pid_file")"
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  fi
  rm -f "$pid_file"
done
if ! await_exit 10 "${pids[@]}"; then
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  await_exit 30 "${pids[@]}" || die "a process has not exited within 30 s of kill -9: ${pids[*]}"
fi
install_class_archives
echo "stopped ${#pids[@]} processes"
