#!/usr/bin/env bash
# Prints the live cluster table: node id, pid, address, state.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/status.sh [--run-dir DIR]

Asks the manager of the cluster in DIR (default: $RINGKV_ROOT/run) for its current table.
USAGE
}

while (($#)); do
  case "$1" in
    --run-dir) RUN_DIR="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
load_cluster_env
ensure_jars
cluster_status
