#!/usr/bin/env bash
# Kills one node of a running cluster with a real SIGKILL (kill -9), as a crash would.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/kill_node.sh ID [--run-dir DIR]

Sends SIGKILL to node ID (server1..serverN, or manager) of the cluster in DIR
(default: $RINGKV_ROOT/run). Its data stays; scripts/restart_node.sh ID brings it back.
USAGE
}

ID=""
while (($#)); do
  case "$1" in
    --run-dir) RUN_DIR="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [[ -z "$ID" ]] || { echo "error: one node id only" >&2; exit 2; }; ID="$1"; shift ;;
  esac
done
[[ -n "$ID" ]] || { echo "error: which node? give an id such as server3 (see --help)" >&2; exit 2; }

load_cluster_env
port_of "$ID" >/dev/null
pid="$(live_pid "$RUN_DIR/pids/$ID.pid")"
[[ -n "$pid" ]] || die "$ID is not running"
kill -KILL "$pid"
rm -f "$RUN_DIR/pids/$ID.pid"
echo "killed $ID (pid $pid)"
