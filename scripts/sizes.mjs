// What each entry of the built package loads at start, against its budget.
// Prints raw bytes, gzip -9 and brotli 11 of every file the budget names, each
// entry's total beside its gzip budget, and the on-demand files apart; writes
// the same as JSON. Exits non-zero when a named file is missing, when an
// entry's gzip total is over its budget, or when an ESM bundle statically
// imports a file the budget does not count.
//
// The budgets live in one place: scripts/size-budget.json
//   { "entries": { NAME: { "files": [...], "inline": [...], "maxGzip": N }, ... }, "onDemand": [...] }
// (paths from the repo root; `files` are fetched, `inline` ones the page carries
// in its HTML, the snippet: both count towards the entry's total).
//
// usage: node scripts/sizes.mjs [OUT_JSON] [--budget FILE]   (default target/sizes.json)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const budgetPath = resolve(flag('--budget') ?? join(root, 'scripts/size-budget.json'));
const out = resolve(argv[0] ?? join(root, 'target/sizes.json'));

const budget = JSON.parse(readFileSync(budgetPath, 'utf8'));
const problems = [];
if (!budget.entries || typeof budget.entries !== 'object') throw new Error(`${budgetPath}: no "entries"`);

const files = {};
const measure = (file) => {
  if (file in files) return files[file];
  const p = join(root, file);
  if (!existsSync(p)) {
    problems.push(`${file} is missing`);
    files[file] = null;
    return null;
  }
  const buf = readFileSync(p);
  files[file] = {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
  return files[file];
};
const sum = (list) => list.reduce((acc, f) => {
  const s = files[f];
  return s ? { raw: acc.raw + s.raw, gzip: acc.gzip + s.gzip, brotli: acc.brotli + s.brotli } : acc;
}, { raw: 0, gzip: 0, brotli: 0 });

// A bundle that imports another file of the package at start (not `import(…)`)
// would load bytes the entry does not count.
const staticImports = (file) => {
  const text = readFileSync(join(root, file), 'utf8');
  const re = /(?:^|[;\n}])\s*(?:import\s*(?:[\w$*{][^;'"]*?\bfrom\s*)?|export\s*(?:\*|\{[^}]*\})\s*from\s*)["']([^"']+)["']/g;
  return [...text.matchAll(re)].map((m) => m[1]);
};

const entries = {};
for (const [name, e] of Object.entries(budget.entries)) {
  if (!Array.isArray(e.files) || typeof e.maxGzip !== 'number') {
    throw new Error(`${budgetPath}: entries.${name} needs "files" (array) and "maxGzip" (number)`);
  }
  if (e.inline !== undefined && !Array.isArray(e.inline)) throw new Error(`${budgetPath}: entries.${name}.inline must be an array`);
  const all = [...e.files, ...(e.inline ?? [])];
  for (const f of all) measure(f);
  const total = sum(all);
  const complete = all.every((f) => files[f]);
  const ok = complete && total.gzip <= e.maxGzip;
  if (complete && !ok) problems.push(`entry ${name}: ${total.gzip} B gzip loaded at start, over its budget of ${e.maxGzip} B`);
  for (const f of e.files.filter((x) => /\.m?js$/.test(x) && files[x])) {
    for (const spec of staticImports(f)) problems.push(`${f} imports ${spec} at start: not counted in entry ${name}`);
  }
  entries[name] = { files: e.files, inline: e.inline ?? [], ...total, maxGzip: e.maxGzip, headroom: e.maxGzip - total.gzip, ok };
}
const onDemand = {};
for (const f of budget.onDemand ?? []) {
  const s = measure(f);
  if (s) onDemand[f] = s;
}

// ---- table --------------------------------------------------------------
const num = (n) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US')).padStart(10);
const rows = [];
for (const [name, e] of Object.entries(entries)) {
  rows.push([`${name}: loaded at start`, null, null, null, '']);
  for (const f of [...e.files, ...e.inline]) {
    const s = files[f];
    rows.push([`  ${f}`, s?.raw, s?.gzip, s?.brotli, s ? (e.inline.includes(f) ? '(inline in the page)' : '') : 'MISSING']);
  }
  const pct = ((e.gzip / e.maxGzip) * 100).toFixed(1);
  const complete = [...e.files, ...e.inline].every((f) => files[f]);
  rows.push([`  = ${name} total`, e.raw, e.gzip, e.brotli,
    `budget ${e.maxGzip.toLocaleString('en-US')} gzip: ${pct} %, ${complete ? (e.ok ? 'ok' : 'OVER') : 'INCOMPLETE'}`]);
}
if (budget.onDemand?.length) {
  rows.push(['on demand (not in any entry)', null, null, null, '']);
  for (const f of budget.onDemand) {
    const s = files[f];
    rows.push([`  ${f}`, s?.raw, s?.gzip, s?.brotli, s ? '' : 'MISSING']);
  }
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`${'size of what each entry loads'.padEnd(w)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)} ${'brotli 11'.padStart(10)}`);
for (const [label, raw, gz, br, note] of rows) {
  if (raw === null && gz === null && !note) console.log(label);
  else console.log(`${label.padEnd(w)} ${num(raw)} ${num(gz)} ${num(br)}  ${note}`.trimEnd());
}

const report = {
  generated: new Date().toISOString(),
  budget: budgetPath.startsWith(root) ? budgetPath.slice(root.length + 1) : budgetPath,
  ok: problems.length === 0,
  problems,
  files,
  entries,
  onDemand,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`(written to ${out.startsWith(root) ? out.slice(root.length + 1) : out})`);
if (problems.length) {
  for (const p of problems) console.error(`sizes: ${p}`);
  console.error(`sizes: FAILED (budgets in ${report.budget})`);
  process.exit(1);
}
