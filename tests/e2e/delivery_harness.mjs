// Shared by the delivery browser tests: the dev collector on an ephemeral port
// serving tests/e2e/pages and pkg/, and headless Chromium with a fresh profile.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
// IndexedDB keys (the tests check that the engine keeps nothing there), shared with the other e2e tests.
export { idbKeys } from './helpers.mjs';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Starts the dev collector on an ephemeral port serving tests/e2e/pages and pkg/. */
export async function startCollector(root = ROOT) {
  const bin = process.env.ATTUNE_COLLECTOR
    || ['debug', 'release'].map((p) => join(root, 'target', p, 'attune-collector')).find(existsSync);
  if (!bin) throw new Error('attune-collector is not built: cargo build -p attune-collector');
  const dir = mkdtempSync(join(tmpdir(), 'attune-delivery-'));
  const child = spawn(bin, ['--port', '0', '--www', join(root, 'tests/e2e/pages'), '--pkg', join(root, 'pkg'),
    '--data', join(dir, 'events.jsonl'), '--fresh', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`collector did not start: ${out}`)), 15_000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); res(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`collector exited (${code})`)); });
  });
  const origin = `http://127.0.0.1:${port}`;
  const call = async (path, body) => {
    const init = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
    const res = await fetch(origin + path, { ...init, signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    origin, call,
    async close() { child.kill('SIGTERM'); await sleep(100); if (child.exitCode === null) child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Headless Chromium with a fresh profile; a persistent context, so localStorage survives reloads and tab closes. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'attune-delivery-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  return { context, async close() { await context.close().catch(() => {}); rmSync(userDataDir, { recursive: true, force: true }); } };
}

/** Opens `url` in a new tab of `context` and waits for its test page to set `ready` (or `initError`, thrown). */
export async function openReady(context, url, errors, label = '') {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${label}${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.ready || window.initError);
  const initError = await page.evaluate(() => window.initError);
  if (initError) throw new Error(`init failed: ${initError}`);
  return page;
}

