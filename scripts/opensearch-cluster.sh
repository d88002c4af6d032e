#!/usr/bin/env bash
# A local OpenSearch 2.19 cluster of 1 to 3 nodes on loopback, for tracuu's development and tests.
#
#   scripts/opensearch-cluster.sh start [--nodes 1..3] [--http-port 9200] [--transport-port P]
#                                       [--dir DIR] [--heap 512m] [--timeout 240]
#   scripts/opensearch-cluster.sh stop   [--dir DIR] [--timeout 60]
#   scripts/opensearch-cluster.sh status [--dir DIR]
#   scripts/opensearch-cluster.sh build            (the launcher only: mvn package)
#
# Each node is its own JVM started from tools/opensearch-launcher (built with Maven on first use, then
# no network is needed). Node i listens on HTTP port http-port+i-1 and transport port
# transport-port+i-1 (default: http-port+100), on 127.0.0.1 only, plain HTTP, no security plugin.
# DIR (default .opensearch/ in the repo, git-ignored) holds cluster.env, node-i/ (home and data),
# node-i.pid and node-i.log. `start` waits for all nodes and a yellow (1 node) or green cluster,
# then prints the URL of node 1 on stdout (everything else goes to stderr). Running `start` again
# on the same DIR starts only the nodes that are not running, with the same ports (a killed node
# comes back). `stop` sends SIGTERM, waits, and sends SIGKILL only as a last resort.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LAUNCHER_DIR="$ROOT/tools/opensearch-launcher"
LAUNCHER_JAR="$LAUNCHER_DIR/target/tracuu-opensearch-launcher.jar"
MAIN_CLASS="vn.tracuu.opensearch.Launcher"

say() { echo "opensearch-cluster: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

CMD="${1:-}"
[ -n "$CMD" ] || usage
shift

NODES=""
HTTP_PORT=""
TRANSPORT_PORT=""
DIR="$ROOT/.opensearch"
HEAP=""
TIMEOUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES="${2:?--nodes needs a value}"; shift 2 ;;
    --http-port) HTTP_PORT="${2:?--http-port needs a value}"; shift 2 ;;
    --transport-port) TRANSPORT_PORT="${2:?--transport-port needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --heap) HEAP="${2:?--heap needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) usage ;;
    *) say "unknown option $1"; usage ;;
  esac
done
if [ "$CMD" = start ]; then
  mkdir -p "$DIR"
fi
if [ -d "$DIR" ]; then
  DIR="$(cd "$DIR" && pwd)"
elif [ "$CMD" = stop ] || [ "$CMD" = status ]; then
  say "no cluster in $DIR"
  [ "$CMD" = stop ] && exit 0
  exit 3
fi
ENV_FILE="$DIR/cluster.env"

is_number() { [[ "$1" =~ ^[0-9]+$ ]]; }

pid_of() { # pid of node $1 if it is running, else nothing
  local f="$DIR/node-$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  if is_number "$pid" && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS"; then
    echo "$pid"
  fi
}

