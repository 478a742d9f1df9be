#!/usr/bin/env bash
# The side-by-side typeahead benchmark: medcode's wasm module against
# FlexSearch, MiniSearch, Fuse.js, Orama and Lunr on every billable ICD-10-CM
# code, in Node (bench/run.mjs) and medcode in headless Chromium
# (bench/chromium.mjs). Writes bench/RESULTS.md and prints it.
#
#   scripts/bench.sh [--rounds N] [--only flexsearch,minisearch,...] [--date YYYY-MM-DD]
#
# Installs bench/node_modules with `npm ci` when missing; builds www/pkg with
# scripts/build-wasm.sh when it is missing. Takes ~10-15 minutes per round on
# 2 cores (Fuse.js, Orama and Lunr answer slowly on short prefixes).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

if [ ! -d bench/node_modules ]; then
  say "npm ci (bench/)"
  (cd bench && npm ci --no-audit --no-fund)
fi
if [ ! -f www/pkg/medcode_bg.wasm ] || [ ! -f www/pkg/medcode.js ]; then
  say "www/pkg is missing: scripts/build-wasm.sh"
  bash scripts/build-wasm.sh
fi

# Chromium: --rounds and --date pass through; --only is Node-only.
chromium_args=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --rounds | --date) chromium_args+=("${args[$i]}" "${args[$((i + 1))]}"); i=$((i + 1)) ;;
  esac
done

say "node bench/run.mjs $*"
node bench/run.mjs "$@" >/dev/null
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  say "node bench/chromium.mjs ${chromium_args[*]}"
  node bench/chromium.mjs "${chromium_args[@]}" >/dev/null
else
  say "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: skipping the in-page part (apt-get install -y --no-install-recommends chromium)"
fi
cat bench/RESULTS.md
