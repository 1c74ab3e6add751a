// Checks the wasm-opt output of scripts/build.sh before anything ships it:
// each optimised module must validate, keep the exact imports/exports of its
// unoptimised twin, and instantiate with its own wasm-bindgen glue in Node.
// (A wasm-opt that mis-handles reference types, e.g. Debian's binaryen 108,
// produces modules that fail exactly here.)
//
// usage: node scripts/verify-wasm.mjs PRE_DIR
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [preDir] = process.argv.slice(2);
if (!preDir) {
  console.error('usage: node scripts/verify-wasm.mjs PRE_DIR');
  process.exit(2);
}
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const builds = [
  { name: 'node', wasm: 'pkg/node/attune_wasm_bg.wasm', pre: 'node.wasm' },
  { name: 'web', wasm: 'pkg/web/attune_wasm_bg.wasm', pre: 'web.wasm' },
];

let failed = 0;
const fail = (msg) => { console.error(`  FAIL ${msg}`); failed++; };
const shape = (mod) => JSON.stringify({
  imports: WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`).sort(),
  exports: WebAssembly.Module.exports(mod).map((e) => `${e.name}:${e.kind}`).sort(),
});
// Errors raised by the engine itself mean a broken module; anything else (e.g. a
// start function reaching for `window` while we run in Node) is not wasm-opt's doing.
const isWasmError = (e) => e instanceof WebAssembly.CompileError
  || e instanceof WebAssembly.LinkError || e instanceof WebAssembly.RuntimeError;

async function instantiate(name, bytes) {
  if (name === 'node') {
    // The nodejs glue instantiates synchronously on require.
    const mod = createRequire(import.meta.url)(join(root, 'pkg/node/attune_wasm.js'));
    const fns = Object.values(mod).filter((v) => typeof v === 'function');
    if (fns.length === 0) throw new Error('pkg/node exports no functions');
    return;
  }
  if (name === 'web') {
    const glue = await import(pathToFileURL(join(root, 'pkg/web/attune_wasm.js')).href);
    glue.initSync({ module: bytes });
  }
}

for (const b of builds) {
  const bytes = readFileSync(join(root, b.wasm));
  const pre = readFileSync(join(preDir, b.pre));
  if (!WebAssembly.validate(bytes)) { fail(`${b.wasm}: does not validate`); continue; }
  const mod = new WebAssembly.Module(bytes);
  if (shape(mod) !== shape(new WebAssembly.Module(pre))) {
    fail(`${b.wasm}: imports/exports differ from the unoptimised module`);
    continue;
  }
  try {
    await instantiate(b.name, bytes);
    console.log(`  ok   ${b.wasm} (${pre.length} -> ${bytes.length} bytes)`);
  } catch (e) {
    if (isWasmError(e)) fail(`${b.wasm}: ${e.constructor.name}: ${e.message}`);
    else console.log(`  ok   ${b.wasm} compiles and links; its start needs a browser here: ${e.message}`);
  }
}
if (failed) {
  console.error(`verify-wasm: ${failed} optimised module(s) broken`);
  process.exit(1);
}
