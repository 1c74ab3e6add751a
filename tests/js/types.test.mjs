// The TypeScript declarations (pkg/types) against the runtime and the engine's key table,
// as a consumer of the built package sees them (run after `make build`):
//   * tests/types/usage.ts and script-tag.ts (every documented call) and misuse.ts (every
//     line under `// @ts-expect-error` must be a type error) compile with `tsc --strict`
//     under moduleResolution bundler and node16;
//   * a real init() result in Node has exactly the methods `Attune` declares, and the Node
//     entry exactly the exports index.d.ts declares (`import { debug } from 'attune'` works);
//   * the config interfaces declare exactly the keys of src/core/config_keys.rs, and the
//     README's configuration reference and the docs' key tables (delivery, experiment,
//     content, metrics, affinities) name only those;
//   * an unknown key is reported on the console and through on('error'), and rejects
//     init with `strict: true`.
// Chromium's side (the browser entry, the script tag's window.attune) is
// tests/e2e/types_runtime.test.mjs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { consumer, keyCheckSource, publicMembers, ROOT } from './type-keys.mjs';

for (const resolution of ['bundler', 'node16']) {
  test(`the declarations compile under tsc --strict (moduleResolution ${resolution}): every documented call, every misuse rejected`, { timeout: 180_000 }, () => {
    const c = consumer();
    try {
      for (const f of ['usage.ts', 'script-tag.ts', 'misuse.ts']) c.copy(f);
      const r = c.tsc(resolution, ['usage.ts', 'script-tag.ts', 'misuse.ts']);
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out.trim(), '');
      // The checker is really on: one wrong line more fails.
      c.write('wrong.ts', "import { init } from 'attune';\nexport const p = init({ consent: { mode: 'optin' } });\n");
      const bad = c.tsc(resolution, ['wrong.ts']);
      assert.notEqual(bad.code, 0, bad.out);
      assert.match(bad.out, /wrong\.ts\(2,\d+\): error TS\d+: Type '"optin"' is not assignable/);
    } finally {
      c.close();
    }
  });
}

test('misuse.ts has one type error per @ts-expect-error line (without the directives)', { timeout: 180_000 }, () => {
  const text = readFileSync(join(ROOT, 'tests/types/misuse.ts'), 'utf8');
  const directives = text.split('\n').filter((l) => l.trim().startsWith('// @ts-expect-error')).length;
  assert.ok(directives >= 30, `${directives} misuses`);
  const c = consumer();
  try {
    c.write('misuse.ts', text.replace(/^\s*\/\/ @ts-expect-error.*$/gm, '//'));
    const r = c.tsc('bundler', ['misuse.ts']);
    const lines = new Set([...r.out.matchAll(/misuse\.ts\((\d+),\d+\): error/g)].map((m) => m[1]));
    assert.equal(lines.size, directives, r.out);
  } finally {
    c.close();
  }
});

/** The engine's key table: `[shape, keys[]]` per shape (src/core/config_keys.rs). */
function keyTable() {
  const src = readFileSync(join(ROOT, 'src/core/config_keys.rs'), 'utf8');
  const body = /pub const KEYS: &str = "\\\n([^"]*)";/.exec(src);
  assert.ok(body, 'config_keys.rs has the KEYS table');
  const out = [];
  for (const line of body[1].split('\n')) {
    const at = line.indexOf(':');
    const shapes = line.slice(0, at).split(' ').filter(Boolean).map((s) => s.replace(/^!/, ''));
    const keys = line.slice(at + 1).trim().split(' ');
    for (const s of shapes.length ? shapes : ['']) out.push([s, keys]);
  }
  return out;
}

/** The TypeScript type of the object at `shape` in AttuneConfig (`placements[].caps`). */
function shapeType(shape) {
  let t = 'AttuneConfig';
  for (const seg of shape ? shape.split('.') : []) {
    t = `Obj<(${t})['${seg.replace('[]', '')}']>`;
    if (seg.endsWith('[]')) t = `Elem<${t}>`;
  }
  return t;
}

test('the config interfaces declare exactly the keys of the engine\'s key table', { timeout: 120_000 }, () => {
  const table = keyTable();
  assert.ok(table.length >= 20 && table[0][0] === '', JSON.stringify(table[0]));
  const checks = table.map(([shape, keys], i) => ({ name: `shape${i}`, type: shapeType(shape), keys, exact: true }));
  const source = keyCheckSource(checks, [
    "import type { AttuneConfig } from 'attune';",
    'type Obj<T> = Extract<NonNullable<T>, object>;',
    'type Elem<T> = T extends readonly (infer U)[] ? Obj<U> : never;',
  ]);
  const c = consumer();
  try {
    c.write('keys.ts', source);
    const r = c.tsc('bundler', ['keys.ts']);
    const names = table.map(([s]) => s || '(root)');
    assert.equal(r.code, 0, `${r.out}\n(shapeN is ${names.map((n, i) => `${i}=${n}`).join(', ')})`);
    // The check can fail: a key the types lack.
    c.write('keys.ts', source.replace('type Runtime_shape0 = ', 'type Runtime_shape0 = "colector" | '));
    const bad = c.tsc('bundler', ['keys.ts']);
    assert.match(bad.out, /Type '"ok"' is not assignable to type '"colector"'/);
  } finally {
    c.close();
  }
});

