// Shared by tests/js/types.test.mjs and tests/e2e/types_runtime.test.mjs: a throw-away
// TypeScript consumer of the built package (node_modules/attune → pkg/), `tsc --strict`
// run in it, and the source of compile-time checks that compare the member names found
// at run time with the members a declared type has.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The two module resolutions consumers use, as tsconfig compiler options (all strict). */
export const RESOLUTIONS = {
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  node16: { module: 'node16', moduleResolution: 'node16' },
};

/** A consumer project in a temp dir with the package installed as `attune`; `close()` removes it. */
export function consumer() {
  const dir = mkdtempSync(join(tmpdir(), 'attune-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'pkg'), join(dir, 'node_modules/attune'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}\n');
  return {
    dir,
    /** Copies tests/types/NAME into the project. */
    copy(name) { copyFileSync(join(ROOT, 'tests/types', name), join(dir, name)); },
    write(name, text) { writeFileSync(join(dir, name), text); },
    /** `tsc --strict --noEmit` over `files` with `resolution` (bounded): `{ code, out }`. */
    tsc(resolution, files) {
      const options = {
        strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false,
        ...RESOLUTIONS[resolution],
      };
      const config = `tsconfig.${resolution}.json`;
      writeFileSync(join(dir, config), JSON.stringify({ compilerOptions: options, files }));
      const r = spawnSync(TSC, ['-p', config, '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
    },
    close() { rmSync(dir, { recursive: true, force: true }); },
  };
}

/** A TypeScript string-literal union of `names` (`never` for none). */
const union = (names) => (names.length ? names.map((n) => JSON.stringify(n)).join(' | ') : 'never');

/**
 * TypeScript source that fails to compile unless, for each check `{ name, type, keys, exact }`,
 * every name in `keys` (found at run time) is a member of `type` (a TS type expression), and
 * every member of `type` is in `keys` (with `exact: false`, only its required members). The
 * error names the offending member: `Type '"ok"' is not assignable to type '"free"'`.
 */
export function keyCheckSource(checks, imports) {
  const lines = [
    ...imports,
    'type RequiredKeys<T> = { [P in keyof T]-?: {} extends Pick<T, P> ? never : P }[keyof T];',
    "type Ok<X> = [X] extends [never] ? 'ok' : X;",
  ];
  for (const { name, type, keys, exact } of checks) {
    lines.push(`// ${name}`, `type Runtime_${name} = ${union(keys)};`);
    lines.push(`export const ${name}_has_undeclared: Ok<Exclude<Runtime_${name}, keyof (${type})>> = 'ok';`);
    lines.push(`export const ${name}_lacks_declared: Ok<Exclude<${exact ? `keyof (${type})` : `RequiredKeys<${type}>`}, Runtime_${name}>> = 'ok';`);
  }
  return `${lines.join('\n')}\n`;
}

/** Names an object answers to that a user sees: own and prototype members, without `_…` and `constructor`. */
export function publicMembers(obj) {
  const names = new Set(Object.keys(obj));
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) names.add(n);
  }
  return [...names].filter((n) => n !== 'constructor' && !n.startsWith('_')).sort();
}