port_in_use() { # something accepts connections on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

health() { # cluster health JSON from node 1's port $1, empty when unreachable
  curl -s --max-time 5 "http://127.0.0.1:$1/_cluster/health${2:-}" 2>/dev/null || true
}

json_field() { # crude but dependency-free: the value of "$2" in the JSON object $1
  sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"
}

load_env() {
  if [ -f "$ENV_FILE" ]; then
    # shellcheck disable=SC1090
    . "$ENV_FILE"
  fi
}

need_java() {
  command -v java >/dev/null 2>&1 || die "java not found: OpenSearch 2.19 needs Java 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v curl >/dev/null 2>&1 || die "curl not found: it is used to wait for the cluster (apt-get install curl)"
}

build() {
  if ! command -v mvn >/dev/null 2>&1; then
    die "mvn not found: Maven is needed once to build the launcher from Maven Central (apt-get install maven)"
  fi
  command -v java >/dev/null 2>&1 || die "java not found: Java 17 is needed to build the launcher"
  say "building the launcher (mvn package in tools/opensearch-launcher; downloads from Maven Central the first time)"
  mvn -q -B -Dstyle.color=never -f "$LAUNCHER_DIR/pom.xml" package -DskipTests >&2 || die "mvn package failed in tools/opensearch-launcher"
  [ -f "$LAUNCHER_JAR" ] || die "mvn package did not produce $LAUNCHER_JAR"
}

launcher_is_stale() {
  [ ! -f "$LAUNCHER_JAR" ] || [ ! -d "$LAUNCHER_DIR/target/lib" ] && return 0
  [ -n "$(find "$LAUNCHER_DIR/pom.xml" "$LAUNCHER_DIR/src" -newer "$LAUNCHER_JAR" -type f 2>/dev/null | head -1)" ]
}

start_node() { # start node $1 of $NODES in the background
  local i="$1" home="$DIR/node-$i" http=$((HTTP_PORT + $1 - 1)) transport=$((TRANSPORT_PORT + $1 - 1))
  local -a discovery
  if port_in_use "$http"; then die "port $http (HTTP of node $i) is already taken: choose another --http-port, or stop what uses it"; fi
  if port_in_use "$transport"; then die "port $transport (transport of node $i) is already taken: choose another --transport-port"; fi
  if [ "$NODES" = 1 ]; then
    discovery=(-Ediscovery.type=single-node)
  else
    local seeds="" managers="" j
    for j in $(seq 1 "$NODES"); do
      seeds+="${seeds:+,}127.0.0.1:$((TRANSPORT_PORT + j - 1))"
      managers+="${managers:+,}node-$j"
    done
    discovery=(-Ediscovery.seed_hosts="$seeds" -Ecluster.initial_cluster_manager_nodes="$managers")
  fi
  mkdir -p "$home/data" "$home/logs" "$home/tmp"
  say "starting node-$i (http 127.0.0.1:$http, transport $transport, heap $HEAP, log $DIR/node-$i.log)"
  # setsid: the node outlives this script and is not in the caller's process group.
  setsid java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
      -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$home/tmp" -Djava.awt.headless=true \
      -Dopensearch.set.netty.runtime.available.processors=false \
      -cp "$LAUNCHER_JAR:$LAUNCHER_DIR/target/lib/*" "$MAIN_CLASS" \
      -Ecluster.name="$CLUSTER_NAME" -Enode.name="node-$i" \
      -Epath.home="$home" -Epath.data="$home/data" -Epath.logs="$home/logs" \
      -Enetwork.host=127.0.0.1 -Ehttp.port="$http" -Etransport.port="$transport" \
      "${discovery[@]}" \
      </dev/null >>"$DIR/node-$i.log" 2>&1 &
  echo $! >"$DIR/node-$i.pid"
}

cmd_start() {
  need_java
  load_env
  local want_nodes="${NODES:-${CLUSTER_NODES:-1}}" want_http="${HTTP_PORT:-${CLUSTER_HTTP_PORT:-9200}}"
  local i running=0
  for i in 1 2 3; do [ -n "$(pid_of "$i")" ] && running=$((running + 1)); done
  if [ -f "$ENV_FILE" ] && [ -d "$DIR/node-1/data" ]; then
    if [ -n "$NODES" ] && [ "$NODES" != "$CLUSTER_NODES" ]; then
      die "$DIR holds a $CLUSTER_NODES-node cluster; stop it and remove $DIR, or use another --dir"
    fi
    if [ "$running" -gt 0 ] && [ -n "$HTTP_PORT" ] && [ "$HTTP_PORT" != "$CLUSTER_HTTP_PORT" ]; then
      die "the cluster in $DIR is running on port $CLUSTER_HTTP_PORT; stop it first to change ports"
    fi
  fi
  NODES="$want_nodes"
  HTTP_PORT="$want_http"
  TRANSPORT_PORT="${TRANSPORT_PORT:-${CLUSTER_TRANSPORT_PORT:-$((HTTP_PORT + 100))}}"
  HEAP="${HEAP:-${CLUSTER_HEAP:-512m}}"
  TIMEOUT="${TIMEOUT:-240}"
  CLUSTER_NAME="${CLUSTER_NAME:-tracuu-dev}"
  [[ "$NODES" =~ ^[1-3]$ ]] || die "--nodes must be 1, 2 or 3"
  is_number "$HTTP_PORT" || die "--http-port must be a number"
  is_number "$TRANSPORT_PORT" || die "--transport-port must be a number"
  [[ "$HEAP" =~ ^[0-9]+[mMgG]$ ]] || die "--heap must look like 512m or 1g"
  if launcher_is_stale; then build; fi
  cat >"$ENV_FILE" <<EOF
CLUSTER_NODES=$NODES
CLUSTER_HTTP_PORT=$HTTP_PORT
CLUSTER_TRANSPORT_PORT=$TRANSPORT_PORT
CLUSTER_HEAP=$HEAP
CLUSTER_NAME=$CLUSTER_NAME
EOF
  local started=0
  for i in $(seq 1 "$NODES"); do
    if [ -n "$(pid_of "$i")" ]; then
      say "node-$i is already running (pid $(pid_of "$i"))"
    else
      start_node "$i"
      started=$((started + 1))
    fi
  done
  local want_status=green
  [ "$NODES" = 1 ] && want_status=yellow
  say "waiting up to ${TIMEOUT}s for $NODES node(s) and a $want_status cluster"
  local deadline=$((SECONDS + TIMEOUT)) h status nodes
  while :; do
    for i in $(seq 1 "$NODES"); do
      if [ -z "$(pid_of "$i")" ]; then
        say "node-$i exited during start; the end of $DIR/node-$i.log:"
        tail -n 30 "$DIR/node-$i.log" >&2 || true
        die "node-$i did not start"
      fi
    done
    h="$(health "$HTTP_PORT" "?wait_for_status=$want_status&wait_for_nodes=$NODES&timeout=2s")"
    status="$(json_field "$h" status)"
    nodes="$(json_field "$h" number_of_nodes)"
    if [ "$(json_field "$h" timed_out)" = false ] && [ "$nodes" = "$NODES" ]; then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "the cluster is not $want_status with $NODES node(s) after ${TIMEOUT}s (status ${status:-unreachable}, nodes ${nodes:-?}); see $DIR/node-*.log"
    fi
    sleep 1
  done
  say "cluster $CLUSTER_NAME is $status with $nodes node(s) ($started started now)"
  echo "http://127.0.0.1:$HTTP_PORT"
}

cmd_stop() {
  load_env
  TIMEOUT="${TIMEOUT:-60}"
  local i pid pids=() stopped=0
  for i in 1 2 3; do
    pid="$(pid_of "$i")"
    if [ -n "$pid" ]; then
      say "stopping node-$i (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + TIMEOUT))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      say "pid $pid still runs after ${TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    stopped=$((stopped + 1))
  done
  rm -f "$DIR"/node-*.pid
  say "stopped $stopped node(s) in $DIR"
}

cmd_status() {
  load_env
  if [ ! -f "$ENV_FILE" ]; then say "no cluster in $DIR"; exit 3; fi
  local i pid running=0
  for i in $(seq 1 "$CLUSTER_NODES"); do
    pid="$(pid_of "$i")"
    if [ -n "$pid" ]; then
      running=$((running + 1))
      say "node-$i: running (pid $pid, http 127.0.0.1:$((CLUSTER_HTTP_PORT + i - 1)))"
    else
      say "node-$i: not running"
    fi
  done
  local h=""
  for i in $(seq 1 "$CLUSTER_NODES"); do
    h="$(health $((CLUSTER_HTTP_PORT + i - 1)))"
    [ -n "$h" ] && break
  done
  if [ -n "$h" ]; then
    say "cluster: status $(json_field "$h" status), $(json_field "$h" number_of_nodes) node(s)"
    echo "http://127.0.0.1:$((CLUSTER_HTTP_PORT + i - 1))"
  else
    say "cluster: unreachable"
  fi
  [ "$running" -gt 0 ] || exit 3
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  build) build ;;
  -h|--help|help) usage ;;
  *) say "unknown command $CMD"; usage ;;
esac