test("the README's configuration reference and the docs' key tables name only keys of the table, and every top-level key", () => {
  const table = keyTable();
  const paths = new Set(table.flatMap(([s, keys]) => keys.map((k) => (s ? `${s.replace(/\[\]/g, '')}.${k}` : k))));
  const top = table[0][1];
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration reference'), readme.indexOf('### Placements'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  const named = new Set();
  for (const row of rows) {
    const first = row.split('|')[1];
    const tokens = [...first.matchAll(/`([\w.]+)`/g)].map((m) => m[1]);
    const head = tokens[0].split('.')[0];
    for (const t of tokens) {
      // A top-level key or a full path, or (in parentheses) a key found below the row's key.
      const ok = paths.has(t) || [...paths].some((p) => p.startsWith(`${head}.`) && p.endsWith(`.${t}`));
      assert.ok(ok, `README names \`${t}\` (row of \`${head}\`), which the key table lacks`);
      named.add(t.split('.')[0]);
    }
  }
  assert.deepEqual(top.filter((k) => !named.has(k)), [], 'top-level keys missing from the README reference');
  // The key tables of the docs: the first column of the first table after `marker`.
  const tableAfter = (file, marker) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    assert.ok(text.includes(marker), `${file} has ${marker}`);
    const rest = text.slice(text.indexOf(marker));
    const start = rest.indexOf('\n|');
    const block = rest.slice(start, rest.indexOf('\n\n', start));
    return block.split('\n').filter((l) => l.startsWith('| `'))
      .flatMap((l) => [...l.split('|')[1].matchAll(/`(\w+)`/g)].map((m) => m[1])).sort();
  };
  const keysOf = (shape) => table.find(([s]) => s === shape)[1].slice().sort();
  for (const [file, marker, shape] of [
    ['docs/delivery.md', 'Collector keys', 'collectors[]'],
    ['docs/delivery.md', '`delivery` keys', 'delivery'],
    ['docs/decisions.md', '`experiment` makes some variants', 'placements[].experiment'],
    ['docs/decisions.md', '## Content kinds and templates', 'placements[].variants[].content'],
    ['docs/profile.md', '"metrics": [', 'metrics[]'],
    ['docs/profile.md', '"affinities": [', 'affinities[]'],
  ]) {
    assert.deepEqual(tableAfter(file, marker), keysOf(shape), `${file}, the table after ${marker}: the keys of ${shape}`);
  }
});

test("a real init() result in Node has exactly Attune's methods, the Node entry exactly the declared exports, and `import { debug }` works", { timeout: 120_000 }, async () => {
  const entry = await import('../../pkg/src/node.js');
  const sdk = await entry.init({ autocapture: false });
  const methods = publicMembers(sdk);
  assert.ok(methods.length >= 21, methods.join(', '));
  assert.equal(await entry.debug(sdk), false, 'no overlay without a page');
  const c = consumer();
  try {
    c.write('keys.ts', keyCheckSource([
      { name: 'sdk', type: 'Attune', keys: methods, exact: true },
      { name: 'node', type: "typeof import('attune')", keys: Object.keys(entry), exact: true },
    ], ["import type { Attune } from 'attune';"]));
    const r = c.tsc('node16', ['keys.ts']);
    assert.equal(r.code, 0, r.out);
    // The check can fail: a declared method the runtime lacks.
    c.write('gap.ts', keyCheckSource([{ name: 'sdk', type: 'Attune', keys: methods.filter((m) => m !== 'forget'), exact: true }],
      ["import type { Attune } from 'attune';"]));
    assert.match(c.tsc('node16', ['gap.ts']).out, /Type '"ok"' is not assignable to type '"forget"'/);
    c.write('main.mjs', "import { debug, init, evalCondition } from 'attune';\n" +
      'const sdk = await init({ autocapture: false });\n' +
      'console.log(JSON.stringify([await debug(sdk), await debug(sdk, false), evalCondition({ a: 1 }, { a: 1 })]));\n');
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: c.dir, encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual(JSON.parse(out), [false, false, true]);
  } finally {
    c.close();
  }
});

test('an unknown config key is reported on the console and through on("error"), and rejects init with strict: true', async () => {
  const { init } = await import('../../pkg/src/node.js');
  const warned = [];
  const original = console.warn;
  console.warn = (...args) => warned.push(args.map(String).join(' '));
  let sdk;
  try {
    sdk = await init({ autocapture: false, colector: { url: 'http://127.0.0.1:9/v1/batch' } });
  } finally {
    console.warn = original;
  }
  assert.ok(warned.some((w) => w.includes('colector: unknown key (did you mean `collector`?)')), warned.join('\n'));
  const heard = [];
  sdk.on('error', (e) => heard.push(e));
  assert.equal(heard.length, 1, 'the first error listener gets what was reported before it');
  assert.equal(heard[0].name, 'AttuneError');
  assert.equal(heard[0].code, 'invalid_config');
  assert.equal(heard[0].path, 'colector');
  await assert.rejects(init({ strict: true, autocapture: false, collector: { url: 'http://127.0.0.1:9/v1/batch', bogus: 1 } }), (e) => {
    assert.equal(e.name, 'AttuneError');
    assert.equal(e.code, 'invalid_config');
    assert.equal(e.path, 'collector.bogus');
    assert.match(e.message, /^collector\.bogus: unknown key \(expected one of: url id headers /);
    return true;
  });
  // A transform function is a known collector key (taken out before the config reaches the engine).
  const quiet = [];
  console.warn = (...args) => quiet.push(args.map(String).join(' '));
  try {
    await init({ strict: true, autocapture: false, collector: { url: 'http://127.0.0.1:9/v1/batch', transform: (events) => events } });
  } finally {
    console.warn = original;
  }
  assert.deepEqual(quiet.filter((w) => w.includes('unknown key')), []);
});
