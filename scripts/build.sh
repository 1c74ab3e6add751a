#!/usr/bin/env bash
# Builds the npm package into pkg/ (see docs/dev-setup.md for the layout):
#   pkg/attune_bg.wasm   the engine, one file for both browser entries
#   pkg/attune.mjs       browser ESM entry: pkg/src/index.js + the wasm-bindgen `web` glue, bundled, minified
#   pkg/attune.js        classic-script entry: pkg/src/loader.js + the same glue, one IIFE, minified
#   pkg/node/            wasm-bindgen --target nodejs (CommonJS), used by pkg/src/node.js
#   pkg/web/             wasm-bindgen --target web glue (input of the two bundles; its wasm is not shipped)
#   pkg/sender.js        the delivery worker (pkg/src/sender.js, minified)
#   pkg/debug.js         the debug overlay, loaded on demand (pkg/src/debug.js, minified)
#   pkg/snippet.min.js   the copy-paste snippet (pkg/src/snippet.js, minified, <= 1100 B)
# The wasm is built with the pinned nightly (std rebuilt for size, panics abort
# without formatting), optimised with binaryen's wasm-opt from node_modules and
# checked to still compile, link and instantiate. Then the size of what each
# entry loads at start is checked against scripts/size-budget.json: the build
# fails when an entry is over its budget.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

t0=$(now)
want=$(lock_wasm_bindgen_version)
have=$(installed_wasm_bindgen_version)
[[ "$have" == "$want" ]] || die "wasm-bindgen CLI is '${have:-missing}' but Cargo.lock has $want: run 'make setup'"
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
ESBUILD="$ROOT/node_modules/.bin/esbuild"
[[ -x "$WASM_OPT" ]] || die "$WASM_OPT missing: run 'make setup' (never use Debian's binaryen, it breaks wasm-bindgen output)"
[[ -x "$ESBUILD" ]] || die "$ESBUILD missing: run 'make setup'"
rustup run "$WASM_TOOLCHAIN" rustc --version >/dev/null 2>&1 || die "toolchain $WASM_TOOLCHAIN missing: run 'make setup'"
for f in pkg/package.json pkg/src/index.js pkg/src/loader.js pkg/src/snippet.js; do
  [[ -f "$f" ]] || die "$f is missing (hand-written part of the package)"
done

# Size flags: std rebuilt with opt-level z (optimize_for_size), panics abort at
# once (no message formatting, no unwinding tables), no file/line locations.
log "cargo +$WASM_TOOLCHAIN build --release --target wasm32-unknown-unknown -p attune (build-std)"
RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
  cargo "+$WASM_TOOLCHAIN" build --release --target wasm32-unknown-unknown -p attune \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
  --target-dir target/wasm-size
IN=target/wasm-size/wasm32-unknown-unknown/release/attune.wasm

tmp=$(mktemp -d "${TMPDIR:-/tmp}/attune-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Start from a clean slate: only generated files are removed (the tracked,
# hand-written ones are pkg/package.json, pkg/README.md, pkg/src/, pkg/types/).
rm -rf pkg/web pkg/node pkg/attune.js pkg/attune.mjs pkg/attune_bg.wasm pkg/snippet.min.js \
  pkg/debug.js pkg/sender.js pkg/attune-worker.js

log "wasm-bindgen $have: web, nodejs"
wasm-bindgen --target web --out-dir pkg/web --out-name attune_wasm "$IN"
wasm-bindgen --target nodejs --out-dir pkg/node --out-name attune_wasm "$IN"
# The web glue's default wasm URL (`new URL('attune_wasm_bg.wasm', import.meta.url)`)
# names a file that is not shipped, and bundlers that follow that form (webpack,
# vite) would look for it: pkg/src/wasm.js always passes the source, so it goes.
glue_default="module_or_path = new URL('attune_wasm_bg.wasm', import.meta.url);"
grep -qF "$glue_default" pkg/web/attune_wasm.js || die "pkg/web/attune_wasm.js: the glue's default wasm URL line changed (wasm-bindgen upgrade?): update build.sh"
GLUE_DEFAULT="$glue_default" node -e '
  const fs = require("fs"); const f = "pkg/web/attune_wasm.js";
  fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(process.env.GLUE_DEFAULT, "throw new Error(\"attune: no wasm source\");"));'
# pkg/package.json says "type": "module"; the nodejs glue is CommonJS.
printf '{\n  "type": "commonjs"\n}\n' > pkg/node/package.json

# Keep the unoptimised wasm to compare imports/exports after wasm-opt.
mkdir -p "$tmp/pre"
cp pkg/web/attune_wasm_bg.wasm "$tmp/pre/web.wasm"
cp pkg/node/attune_wasm_bg.wasm "$tmp/pre/node.wasm"

