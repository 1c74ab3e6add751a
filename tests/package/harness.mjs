// Shared by the packaging tests (tests/package): the package as a user gets it
// (`npm pack` of pkg/, unpacked into the fixture's node_modules/attune as npm
// installs a package without dependencies), the fixture app's bundlers
// installed once from tests/package/fixture/package-lock.json into
// target/package-fixture/<hash of the lock>/ (`npm ci` from the npm registry;
// reused while the lock is unchanged), and a page run that records what a page
// fetched and what went wrong on it.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

import { ROOT } from '../e2e/helpers.mjs';

export { ROOT };
export const FIXTURE = join(ROOT, 'tests/package/fixture');
const CACHE = join(ROOT, 'target/package-fixture');
const INSTALL_MS = 180_000;

/** Runs `cmd args` in `cwd`, bounded; throws with its output when it fails. */
export function run(cmd, args, cwd, timeoutMs = 120_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${relative(ROOT, cwd)}) failed: ${r.error?.message ?? `exit ${r.status}`}\n${out.slice(-4000)}`);
  }
  return out;
}

/**
 * `npm pack` of pkg/ into `dir`/pack, unpacked into `dir`/`into` as npm installs a
 * package without dependencies. Resolves to `{ tarball, pkgDir }`.
 */
export function packPackage(dir, into) {
  for (const f of ['attune.mjs', 'attune.js', 'attune_bg.wasm', 'sender.js', 'snippet.min.js']) {
    if (!existsSync(join(ROOT, 'pkg', f))) throw new Error(`pkg/${f} is missing: run make build`);
  }
  const packDir = join(dir, 'pack');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const name = execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', packDir, '--silent'],
    { encoding: 'utf8', timeout: 60_000 }).trim().split('\n').pop();
  const tarball = join(packDir, name);
  const pkgDir = join(dir, into);
  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1'], dir);
  return { tarball, pkgDir };
}

/**
 * The fixture's directory with its bundlers installed (node_modules from the lock
 * file) and the packed tarball of pkg/ in node_modules/attune. Resolves to
 * `{ dir, tarball, pkgDir }`. Only bundlers.test.mjs uses it (node --test runs
 * test files in parallel).
 */
export function prepareFixture() {
  const lock = readFileSync(join(FIXTURE, 'package-lock.json'));
  const key = createHash('sha256').update(lock).update(readFileSync(join(FIXTURE, 'package.json')))
    .update(process.version).digest('hex').slice(0, 16);
  const dir = join(CACHE, 'bundlers', key);
  if (!existsSync(join(dir, 'node_modules/.package-lock.json'))) {
    const staging = `${dir}.staging`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(FIXTURE, f), join(staging, f));
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], staging, INSTALL_MS);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    // Older installs (other lock files) are not reused: drop them.
    for (const other of readdirSync(join(CACHE, 'bundlers'))) {
      if (other !== key) rmSync(join(CACHE, 'bundlers', other), { recursive: true, force: true });
    }
  }
  // The app's sources, fresh each run.
  for (const f of ['src', 'index.html']) {
    rmSync(join(dir, f), { recursive: true, force: true });
    cpSync(join(FIXTURE, f), join(dir, f), { recursive: true });
  }
  return { dir, ...packPackage(dir, 'node_modules/attune') };
}

/** Every file under `dir`, as paths relative to it, sorted. */
export function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export const gzipOf = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

/**
 * Every request of `context`'s pages and their workers, as `{ url, status, failed }`
 * records filled in as the answers come (a worker's requests keep status null).
 */
export function recordRequests(context) {
  const requests = [];
  const byRequest = new Map();
  context.on('request', (r) => {
    const rec = { url: r.url(), status: null, failed: null };
    requests.push(rec);
    byRequest.set(r, rec);
  });
  context.on('requestfinished', async (r) => {
    const rec = byRequest.get(r);
    if (rec) rec.status = (await r.response().catch(() => null))?.status() ?? null;
  });
  context.on('requestfailed', (r) => { const rec = byRequest.get(r); if (rec) rec.failed = r.failure()?.errorText; });
  return requests;
}
