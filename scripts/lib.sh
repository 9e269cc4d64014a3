# Shared helpers for the ringkv scripts. Sourced, never run.
# shellcheck shell=bash

RINGKV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Data, logs, pid files and secrets the scripts and the processes they start create are the
# user's alone: another user of the machine must not read values or the cluster's secrets.
umask 077
MANAGER_JAR="$RINGKV_ROOT/manager/target/ringkv-manager.jar"
STORAGE_JAR="$RINGKV_ROOT/storage/target/ringkv-storage.jar"
CLIENT_JAR="$RINGKV_ROOT/client/target/ringkv-client.jar"
# Small heaps: a laptop runs the manager and many nodes side by side. Servers run the JVM's
# optimizing compiler (C2): for their first 30-40 s under load, eight JVMs compiling on two cores
# run at a fraction of their speed, and from then on a node serves 1.5-2x what the quick compiler
# alone (TieredStopAtLevel=1, which the command-line client keeps: it lives a second) allows.
# Measured with bench.jar's throughput run, 7 nodes at rep 3 on 2 cores, after 600k operations
# of warm-up: 39-41k ops/s with the quick compiler, 58-65k with C2. A server runs for days, so it
# gets the fast code. C2 waits for 8 times its default call counts before it compiles a method
# (the Tier4 thresholds): code that runs only while a node starts then stays with C1, and the
# request path, called thousands of times a second, still reaches C2 within seconds. A 7-node
# start took a median 6.75 s instead of 7.6 s (5.9 s with C1 alone), with 15% less CPU, and the
# rate at rep 3 after warm-up was the same (28.9k / 33.8k against 29.1k / 28.8k ops/s, alternated).
# Network buffers live outside the heap and are capped too (MaxDirectMemorySize): a node's 64
# single calls (--max-in-flight) can each hold a 1 MiB message there while it arrives, up to
# twice that in read buffers, plus its streams' windows. Past the cap a connection is closed;
# the process lives. Override with RINGKV_SERVER_JVM_OPTS, or add to it with
# RINGKV_SERVER_JVM_EXTRA_OPTS (the tests add -XX:TieredStopAtLevel=1: their clusters live
# under a minute).
C2_LATER="-XX:Tier4InvocationThreshold=40000 -XX:Tier4MinInvocationThreshold=4800 -XX:Tier4CompileThreshold=120000 -XX:Tier4BackEdgeThreshold=320000"
SERVER_JVM_OPTS="${RINGKV_SERVER_JVM_OPTS:--Xmx256m -XX:MaxDirectMemorySize=256m -Xss512k -XX:+UseSerialGC $C2_LATER -XX:+ExitOnOutOfMemoryError -Dio.grpc.netty.shaded.io.netty.leakDetection.level=disabled} ${RINGKV_SERVER_JVM_EXTRA_OPTS:-}"
# The manager's work is light (heartbeats, now and then a table change): the quick compiler
# serves it well, and a cluster's start is spared the optimizing compiler's work on it, about a
# second of CPU of the 13 or so that 8 JVMs starting on 2 cores share.
MANAGER_JVM_OPTS="$SERVER_JVM_OPTS -XX:TieredStopAtLevel=1"
CLIENT_JVM_OPTS="${RINGKV_CLIENT_JVM_OPTS:--Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto}"
# Class data sharing: most of a server JVM's start-up CPU is loading and verifying the same few
# thousand classes (gRPC, Netty, protobuf, RocksDB). After a build, the first manager and the first
# node started record what they load when they stop normally (stop_service.sh); the archive then
# lives next to its jar (target/*.jsa) and every later start maps it. 7 nodes on 2 cores start in
# about 3.0 s instead of 3.9 s, with a quarter less CPU. A rebuilt jar is recorded again; a JVM
# that finds an archive not matching its jar runs without it.

die() {
  echo "error: $*" >&2
  exit 1
}

# Builds the runnable jars if any is missing, so a fresh clone needs no separate build step.
ensure_jars() {
  if [[ -f "$MANAGER_JAR" && -f "$STORAGE_JAR" && -f "$CLIENT_JAR" ]]; then
    return
  fi
  build_jars
}

# Builds every jar; on failure shows the end of the build's output.
build_jars() {
  command -v mvn >/dev/null || die "the jars are not built and Maven (mvn) is not installed"
  echo "building ringkv (first run only) ..." >&2
  local log
  log="$(mktemp)"
  if ! (cd "$RINGKV_ROOT" && mvn -q -B -DskipTests package) >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "the build failed; run 'mvn -B -DskipTests package' to see all of it"
  fi
  rm -f "$log"
}

