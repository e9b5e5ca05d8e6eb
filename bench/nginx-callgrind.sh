#!/usr/bin/env bash
# Instructions per keep-alive request of one nginx config, counted by callgrind (independent of
# the machine's load, unlike any wall-clock figure here). Runs nginx as one process under
# valgrind, warms it up (LuaJIT), then counts 5 s of `wrk -t1 -c1` on http://127.0.0.1:PORT/.
#
#   bash bench/nginx-callgrind.sh NAME CONF PREFIX PORT
#
# CONF must say `daemon off; master_process off;` (a gateway work dir's nginx.conf with
# `master_process on` changed to off serves as is, once the gateway that wrote it has stopped).
# Prints the request count and instructions per request; the profile is /tmp/cg-NAME.out.1
# (`callgrind_annotate --threshold=100 /tmp/cg-NAME.out.1`). Needs valgrind and wrk
# (`apt-get install valgrind wrk`).
set -euo pipefail
name=$1 conf=$2 prefix=$3 port=$4
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
  command -v "$tool" >/dev/null || { echo "nginx-callgrind: $tool missing (apt-get install valgrind wrk curl)" >&2; exit 2; }
done
out=/tmp/cg-$name.out
rm -f "$out" "$out".*
valgrind --tool=callgrind --callgrind-out-file="$out" nginx -p "$prefix" -c "$conf" \
  >"/tmp/cg-$name.log" 2>&1 &
vg=$!
trap 'kill $vg 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.3; done
wrk -t1 -c1 -d3s "http://127.0.0.1:$port/" >/dev/null # warm-up: LuaJIT compiles the hot paths
callgrind_control -z "$vg" >/dev/null 2>&1
requests=$(wrk -t1 -c1 -d5s "http://127.0.0.1:$port/" | awk '/requests in/ { print $1 }')
callgrind_control -d "$vg" >/dev/null 2>&1
sleep 1
total=$(callgrind_annotate "$out.1" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "$name: $requests requests, $((total / requests)) instructions per request"
