// Every code block of README.md runs, so a snippet that breaks fails the suite:
//   ```html — served as a page (the snippet placeholder filled with the real
//             pkg/snippet.min.js) in Chromium; its collector is answered by the test;
//   ```js   — with `import … from 'attune'`: a module page with an import map to the
//             package's browser entry; without: run on the script-tag page above;
//   ```sh   — the `cargo run -p attune-cli -- …` commands, run with the built binary;
//             the make/bench lines start long builds (CI runs `make test` itself):
//             their targets, benches and scripts must exist;
//   ```json — config fragments (with `//` comments): made a config object and
//             passed to `attune check`, which must find no problem.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, ROOT, startCollector, waitFor } from './helpers.mjs';
import { problems, sdkReady } from './journey_harness.mjs';

/** The fenced blocks of a Markdown text: `[{lang, code}]`. */
export function codeBlocks(markdown) {
  const out = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push({ lang: m[1], code: m[2] });
  return out;
}

const blocks = codeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
// An import map as a bundler would resolve the package: `attune` to the browser entry
// (the built ESM bundle, pkg/attune.mjs), `attune/x` to each subpath the exports map names.
const manifest = JSON.parse(readFileSync(join(ROOT, 'pkg/package.json'), 'utf8'));
const IMPORTS = { attune: '/pkg/attune.mjs' };
for (const [key, target] of Object.entries(manifest.exports)) {
  if (key !== '.' && typeof target === 'string' && target.endsWith('.js')) {
    IMPORTS[`attune/${key.slice(2)}`] = `/pkg/${target.slice(2)}`;
  }
}
const WWW = 'target/readme-www';
let collector;
let browser;

before(async () => {
  rmSync(join(ROOT, WWW), { recursive: true, force: true });
  mkdirSync(join(ROOT, WWW), { recursive: true });
  collector = await startCollector({ www: WWW });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await collector?.close();
  rmSync(join(ROOT, WWW), { recursive: true, force: true });
});

test('README has html, js and sh blocks', () => {
  const langs = blocks.map((b) => b.lang);
  for (const l of ['html', 'js', 'sh', 'json']) assert.ok(langs.includes(l), `a ${l} block`);
  assert.deepEqual(blocks.filter((b) => !['html', 'js', 'sh', 'json'].includes(b.lang)), [],
    'every block is tagged html, js, sh or json (so that a test runs it)');
});

test('README html and js blocks run in Chromium', { timeout: 120_000 }, async () => {
  const snippet = readFileSync(join(ROOT, 'pkg/snippet.min.js'), 'utf8');
  const html = blocks.filter((b) => b.lang === 'html');
  assert.equal(html.length, 1, 'one html block (the script-tag quick start)');
  const page = await browser.newPage();
  const batches = [];
  await page.route('https://collect.example.com/**', async (route) => {
    batches.push(route.request().postData() ?? '');
    await route.fulfill({ status: 200, contentType: 'application/json', body: '{"ok":true}',
      headers: { 'access-control-allow-origin': '*' } });
  });
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  const body = html[0].code.replace(/<script>\/\*[^*]*\*\/<\/script>/, () => `<script>${snippet}</script>`);
  assert.notEqual(body, html[0].code, 'the snippet placeholder is filled');
  writeFileSync(join(ROOT, WWW, 'quickstart.html'), `<!doctype html><meta charset="utf-8"><body>${body}</body>`);

  await page.goto(`${collector.origin}/quickstart.html`);
  await sdkReady(page);
  const hero = page.locator('[data-attune-slot="hero"]');
  await waitFor('first visit: the default hero', async () => (await hero.textContent()) === 'Hello, new visitor');
  await waitFor('the ready() callback logged the segments', () => logs.some((l) => l.startsWith('segments')));
  await page.reload();
  await sdkReady(page);
  await waitFor('second visit: "Welcome back!"', async () => (await hero.textContent()) === 'Welcome back!');
  await page.evaluate(() => window.attune.flush());
  await waitFor('the tracked event at the configured collector', () => batches.some((b) => b.includes('Newsletter Shown')));

  // js blocks without imports run on this script-tag page.
  for (const { code } of blocks.filter((b) => b.lang === 'js' && !/^import /m.test(b.code))) {
    const error = await page.evaluate((src) => {
      try { (0, eval)(src); return null; } catch (e) { return String(e); }
    }, code);
    assert.equal(error, null, `block runs: ${code}`);
    if (/attune\.debug\(true\)/.test(code)) await page.locator('#attune-debug .panel').waitFor({ state: 'visible' });
  }
  assert.deepEqual(problems(page), []);
  // Pages of one origin share the outbox: close this one so that its collector
  // (collect.example.com) does not take the next page's events.
  await page.close();

  // js blocks importing 'attune' run as modules through the browser entry.
  const modules = blocks.filter((b) => b.lang === 'js' && /^import /m.test(b.code));
  assert.ok(modules.length >= 1, 'the npm quick start');
  for (const [i, { code }] of modules.entries()) {
    const name = `module-${i}`;
    writeFileSync(join(ROOT, WWW, `${name}.js`), `${code}\nwindow.__done = true;\n`);
    writeFileSync(join(ROOT, WWW, `${name}.json`), JSON.stringify({ imports: IMPORTS }));
    writeFileSync(join(ROOT, WWW, `${name}.html`), '<!doctype html><meta charset="utf-8">'
      + `<script type="importmap">${JSON.stringify({ imports: IMPORTS })}</script>`
      + `<script type="module" src="/${name}.js"></script>`);
    const p = await browser.newPage();
    await p.goto(`${collector.origin}/${name}.html`);
    await waitFor(`module block ${i} to finish (${JSON.stringify(p.problems)})`, () => p.evaluate(() => window.__done === true));
    assert.deepEqual(problems(p), [], `module block ${i} runs cleanly`);
  }
  // The npm quick start's event reached its collector (`/v1/batch`, this one).
  await waitFor('the npm quick start\'s Product Viewed at the collector', async () =>
    (await collector.fetchJson('/v1/events')).some((e) => e.event === 'Product Viewed' && e.properties?.sku === 'A1'));
});

