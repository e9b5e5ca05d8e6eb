#!/usr/bin/env bash
# How long Docker alone takes to start N containers at once, with nothing of ours involved: the
# floor under the pipeline's burst figure (bench/README.md, "Burst"). Creates N test containers
# (toolkit-test/busybox, busybox httpd), starts them all at once through the Engine API, prints
# the time until every start call returned, and removes them.
#
#   bash bench/docker-start-floor.sh [count] [bridge|published|host]
#
# bridge: default network, no published port; published: -p 127.0.0.1::80 (a docker-proxy per
# container, as the benchmark's burst); host: --network host, httpd on its own loopback port.
set -euo pipefail
count="${1:-50}"
mode="${2:-published}"
image="${IMAGE:-toolkit-test/busybox}"
sock=/var/run/docker.sock
case "$mode" in
  bridge | published | host) ;;
  *)
    echo "mode: bridge, published or host (got: $mode)" >&2
    exit 2
    ;;
esac

ids=()
cleanup() { ((${#ids[@]})) && docker rm -f "${ids[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT
for i in $(seq 1 "$count"); do
  case "$mode" in
    bridge) args=() cmd=(httpd -f -p 80 -h /tmp) ;;
    published) args=(-p 127.0.0.1::80) cmd=(httpd -f -p 80 -h /tmp) ;;
    host) args=(--network host) cmd=(httpd -f -p "127.0.0.1:$((21000 + i))" -h /tmp) ;;
  esac
  ids+=("$(docker create --label toolkit.bench=floor "${args[@]}" "$image" "${cmd[@]}")")
done
sleep 2 # let the daemon settle after the creates
start=$(date +%s%N)
for id in "${ids[@]}"; do
  curl -sf -o /dev/null --unix-socket "$sock" -X POST "http://localhost/containers/$id/start" &
done
wait
end=$(date +%s%N)
echo "docker started $count containers ($mode) in $(((end - start) / 1000000)) ms"
