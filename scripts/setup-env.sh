#!/usr/bin/env bash
# Idempotent provisioning of the real test environment on Debian, as root:
# Debian's docker.io (dockerd started in the background), nginx (+ lua module), busybox-static, chromium,
# Consul 1.8.7 from Debian's bullseye archive (private apt lists, system sources untouched),
# and the locally built test image. A second run only checks and takes seconds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mkdir -p "$CACHE"

[ "$(id -u)" = 0 ] || die "setup:env provisions system packages and must run as root"

# 1. Debian packages: only when something is missing, so a second run makes no network call.
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
# The gateway's lua mode (one nginx; routes and instances change without a reload).
dpkg -s libnginx-mod-http-lua >/dev/null 2>&1 || need+=(libnginx-mod-http-lua)
dpkg -s lua-resty-core >/dev/null 2>&1 || need+=(lua-resty-core)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v curl >/dev/null || need+=(curl)
# The consul-template conformance corpus' scripts (../shared/fixtures/ctmpl) read Consul with jq.
command -v jq >/dev/null || need+=(jq)
command -v wrk >/dev/null || need+=(wrk)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
# HTTPS tests make a test CA at run time with the openssl CLI; proto=https verifies against the
# system CA bundle.
command -v openssl >/dev/null || need+=(openssl)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
# The demo app in C (compose/demo/fast-server.c), statically linked: the churn e2e test's backend.
command -v gcc >/dev/null || need+=(gcc)
dpkg -s libc6-dev >/dev/null 2>&1 || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt-get update -qq
  # The packages' service scripts cannot start anything without systemd; nothing needs them to.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" iptables >/dev/null
fi
# Debian's nginx package may have started a system nginx on :80; this project runs its own.
if [ -f /run/nginx.pid ] && ! [ -f "$CACHE/.keep-system-nginx" ]; then
  nginx -s quit 2>/dev/null || true
fi

# 2. dockerd: reuse a running engine, else start one in the background and wait for the socket.
if ! docker_ready; then
  log "starting dockerd"
  nohup dockerd --log-level=warn >"$CACHE/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do docker_ready && break; sleep 0.5; done
  docker_ready || { tail -20 "$CACHE/dockerd.log" >&2; die "dockerd did not come up (log: $CACHE/dockerd.log)"; }
fi

# 3. Consul 1.8.7 from bullseye via a private sources list and lists folder.
if ! [ -x "$CONSUL_BIN" ]; then
  log "fetching consul from Debian bullseye"
  apt_dir="$CACHE/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "APT::Get::List-Cleanup=0"
    -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download consul)
  rm -rf "$CACHE/consul" && dpkg -x "$apt_dir"/debs/consul_*.deb "$CACHE/consul"
  "$CONSUL_BIN" version | sed -n 1p >&2
fi

# 4. Test image: busybox (httpd, sh, nc) imported from a folder; nothing is pulled. Rebuilt when
# the backend script changes (its hash is a label of the image).
fixture_hash="$(sha256sum "$ROOT/test/fixtures/backend.sh" | cut -c1-16)"
image_hash="$(docker image inspect -f '{{index .Config.Labels "org.toolkit.fixture-hash"}}' "$TEST_IMAGE" 2>/dev/null || true)"
if [ "$image_hash" != "$fixture_hash" ]; then
  log "building $TEST_IMAGE"
  dir="$(mktemp -d)"
  mkdir -p "$dir/bin" "$dir/www" "$dir/tmp" "$dir/etc"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in sh httpd nc sleep cat echo hostname wget ls env; do ln -s busybox "$dir/bin/$applet"; done
  cp "$ROOT/test/fixtures/backend.sh" "$dir/bin/backend"
  chmod 755 "$dir/bin/backend"
  echo 'root:x:0:0:root:/:/bin/sh' >"$dir/etc/passwd"
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/backend"]' \
    --change 'LABEL org.toolkit.test-image=1' --change "LABEL org.toolkit.fixture-hash=$fixture_hash" \
    - "$TEST_IMAGE" >/dev/null
  rm -rf "$dir"
fi
log "ready: docker $(docker version --format '{{.Server.Version}}'), $(nginx -v 2>&1), $("$CONSUL_BIN" version | sed -n 1p), image $TEST_IMAGE"
