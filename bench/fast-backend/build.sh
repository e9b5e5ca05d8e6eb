#!/bin/sh
# Builds toolkit-test/fast-backend: the static C backend of fast-backend.c on the test busybox image.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
gcc -O2 -static -o "$ctx/fast-backend" "$here/fast-backend.c"
printf 'FROM toolkit-test/busybox:latest\nCOPY fast-backend /fast-backend\nENTRYPOINT ["/fast-backend"]\nCMD []\n' > "$ctx/Dockerfile"
docker build -q -t toolkit-test/fast-backend:latest "$ctx"
