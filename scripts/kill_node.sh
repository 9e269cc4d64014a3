#!/usr/bin/env bash
# Kills one node of a running cluster with a real SIGKILL (kill -9), as a crash would.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/kill_node.sh ID [ID ...] [--run-dir DIR]

Sends SIGKILL to nodes (server1..serverN, or manager / manager1..managerM) of the cluster in DIR
(default: $RINGKV_ROOT/run), all in one kill -9, so several die at the same moment. Their data
stays; scripts/restart_node.sh ID brings each back.
USAGE
}

IDS=()
while (($#)); do
  case "$1" in
    --run-dir) RUN_DIR="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) IDS+=("$1"); shift ;;
  esac
done
((${#IDS[@]})) || { echo "error: which node? give an id such as server3 (see --help)" >&2; exit 2; }

load_cluster_env
pids=()
for id in "${IDS[@]}"; do
  port_of "$id" >/dev/null
  pid="$(live_pid "$RUN_DIR/pids/$id.pid")"
  [[ -n "$pid" ]] || die "$id is not running"
  pids+=("$pid")
done
kill -KILL "${pids[@]}"
# Gone, not just signalled: a restart right after finds the ports free.
await_exit 30 "${pids[@]}" || die "a killed process has not exited within 30 s: ${pids[*]}"
for i in "${!IDS[@]}"; do
  rm -f "$RUN_DIR/pids/${IDS[$i]}.pid"
  echo "killed ${IDS[$i]} (pid ${pids[$i]})"
done
