#!/usr/bin/env bash
# Benchmarks. Native: `cargo bench` of the engine (pure core, no browser).
# Browser benchmarks (peer SDKs side by side, ../shared/bench) are not wired in yet.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

log "cargo bench -p attune (native)"
cargo bench -p attune "$@"
