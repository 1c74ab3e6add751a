// Painting decisions into the page and watching the painted slots.
//
// Every slot element's original state (a deep clone, attributes included) is
// kept in a WeakMap the first time it is changed, so a later decision of
// "default" restores it exactly and a new variant is always applied to the
// original. Sanitised markup (the engine's node tree) is built with
// createElement / setAttribute / createTextNode: nothing is ever assigned to
// innerHTML. Painted slots get `data-attune-done` (ending their anti-flicker
// hiding), `data-attune-variant` when a variant shows and
// `data-attune-holdout` in an experiment's holdout.
//
// Impressions: an IntersectionObserver; a slot counts as seen once at least
// `exposure.threshold` of it is visible for `exposure.minMs`, once per page
// view. Clicks inside painted slots are reported; a MutationObserver paints
// slots added later before the browser draws them.

/** Class on <html> that hides undecided slots (set by the snippet or the page). */
export const HIDING = 'attune-loading';

/** Whether an attribute of the engine's sanitised content may be set (checked again here). */
function laxAttr(name, value) {
  return !/^on/i.test(name) && name !== 'style' && name !== 'srcdoc'
    && !(/^(href|src|action|formaction|xlink:href)$/i.test(name) && /^[\s\u0000-\u001f]*(javascript|data|vbscript):/i.test(value));
}
// The checks in force: the engine's output needs only the lax ones; the
// script tag's loader, which paints untrusted cached decisions, installs the
// sanitiser's allowlists (allow.js) with `strictChecks`, so the ESM entry
// does not carry them.
let checks = {
  tag: (t) => typeof t === 'string',
  node: (tag, name, value) => laxAttr(name, value),
  slot: (name, value) => laxAttr(name, value) && name !== 'class' && name !== 'hidden',
};

/** Installs stricter checks (`{tag(t), node(tag, name, value), slot(name, value)}`) for every later paint. */
export function strictChecks(c) { checks = c; }

/**
 * Builds one sanitised node (`"text"` or `{tag, attrs: [[k, v]], children}`),
 * checked again (`checks`): a tag that fails is dropped with its content, an
 * attribute that fails is not set, and
 * nothing nests deeper than the sanitiser's 32 levels. Returns null when dropped.
 */
export function buildNode(n, depth = 0) {
  if (typeof n === 'string') return document.createTextNode(n);
  if (!n || !checks.tag(n.tag) || depth > 32) return null;
  const el = document.createElement(n.tag);
  for (const a of Array.isArray(n.attrs) ? n.attrs : []) {
    if (Array.isArray(a) && checks.node(n.tag, a[0], a[1])) el.setAttribute(a[0], a[1]);
  }
  for (const c of Array.isArray(n.children) ? n.children : []) {
    const child = buildNode(c, depth + 1);
    if (child) el.appendChild(child);
  }
  return el;
}

/** Applies rendered content (`{text?, nodes?, attributes?, classes?, hide?, show?}`) to `el`. */
export function applyContent(el, c) {
  if (typeof c.text === 'string') el.textContent = c.text;
  if (Array.isArray(c.nodes)) {
    while (el.firstChild) el.removeChild(el.firstChild);
    for (const n of c.nodes) {
      const node = buildNode(n);
      if (node) el.appendChild(node);
    }
  }
  const attrs = c.attributes || {};
  for (const k in attrs) {
    if (checks.slot(k, attrs[k])) el.setAttribute(k, attrs[k]);
  }
  if (c.classes) {
    for (const x of c.classes.add || []) el.classList.add(x);
    for (const x of c.classes.remove || []) el.classList.remove(x);
  }
  if (c.hide) el.setAttribute('hidden', '');
  if (c.show) el.removeAttribute('hidden');
}

/**
 * Puts `el` back as `orig` was: its attributes (Attune's own markers kept)
 * and, when `children` (the last paint replaced them), its children.
 */
export function restore(el, orig, children, keepMarkers) {
  if (children) {
    while (el.firstChild) el.removeChild(el.firstChild);
    for (const n of orig.childNodes) el.appendChild(n.cloneNode(true));
  }
  const mine = (n) => keepMarkers && n.startsWith('data-attune');
  for (const n of el.getAttributeNames()) if (!mine(n) && !orig.hasAttribute(n)) el.removeAttribute(n);
  for (const n of orig.getAttributeNames()) if (!mine(n)) el.setAttribute(n, orig.getAttribute(n));
}

