#!/usr/bin/env bash
# Restarts one node with the same id, port and data dir, so it rejoins with its old ranges.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/restart_node.sh ID [--run-dir DIR]

Starts node ID (server1..serverN, or manager / manager1..managerM) of the cluster in DIR (default: $RINGKV_ROOT/run)
again, with the same port and data dir, and waits until it is UP and has caught up on its
ranges.
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
port="$(port_of "$ID")"
pid="$(live_pid "$RUN_DIR/pids/$ID.pid")"
[[ -z "$pid" ]] || die "$ID is already running (pid $pid)"
! port_in_use "$port" || die "port $port of $ID is in use by another process"
ensure_jars
if [[ "$ID" == manager* ]]; then
  start_manager "$ID"
else
  start_storage "$ID" "$port"
fi
echo "started $ID (pid $(cat "$RUN_DIR/pids/$ID.pid")) on port $port"

# A manager is up when it answers itself with a table; a storage node when the managers' table
# shows it UP and caught up.
node_is_up() {
  local table
  if [[ "$ID" == manager* ]]; then
    server_security_flags
    # shellcheck disable=SC2086
    java $CLIENT_JVM_OPTS -cp "$CLIENT_JAR" dev.ringkv.client.cli.ClusterStatus \
      --manager "127.0.0.1:$port" "${SECURITY_FLAGS[@]}" >/dev/null 2>&1
    return
  fi
  table="$(cluster_status 2>/dev/null)" || return 1
  grep -Eq "^$ID +[^ ]+ +[^ ]+ +UP +yes " <<<"$table"
}
deadline=$((SECONDS + 60))
until node_is_up; do
  [[ -n "$(live_pid "$RUN_DIR/pids/$ID.pid")" ]] || die "$ID exited; see $RUN_DIR/logs/$ID.log and $ID.out"
  ((SECONDS < deadline)) || die "$ID did not come up within 60 s; see $RUN_DIR/logs/$ID.log"
  sleep 0.2
done
echo "$ID is up"
