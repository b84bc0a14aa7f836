#!/usr/bin/env bash
# A local three-node RabbitMQ cluster beside the machine's own broker, for the scale-out tests:
#   scripts/rabbitmq-cluster.sh start   # nodes arbor-b1..b3@localhost on AMQP ports 5681-5683
#   scripts/rabbitmq-cluster.sh stop    # stops them and removes their data
#   scripts/rabbitmq-cluster.sh urls    # prints the AMQP URLs, comma-separated (for AMQP_URL)
#   scripts/rabbitmq-cluster.sh stop-node N / start-node N   # one broker node's app (N = 1..3)
# Each node has its own name, AMQP and distribution ports, config and data directory under
# $ARBOR_RMQ_CLUSTER_DIR (default /tmp/arbor-rmq-cluster); they share the Erlang cookie of the
# machine's RabbitMQ user, and nodes 2 and 3 join node 1 with `rabbitmqctl join_cluster`.
set -euo pipefail

BASE=${ARBOR_RMQ_CLUSTER_DIR:-/tmp/arbor-rmq-cluster}
PORTS=(5681 5682 5683)

name() { echo "arbor-b$1@localhost"; }

# Runs a RabbitMQ command with node $1's environment.
with_env() {
  local i=$1 port dir
  shift
  port=${PORTS[$((i - 1))]}
  dir=$BASE/b$i
  env RABBITMQ_NODENAME="$(name "$i")" RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$((port + 20000))" \
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_ALLOW_INPUT=false \
    ERL_EPMD_ADDRESS=127.0.0.1 "$@"
}

ctl() { local i=$1; shift; with_env "$i" rabbitmqctl -n "$(name "$i")" "$@"; }

running() { ctl "$1" -q await_startup --timeout 1 >/dev/null 2>&1; }

start_once() {
  local i dir port
  for i in 1 2 3; do
    dir=$BASE/b$i
    port=${PORTS[$((i - 1))]}
    if running "$i"; then continue; fi
    mkdir -p "$dir/mnesia" "$dir/log" || return 1
    printf 'listeners.tcp.local = 127.0.0.1:%s\n' "$port" >"$dir/rabbitmq.conf"
    printf 'export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"\n' >"$dir/rabbitmq-env.conf"
    printf '[].\n' >"$dir/enabled_plugins"
    chown -R rabbitmq:rabbitmq "$BASE" 2>/dev/null || true
    with_env "$i" rabbitmq-server -detached || return 1
  done
  # Each step is checked: this runs as an `if` condition, where `set -e` does not apply.
  for i in 1 2 3; do ctl "$i" -q await_startup --timeout 120 || return 1; done
  for i in 2 3; do
    if ctl 1 -q cluster_status --formatter json 2>/dev/null | grep -q "$(name "$i")"; then continue; fi
    ctl "$i" -q stop_app || return 1
    ctl "$i" -q reset || return 1
    ctl "$i" -q join_cluster "$(name 1)" || return 1
    ctl "$i" -q start_app || return 1
  done
  for i in 1 2 3; do ctl "$i" -q await_startup --timeout 120 || return 1; done
}

# Shows the end of each node's log on stderr: what a failed start left to read.
logs() {
  local f
  for f in "$BASE"/b*/log/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f" >&2
    tail -n 15 "$f" >&2
  done
}

# One clean retry: a start can fail on a slow machine (a node not up within its wait, a join
# racing the node's boot); the second attempt starts from empty data directories.
start() {
  if ! start_once; then
    echo "rabbitmq cluster: start failed, retrying from a clean state" >&2
    logs
    stop
    start_once || { logs; exit 1; }
  fi
  echo "rabbitmq cluster up: $(urls)"
}

stop() {
  local i
  # Every node, up or still booting: a booting node is not "running" yet, but must not outlive its data.
  for i in 3 2 1; do ctl "$i" -q shutdown >/dev/null 2>&1 || true; done
  pkill -f "arbor-b[123]@localhost" >/dev/null 2>&1 || true
  rm -rf "$BASE"
}

urls() {
  local out=() p
  for p in "${PORTS[@]}"; do out+=("amqp://guest:guest@127.0.0.1:$p"); done
  (IFS=,; echo "${out[*]}")
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  urls) urls ;;
  stop-node) ctl "$2" -q stop_app ;;
  start-node) ctl "$2" -q start_app && ctl "$2" -q await_startup --timeout 120 ;;
  *) echo "usage: $0 start|stop|urls|stop-node N|start-node N" >&2; exit 2 ;;
esac
