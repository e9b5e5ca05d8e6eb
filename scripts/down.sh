#!/usr/bin/env bash
# `npm run down`: stops what `npm run up` started (pids recorded in .run/) and nothing else.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
stopped=0
for name in gateway registrator consul; do
  pidfile="$RUN/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop in 10 s, killing"; kill -KILL "$pid"; }
    log "stopped $name (pid $pid)"
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
rm -rf "$RUN/consul-data"
log "stopped $stopped process(es)"
