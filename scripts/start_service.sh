#!/usr/bin/env bash
# Starts a ringkv cluster: one manager (or 3 or 5) and N storage nodes, as background processes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/start_service.sh --nodes N --rep K [options]

Starts the manager on PORT and storage nodes server1..serverN on PORT+1..PORT+N, waits until
all of them are up, and prints the cluster table. With --managers M, managers manager1..managerM
run on PORT, PORT-1, .., PORT-M+1. Each manager, even alone, also speaks Raft on its port + 10000
(bound to 127.0.0.1). Builds the jars first if they are missing.
Starting again in the same run dir restarts the same cluster with its data.

Options:
  --nodes N               number of storage nodes (1-64)
  --rep K                 replication factor, at most N
  --run-dir DIR           where pids/, logs/ and data/ go (default: $RINGKV_ROOT/run)
  --port P                manager port (default: 7051)
  --managers M            1, 3 or 5 managers keeping the cluster's state together; changes
                          need a majority of them up (default: 1)
  --tokens T              tokens (virtual nodes) per storage node (default: 128)
  --failure-timeout-ms MS heartbeat silence before a node is marked DOWN (default: 2000)
  --metrics-port M        the manager serves Prometheus metrics on http://127.0.0.1:M/metrics
                          and serverI on M+I (default: PORT+1000, so 8051, 8052, ...); -1 for
                          none. With --token-file, scrapes need the token as a bearer header.
  --tls DIR               every endpoint serves TLS; nodes and manager use mutual TLS. The
                          certificates come from DIR, made there by gen_certs.sh if missing.
                          Clients then need: scripts/client --tls DIR ...
  --token-file FILE       clients need the bearer token in FILE (a random one is written there
                          if FILE does not exist; it must be private, 16+ characters). Clients
                          then need: --token-file FILE. Without --tls, the nodes and the manager
                          also share a cluster secret (RUN_DIR/cluster-secret, made here) so that
                          no client can pose as a node.
  -h, --help              show this help
USAGE
}

NODES="" REP="" MANAGERS=1 MANAGER_PORT=7051 METRICS_PORT="" TOKENS=128 FAILURE_TIMEOUT_MS=2000 TLS_DIR="" TOKEN_FILE=""
while (($#)); do
  case "$1" in
    --nodes) NODES="${2:-}"; shift 2 ;;
    --rep) REP="${2:-}"; shift 2 ;;
    --run-dir) RUN_DIR="${2:-}"; shift 2 ;;
    --port) MANAGER_PORT="${2:-}"; shift 2 ;;
    --managers) MANAGERS="${2:-}"; shift 2 ;;
    --tokens) TOKENS="${2:-}"; shift 2 ;;
    --metrics-port) METRICS_PORT="${2:-}"; shift 2 ;;
    --failure-timeout-ms) FAILURE_TIMEOUT_MS="${2:-}"; shift 2 ;;
    --tls) TLS_DIR="${2:-}"; shift 2 ;;
    --token-file) TOKEN_FILE="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

[[ "$NODES" =~ ^[0-9]+$ ]] && ((NODES >= 1 && NODES <= 64)) \
  || { echo "error: --nodes must be a number from 1 to 64, got '$NODES'" >&2; exit 2; }
[[ "$REP" =~ ^[0-9]+$ ]] && ((REP >= 1)) \
  || { echo "error: --rep must be a number of at least 1, got '$REP'" >&2; exit 2; }
((REP <= NODES)) || { echo "error: replication factor $REP exceeds the $NODES nodes" >&2; exit 2; }
[[ "$MANAGERS" =~ ^[135]$ ]] \
  || { echo "error: --managers must be 1, 3 or 5 (a majority must stay up), got '$MANAGERS'" >&2; exit 2; }
LOWEST_PORT=$((MANAGER_PORT - MANAGERS + 1))
[[ "$MANAGER_PORT" =~ ^[0-9]+$ ]] && ((LOWEST_PORT >= 1024 && MANAGER_PORT + NODES <= 55535)) \
  || { echo "error: --port must leave room for $MANAGERS manager and $NODES node ports, and the managers' Raft ports 10000 above, below 65536, got '$MANAGER_PORT'" >&2; exit 2; }
METRICS_PORT="${METRICS_PORT:-$((MANAGER_PORT + 1000))}"
if [[ "$METRICS_PORT" != -1 ]]; then
  [[ "$METRICS_PORT" =~ ^[0-9]+$ ]] && ((METRICS_PORT >= 1024 && METRICS_PORT + NODES <= 65535)) \
    && ((METRICS_PORT - MANAGERS + 1 > MANAGER_PORT + NODES || METRICS_PORT + NODES < LOWEST_PORT)) \
    && ((METRICS_PORT - MANAGERS + 1 >= 1024)) \
    || { echo "error: --metrics-port must be -1, or leave room for $MANAGERS + $NODES ports below 65536 apart from the gRPC ports $LOWEST_PORT-$((MANAGER_PORT + NODES)), got '$METRICS_PORT'" >&2; exit 2; }
fi

mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
if [[ -f "$RUN_DIR/cluster.env" ]]; then
  old_nodes="$(sed -n 's/^NODES=//p' "$RUN_DIR/cluster.env")"
  old_rep="$(sed -n 's/^REP=//p' "$RUN_DIR/cluster.env")"
  old_managers="$(sed -n 's/^MANAGERS=//p' "$RUN_DIR/cluster.env")"
  if [[ "$old_nodes" != "$NODES" || "$old_rep" != "$REP" || "${old_managers:-1}" != "$MANAGERS" ]]; then
    die "$RUN_DIR holds a cluster started with --nodes $old_nodes --rep $old_rep --managers ${old_managers:-1}; start it with those, pick another --run-dir, or delete $RUN_DIR for a new cluster"
  fi
