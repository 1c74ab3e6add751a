// The sanitiser's allowlists, for markup and attributes that do not come
// straight from the engine: the script tag's early paint reads cached
// decisions from localStorage before the wasm is compiled, so it checks them
// here. The tables mirror src/core/html/sanitize.rs, src/core/html/url.rs and
// src/core/content.rs (`attribute_allowed`); tests/js/allow.test.mjs fails
// when they drift apart.

/** Elements the sanitiser keeps (src/core/html/sanitize.rs `ALLOWED`). */
export const TAGS = ('a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup '
  + 'dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li '
  + 'main mark nav ol p pre q s samp section small span strong sub summary sup table tbody td tfoot th '
  + 'thead time tr u ul var wbr').split(' ');

/** Attributes allowed on every element (`GLOBAL_ATTRS`, besides aria-* and data-*). */
export const GLOBAL = 'class title lang dir role hidden translate'.split(' ');

/** Attributes allowed on particular elements (`ELEMENT_ATTRS`). */
export const BY_TAG = {
  a: 'href target rel hreflang', img: 'src alt width height loading decoding',
  td: 'colspan rowspan headers', th: 'colspan rowspan headers scope abbr', col: 'span',
  colgroup: 'span', ol: 'start reversed type', li: 'value', time: 'datetime', q: 'cite',
  blockquote: 'cite', del: 'cite datetime', ins: 'cite datetime', details: 'open',
};

/** Attributes holding a URL (src/core/html/url.rs `URL_ATTRIBUTES`). */
export const URL_ATTRS = ('href src cite action formaction poster background longdesc xlink:href ping '
  + 'srcset data codebase manifest lowsrc dynsrc').split(' ');

/** Schemes a URL attribute may use (`ALLOWED_SCHEMES`); no scheme is relative. */
export const SCHEMES = ['http', 'https', 'mailto', 'tel'];

/**
 * Whether `value` may stand in a URL attribute, read as a browser's URL
 * parser reads it: surrounding spaces and control characters trimmed, tabs
 * and newlines removed (`java\tscript:` is `javascript:`), other control
 * characters refused.
 */
export function safeUrl(value) {
  if (typeof value !== 'string') return false;
  // eslint-disable-next-line no-control-regex
  const v = value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v)) return false;
  const colon = v.indexOf(':');
  if (colon < 0) return true;
  const scheme = v.slice(0, colon);
  return /[/?#]/.test(scheme) || SCHEMES.indexOf(scheme.toLowerCase()) >= 0;
}

const custom = (name, prefix) => name.startsWith(prefix) && /^[a-z0-9-]+$/.test(name.slice(prefix.length));

/** Whether attribute `name` = `value` may stand on a sanitised `tag` element. */
export function nodeAttr(tag, name, value) {
  if (typeof name !== 'string' || typeof value !== 'string' || /^on/.test(name)) return false;
  if (/^(style|id|name|is|srcset)$/.test(name)) return false;
  const ok = GLOBAL.indexOf(name) >= 0 || custom(name, 'aria-') || custom(name, 'data-')
    || (Object.prototype.hasOwnProperty.call(BY_TAG, tag) && BY_TAG[tag].split(' ').indexOf(name) >= 0);
  if (!ok) return false;
  if (URL_ATTRS.indexOf(name) >= 0) return safeUrl(value);
  return !(tag === 'a' && name === 'target') || /^_(blank|self|parent|top)$/.test(value);
}

/** Whether `attributes` content may set `name` = `value` on a slot (content.rs `checked_attribute`). */
export function slotAttr(name, value) {
  if (typeof name !== 'string' || typeof value !== 'string' || !/^[a-z0-9:-]+$/.test(name)) return false;
  if (/^on|^data-attune/.test(name) || /^(style|srcdoc|is|srcset|hidden|class)$/.test(name)) return false;
  return URL_ATTRS.indexOf(name) < 0 || safeUrl(value);
}
