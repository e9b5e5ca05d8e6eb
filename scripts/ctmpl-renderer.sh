#!/usr/bin/env bash
# The renderer command of the consul-template conformance corpus (../shared/fixtures/ctmpl):
# run-case.sh calls it with the template path and the output path, CONSUL_ADDR in the
# environment; it renders once with our template-renderer CLI, like `consul-template -once`.
# Uses the build in dist/ when it is newer than every source file (test:all builds first; node
# starts faster than tsx), else the sources through tsx.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST_CLI=$ROOT/dist/template-renderer/cli.js
fresh() {
  [ -f "$DIST_CLI" ] && [ -z "$(find "$ROOT/template-renderer" "$ROOT/common" -name '*.ts' -newer "$DIST_CLI" -print -quit)" ]
}
if [ "${CTMPL_FROM_SOURCE:-0}" != 1 ] && fresh; then
  cli=(node "$DIST_CLI")
else
  cli=(node --import "$ROOT/node_modules/tsx/dist/esm/index.mjs" "$ROOT/template-renderer/cli.ts")
fi
exec "${cli[@]}" -once -log-level warn -consul-addr "$CONSUL_ADDR" -template "$1:$2"