fi
for pid_file in "$RUN_DIR"/pids/*.pid; do
  [[ -e "$pid_file" ]] || continue
  pid="$(live_pid "$pid_file")"
  [[ -z "$pid" ]] || die "a cluster is already running in $RUN_DIR ($(basename "$pid_file" .pid) is pid $pid); stop it with scripts/stop_service.sh"
done
for ((port = LOWEST_PORT; port <= MANAGER_PORT + NODES; port++)); do
  ! port_in_use "$port" || die "port $port is already in use; pick another range with --port"
done
for ((port = LOWEST_PORT + 10000; port <= MANAGER_PORT + 10000; port++)); do
  ! port_in_use "$port" || die "port $port (a manager's Raft port) is already in use; pick another range with --port"
done
if [[ "$METRICS_PORT" != -1 ]]; then
  for ((port = METRICS_PORT - MANAGERS + 1; port <= METRICS_PORT + NODES; port++)); do
    ! port_in_use "$port" || die "metrics port $port is already in use; pick another range with --metrics-port (or -1 for none)"
  done
fi

ensure_jars
if [[ -n "$TLS_DIR" ]]; then
  "$(dirname "$0")/gen_certs.sh" "$TLS_DIR" --nodes "$NODES" >/dev/null
  TLS_DIR="$(cd "$TLS_DIR" && pwd)"
fi
if [[ -n "$TOKEN_FILE" ]]; then
  if [[ ! -f "$TOKEN_FILE" ]]; then
    mkdir -p "$(dirname "$TOKEN_FILE")"
    (umask 077 && openssl rand -hex 32 >"$TOKEN_FILE")
    echo "wrote a new client token to $TOKEN_FILE"
  fi
  TOKEN_FILE="$(cd "$(dirname "$TOKEN_FILE")" && pwd)/$(basename "$TOKEN_FILE")"
fi
CLUSTER_SECRET_FILE=""
if [[ -n "$TOKEN_FILE" && -z "$TLS_DIR" ]]; then
  # Without TLS, nodes prove to each other and to the manager that they belong with a secret
  # that clients never see; the client token alone would let any client pose as a node.
  CLUSTER_SECRET_FILE="$RUN_DIR/cluster-secret"
  if [[ ! -f "$CLUSTER_SECRET_FILE" ]]; then
    (umask 077 && openssl rand -hex 32 >"$CLUSTER_SECRET_FILE")
  fi
fi
rm -f "$RUN_DIR"/pids/*.pid
cat >"$RUN_DIR/cluster.env" <<ENV
MANAGER_PORT=$MANAGER_PORT
MANAGERS=$MANAGERS
METRICS_PORT=$METRICS_PORT
NODES=$NODES
REP=$REP
TOKENS=$TOKENS
FAILURE_TIMEOUT_MS=$FAILURE_TIMEOUT_MS
TLS_DIR=$TLS_DIR
TOKEN_FILE=$TOKEN_FILE
CLUSTER_SECRET_FILE=$CLUSTER_SECRET_FILE
ENV

for id in $(manager_ids); do
  start_manager "$id"
done
for ((i = 1; i <= NODES; i++)); do
  is_removed "server$i" || start_storage "server$i" $((MANAGER_PORT + i))
done

# Wait for every node to be UP: one status process waits (a JVM per poll would take CPU from
# the starting processes); fail fast, and clean up, if any process dies meanwhile.
stop_all() {
  kill "$waiter" 2>/dev/null && wait "$waiter" 2>/dev/null || true
  "$(dirname "$0")/stop_service.sh" --run-dir "$RUN_DIR" >/dev/null
}
wait_err="$RUN_DIR/logs/start-wait.err"
status_command
"${STATUS_COMMAND[@]}" --wait-up "$((NODES - $(removed_count)))" --wait-timeout 90000 2>"$wait_err" &
waiter=$!
started=()
for pid_file in "$RUN_DIR"/pids/*.pid; do started+=("$(basename "$pid_file" .pid)=$(cat "$pid_file")"); done
while is_running "$waiter"; do
  for process in "${started[@]}"; do
    if ! is_running "${process#*=}"; then
      id="${process%%=*}"
      echo "error: $id exited during start-up; the end of its log and output:" >&2
      tail -n 15 "$RUN_DIR/logs/$id.log" "$RUN_DIR/logs/$id.out" >&2 2>/dev/null || true
      stop_all
      exit 1
    fi
  done
  sleep 0.1
done
if ! wait "$waiter"; then
  echo "error: the cluster did not come up ($(tail -n 1 "$wait_err")); logs are in $RUN_DIR/logs" >&2
  stop_all
  exit 1
fi
rm -f "$wait_err"
if ((MANAGERS == 1)); then
  echo "ringkv is up: manager on 127.0.0.1:$MANAGER_PORT, run dir $RUN_DIR"
else
  echo "ringkv is up: managers $(manager_group), run dir $RUN_DIR"
fi
if [[ "$METRICS_PORT" != -1 ]]; then
  echo "dashboard: http://127.0.0.1:$METRICS_PORT/"
  echo "metrics: http://127.0.0.1:$METRICS_PORT/metrics ($(manager_ids | head -1)), ports $((METRICS_PORT + 1))-$((METRICS_PORT + NODES)) (server1-server$NODES)"
fi