const bin = join(ROOT, 'target/debug/attune');

test('README json blocks: config fragments pass `attune check`', () => {
  assert.ok(existsSync(bin), 'the CLI is built (cargo test --workspace builds it)');
  const json = blocks.filter((b) => b.lang === 'json');
  assert.ok(json.length >= 1);
  for (const [i, { code }] of json.entries()) {
    const text = code.replace(/\s+\/\/.*$/gm, '');
    const config = JSON.parse(text.trim().startsWith('{') ? text : `{${text}}`);
    const file = join(ROOT, WWW, `config-${i}.json`);
    writeFileSync(file, JSON.stringify(config));
    const r = spawnSync(bin, ['check', file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `json block ${i}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, '', `json block ${i}: no warning`);
  }
});

test('README sh blocks: the attune CLI commands succeed', () => {
  assert.ok(existsSync(bin), 'the CLI is built (cargo test --workspace builds it)');
  const commands = blocks.filter((b) => b.lang === 'sh')
    .flatMap((b) => b.code.replace(/\\\n\s*/g, '').split('\n'))
    .filter((l) => l.startsWith('cargo run -p attune-cli -- '));
  assert.ok(commands.length >= 2, `check and simulate commands (${commands})`);
  for (const line of commands) {
    const args = line.slice('cargo run -p attune-cli -- '.length).split(/\s+/).filter(Boolean);
    const r = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${line}\n${r.stdout}${r.stderr}`);
    assert.ok(r.stdout.length > 0, `${line} prints something`);
  }
});

test('README sh blocks: make targets, benches and scripts named exist', () => {
  const lines = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n'))
    .map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  let checked = 0;
  for (const line of lines) {
    let m;
    if ((m = /^make (\w+)$/.exec(line))) {
      assert.match(makefile, new RegExp(`^${m[1]}:`, 'm'), `Makefile target ${m[1]}`);
      checked++;
    } else if ((m = /^cargo bench --bench (\w+)$/.exec(line))) {
      assert.match(cargo, new RegExp(`name = "${m[1]}"`), `[[bench]] ${m[1]} in Cargo.toml`);
      assert.ok(existsSync(join(ROOT, 'benches', `${m[1]}.rs`)), `benches/${m[1]}.rs`);
      checked++;
    } else if ((m = /^node (\S+\.mjs)$/.exec(line))) {
      assert.ok(existsSync(join(ROOT, m[1])), m[1]);
      checked++;
    } else {
      assert.match(line, /^(cargo run -p attune-cli -- |--events )/, `an sh line this test knows how to check: ${line}`);
    }
  }
  assert.ok(checked >= 5, `make/bench lines checked (${checked})`);
});
