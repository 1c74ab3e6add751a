#!/usr/bin/env bash
# Builds the npm package into pkg/ (see docs/dev-setup.md for the layout):
#   pkg/web/        wasm-bindgen --target web      (ESM, used by pkg/src/index.js)
#   pkg/node/       wasm-bindgen --target nodejs   (CommonJS, used by pkg/src/node.js)
#   pkg/attune.js   wasm-bindgen --target no-modules glue + pkg/src/loader.js, one IIFE
#   pkg/attune_bg.wasm                             (its wasm, fetched next to attune.js)
#   pkg/snippet.min.js                             (pkg/src/snippet.js, minified, <= 1024 B)
#   pkg/debug.js                                   (pkg/src/debug.js: the overlay attune.js imports on demand)
#   pkg/sender.js                                  (pkg/src/sender.js: the delivery worker attune.js starts)
#   pkg/attune-worker.js                           (classic engine worker: no-modules glue + pkg/src/engine-worker.js)
# Every wasm is optimised in place with binaryen's wasm-opt from node_modules, then
# checked to still compile, link and instantiate. Sizes go to target/sizes.json.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

t0=$(now)
want=$(lock_wasm_bindgen_version)
have=$(installed_wasm_bindgen_version)
[[ "$have" == "$want" ]] || die "wasm-bindgen CLI is '${have:-missing}' but Cargo.lock has $want: run 'make setup'"
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[[ -x "$WASM_OPT" ]] || die "$WASM_OPT missing: run 'make setup' (never use Debian's binaryen, it breaks wasm-bindgen output)"
for f in pkg/package.json pkg/src/loader.js pkg/src/snippet.js; do
  [[ -f "$f" ]] || die "$f is missing (hand-written part of the package)"
done

log "cargo build --release --target wasm32-unknown-unknown -p attune"
cargo build --release --target wasm32-unknown-unknown -p attune
IN=target/wasm32-unknown-unknown/release/attune.wasm

tmp=$(mktemp -d "${TMPDIR:-/tmp}/attune-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Start from a clean slate: only generated files are removed (the tracked,
# hand-written ones are pkg/package.json, pkg/README.md, pkg/src/, pkg/types/).
rm -rf pkg/web pkg/node pkg/attune.js pkg/attune-worker.js pkg/attune_bg.wasm pkg/snippet.min.js pkg/debug.js pkg/sender.js

log "wasm-bindgen $have: web, nodejs, no-modules"
wasm-bindgen --target web --out-dir pkg/web --out-name attune_wasm "$IN"
wasm-bindgen --target nodejs --out-dir pkg/node --out-name attune_wasm "$IN"
# pkg/package.json says "type": "module"; the nodejs glue is CommonJS.
printf '{\n  "type": "commonjs"\n}\n' > pkg/node/package.json
wasm-bindgen --target no-modules --out-dir "$tmp/nm" --out-name attune_nm "$IN"

# The classic-script bundle: glue and loader share one function scope, so the page
# gains no `wasm_bindgen` global and loader.js may `return` early (loaded twice).
{
  printf '/*! attune %s | MIT | classic-script bundle: wasm-bindgen no-modules glue + loader */\n' \
    "$(node -p 'require("./pkg/package.json").version')"
  printf '(function () {\n'
  cat "$tmp/nm/attune_nm.js"
  printf '\n'
  # worker mode's plain-JS track() (an ES module's function, made a local one)
  sed 's/^export function /function /' pkg/src/worker-track.js
  cat pkg/src/loader.js
  printf '\n})();\n'
} > pkg/attune.js
cp "$tmp/nm/attune_nm_bg.wasm" pkg/attune_bg.wasm

# The classic engine worker for the classic-script bundle (delivery.engine
# "worker" with a script tag): the same no-modules glue and attune_bg.wasm as
# attune.js (one download), with pkg/src/engine-worker.js's protocol.
{
  printf '/*! attune %s | MIT | classic engine worker: wasm-bindgen no-modules glue + engine-worker.js */\n' \
    "$(node -p 'require("./pkg/package.json").version')"
  printf '(function () {\n'
  cat "$tmp/nm/attune_nm.js"
  printf '\nvar initWasm = wasm_bindgen;\nvar AttuneWorker = wasm_bindgen.AttuneWorker;\n'
  grep -v "^import initWasm, { AttuneWorker } from '../web/attune_wasm.js';$" pkg/src/engine-worker.js \
    | sed "s|new URL('../web/attune_wasm_bg.wasm', import.meta.url)|new URL('attune_bg.wasm', self.attuneBase \|\| self.location.href)|"
  printf '\n})();\n'
} > pkg/attune-worker.js
if grep -q "import.meta\|^import " pkg/attune-worker.js; then
  echo "pkg/attune-worker.js: engine-worker.js no longer matches the classic build's edits" >&2; exit 1
fi

# Keep the unoptimised wasm to compare imports/exports after wasm-opt.
mkdir -p "$tmp/pre"
cp pkg/web/attune_wasm_bg.wasm "$tmp/pre/web.wasm"
cp pkg/node/attune_wasm_bg.wasm "$tmp/pre/node.wasm"
cp pkg/attune_bg.wasm "$tmp/pre/script.wasm"

# Feature set = what rustc 1.8x+/LLVM enables by default for wasm32-unknown-unknown
# (`rustc --print cfg --target wasm32-unknown-unknown | grep target_feature`) plus
# the two binaryen splits of it (bulk-memory-opt, call-indirect-overlong).
OPT_FLAGS=(-Oz
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
  --enable-call-indirect-overlong
  --strip-debug --strip-producers --strip-target-features)
log "wasm-opt ($("$WASM_OPT" --version | cut -d' ' -f3)) -Oz"
for w in pkg/web/attune_wasm_bg.wasm pkg/node/attune_wasm_bg.wasm pkg/attune_bg.wasm; do
  "$WASM_OPT" "${OPT_FLAGS[@]}" "$w" -o "$w.opt"
  mv "$w.opt" "$w"
done

log "verify optimised wasm (compile, imports/exports unchanged, instantiate)"
node scripts/verify-wasm.mjs "$tmp/pre" "$tmp/nm/attune_nm.js"

# The debug overlay, next to attune.js (which imports it only when asked).
cp pkg/src/debug.js pkg/debug.js
cp pkg/src/sender.js pkg/sender.js

log "snippet"
node scripts/minify-snippet.mjs pkg/src/snippet.js pkg/snippet.min.js 1024

node scripts/sizes.mjs target/sizes.json
log "build ok in $(elapsed "$t0")s"
