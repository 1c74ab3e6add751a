#!/usr/bin/env bash
# Everything, in order, failing fast: formatting, clippy (native and wasm32), native
# tests, the collector, the package build (which fails when an entry is over its size
# budget, scripts/size-budget.json), the Node-side package tests (tests/js), the
# browser end-to-end tests against the real collector (tests/e2e) and the packaging
# tests (tests/package: the npm tarball in four bundlers, the script tag from a CDN).
# The JS platform layer (pkg/src) is tested through those; the engine itself natively.
# Each stage is bounded in time; the timings are printed at the end and written to
# target/test-timings.txt. Run `make setup` (or `make test`, which does) first.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

mkdir -p target
timings=()
t_all=$(now)

summary() {
  {
    printf '%-16s %8s\n' stage seconds
    printf '%s\n' "${timings[@]}"
    printf '%-16s %8s\n' total "$(elapsed "$t_all")"
  } | tee target/test-timings.txt >&2
}

# stage NAME LIMIT_SECONDS CMD...
stage() {
  local name=$1 limit=$2
  shift 2
  log "[$name] $*"
  local t0 rc=0
  t0=$(now)
  timeout "${TIMEOUT_OPTS[@]}" "$limit" "$@" || rc=$?
  timings+=("$(printf '%-16s %8s' "$name" "$(elapsed "$t0")")")
  if [[ $rc -ne 0 ]]; then
    [[ $rc -eq 124 ]] && printf 'stage %s timed out after %ss\n' "$name" "$limit" >&2
    summary
    die "stage '$name' failed (exit $rc)"
  fi
}

WASM=(--target wasm32-unknown-unknown)
# Interactively, keep stages in the terminal's process group so Ctrl-C reaches them
# (timeout's own group would leave them running); unattended (CI), kill the whole group.
TIMEOUT_OPTS=(--kill-after=30)
if [[ -t 0 ]]; then TIMEOUT_OPTS+=(--foreground); fi

stage fmt            120 cargo fmt --all -- --check
stage clippy-native 1800 cargo clippy --workspace --all-targets -- -D warnings
stage clippy-wasm   1200 cargo clippy -p attune "${WASM[@]}" --lib -- -D warnings
stage test-native   1800 cargo test --workspace
stage collector      900 cargo build -p attune-collector
stage build         1200 scripts/build.sh
stage js-tests       300 node --test --test-timeout=60000 tests/js/
stage e2e            900 node --test --test-timeout=240000 tests/e2e/
# The packed package in vite, webpack, esbuild and rollup apps and the script tag
# from a CDN (tests/package): the bundlers come from the npm registry the first
# time (pinned by tests/package/fixture/package-lock.json, kept in target/package-fixture).
stage package        300 node --test --test-timeout=240000 tests/package/

summary
log "all tests passed"
