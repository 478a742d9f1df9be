#!/usr/bin/env bash
# Fuzzes medcode with cargo-fuzz (libFuzzer, nightly Rust): every target in
# fuzz/fuzz_targets/, one after the other, one job each.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   # default 600 s, all targets
#   bash scripts/fuzz.sh --ci                                # ~10 s each: the targets still build and run
#
# Each target starts from its committed seed corpus (fuzz/corpus/TARGET, read
# only) and keeps what it finds in fuzz/runs/TARGET (ignored by git). Crashes,
# timeouts and OOMs land in fuzz/artifacts/TARGET/. Prints per target:
# executions, seconds, exec/s, corpus, crashes; exits 1 if any target found one.
# One job per target (no -jobs/-workers: those move the output to fuzz-N.log).
# Installs cargo-fuzz when it is missing. See fuzz/README.md.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
if [ -d "$HOME/.cargo/bin" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi

SECONDS_PER_TARGET=600
if [ "${1:-}" = "--ci" ]; then
  SECONDS_PER_TARGET=10
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  SECONDS_PER_TARGET="$1"
  shift
fi

TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
say() { printf '\033[1m[fuzz]\033[0m %s\n' "$*"; }

if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
  say "installing the $TOOLCHAIN toolchain"
  rustup toolchain install "$TOOLCHAIN" --profile minimal || exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz || exit 1
fi

if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo "+$TOOLCHAIN" fuzz list --fuzz-dir fuzz)
fi

# Optimised, with debug assertions and overflow checks (cargo-fuzz's default:
# an overflow is a crash here). No sanitizer: neither medcode nor fst has
# `unsafe` code, and AddressSanitizer halves the executions for nothing.
# `FUZZ_SANITIZER=address bash scripts/fuzz.sh` turns it back on.
BUILD=(--fuzz-dir fuzz --sanitizer "${FUZZ_SANITIZER:-none}")
say "building ${TARGETS[*]}"
cargo "+$TOOLCHAIN" fuzz build "${BUILD[@]}" || exit 1

ROWS=()
FOUND=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/runs/$t" "fuzz/artifacts/$t" "fuzz/corpus/$t"
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  log="fuzz/runs/$t.log"
  # Built again right before its run (a no-op unless the sources changed), so
  # the seconds below are fuzzing only.
  cargo "+$TOOLCHAIN" fuzz build "${BUILD[@]}" "$t" >/dev/null 2>&1
  say "$t: ${SECONDS_PER_TARGET}s (log: $log)"
  start=$SECONDS
  cargo "+$TOOLCHAIN" fuzz run "${BUILD[@]}" "$t" "fuzz/runs/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1
  rc=$?
  took=$((SECONDS - start))
  # libFuzzer's own count of seconds spent fuzzing, when it got to the end.
  done_s=$(grep -Eo '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $5}')
  took=${done_s:-$took}
  stat() { grep -E "^stat::$1:" "$log" | tail -1 | awk '{print $2}'; }
  execs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  corpus=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //')
  crashes=$(($(find "fuzz/artifacts/$t" -type f | wc -l) - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="rc=$rc"; fi
  if [ "$crashes" != 0 ]; then
    FOUND=1
    say "$t: FAILED (exit $rc); see $log"
    grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -5
  fi
  ROWS+=("$(printf '%-14s %12s %7s %8s %14s %8s' "$t" "${execs:-?}" "$took" "${rate:-?}" "${corpus:-?}" "$crashes")")
done

echo
printf '%-14s %12s %7s %8s %14s %8s\n' target executions seconds exec/s corpus crashes
for r in "${ROWS[@]}"; do echo "$r"; done
exit $FOUND
