// Prints the size table of the built package and writes it as JSON.
// Raw bytes, gzip (level 9) and brotli (quality 11) of each shipped file and of
// the two ways a page loads Attune: the classic script tag and the ESM build.
//
// usage: node scripts/sizes.mjs [OUT_JSON]   (default target/sizes.json)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(new URL('..', import.meta.url).pathname);
const out = resolve(process.argv[2] ?? join(root, 'target/sizes.json'));

const measure = (file) => {
  const buf = readFileSync(join(root, file));
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
};
const sum = (parts) => parts.reduce(
  (acc, p) => ({ raw: acc.raw + p.raw, gzip: acc.gzip + p.gzip, brotli: acc.brotli + p.brotli }),
  { raw: 0, gzip: 0, brotli: 0 },
);

const groups = {
  'script-tag': ['pkg/attune.js', 'pkg/attune_bg.wasm'],
  esm: ['pkg/web/attune_wasm.js', 'pkg/web/attune_wasm_bg.wasm'],
  snippet: ['pkg/snippet.min.js'],
  'debug-overlay': ['pkg/debug.js'],
  'delivery-worker': ['pkg/sender.js'],
};
const report = { generated: new Date().toISOString(), files: {}, totals: {} };
for (const [name, files] of Object.entries(groups)) {
  for (const f of files) report.files[f] = measure(f);
  report.totals[name] = { files, ...sum(files.map((f) => report.files[f])) };
}

const rows = [
  ...Object.entries(report.files).map(([f, s]) => [f, s]),
  ...Object.entries(report.totals).filter(([, t]) => t.files.length > 1)
    .map(([name, t]) => [`= ${name} total`, t]),
];
const w = Math.max(...rows.map(([n]) => n.length));
const fmt = (n) => String(n).padStart(9);
console.log(`${'file'.padEnd(w)} ${fmt('raw')} ${fmt('gzip -9')} ${fmt('brotli 11')}`);
for (const [name, s] of rows) console.log(`${name.padEnd(w)} ${fmt(s.raw)} ${fmt(s.gzip)} ${fmt(s.brotli)}`);

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`(written to ${out})`);
