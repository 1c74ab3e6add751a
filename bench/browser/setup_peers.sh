#!/usr/bin/env bash
# Prepares a writable copy of the read-only peer harness (../shared/bench) with an
# Attune adapter, so Attune and the peer SDKs are measured in the same run:
#   bench/browser/setup_peers.sh [BENCH_DIR]      (default /tmp/attune-peer-bench)
# Needs the web package in pkg/web (docs/delivery.md) and the npm registry.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
[[ -d "$SHARED" ]] || SHARED=/work/shared/bench
DIR="${1:-/tmp/attune-peer-bench}"
[[ -f "$ROOT/pkg/web/attune_wasm_bg.wasm" ]] || { echo "pkg/web is not built (see docs/delivery.md)" >&2; exit 1; }

if [[ ! -d "$DIR/node_modules" ]]; then
  rm -rf "$DIR"
  cp -r "$SHARED" "$DIR"
  (cd "$DIR" && npm install --no-audit --no-fund)
fi
[[ -f "$DIR/dist/segment.js" ]] || (cd "$DIR" && node build.mjs)

mkdir -p "$DIR/dist/attune/web" "$DIR/dist/attune/src"
rm -f "$DIR/dist/attune/"*.js "$DIR/dist/attune/src/"*.js
# The package's layout: its browser ESM entry (src/index.js: the wasm, the delivery
# worker sender.js, the engine worker engine-worker.js, worker mode's track()) over web/.
cp "$ROOT/pkg/web/attune_wasm.js" "$ROOT/pkg/web/attune_wasm_bg.wasm" "$DIR/dist/attune/web/"
cp "$ROOT/pkg/src/index.js" "$ROOT/pkg/src/worker-track.js" "$ROOT/pkg/src/sender.js" \
  "$ROOT/pkg/src/engine-worker.js" "$DIR/dist/attune/src/"
# The script-tag bundle (attune.js with attune_bg.wasm, its engine worker
# attune-worker.js and sender.js beside it), for the `attunetag` adapter.
mkdir -p "$DIR/dist/attune/tag"
cp "$ROOT/pkg/attune.js" "$ROOT/pkg/attune_bg.wasm" "$ROOT/pkg/attune-worker.js" "$ROOT/pkg/sender.js" \
  "$DIR/dist/attune/tag/"
# The demo's config (6 segments, 9 placements, an experiment), for `attune@demo=1`.
cp "$ROOT/www/attune.config.json" "$DIR/dist/attune/demo.config.json"
# A module that loads the package's entry and exposes the promise of its `init`.
cat > "$DIR/dist/attune/attune-bench.js" <<'JS'
window.__attuneP = import('./src/index.js').then((m) => m.init);
JS
# The adapter, appended to the copy's sdks.mjs (an older one is replaced).
sed -i "/^\/\/ Attune (added by attune's bench/,\$d" "$DIR/sdks.mjs"
cat >> "$DIR/sdks.mjs" <<'JS'

// Attune (added by attune's bench/browser/setup_peers.sh)
SDKS.attune = {
  module: true,
  scripts: ['/dist/attune/attune-bench.js'],
  // `attune@nocollector=1` runs the same engine with delivery off, to isolate delivery's cost;
  // `attune@noworker=1` sends from the main thread instead of the package's worker;
  // `attune@demo=1` runs with the demo site's config (segments, placements, an experiment).
  // `attune@workermode=1`: the SDK's init() with `delivery.engine: 'worker'` (the
  // package entry's default with a collector: the engine in its worker, the page
  // keeping a replica for reads); `attune@pagemode=1`: `delivery.engine: 'page'`.
  init: ({ origin, params }) => `window.__attuneP.then(function (init) {
      return (${params.demo ? "fetch('/dist/attune/demo.config.json').then(function (r) { return r.json(); })" : 'Promise.resolve({})'})
        .then(function (config) {
          ${params.nocollector ? 'delete config.collector;' : `config.collector = { url: ${JSON.stringify(origin)} + '/v1/batch' };`}
          ${params.noworker ? 'config.delivery = Object.assign({}, config.delivery, { worker: false });' : ''}
          ${params.workermode ? "config.delivery = Object.assign({}, config.delivery, { engine: 'worker' });" : ''}
          ${params.pagemode ? "config.delivery = Object.assign({}, config.delivery, { engine: 'page' });" : ''}
          return init(config);
        });
    })
    .then(function (sdk) { window.at = sdk; __B.ready(); }, __B.fail);`,
  track: () => `at.track('Product Viewed', { sku: 'A1', price: 10 });`,
};
// The script-tag bundle as a site includes it (<script src=".../attune.js">, then
// attune.init): track() goes through the global `attune` facade. Its default with
// a collector is worker mode; `attunetag@pagemode=1` keeps the engine on the page.
SDKS.attunetag = {
  scripts: ['/dist/attune/tag/attune.js'],
  init: ({ origin, params }) => `
    var config = { collector: { url: ${JSON.stringify(origin)} + '/v1/batch' } };
    ${params.pagemode ? "config.delivery = { engine: 'page' };" : ''}
    attune.init(config).then(function () { __B.ready(); }, __B.fail);`,
  track: () => `attune.track('Product Viewed', { sku: 'A1', price: 10 });`,
};
JS
echo "peer harness with Attune ready in $DIR"
