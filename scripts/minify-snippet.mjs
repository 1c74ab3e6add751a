// A deliberately small, conservative minifier for the copy-paste snippet
// (pkg/src/snippet.js): drops comments and whitespace, keeps every token as
// written (no renaming), keeps a newline wherever automatic semicolon insertion
// could depend on one. The result must parse, or the build fails.
//
// usage: node scripts/minify-snippet.mjs IN OUT MAX_BYTES
import { readFileSync, writeFileSync } from 'node:fs';
import vm from 'node:vm';

const [input, output, maxArg] = process.argv.slice(2);
if (!input || !output || !maxArg) {
  console.error('usage: node scripts/minify-snippet.mjs IN OUT MAX_BYTES');
  process.exit(2);
}
const max = Number(maxArg);
const src = readFileSync(input, 'utf8');

const isIdent = (c) => c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
// After these keywords a `/` starts a regular expression, not a division.
const KEYWORDS_BEFORE_EXPR = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new',
  'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

function tokenize(s) {
  const out = []; // { t: token text, nl: newline in the whitespace before it }
  let i = 0;
  let nl = false;
  const prevSignificant = () => out[out.length - 1]?.t;
  const regexAllowed = () => {
    const p = prevSignificant();
    if (p === undefined) return true;
    if (KEYWORDS_BEFORE_EXPR.has(p)) return true;
    if (isIdent(p[p.length - 1]) || p.startsWith('"') || p.startsWith("'") || p.startsWith('`')) return false;
    return !/^[)\]}]$/.test(p);
  };
  const readQuoted = (q) => {
    let j = i + 1;
    while (j < s.length && s[j] !== q) {
      if (s[j] === '\\') j++;
      else if (q !== '`' && s[j] === '\n') throw new Error('newline in string literal');
      else if (q === '`' && s[j] === '$' && s[j + 1] === '{') throw new Error('template substitutions are not supported');
      j++;
    }
    if (j >= s.length) throw new Error('unterminated literal');
    return j + 1;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029') { nl = true; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && s[i + 1] === '/') { while (i < s.length && s[i] !== '\n') i++; continue; }
    if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment');
      if (s.slice(i, end).includes('\n')) nl = true;
      i = end + 2;
      continue;
    }
    let j;
    if (c === '"' || c === "'" || c === '`') j = readQuoted(c);
    else if (c === '/' && regexAllowed()) {
      j = i + 1;
      let inClass = false;
      while (j < s.length && (inClass || s[j] !== '/')) {
        if (s[j] === '\\') j++;
        else if (s[j] === '[') inClass = true;
        else if (s[j] === ']') inClass = false;
        else if (s[j] === '\n') throw new Error('newline in regular expression');
        j++;
      }
      j++;
      while (isIdent(s[j])) j++; // flags
    } else if (isIdent(c)) {
      j = i;
      while (isIdent(s[j]) || (s[j] === '.' && /^[0-9]/.test(c))) j++;
    } else {
      j = i + 1; // one punctuator character at a time; joined back below
    }
    out.push({ t: s.slice(i, j), nl });
    nl = false;
    i = j;
  }
  return out;
}

// Characters after which a line break can never end a statement by ASI, and
// characters that, starting the next token, always continue the previous line.
const OPENERS = new Set(['{', '(', '[', ',', ';', ':', '=', '?', '&', '|', '<', '>', '*', '%', '^', '!', '~']);
const CONTINUERS = new Set(['}', ')', ']', ',', ';', ':', '.', '?', '=', '*', '%', '&', '|', '^']);

function join(tokens) {
  let res = '';
  for (const { t, nl } of tokens) {
    const a = res[res.length - 1];
    const b = t[0];
    if (res && nl && !OPENERS.has(a) && !CONTINUERS.has(b)) res += '\n';
    else if (res && ((isIdent(a) && isIdent(b))
      || (a === '+' && b === '+') || (a === '-' && b === '-')
      || (a === '/' && (b === '/' || b === '*')))) res += ' ';
    else if (res && nl && (a === '+' || a === '-') && (b === '+' || b === '-')) res += ' ';
    res += t;
  }
  return res + '\n';
}

let min;
try {
  min = join(tokenize(src));
  new vm.Script(min, { filename: output }); // must still parse
} catch (e) {
  console.error(`minify-snippet: cannot minify ${input} safely (${e.message}); copying it as is`);
  min = src;
}
writeFileSync(output, min);
const size = Buffer.byteLength(min);
console.log(`  ${output}: ${Buffer.byteLength(src)} -> ${size} bytes (limit ${max})`);
if (size > max) {
  console.error(`minify-snippet: ${output} is ${size} bytes, over the ${max}-byte limit`);
  process.exit(1);
}
