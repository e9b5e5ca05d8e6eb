#!/bin/sh
# Behaves like the official hashicorp/consul entrypoint: `agent ...` gets the image's data and
# config folders (and CONSUL_BIND_INTERFACE / CONSUL_CLIENT_INTERFACE, CONSUL_LOCAL_CONFIG),
# other consul subcommands get `consul` prepended, and consul runs as the consul user.
set -e
CONSUL_DATA_DIR=/consul/data
CONSUL_CONFIG_DIR=/consul/config
iface_addr() {
  command -v ip >/dev/null || { echo "CONSUL_*_INTERFACE needs iproute2 in this image" >&2; exit 1; }
  ip -o -4 addr show dev "$1" | awk '{split($4, a, "/"); print a[1]; exit}'
}
if [ -n "$CONSUL_LOCAL_CONFIG" ]; then
  printf '%s\n' "$CONSUL_LOCAL_CONFIG" >"$CONSUL_CONFIG_DIR/local.json"
fi
if [ "$1" = agent ]; then
  shift
  bind=""
  client=""
  [ -z "$CONSUL_BIND_INTERFACE" ] || bind="-bind=$(iface_addr "$CONSUL_BIND_INTERFACE")"
  [ -z "$CONSUL_CLIENT_INTERFACE" ] || client="-client=$(iface_addr "$CONSUL_CLIENT_INTERFACE")"
  # shellcheck disable=SC2086 # bind and client are empty or one word
  set -- consul agent -data-dir="$CONSUL_DATA_DIR" -config-dir="$CONSUL_CONFIG_DIR" $bind $client "$@"
elif [ "$1" = version ] || { [ -n "$1" ] && consul --help 2>&1 | grep -q "^    $1 "; }; then
  set -- consul "$@"
fi
if [ "$1" = consul ] && [ -z "${CONSUL_DISABLE_PERM_MGMT+x}" ] && [ "$(id -u)" = 0 ]; then
  chown -R consul:consul "$CONSUL_DATA_DIR" "$CONSUL_CONFIG_DIR" 2>/dev/null || true
  set -- setpriv --reuid=consul --regid=consul --init-groups "$@"
fi
exec "$@"
