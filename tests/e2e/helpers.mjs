// Shared harness of the browser end-to-end tests (node:test):
//   startCollector() — the real `attune-collector` on 127.0.0.1, ephemeral port,
//                      serving www/ and pkg/, with a fresh temp event store;
//   launchBrowser()  — Debian's Chromium through playwright-core, headless, with the
//                      project's flags (webdriver.json) and a fresh temp profile.
// Everything is bounded in time and cleaned up by the returned `close()`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);

const STARTUP_MS = 15_000;
const STOP_MS = 5_000;

/** The collector binary: $ATTUNE_COLLECTOR, else the newest of target/{debug,release}. */
export function collectorBinary() {
  if (process.env.ATTUNE_COLLECTOR) return process.env.ATTUNE_COLLECTOR;
  const candidates = ['debug', 'release']
    .map((p) => join(ROOT, 'target', p, 'attune-collector'))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) {
    throw new Error('attune-collector is not built: run `cargo build -p attune-collector` (scripts/test.sh does)');
  }
  return candidates[0];
}

/**
 * Starts the collector on an ephemeral port. Resolves to
 * `{ origin, port, dataFile, fetchJson(path, init), stderr(), close() }`.
 */
export async function startCollector({ extraArgs = [], www = 'www', pkg = 'pkg' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'attune-e2e-collector-'));
  const dataFile = join(dir, 'events.jsonl');
  const args = ['--port', '0', '--www', join(ROOT, www), '--pkg', join(ROOT, pkg),
    '--data', dataFile, '--fresh', '--quiet', ...extraArgs];
  const child = spawn(collectorBinary(), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-20_000); });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(
      `collector printed no "listening on" line within ${STARTUP_MS} ms; stdout: ${stdout} stderr: ${stderr}`)), STARTUP_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) { clearTimeout(timer); res(Number(m[1])); }
    });
    child.once('error', (e) => { clearTimeout(timer); rej(e); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`collector exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  }).catch(async (e) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  const origin = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    origin,
    port,
    dataFile,
    stderr: () => stderr,
    /** fetch() against the collector, bounded, parsing the JSON answer. */
    async fetchJson(path, init = {}) {
      const res = await fetch(origin + path, { ...init, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited, sleep(STOP_MS).then(() => null)]);
        if (!done) { child.kill('SIGKILL'); await Promise.race([exited, sleep(STOP_MS)]); }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Chromium binary and flags, shared with wasm-bindgen-test-runner via webdriver.json. */
export function chromiumConfig() {
  const wd = JSON.parse(readFileSync(join(ROOT, 'webdriver.json'), 'utf8'))['goog:chromeOptions'] ?? {};
  const executablePath = process.env.CHROMIUM_BIN ?? wd.binary ?? '/usr/bin/chromium';
  const required = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
  const args = [...new Set([...(wd.args ?? []), ...required])]
    .filter((a) => !a.startsWith('--user-data-dir'));
  return { executablePath, args };
}

/**
 * Launches headless Chromium with a fresh temporary profile. Resolves to
 * `{ context, newPage(), close() }` (a persistent context: reloads keep localStorage).
 * `extraArgs`: more Chromium flags (a benchmark's experiments, e.g. V8 flags).
 */
export async function launchBrowser({ timeoutMs = 30_000, extraArgs = [] } = {}) {
  const { chromium } = await import('playwright-core');
  const { executablePath, args: base } = chromiumConfig();
  const args = [...base, ...extraArgs];
  const userDataDir = mkdtempSync(join(tmpdir(), 'attune-e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args,
      timeout: timeoutMs,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(15_000);
  let closed = false;
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      // Every page collects what went wrong on it, for the assertions and for messages.
      page.problems = [];
      page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
      // Chromium's own "Failed to load resource" console line names no URL; failed
      // responses are recorded with theirs below instead.
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
          page.problems.push(`console.error: ${m.text()}`);
        }
      });
      page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`); });
      // A batch still in flight when the page reloads or navigates is aborted by the
      // browser (net::ERR_ABORTED): expected, since the events stay in the outbox and
      // are re-sent, so those go to `page.aborted`, not to the problems. So is the
      // delivery worker's script when the page leaves while it loads, and the wasm
      // (a page that failed to load it fails init, which the tests see).
      page.aborted = [];
      page.on('requestfailed', (r) => {
        const line = `requestfailed: ${r.url()} ${r.failure()?.errorText}`;
        const expected = r.url().includes('/v1/batch') || /\/sender\.js$|\.wasm$/.test(r.url());
        if (r.failure()?.errorText === 'net::ERR_ABORTED' && expected) page.aborted.push(line);
        else page.problems.push(line);
      });
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.race([context.close().catch(() => {}), sleep(STOP_MS)]);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `fn` until it returns a truthy value or `timeoutMs` passes, then throws
 * with `what` (a string, or a function called at that moment for fresh details).
 */
export async function waitFor(what, fn, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    last = await fn();
    if (last) return last;
    await sleep(intervalMs);
  }
  const label = typeof what === 'function' ? what() : what;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${label} (last: ${JSON.stringify(last)})`);
}

/** Resolves once the page's Attune SDK has started (`attune.isReady`). */
export const ready = (page) => page.waitForFunction(() => window.attune && window.attune.isReady === true, null, { timeout: 15_000 });

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Keys of an IndexedDB database `attune` (store `kv`) as `page` sees them: where the
 * removed worker mode kept its records; the tests check that nothing is there now.
 */
export function idbKeys(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('attune');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('kv')) { db.close(); resolve([]); return; }
      const req = db.transaction('kv').objectStore('kv').getAllKeys();
      req.onsuccess = () => { db.close(); resolve(req.result.map(String)); };
      req.onerror = () => reject(req.error);
    };
  }));
}
