#!/usr/bin/env bash
# Bring this machine to what `make test` needs: Debian's Chromium, and PostgreSQL, Redis and RabbitMQ
# listening where the test URLs point. Installs or starts only what is missing, and only what it may:
# apt needs root, and a service is started only when its URL names this machine. Whatever is still
# missing afterwards, `python -m tests.preflight` names it and stops the run.
#
# Reads DATABASE_URL, TEST_REDIS_URL and TEST_AMQP_URL (the Makefile passes its defaults).
set -uo pipefail

say() { printf 'services: %s\n' "$*"; }

# host and port of a URL such as postgres://user@127.0.0.1:5432/db (default port given)
host_of() { local rest=${1#*://}; rest=${rest#*@}; rest=${rest%%/*}; printf '%s' "${rest%%:*}"; }
port_of() {
  local rest=${1#*://}; rest=${rest#*@}; rest=${rest%%/*}
  if [[ $rest == *:* ]]; then printf '%s' "${rest##*:}"; else printf '%s' "$2"; fi
}
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }
as_root() { [[ $(id -u) == 0 ]]; }

wait_for() {  # name host port seconds
  for _ in $(seq "$4"); do
    listening "$2" "$3" && return 0
    sleep 1
  done
  say "$1 still does not listen on $2:$3 after $4 s"
  return 1
}

# Start a service when its URL is local and nothing listens there; $4... is the start command.
ensure() {  # name url default-port seconds command...
  local name=$1 url=$2 host port seconds=$4
  host=$(host_of "$url"); port=$(port_of "$url" "$3"); shift 4
  if listening "$host" "$port"; then return 0; fi
  if ! is_local "$host"; then
    say "$name is not reachable at $host:$port (not this machine: not starting it)"
    return 0
  fi
  if ! command -v "$1" >/dev/null; then  # a program, or the function start_postgres
    say "$name is not running and $1 is not installed"
    return 0
  fi
  say "starting $name"
  "$@" || { say "could not start $name"; return 0; }
  wait_for "$name" "$host" "$port" "$seconds" || true
}

if [[ ! -x /usr/bin/chromium ]] && ! command -v chromium >/dev/null; then
  if as_root && command -v apt-get >/dev/null; then
    say "installing Debian's Chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq chromium || say "apt-get could not install chromium"
  else
    say "Chromium is missing; as root: apt-get install -y chromium"
  fi
fi

start_postgres() {  # Debian's cluster, as .ci images have it
  local version
  command -v pg_ctlcluster >/dev/null || { say "pg_ctlcluster is not installed"; return 1; }
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [[ -n $version ]] || return 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
}

ensure PostgreSQL "${DATABASE_URL:-postgres://127.0.0.1:5432/}" 5432 60 start_postgres
ensure Redis "${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" 6379 30 \
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$(port_of "${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" 6379)" --save "" --appendonly no
ensure RabbitMQ "${TEST_AMQP_URL:-amqp://127.0.0.1:5672//}" 5672 120 rabbitmq-server -detached
exit 0
