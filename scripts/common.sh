# Shared helpers for scripts/*.sh. Source it; do not execute it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version pinned by Cargo.lock (the CLI must match it exactly).
lock_wasm_bindgen_version() {
  awk '
    $0 == "name = \"wasm-bindgen\"" { want = 1; next }
    want && /^version = / { gsub(/"/, "", $3); print $3; exit }
    /^\[\[package\]\]/ { want = 0 }
  ' "$ROOT/Cargo.lock"
}

# `wasm-bindgen X.Y.Z` -> X.Y.Z, or empty when not installed.
installed_wasm_bindgen_version() {
  command -v wasm-bindgen >/dev/null 2>&1 || return 0
  wasm-bindgen --version 2>/dev/null | awk '{print $2}'
}

# Seconds since the epoch, as a float, for stage timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The browser and its driver come from Debian (`chromium`, `chromium-driver`). The
# flags every launch uses live in one place, webdriver.json (goog:chromeOptions.args),
# which both wasm-bindgen-test-runner and tests/e2e/helpers.mjs read.
CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
CHROMEDRIVER_BIN="${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}"
export CHROMIUM_BIN CHROMEDRIVER_BIN

# The pinned nightly that builds the shipped wasm (std rebuilt for size,
# immediate-abort panics); `make setup` installs it with rust-src and the wasm
# target. Everything else (clippy, tests, the CLI) uses the stable toolchain.
WASM_TOOLCHAIN="${WASM_TOOLCHAIN:-nightly-2026-06-01}"
export WASM_TOOLCHAIN