# Feature set = what rustc enables by default for wasm32-unknown-unknown
# (`rustc --print cfg --target wasm32-unknown-unknown | grep target_feature`)
# plus the two binaryen splits of it (bulk-memory-opt, call-indirect-overlong).
# -ocimfs=40: a function with one caller is inlined only when it is at most
# 40 bytes (at 0, none was: 0.1 K gzip larger, and 19 % more functions, each
# compiled on its first call, so 803 instead of 683 compiles before init
# resolved; above ~40 the gzip size grows); --converge: -Oz again until the
# module stops shrinking;
# --low-memory-unused: Rust lays nothing below 1 MiB (stack, then data), so
# constant address parts fold into load/store offsets.
# (--reorder-functions-by-name, which put similar functions side by side, now
# costs 0.9 K gzip: wasm-opt's own order compresses better.)
OPT_FLAGS=(--low-memory-unused -Oz -ocimfs=40 --converge
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
  --enable-call-indirect-overlong
  --strip-debug --strip-producers --strip-target-features)
log "wasm-opt ($("$WASM_OPT" --version | cut -d' ' -f3)) ${OPT_FLAGS[*]:0:5}"
for w in pkg/web/attune_wasm_bg.wasm pkg/node/attune_wasm_bg.wasm; do
  "$WASM_OPT" "${OPT_FLAGS[@]}" "$w" -o "$w.opt"
  mv "$w.opt" "$w"
done
log "verify optimised wasm (compile, imports/exports unchanged, instantiate)"
node scripts/verify-wasm.mjs "$tmp/pre"
# Both browser entries fetch this one file.
mv pkg/web/attune_wasm_bg.wasm pkg/attune_bg.wasm

version=$(node -p 'require("./pkg/package.json").version')
log "esbuild: attune.mjs (ESM), attune.js (script tag), sender.js, debug.js"
common=(--bundle --minify --legal-comments=none --target=es2020 --log-level=warning)
# The ESM entry has no top-level await: its wasm loads when init() (or load()) is
# first called (pkg/src/wasm.js), so a failed fetch rejects that call and never
# the importing module.
"$ESBUILD" pkg/src/index.js "${common[@]}" --format=esm --outfile=pkg/attune.mjs \
  --banner:js="/*! attune $version | MIT | browser ESM entry */"
# The glue's default wasm URL (import.meta.url) is never used: the loader passes one.
"$ESBUILD" pkg/src/loader.js "${common[@]}" --format=iife --outfile=pkg/attune.js \
  --define:import.meta.url=undefined --banner:js="/*! attune $version | MIT | classic-script entry */"
"$ESBUILD" pkg/src/sender.js --minify --legal-comments=none --target=es2020 --log-level=warning --outfile=pkg/sender.js
"$ESBUILD" pkg/src/debug.js --minify --legal-comments=none --target=es2020 --log-level=warning --format=esm --outfile=pkg/debug.js
# pkg/web's glue stays only as the bundles' source; its unused wasm is gone.
if grep -q "import.meta" pkg/attune.js; then die "pkg/attune.js still reads import.meta"; fi
# The overlay's import is the browser's own, not the bundler's: esbuild drops the
# comments that say so (webpack would warn "the request of a dependency is an
# expression"), so they are put back.
node -e '
  const fs = require("fs"); const f = "pkg/attune.mjs"; const code = fs.readFileSync(f, "utf8");
  const m = /=\(\)=>new URL\("\.\/debug\.js",import\.meta\.url\)\.href/.exec(code);
  const name = m && /([\w$]+)$/.exec(code.slice(0, m.index))[1];
  const call = "await import(" + name + "())";
  if (!name || code.split(call).length !== 2) { console.error("pkg/attune.mjs: the debug overlay import changed: update build.sh"); process.exit(1); }
  fs.writeFileSync(f, code.replace(call, "await import(/* webpackIgnore: true */ /* @vite-ignore */ " + name + "())"));'
# What bundlers follow in the ESM entry: exactly the shipped files, as `new URL('./…', import.meta.url)`.
refs=$(grep -o "new URL(\"[^\"]*\",import.meta.url)" pkg/attune.mjs | sort -u | tr '\n' ' ')
[[ "$refs" == 'new URL("./attune_bg.wasm",import.meta.url) new URL("./debug.js",import.meta.url) new URL("./sender.js",import.meta.url) ' ]] \
  || die "pkg/attune.mjs: unexpected import.meta.url references: $refs"
if grep -q "attune_wasm_bg\\.wasm" pkg/attune.mjs pkg/attune.js; then die "a bundle still names the glue's attune_wasm_bg.wasm"; fi

log "snippet"
node scripts/minify-snippet.mjs pkg/src/snippet.js pkg/snippet.min.js 1100

node scripts/sizes.mjs target/sizes.json
log "build ok in $(elapsed "$t0")s"