# Reads RUN_DIR/cluster.env (written by start_service.sh) into the environment.
load_cluster_env() {
  local env_file="$RUN_DIR/cluster.env"
  [[ -f "$env_file" ]] || die "no cluster was started in $RUN_DIR (no cluster.env); use scripts/start_service.sh"
  # shellcheck disable=SC1090
  source "$env_file"
}

# The pid in a pid file if that process is still alive and is a ringkv process, else nothing.
live_pid() {
  local pid_file="$1" pid
  [[ -f "$pid_file" ]] || return 0
  pid="$(cat "$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if is_running "$pid" && grep -q ringkv "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

# Whether a process is running. A zombie whose threads have all exited is not: it holds no port
# and no file any more. But the main thread of a killed JVM can turn zombie while its other
# threads are still exiting, and they hold the process's files (its listening socket among
# them) until the last one is gone: the process runs while /proc/PID/task lists more than one.
# The state follows the command name, which may itself hold ") ".
is_running() {
  local stat tasks
  # read, not $(<file): under set -e a $(<file) whose file has gone ends the whole script
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" == Z ]] || return 0
  tasks=(/proc/"$1"/task/*)
  ((${#tasks[@]} > 1))
}

# Waits until every pid given after SECONDS has exited, at most SECONDS in all; fails if one
# has not.
await_exit() {
  local deadline=$((SECONDS + $1)) pid
  shift
  for pid in "$@"; do
    while is_running "$pid"; do
      ((SECONDS < deadline)) || return 1
      sleep 0.05
    done
  done
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The --tls/--token-file flags of the cluster (from cluster.env), for any of its processes.
security_flags() {
  SECURITY_FLAGS=()
  [[ -z "${TLS_DIR:-}" ]] || SECURITY_FLAGS+=(--tls "$TLS_DIR")
  [[ -z "${TOKEN_FILE:-}" ]] || SECURITY_FLAGS+=(--token-file "$TOKEN_FILE")
}

# As security_flags, plus the cluster secret that manager, nodes and the operator's status tool
# (never clients) share.
server_security_flags() {
  security_flags
  [[ -z "${CLUSTER_SECRET_FILE:-}" ]] || SECURITY_FLAGS+=(--cluster-secret-file "$CLUSTER_SECRET_FILE")
}

# Starts one storage node in the background and records its pid; more arguments go to the node.
start_storage() {
  local id="$1" port="$2"
  shift 2
  mkdir -p "$RUN_DIR/data/$id" "$RUN_DIR/logs" "$RUN_DIR/pids"
  server_security_flags
  # shellcheck disable=SC2086
  nohup java $SERVER_JVM_OPTS $(class_archive_flags "$STORAGE_JAR" "$id") -jar "$STORAGE_JAR" --id "$id" --port "$port" \
    --data-dir "$RUN_DIR/data/$id" --manager "$(manager_addresses)" "${SECURITY_FLAGS[@]}" \
    --metrics-port "$(metrics_port_of "$id")" "$@" \
    --log-file "$RUN_DIR/logs/$id.log" >>"$RUN_DIR/logs/$id.out" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/pids/$id.pid"
}

# Starts manager ID (manager alone, or managerK of several) in the background and records its pid.
start_manager() {
  local id="$1" group=()
  mkdir -p "$RUN_DIR/data/$id" "$RUN_DIR/logs" "$RUN_DIR/pids"
  server_security_flags
  ((${MANAGERS:-1} == 1)) || group=(--id "$id" --managers "$(manager_group)")
  # The script's nodes are server1..N; the manager admits them when they first register.
  # shellcheck disable=SC2086
  nohup java $MANAGER_JVM_OPTS $(class_archive_flags "$MANAGER_JAR" "$id") -jar "$MANAGER_JAR" --port "$(port_of "$id")" --allow-join \
    "${group[@]}" --data-dir "$RUN_DIR/data/$id" --rep "$REP" --tokens "$TOKENS" \
    --failure-timeout-ms "$FAILURE_TIMEOUT_MS" "${SECURITY_FLAGS[@]}" \
    --metrics-port "$(metrics_port_of "$id")" \
    --log-file "$RUN_DIR/logs/$id.log" >>"$RUN_DIR/logs/$id.out" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/pids/$id.pid"
}

# The managers' ids: manager alone, or manager1..managerM.
manager_ids() {
  if ((${MANAGERS:-1} == 1)); then
    echo manager
  else
    for ((k = 1; k <= MANAGERS; k++)); do echo "manager$k"; done
  fi
}

# Every manager's address, comma-separated, as nodes and tools take them.
manager_addresses() {
  local id addresses=()
  for id in $(manager_ids); do addresses+=("127.0.0.1:$(port_of "$id")"); done
  (IFS=,; echo "${addresses[*]}")
}

# The managers' group as the managers take it: ID=HOST:PORT,...
manager_group() {
  local id members=()
  for id in $(manager_ids); do members+=("$id=127.0.0.1:$(port_of "$id")"); done
  (IFS=,; echo "${members[*]}")
}

# JVM flags for process ID running JAR: map the jar's class archive; or, if it has none and no
# live process of this run dir records one, record one when ID stops normally; or none. (The
# scripts start processes one after another, so two never claim the recording at once.)
class_archive_flags() {
  local jar="$1" id="$2" archive="${1%.jar}.jsa" recordings="$RUN_DIR/class-archives"
  local recorder="$recordings/$(basename "$archive").recorder" claimant=""
  if [[ -f "$archive" && "$archive" -nt "$jar" ]]; then
    echo "-XX:SharedArchiveFile=$archive"
    return
  fi
  mkdir -p "$recordings"
  [[ ! -f "$recorder" ]] || claimant="$(cat "$recorder")"
  # A claimant that is this very id being started again, or that is gone, lost its recording.
  if [[ -z "$claimant" || "$claimant" == "$id" || -z "$(live_pid "$RUN_DIR/pids/$claimant.pid")" ]]; then
    echo "$id" >"$recorder"
    echo "-XX:ArchiveClassesAtExit=$recordings/$(basename "$archive").$id -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

# Once the processes of this run dir have stopped: puts each finished recording next to its jar
# if the JVM accepts it, and frees the recorder's claim so a later start may record again.
install_class_archives() {
  local recordings="$RUN_DIR/class-archives" jar archive recorder id recording
  [[ -d "$recordings" ]] || return 0
  for jar in "$MANAGER_JAR" "$STORAGE_JAR"; do
    archive="${jar%.jar}.jsa"
    recorder="$recordings/$(basename "$archive").recorder"
    [[ -f "$recorder" ]] || continue
    id="$(cat "$recorder")"
    [[ -z "$(live_pid "$RUN_DIR/pids/$id.pid")" ]] || continue
    recording="$recordings/$(basename "$archive").$id"
    # shellcheck disable=SC2086
    if [[ -s "$recording" ]] && java $SERVER_JVM_OPTS -Xshare:on -XX:SharedArchiveFile="$recording" \
        -cp "$jar" -version >/dev/null 2>&1; then
      cp "$recording" "$archive.$$" && mv -f "$archive.$$" "$archive"
    fi
    rm -f "$recording" "$recorder"
  done
}

# Nodes an operator removed from this run dir's cluster (scripts/admin removenode), one per line.
is_removed() {
  [[ -f "$RUN_DIR/removed" ]] && grep -qx "$1" "$RUN_DIR/removed"
}

removed_count() {
  if [[ -f "$RUN_DIR/removed" ]]; then sort -u "$RUN_DIR/removed" | wc -l; else echo 0; fi
}

# Metrics port of a node id: METRICS_PORT for manager(1), - (K-1) for managerK, + N for serverN;
# -1 for none.
metrics_port_of() {
  local id="$1" port
  if [[ "${METRICS_PORT:--1}" == -1 ]]; then
    echo -1
    return
  fi
  port="$(port_of "$id")"
  echo $((METRICS_PORT + port - MANAGER_PORT))
}

# Port of a node id: MANAGER_PORT for the manager alone; managers count down from it (managerK
# on MANAGER_PORT - (K-1)) and storage nodes up (serverN on MANAGER_PORT + N).
port_of() {
  local id="$1" managers="${MANAGERS:-1}"
  if [[ "$id" == manager ]] && ((managers == 1)); then
    echo "$MANAGER_PORT"
  elif [[ "$id" =~ ^manager([0-9]+)$ ]] && ((managers > 1 && BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= managers)); then
    echo $((MANAGER_PORT - BASH_REMATCH[1] + 1))
  elif [[ "$id" =~ ^server([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= NODES)); then
    echo $((MANAGER_PORT + BASH_REMATCH[1]))
  else
    die "no node '$id' in this cluster (nodes are $(manager_ids | paste -sd, -) and server1..server$NODES)"
  fi
}

cluster_status() {
  status_command
  "${STATUS_COMMAND[@]}" "$@"
}

# The operator's status tool for this cluster as a command, in STATUS_COMMAND: run in the
# background, its pid is the tool's own.
status_command() {
  server_security_flags
  # shellcheck disable=SC2206
  STATUS_COMMAND=(java $CLIENT_JVM_OPTS -cp "$CLIENT_JAR" dev.ringkv.client.cli.ClusterStatus
    --manager "$(manager_addresses)" --run-dir "$RUN_DIR" "${SECURITY_FLAGS[@]}")
}

# Parses the --run-dir option common to every script; sets RUN_DIR.
RUN_DIR="$RINGKV_ROOT/run"
