#!/usr/bin/env bash
# Builds the WebAssembly module and its JS glue into www/pkg/:
#
#   cargo build --profile wasm-release --target wasm32-unknown-unknown --lib   (opt-level 3: see Cargo.toml; paths remapped; 256 KiB stack)
#   wasm-bindgen --target web --out-dir www/pkg
#   wasm-opt -Oz --one-caller-inline-max-function-size 1000 (npm binaryen 132 from www/node_modules, never Debian's)
#   a smoke test of the optimized module in Node
#   raw / gzip / brotli sizes, printed and written to www/dist/sizes.json
#
# Extra arguments go to cargo build (e.g. `--features icd10pcs`).
# Needs scripts/setup.sh to have run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m[build-wasm]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[build-wasm] error:\033[0m %s\n' "$*" >&2; exit 1; }

if [ -d "$HOME/.cargo/bin" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi
WASM_OPT="$ROOT/www/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || die "www/node_modules/.bin/wasm-opt is missing: run scripts/setup.sh"
[ "$("$WASM_OPT" --version | awk '{print $3}')" = "132" ] || die "wasm-opt is not binaryen 132: $("$WASM_OPT" --version)"
command -v wasm-bindgen >/dev/null 2>&1 || die "wasm-bindgen is missing: run scripts/setup.sh"

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
PKG="$ROOT/www/pkg"
DIST="$ROOT/www/dist"

# 1. Compile. Build paths are remapped so the bytes do not depend on where the
# repository or the cargo home lives (panic locations embed file paths).
CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
flags=()
if [ -n "${RUSTFLAGS:-}" ]; then read -r -a flags <<<"$RUSTFLAGS"; fi
flags+=("--remap-path-prefix=$ROOT=/medcode" "--remap-path-prefix=$CARGO_HOME_DIR=/cargo")
# A 256 KiB stack instead of rustc's 1 MiB default: the stack sits at the
# bottom of linear memory, so every byte of it counts against the memory
# budget. The deepest use measured is ~27 KB (claims nested to serde_json's
# recursion limit); www/test/hostile.test.js fails if a case uses a quarter.
flags+=("-Clink-arg=-zstack-size=262144")
CARGO_ENCODED_RUSTFLAGS="$(IFS=$'\x1f'; printf '%s' "${flags[*]}")"
export CARGO_ENCODED_RUSTFLAGS
unset RUSTFLAGS
say "cargo build --profile wasm-release --target wasm32-unknown-unknown --lib $*"
cargo build --profile wasm-release --target wasm32-unknown-unknown --lib "$@"
RAW="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/medcode.wasm"
[ -f "$RAW" ] || die "cargo did not produce $RAW"

# 2. JS glue (ES module; init() takes a URL, a Response or bytes).
say "wasm-bindgen --target web --out-dir www/pkg"
rm -rf "$PKG"
wasm-bindgen "$RAW" --target web --out-dir "$PKG" --out-name medcode
BG="$PKG/medcode_bg.wasm"
BEFORE_OPT="$(stat -c %s "$BG")"

# 3. wasm-opt. rustc 1.95 emits these features for wasm32-unknown-unknown
# (its target_features section lists them; wasm-opt would read them, but we
# say them explicitly so a module without that section still validates).
FEATURES=(
  --enable-bulk-memory --enable-bulk-memory-opt --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types
  --enable-multivalue --enable-call-indirect-overlong
)
# A feature we do not list means a new rustc default: say so (never --all-features:
# binaryen 132 then misreads the import section as "compact imports").
known=" ${FEATURES[*]} "
while read -r f; do
  case "$known" in *" $f "*) ;; *) say "warning: the module uses $f, not in FEATURES; check that browsers support it and add it" ;; esac
done < <("$WASM_OPT" "$BG" --print-features 2>/dev/null | grep '^--enable-' || true)

# --one-caller-inline-max-function-size: by default binaryen inlines every
# function with one caller, whatever its size, so a rarely taken path (a
# pack's checks, "did you mean", typo automata) joins the function that
# calls it. Browsers compile each wasm function on its first call, so such
# a path was compiled on every page load: the first keystroke compiled
# 78 kB of function bodies, 66 kB with this limit; keystrokes and ready were
# unchanged within noise (bench/ab.mjs, 7 rounds) and the module 2.5 kB
# brotli smaller. Rust's #[inline(never)] marks those paths for LLVM.
say "wasm-opt -Oz (binaryen $("$WASM_OPT" --version | awk '{print $3}'))"
"$WASM_OPT" "$BG" -Oz --one-caller-inline-max-function-size 1000 "${FEATURES[@]}" --strip-debug --strip-producers --strip-target-features -o "$BG.opt"
mv "$BG.opt" "$BG"

# 4. Smoke test: the optimized module loads in Node and answers.
say "smoke test (Node)"
node "$ROOT/www/scripts/smoke.mjs"

# 5. Sizes.
mkdir -p "$DIST"
node "$ROOT/www/scripts/sizes.mjs" --before-opt "$BEFORE_OPT" --out "$DIST/sizes.json" \
  "$BG" "$PKG/medcode.js" "$ROOT/www/src/index.js"

# 6. Subresource-integrity hashes of the shipped files, for hosts to pin.
node "$ROOT/www/scripts/sri.mjs" --out "$DIST/sri.json"
