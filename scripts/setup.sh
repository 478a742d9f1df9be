#!/usr/bin/env bash
# Installs what building and testing medcode needs and is missing, on a fresh
# Debian machine (as root, or with sudo). Idempotent: a second run installs
# nothing and takes a second or two.
#
#   - the Rust target wasm32-unknown-unknown (+ rustfmt and clippy)
#   - wasm-bindgen-cli at the version of wasm-bindgen in Cargo.lock
#     (wasm-bindgen + wasm-bindgen-test-runner)
#   - Debian's chromium and chromium-driver (wasm tests in a browser, Playwright)
#   - Node >= 20 and the npm packages of www/ (binaryen's wasm-opt, playwright-core)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Debian packages, with one `apt-get update` at most, and only if needed.
APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "missing $*; install them (this script knows only apt-get)"
  local pkg
  for pkg in "$@"; do
    if ! apt-cache show "$pkg" >/dev/null 2>&1 || [ -z "$(apt-cache policy "$pkg" | awk '/Candidate:/ && $2 != "(none)"')" ]; then
      if [ -z "$APT_UPDATED" ]; then
        say "apt-get update"
        $SUDO apt-get update -qq
        APT_UPDATED=1
      fi
      break
    fi
  done
  say "apt-get install $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Rust -------------------------------------------------------------------
if [ -d "$HOME/.cargo/bin" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi
command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust with rustup (https://rustup.rs)"
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  for comp in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$comp"; then
      say "rustup component add $comp"
      rustup component add "$comp"
    fi
  done
else
  rustc --print target-list >/dev/null
  say "no rustup: assuming the wasm32-unknown-unknown target, rustfmt and clippy are installed"
fi

# --- wasm-bindgen CLI, same version as the crate in Cargo.lock ----------------
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[" ]/, "", $0); sub(/^version=/, "", $0); print; exit }' Cargo.lock)"
[ -n "$WB_VERSION" ] || die "no wasm-bindgen in Cargo.lock (run cargo generate-lockfile?)"
have_wb() {
  command -v wasm-bindgen >/dev/null 2>&1 && command -v wasm-bindgen-test-runner >/dev/null 2>&1 &&
    [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$WB_VERSION" ] &&
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" = "$WB_VERSION" ]
}
if ! have_wb; then
  say "cargo install wasm-bindgen-cli $WB_VERSION (takes about 5 minutes)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked ||
    cargo install wasm-bindgen-cli --version "$WB_VERSION"
  have_wb || die "wasm-bindgen $WB_VERSION did not install"
fi

# --- Chromium + chromedriver (Debian's: versions match each other) ------------
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  apt_install chromium chromium-driver
fi

# --- Node and the npm packages of www/ -----------------------------------------
node_ok() { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; }
if ! node_ok; then
  apt_install nodejs npm
  node_ok || die "Node >= 20 is needed (found $(node --version 2>/dev/null || echo none))"
fi

cd "$ROOT/www"
if [ -f package-lock.json ]; then
  # npm ci wipes node_modules: run it only when the lockfile changed since the last run.
  STAMP="node_modules/.medcode-setup-stamp"
  WANT="$(sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ] || [ ! -x node_modules/.bin/wasm-opt ]; then
    say "npm ci (www/)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$WANT" > "$STAMP"
  fi
else
  say "npm install (www/, no lockfile yet)"
  npm install --no-audit --no-fund --loglevel=error
fi
[ "$(node_modules/.bin/wasm-opt --version | awk '{print $3}')" = "132" ] ||
  die "www/node_modules/.bin/wasm-opt is not binaryen 132: $(node_modules/.bin/wasm-opt --version)"

say "ok: $(rustc --version | cut -d' ' -f1-2), wasm-bindgen $WB_VERSION, $(chromium --version 2>/dev/null | head -1), node $(node --version), wasm-opt $(node_modules/.bin/wasm-opt --version | awk '{print $3}')"
