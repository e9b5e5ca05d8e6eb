#!/usr/bin/env bash
# Builds docker-consul-gateway/demo-fast:latest: compose/demo/fast-server.c compiled statically
# with this host's gcc (Debian: gcc, libc6-dev) and imported as a one-file image (no base image,
# nothing pulled). It behaves like the Node demo (compose/demo/server.mjs) but listens within
# milliseconds of its container's start (bench/swarm.ts --app c). Idempotent: the image carries
# the source's hash (label org.toolkit.demo-hash) and is rebuilt only when it differs.
# Usage: compose/demo/build-fast-image.sh [--force] [image]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0
[ "${1:-}" = --force ] && { FORCE=1; shift; }
IMAGE="${1:-docker-consul-gateway/demo-fast:latest}"
hash="$(cat "$HERE/fast-server.c" "$0" | sha256sum | cut -c1-16)"
current="$(docker image inspect -f '{{index .Config.Labels "org.toolkit.demo-hash"}}' "$IMAGE" 2>/dev/null || true)"
if [ "$FORCE" = 0 ] && [ "$current" = "$hash" ]; then
  echo "[build-fast-image] $IMAGE is up to date" >&2
  exit 0
fi
command -v gcc >/dev/null || { echo "[build-fast-image] gcc is missing: apt-get install gcc libc6-dev" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
gcc -static -O2 -Wall -Wextra -o "$dir/server" "$HERE/fast-server.c"
strip "$dir/server"
mkdir -p "$dir/tmp" && chmod 1777 "$dir/tmp"
# nobody (65534), as the Node demo runs as `node`: a bind-mounted DRAIN_LOG_DIR must be writable.
tar --numeric-owner --owner=0 --group=0 -C "$dir" -c server tmp | docker import \
  --change 'CMD ["/server"]' --change 'ENV HTTP_PORTS=8080' --change 'EXPOSE 8080' \
  --change 'USER 65534:65534' \
  --change 'LABEL org.opencontainers.image.title=docker-consul-gateway-demo-fast' \
  --change "LABEL org.toolkit.demo-hash=$hash" \
  - "$IMAGE" >/dev/null
echo "[build-fast-image] built $IMAGE ($(du -k "$dir/server" | cut -f1) KiB)" >&2
