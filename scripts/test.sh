#!/usr/bin/env bash
# The one command that sets up and runs every check and test of medcode:
#
#   setup → rustfmt → clippy (native, and the wasm binding) → rustdoc →
#   native tests → fuzz targets (briefly) → wasm build → wasm tests in Node → wasm tests in headless
#   Chromium → JS package tests in Node (incl. the Playwright page test)
#
# Stops at the first failure and ends with a summary. `.ci/run` runs this.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
if [ -d "$HOME/.cargo/bin" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi

NAMES=()
TIMES=()
STARTED=$SECONDS

summary() {
  local failed="${1:-}" i
  echo
  echo "================ medcode test summary ================"
  for i in "${!NAMES[@]}"; do
    printf '  ok    %-44s %5ss\n' "${NAMES[$i]}" "${TIMES[$i]}"
  done
  if [ -n "$failed" ]; then
    printf '  FAIL  %-44s\n' "$failed"
    echo "------------------------------------------------------"
    echo "FAILED at: $failed (the steps after it did not run)"
    echo "steps: ${#NAMES[@]} passed, 1 failed"
  else
    echo "------------------------------------------------------"
    echo "all ${#NAMES[@]} steps passed in $((SECONDS - STARTED))s"
    echo "steps: ${#NAMES[@]} passed, 0 failed"
  fi
}

# step NAME COMMAND...: runs one step; on failure prints the summary and exits.
step() {
  local name="$1" start=$SECONDS rc
  shift
  printf '\n\033[1m==> %s\033[0m\n    $ %s\n' "$name" "$*"
  "$@"
  rc=$?
  if [ $rc -ne 0 ]; then
    summary "$name (exit $rc)"
    exit $rc
  fi
  NAMES+=("$name")
  TIMES+=("$((SECONDS - start))")
}

WASM=wasm32-unknown-unknown
# Debug builds of the tests embed all code sets; give the runner time.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"

step "setup"                        bash scripts/setup.sh
step "rustfmt"                      cargo fmt --all --check
step "clippy (native)"              cargo clippy --workspace --all-targets -- -D warnings
step "clippy (wasm binding)"        cargo clippy --target $WASM --lib --test wasm -- -D warnings
step "rustdoc"                      env RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps
step "native tests"                 cargo test --workspace
step "fuzz targets (10 s each)"     bash scripts/fuzz.sh --ci
step "wasm build"                   bash scripts/build-wasm.sh
step "wasm tests (Node)"            cargo test --target $WASM --test wasm
step "wasm tests (headless Chromium)" env WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
                                      cargo test --target $WASM --test wasm
# The pack test builds a pack with the native CLI (built by the native tests).
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
export MEDCODE_BIN="${MEDCODE_BIN:-$TARGET_DIR/debug/medcode}"
step "JS package + pages (node --test)" bash -c 'cd www && node --test test/*.test.js'

summary
