#!/usr/bin/env bash
# Builds local stand-ins for the official base images the Dockerfiles in compose/ start from, for
# machines that reach Debian's archive but no container registry. Nothing is pulled:
#
#   toolkit-local/debian:bookworm-slim   debootstrap --variant=minbase bookworm, docs stripped
#   toolkit-local/node:<major>-bookworm-slim   + this host's node and npm (as in node:*-slim)
#   toolkit-local/nginx:bookworm         + Debian's nginx, laid out like the official nginx image
#   toolkit-local/consul:1.8.7           + Consul from Debian bullseye (.cache/consul, setup:env),
#                                          with an entrypoint that behaves like hashicorp/consul's
#
# Idempotent: each image carries the hash of its inputs (this script, compose/base/, the node,
# npm and consul binaries) as the label org.toolkit.base-hash and is rebuilt only when it differs.
# Use the images with --build-arg (see compose/README.md) or the *_IMAGE variables of the stacks.
# Usage: compose/build-base-images.sh [--force] [--print-env]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/compose"
CACHE="$ROOT/.cache/base-images"
CONSUL_BIN="$ROOT/.cache/consul/usr/bin/consul"
PREFIX="${BASE_IMAGE_PREFIX:-toolkit-local}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
FORCE=0
PRINT_ENV=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --print-env) PRINT_ENV=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[build-base-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
sha() { sha256sum "$@" | cut -c1-64; }
short() { if [ $# -gt 0 ]; then printf '%s' "$*" | sha256sum | cut -c1-16; else sha256sum | cut -c1-16; fi; }

NODE_BIN="$(readlink -f "$(command -v node)")" || die "node not found"
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
NPM_DIR="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)" || die "npm not found"
DEBIAN_IMAGE="$PREFIX/debian:$SUITE-slim"
NODE_IMAGE="$PREFIX/node:$NODE_MAJOR-$SUITE-slim"
NGINX_IMAGE="$PREFIX/nginx:$SUITE"
CONSUL_IMAGE="$PREFIX/consul:1.8.7"

if [ "$PRINT_ENV" = 1 ]; then
  # The variables the stacks and Dockerfiles read, pointing at the stand-ins.
  # NGINX_IMAGE stands for the official nginx image: the gateway is built on it only when given
  # as GATEWAY_NGINX_IMAGE (reload mode); by default it is built on DEBIAN_IMAGE (lua mode).
  printf 'DEBIAN_IMAGE=%s\nNODE_IMAGE=%s\nNGINX_IMAGE=%s\nCONSUL_IMAGE=%s\n' \
    "$DEBIAN_IMAGE" "$NODE_IMAGE" "$NGINX_IMAGE" "$CONSUL_IMAGE"
  exit 0
fi

current_hash() { docker image inspect -f '{{index .Config.Labels "org.toolkit.base-hash"}}' "$1" 2>/dev/null || true; }
up_to_date() { [ "$FORCE" = 0 ] && [ "$(current_hash "$1")" = "$2" ]; }

SCRIPT_HASH="$(cat "$0" "$HERE"/base/* | short)"
DEBIAN_HASH="$(short "$SCRIPT_HASH $SUITE $MIRROR")"
started=$SECONDS

# 1. Debian minbase rootfs, imported as one layer.
if up_to_date "$DEBIAN_IMAGE" "$DEBIAN_HASH"; then
  log "$DEBIAN_IMAGE is up to date"
else
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  mkdir -p "$CACHE"
  rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap --variant=minbase $SUITE (about 30 s)"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # As Debian's own slim images do: no docs, man pages or locales, now or in later installs;
  # no services started by package scripts; apt caches cleaned after every install.
  cp "$HERE/base/dpkg-nodoc.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/docker-nodoc"
  cp "$HERE/base/apt-clean.conf" "$rootfs/etc/apt/apt.conf.d/docker-clean"
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/usr/share/{doc,man,info,locale}/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log \
    "$rootfs"/var/log/apt/* "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname "$rootfs"/tmp/*
  mkdir -p "$rootfs/usr/share/doc" "$rootfs/usr/share/man"
  log "importing $DEBIAN_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL org.toolkit.base-hash=$DEBIAN_HASH org.toolkit.base-image=1" \
    - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

# Builds one derived image from a context folder and a Dockerfile in compose/base/.
derive() { # image, hash, dockerfile, context
  local image="$1" hash="$2" dockerfile="$3" context="$4"
  if up_to_date "$image" "$hash"; then
    log "$image is up to date"
    return
  fi
  log "building $image"
  docker build -q -f "$dockerfile" --build-arg "BASE=$DEBIAN_IMAGE" --label "org.toolkit.base-hash=$hash" \
    --label org.toolkit.base-image=1 -t "$image" "$context" 2> >(grep -v -e DEPRECATED -e "legacy builder" -e buildx -e "^ *$" >&2) >/dev/null
}

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT

# 2. Node: this host's binary (it needs only glibc and libstdc++, both in minbase) and npm.
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
NODE_HASH="$(short "$DEBIAN_HASH $(sha "$NODE_BIN") $(sha "$NPM_DIR/package.json") $(sha "$CA_BUNDLE" 2>/dev/null)")"
if ! up_to_date "$NODE_IMAGE" "$NODE_HASH"; then
  mkdir -p "$ctx/node"
  cp "$NODE_BIN" "$ctx/node/node"
  tar -C "$NPM_DIR" --exclude=./docs --exclude=./man -c . | (mkdir -p "$ctx/node/npm" && tar -C "$ctx/node/npm" -x)
  # The host's trust store, so npm inside builds works behind the same TLS setup as this host.
  if [ -f "$CA_BUNDLE" ]; then cp "$CA_BUNDLE" "$ctx/node/ca-certificates.crt"; else : >"$ctx/node/ca-certificates.crt"; fi
fi
derive "$NODE_IMAGE" "$NODE_HASH" "$HERE/base/node.Dockerfile" "$ctx/node"

# 3. nginx: Debian's package, with the official image's user, log links, signal and command.
NGINX_HASH="$(short "$DEBIAN_HASH nginx")"
mkdir -p "$ctx/nginx"
derive "$NGINX_IMAGE" "$NGINX_HASH" "$HERE/base/nginx.Dockerfile" "$ctx/nginx"

# 4. Consul 1.8.7 from Debian bullseye (fetched by setup:env), official entrypoint behaviour.
if ! [ -x "$CONSUL_BIN" ]; then
  [ "$(id -u)" = 0 ] || die "$CONSUL_BIN is missing: run npm run setup:env"
  bash "$ROOT/scripts/setup-env.sh"
fi
CONSUL_HASH="$(short "$DEBIAN_HASH $(sha "$CONSUL_BIN")")"
if ! up_to_date "$CONSUL_IMAGE" "$CONSUL_HASH"; then
  mkdir -p "$ctx/consul"
  cp "$CONSUL_BIN" "$ctx/consul/consul"
  cp "$HERE/base/consul-entrypoint.sh" "$ctx/consul/docker-entrypoint.sh"
fi
derive "$CONSUL_IMAGE" "$CONSUL_HASH" "$HERE/base/consul.Dockerfile" "$ctx/consul"

# Replaced versions: untagged images built from an earlier stand-in (they inherit its hash label,
# as does Docker's build cache on a current one, which is kept). Leaves first, so twice.
current=" $DEBIAN_HASH $NODE_HASH $NGINX_HASH $CONSUL_HASH "
for _ in 1 2; do
  for id in $(docker images -q --filter dangling=true --filter label=org.toolkit.base-hash); do
    hash="$(docker image inspect -f '{{index .Config.Labels "org.toolkit.base-hash"}}' "$id")"
    case "$current" in *" $hash "*) ;; *) docker rmi "$id" >/dev/null 2>&1 || true ;; esac
  done
done
log "ready in $((SECONDS - started)) s: $DEBIAN_IMAGE $NODE_IMAGE $NGINX_IMAGE $CONSUL_IMAGE"
