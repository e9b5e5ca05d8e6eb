# Shared shell helpers for the project's scripts. Source it; do not run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
RUN="$ROOT/.run"
CONSUL_BIN="$CACHE/consul/usr/bin/consul"
TEST_IMAGE="toolkit-test/busybox:latest"

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

docker_ready() { [ -S /var/run/docker.sock ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
