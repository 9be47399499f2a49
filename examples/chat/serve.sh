#!/usr/bin/env bash
# Serves the chat demo (`make demo` runs this after building what it needs).
# One uvicorn process with rooms in memory; with WORKERS > 1 (or REDIS=1), a private
# in-memory redis-server on 127.0.0.1:$DEMO_REDIS_PORT shares the rooms between the
# workers, and is stopped when the demo exits. That Redis only listens on 127.0.0.1 and
# wants a password made for this run (given to redis-server on stdin, not on its
# command line, and to the workers in WSCORE_CHAT_REDIS).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PY:-.venv/bin/python}
HOST=${DEMO_HOST:-127.0.0.1}
PORT=${DEMO_PORT:-8000}
WORKERS=${WORKERS:-1}
REDIS_PORT=${DEMO_REDIS_PORT:-6390}
# Chat-sized messages (the page sends at most 2000 characters; a bigger frame is closed
# with 1009 before it is buffered), and a bound on what uvicorn serves at once (HTTP
# requests and WebSocket upgrades get 503 past it: WSProtocol applies uvicorn's
# --limit-concurrency to upgrades too).
WS_MAX_SIZE=${DEMO_WS_MAX_SIZE:-65536}
LIMIT_CONCURRENCY=${DEMO_LIMIT_CONCURRENCY:-1000}

if [[ $WORKERS != 1 || ${REDIS:-0} == 1 ]]; then
  # Its own session, so that Ctrl-C stops uvicorn first; the trap stops Redis after it.
  REDIS_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  setsid redis-server - >/dev/null <<CONF &
port $REDIS_PORT
bind 127.0.0.1
protected-mode yes
requirepass $REDIS_PASSWORD
save ""
appendonly no
loglevel warning
CONF
  redis_pid=$!
  trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    [[ $(REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && break
    kill -0 "$redis_pid" 2>/dev/null || { echo "redis-server could not start on port $REDIS_PORT" >&2; exit 1; }
    sleep 0.1
  done
  export WSCORE_CHAT_REDIS="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT"
  echo "rooms shared by $WORKERS worker(s) through Redis on 127.0.0.1:$REDIS_PORT (password per run)"
else
  echo "one process, rooms in memory (make demo WORKERS=2: workers sharing rooms through Redis)"
fi
echo "chat:    http://$HOST:$PORT/"
echo "two people side by side: http://$HOST:$PORT/two.html   metrics: http://$HOST:$PORT/metrics"

# Only pages this server serves may open its WebSockets (cross-site WebSocket
# hijacking), and only under the host names it is served as (DNS rebinding): wscore's
# handshake answers anything else 403. Set these to widen it (comma-separated).
export WSCORE_ALLOWED_ORIGINS=${WSCORE_ALLOWED_ORIGINS:-same-origin}
export WSCORE_ALLOWED_HOSTS=${WSCORE_ALLOWED_HOSTS:-$HOST,localhost,127.0.0.1,[::1]}

"$PY" -m uvicorn --app-dir examples/chat app:app --ws wscore.uvicorn:WSProtocol \
  --host "$HOST" --port "$PORT" --workers "$WORKERS" \
  --ws-max-size "$WS_MAX_SIZE" --limit-concurrency "$LIMIT_CONCURRENCY"
