#!/usr/bin/env bash
# The demo: installs what is missing, builds the WebAssembly module and serves
# the page on http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build-wasm.sh
exec node www/scripts/serve.mjs --port "${PORT:-8080}"
