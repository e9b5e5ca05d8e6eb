#!/usr/bin/env bash
# `npm run up`: the main job on this host with embedded defaults. Provisions what is missing,
# builds, starts a Consul dev agent on loopback unless one answers on 127.0.0.1:8500, then
# registrator (local Docker socket) and the gateway (nginx on 127.0.0.1:8080). Everything it
# starts is recorded in .run/ so `npm run down` stops exactly that and nothing else.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
CONSUL_ADDR="${CONSUL_ADDR:-127.0.0.1:8500}"
GATEWAY_LISTEN="${GATEWAY_LISTEN:-127.0.0.1:8080}"
STATUS_ADDR="${STATUS_ADDR:-127.0.0.1:9180}"
HOST_IP="${HOST_IP:-127.0.0.1}"
mkdir -p "$RUN"

bash scripts/setup-env.sh
[ -f dist/registrator/cli.js ] && [ -z "${UP_REBUILD:-}" ] || npm run --silent build

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
start() { # name, command...
  local name="$1"; shift
  if running "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  sleep 0.3
  if ! kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    rm -f "$RUN/$name.pid"
    tail -5 "$RUN/$name.log" >&2
    die "$name exited at once (log: $RUN/$name.log)"
  fi
  log "started $name (pid $(cat "$RUN/$name.pid"), log $RUN/$name.log)"
}

if curl -fsS "http://$CONSUL_ADDR/v1/status/leader" >/dev/null 2>&1; then
  log "using the Consul agent already answering on $CONSUL_ADDR"
else
  start consul "$CONSUL_BIN" agent -dev -ui -bind 127.0.0.1 -client 127.0.0.1 \
    -http-port "${CONSUL_ADDR##*:}" -dns-port -1 -grpc-port -1 -data-dir "$RUN/consul-data"
  for _ in $(seq 1 60); do curl -fsS "http://$CONSUL_ADDR/v1/status/leader" 2>/dev/null | grep -q . && break; sleep 0.25; done
fi
start registrator node dist/registrator/cli.js -ip "$HOST_IP" "consul://$CONSUL_ADDR"
start gateway node --max-semi-space-size=4 --expose-gc dist/gateway/cli.js --listen "$GATEWAY_LISTEN" --consul-addr "$CONSUL_ADDR" \
  --status-addr "$STATUS_ADDR" --work-dir "$RUN/gateway"

cat <<MSG

  gateway      http://$GATEWAY_LISTEN/
  status page  http://$STATUS_ADDR/
  Consul API   http://$CONSUL_ADDR/v1/catalog/services

  Try: docker run -d -p 127.0.0.1::80 -e SERVICE_TAGS=urlprefix-/ $TEST_IMAGE
  Stop with: npm run down
MSG
