#!/usr/bin/env bash
# Fetches Compose v2 (Debian trixie's docker-compose package, a single Go binary) into
# .cache/compose-v2 without touching the system's apt sources or installed packages, so the
# end-to-end tests can run the stacks with both Debian bookworm's docker-compose 1.29 and v2.
# Prints the binary's path. Idempotent: a second run makes no network call.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.cache/compose-v2"
BIN="$DIR/root/usr/libexec/docker/cli-plugins/docker-compose"
if ! [ -x "$BIN" ]; then
  apt_dir="$DIR/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${DEBIAN_MIRROR:-http://deb.debian.org/debian} trixie main" >"$apt_dir/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "APT::Get::List-Cleanup=0"
    -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq >&2
  (cd "$apt_dir/debs" && rm -f docker-compose_*.deb && apt-get "${opts[@]}" download docker-compose >&2)
  rm -rf "$DIR/root" && dpkg -x "$apt_dir"/debs/docker-compose_*.deb "$DIR/root"
  rm -rf "$DIR/root/usr/share"
fi
"$BIN" version >&2
echo "$BIN"