/** The CSS selector of a decision's slot elements. */
export function selectorOf(d) {
  return d.selector || '[data-attune-slot="' + String(d.slot).replace(/["\\]/g, '\\$&') + '"]';
}

function elements(d) {
  try { return Array.from(document.querySelectorAll(selectorOf(d))); } catch (_) { return []; }
}

/** Ends the anti-flicker hiding of every slot. */
export function endHiding() {
  try { document.documentElement.classList.remove(HIDING); } catch (_) { /* no DOM */ }
}

/** Runs `f` once the document is parsed (at once if it is). */
export function whenParsed(f) {
  if (document.readyState !== 'loading') f();
  else document.addEventListener('DOMContentLoaded', f, { once: true });
}

const STATE = new WeakMap(); // element → {o: original clone, s: painted signature, k: slot, c: children replaced}

function signature(d) {
  return (d.variant || '') + '|' + JSON.stringify(d.content);
}

/** Slots of one SDK instance: painting, impressions and clicks. */
export class Slots {
  constructor(sdk, info) {
    this.sdk = sdk;
    this.threshold = info.threshold;
    this.minMs = info.minMs;
    this.hideTimeout = info.hideTimeout;
    this.viewed = new Set();   // slots counted in this page view
    this.timers = new Map();   // slot → visibility timer
    // Made here, before the first paint (which may come before start()),
    // so every painted slot is observed.
    this.io = null;
    try {
      this.io = new IntersectionObserver((entries) => this._visible(entries), { threshold: this.threshold });
    } catch (_) { /* no IntersectionObserver: no impressions */ }
  }

  /** Observers, the paint once the document is parsed, the bound on hiding. */
  start() {
    const left = this.hideTimeout - (typeof performance !== 'undefined' ? performance.now() : 0);
    if (left <= 0) endHiding(); else setTimeout(endHiding, left);
    try {
      new MutationObserver((records) => {
        if (records.some((r) => r.addedNodes.length)) this.paintNew();
      }).observe(document.documentElement, { childList: true, subtree: true });
    } catch (_) { /* slots added later wait for render() */ }
    document.addEventListener('click', (ev) => {
      const el = ev.target && ev.target.closest ? ev.target.closest('[data-attune-variant]') : null;
      const st = el && STATE.get(el);
      if (st) this.sdk._exposure(st.k, el.getAttribute('data-attune-variant'), true);
    }, true);
    whenParsed(() => {
      this.sdk.render();
      endHiding();
    });
  }

  /** A new page view (SPA navigation): every slot may be counted again. */
  newPageView() {
    this.viewed.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Paints `decisions` (changed slots) and watches what shows a variant or a holdout. */
  paint(decisions) {
    for (const d of decisions) {
      const sig = signature(d);
      for (const el of elements(d)) this._paint(el, d, sig);
    }
  }

  /** Paints every decision (the engine's full list) and watches the slots. */
  paintAll(decisions) {
    this.paint(decisions);
  }

  /** Paints slot elements that appeared since the last paint. */
  paintNew() {
    let fresh = null;
    const decisions = this.sdk._readNow('decisions') || [];
    for (const d of decisions) {
      const sig = signature(d);
      for (const el of elements(d)) {
        if (STATE.has(el)) continue;
        this._paint(el, d, sig);
        fresh = true;
      }
    }
    return fresh;
  }

  _paint(el, d, sig) {
    let st = STATE.get(el);
    if (st && st.s === sig) {
      el.setAttribute('data-attune-done', '');
      return;
    }
    if (st) {
      if (st.o) restore(el, st.o, st.c, true);
    } else {
      st = {};
      STATE.set(el, st);
    }
    st.s = sig;
    st.k = d.slot;
    if (d.variant != null) {
      if (!st.o) st.o = el.cloneNode(true);
      if (d.content) applyContent(el, d.content);
      st.c = !!(d.content && (typeof d.content.text === 'string' || d.content.nodes));
      el.setAttribute('data-attune-variant', d.variant);
    } else {
      st.c = false;
      el.removeAttribute('data-attune-variant');
    }
    const holdout = d.experiment && d.experiment.holdout;
    if (holdout) el.setAttribute('data-attune-holdout', d.experiment.key);
    else el.removeAttribute('data-attune-holdout');
    el.setAttribute('data-attune-done', '');
    // Observing anew makes the observer report the element's current
    // visibility: a slot repainted in view starts its impression timer.
    if (this.io) {
      this.io.unobserve(el);
      if (d.variant != null || holdout) this.io.observe(el);
    }
  }

  _visible(entries) {
    for (const e of entries) {
      const st = STATE.get(e.target);
      if (!st) continue;
      const slot = st.k;
      if (e.isIntersecting && e.intersectionRatio + 1e-6 >= this.threshold) {
        if (this.viewed.has(slot) || this.timers.has(slot)) continue;
        const el = e.target;
        this.timers.set(slot, setTimeout(() => {
          this.timers.delete(slot);
          // What the element shows now; default markup is not an impression,
          // except in an experiment's holdout.
          const shown = el.getAttribute('data-attune-variant');
          if (shown === null && !el.hasAttribute('data-attune-holdout')) return;
          if (this.viewed.has(slot)) return;
          this.viewed.add(slot);
          this.sdk._exposure(slot, shown, false);
        }, this.minMs));
      } else if (this.timers.has(slot)) {
        clearTimeout(this.timers.get(slot));
        this.timers.delete(slot);
      }
    }
  }
}
