#!/usr/bin/env bash
# Prepares a writable copy of the read-only peer harness (../shared/bench) with an
# Attune adapter, so Attune and the peer SDKs are measured in the same run:
#   bench/browser/setup_peers.sh [BENCH_DIR]      (default /tmp/attune-peer-bench)
# Needs the built package (make build): the browser entries exactly as a site gets them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
[[ -d "$SHARED" ]] || SHARED=/work/shared/bench
DIR="${1:-/tmp/attune-peer-bench}"
for f in attune.mjs attune.js attune_bg.wasm sender.js debug.js; do
  [[ -s "$ROOT/pkg/$f" ]] || { echo "pkg/$f is not built (make build)" >&2; exit 1; }
done

if [[ ! -d "$DIR/node_modules" ]]; then
  rm -rf "$DIR"
  cp -r "$SHARED" "$DIR"
  (cd "$DIR" && npm install --no-audit --no-fund)
fi
[[ -f "$DIR/dist/segment.js" ]] || (cd "$DIR" && node build.mjs)

# The built package's browser files, side by side as the package ships them: the
# ESM entry attune.mjs and the script-tag bundle attune.js, the one wasm both
# fetch, the delivery worker sender.js (started at init with a collector) and the
# debug overlay (loaded only on demand).
rm -rf "$DIR/dist/attune"
mkdir -p "$DIR/dist/attune"
cp "$ROOT/pkg/attune.mjs" "$ROOT/pkg/attune.js" "$ROOT/pkg/attune_bg.wasm" "$ROOT/pkg/sender.js" \
  "$ROOT/pkg/debug.js" "$DIR/dist/attune/"
# The demo's config (6 segments, 9 placements, an experiment), for `attune@demo=1`.
cp "$ROOT/www/attune.config.json" "$DIR/dist/attune/demo.config.json"
# A module that loads the ESM entry and exposes the promise of its `init` (the
# wasm is fetched when init is called), for the harness's init script.
cat > "$DIR/dist/attune/attune-bench.js" <<'JS'
window.__attuneP = import('./attune.mjs').then((m) => m.init);
JS
# The adapter, appended to the copy's sdks.mjs (an older one is replaced).
sed -i "/^\/\/ Attune (added by attune's bench/,\$d" "$DIR/sdks.mjs"
cat >> "$DIR/sdks.mjs" <<'JS'

// Attune (added by attune's bench/browser/setup_peers.sh)
SDKS.attune = {
  module: true,
  scripts: ['/dist/attune/attune-bench.js'],
  // The ESM entry (attune.mjs + attune_bg.wasm + sender.js) with a collector.
  // `attune@nocollector=1` runs the same engine with delivery off, to isolate delivery's cost;
  // `attune@noworker=1` sends from the main thread instead of the package's delivery worker;
  // `attune@demo=1` runs with the demo site's config (segments, placements, an experiment).
  init: ({ origin, params }) => `window.__attuneP.then(function (init) {
      return (${params.demo ? "fetch('/dist/attune/demo.config.json').then(function (r) { return r.json(); })" : 'Promise.resolve({})'})
        .then(function (config) {
          ${params.nocollector ? 'delete config.collector;' : `config.collector = { url: ${JSON.stringify(origin)} + '/v1/batch' };`}
          ${params.noworker ? 'config.delivery = Object.assign({}, config.delivery, { worker: false });' : ''}
          return init(config);
        });
    })
    .then(function (sdk) { window.at = sdk; __B.ready(); }, __B.fail);`,
  track: () => `at.track('Product Viewed', { sku: 'A1', price: 10 });`,
};
// The script-tag bundle as a site includes it (<script src=".../attune.js">, then
// attune.init): track() goes through the global `attune` facade. Same parameters
// as `attune` (`attunetag@demo=1` fetches the demo config before init).
SDKS.attunetag = {
  scripts: ['/dist/attune/attune.js'],
  init: ({ origin, params }) => `
    (${params.demo ? "fetch('/dist/attune/demo.config.json').then(function (r) { return r.json(); })" : 'Promise.resolve({})'})
      .then(function (config) {
        ${params.nocollector ? 'delete config.collector;' : `config.collector = { url: ${JSON.stringify(origin)} + '/v1/batch' };`}
        ${params.noworker ? 'config.delivery = Object.assign({}, config.delivery, { worker: false });' : ''}
        return attune.init(config);
      })
      .then(function () { __B.ready(); }, __B.fail);`,
  track: () => `attune.track('Product Viewed', { sku: 'A1', price: 10 });`,
};
JS
echo "peer harness with Attune ready in $DIR"
