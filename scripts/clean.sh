#!/usr/bin/env bash
# Removes build outputs: target/ and the generated part of pkg/ (the tracked,
# hand-written pkg/package.json, pkg/src/ and pkg/types/ stay). node_modules/ and
# the installed tools stay too; `rm -rf node_modules` for a full reset.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

log "cargo clean"
cargo clean
rm -rf pkg/web pkg/node pkg/attune.js pkg/attune.mjs pkg/attune_bg.wasm pkg/sender.js pkg/snippet.min.js pkg/debug.js
log "clean"
