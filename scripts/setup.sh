#!/usr/bin/env bash
# Installs everything the build and tests need. Idempotent: each step checks first
# and does nothing when its tool is already there at the right version.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

t0=$(now)

# --- Rust: wasm target and the components the checks use -------------------------
if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
installed_components=$(rustup component list --installed)
for comp in rustfmt clippy; do
  if ! grep -q "^${comp}" <<<"$installed_components"; then
    log "rustup component add $comp"
    rustup component add "$comp"
  fi
done

# --- the pinned nightly that builds the shipped wasm (scripts/build.sh) ------------
# std is rebuilt for size (rust-src) with immediate-abort panics; both are
# nightly-only. rustup fetches it from the Rust distribution server (~15 s).
if ! rustup run "$WASM_TOOLCHAIN" rustc --version >/dev/null 2>&1 \
   || ! rustup component list --installed --toolchain "$WASM_TOOLCHAIN" 2>/dev/null | grep -q '^rust-src' \
   || ! rustup target list --installed --toolchain "$WASM_TOOLCHAIN" 2>/dev/null | grep -qx 'wasm32-unknown-unknown'; then
  log "rustup toolchain install $WASM_TOOLCHAIN (rust-src, wasm32-unknown-unknown)"
  rustup toolchain install "$WASM_TOOLCHAIN" --profile minimal --component rust-src \
    --target wasm32-unknown-unknown
fi

# --- wasm-bindgen-cli at exactly the version Cargo.lock resolved ------------------
want=$(lock_wasm_bindgen_version)
[[ -n "$want" ]] || die "no wasm-bindgen entry in Cargo.lock"
have=$(installed_wasm_bindgen_version)
runner_ok=0
if command -v wasm-bindgen-test-runner >/dev/null 2>&1 \
   && [[ "$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" == "$want" ]]; then
  runner_ok=1
fi
if [[ "$have" != "$want" || "$runner_ok" != 1 ]]; then
  log "cargo install wasm-bindgen-cli --version $want (have: ${have:-none}; takes a few minutes)"
  # --locked is not usable for this crate; --force replaces a different version.
  cargo install wasm-bindgen-cli --version "$want" --force
  have=$(installed_wasm_bindgen_version)
  [[ "$have" == "$want" ]] || die "wasm-bindgen is $have after install, expected $want (is ~/.cargo/bin first on PATH?)"
fi

# --- Chromium and chromedriver from Debian -----------------------------------------
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  log "apt-get install chromium chromium-driver"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi

# --- Node dev dependencies (playwright-core, binaryen's wasm-opt) -----------------
command -v node >/dev/null 2>&1 || die "node is required (Node 20+)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || die "Node 20+ is required, found $(node --version)"
# npm writes node_modules/.package-lock.json on every install; a lock file newer
# than it means the dependencies changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi
[[ -x node_modules/.bin/wasm-opt ]] || die "node_modules/.bin/wasm-opt missing after npm ci"
[[ -x node_modules/.bin/esbuild ]] || die "node_modules/.bin/esbuild missing after npm ci"

log "setup ok in $(elapsed "$t0")s: $(rustc --version | cut -d' ' -f1-2), wasm build on $WASM_TOOLCHAIN, wasm-bindgen $have, $(node_modules/.bin/wasm-opt --version | cut -d' ' -f1-3), $(/usr/bin/chromium --version 2>/dev/null | cut -d' ' -f1-2)"
