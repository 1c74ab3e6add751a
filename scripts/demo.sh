#!/usr/bin/env bash
# Builds the package and serves the demo: the collector on 127.0.0.1:${PORT:-8080}
# serving www/ and pkg/ (under /pkg/), storing events in target/demo/events.jsonl.
# Extra arguments go to the collector (e.g. `scripts/demo.sh --fresh`).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

"$ROOT/scripts/build.sh"
log "cargo build --release -p attune-collector"
cargo build --release -p attune-collector
port="${PORT:-8080}"
log "demo: http://127.0.0.1:$port/  (events: http://127.0.0.1:$port/events.html; Ctrl-C stops)"
exec target/release/attune-collector --port "$port" --www www --pkg pkg \
  --data target/demo/events.jsonl "$@"
