#!/usr/bin/env bash
# The renderer command of the consul-template conformance corpus (../shared/fixtures/ctmpl):
# run-case.sh calls it with the template path and the output path, CONSUL_ADDR in the
# environment; it renders once with our template-renderer CLI, like `consul-template -once`.
# Uses the build in dist/ when there is one, else the sources through tsx.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$ROOT/dist/template-renderer/cli.js" ] && [ "${CTMPL_FROM_SOURCE:-0}" != 1 ]; then
  cli=(node "$ROOT/dist/template-renderer/cli.js")
else
  cli=(node --import "$ROOT/node_modules/tsx/dist/esm/index.mjs" "$ROOT/template-renderer/cli.ts")
fi
exec "${cli[@]}" -once -log-level warn -consul-addr "$CONSUL_ADDR" -template "$1:$2"
