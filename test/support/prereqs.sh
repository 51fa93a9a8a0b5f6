#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest): makes sure everything the tests need beyond npm is here.
#   - a Redis answering at REDIS_URL (default 127.0.0.1:6379): started when none answers;
#   - redis-server, prometheus (with promtool), Compose and chromium from Debian's packages (Compose:
#     the `docker compose` plugin when Docker has it, else Debian's standalone docker-compose):
#     installed with apt-get when missing and we are root; otherwise this stops with the exact command.
# VAECF_TEST_NO_INSTALL=1 never installs (it only says what is missing).
set -euo pipefail

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)
{ docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; } || need+=(docker-compose)
command -v chromium >/dev/null || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  cmd="apt-get update && apt-get install -y ${need[*]}"
  if [ "$(id -u)" = 0 ] && [ "${VAECF_TEST_NO_INSTALL:-0}" != 1 ] && command -v apt-get >/dev/null; then
    echo "pretest: installing ${need[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "pretest: the tests need ${need[*]}; install them with:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
fi

url="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport="${url#redis://}"
hostport="${hostport##*@}"
hostport="${hostport%%/*}"
host="${hostport%%:*}"
port="${hostport##*:}"
[ "$port" = "$host" ] && port=6379

if ! redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG; then
  if [ -n "${REDIS_URL:-}" ]; then
    echo "pretest: no Redis answers at REDIS_URL=$REDIS_URL; start it, or unset REDIS_URL to use a local one" >&2
    exit 1
  fi
  echo "pretest: no Redis on $host:$port; starting a local redis-server (no persistence)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null
fi

bash "$(dirname "$0")/lavapipe.sh"
