// The copy-paste snippet: defines `window.attune` as a call queue before the
// SDK arrives, then loads it asynchronously. Every call made before the script
// loads is replayed in order once it has. Change SRC to where attune.js lives.
// `init(config)` returns a promise (never an unhandled rejection) that settles
// as the SDK's own init does, and rejects with an AttuneError when attune.js
// cannot load.
//
// Anti-flicker: it puts the class `attune-loading` on <html>, which hides the
// slots ([data-attune-slot]) the SDK has not painted yet (never the page), and
// removes it after `data-attune-timeout` ms on the snippet's script tag
// (default 300) whatever happens. The hiding rule comes from an inline <style>
// unless the script tag has `data-attune-css` (then the page links
// pkg/attune.css itself: for a CSP whose style-src forbids inline styles).
(function (w, d, src) {
  if (w.attune) return;
  var q = [],
    a = (w.attune = { q: q }),
    t = d.currentScript,
    l = d.documentElement.classList,
    H = d.head,
    n = function () {},
    c = 'attune-loading';
  l.add(c);
  setTimeout(function () {
    l.remove(c);
  }, +(t && t.getAttribute('data-attune-timeout')) || 300);
  if (!(t && t.hasAttribute('data-attune-css')))
    H.appendChild(d.createElement('style')).textContent =
      '.' + c + ' [data-attune-slot]:not([data-attune-done]){visibility:hidden}';
  'init page track identify group alias reset consent forget flush on off ready render debug viewed clicked'
    .split(' ')
    .forEach(function (m) {
      a[m] = function () {
        var i = [m, Array.from(arguments)];
        q.push(i);
        if (m != 'init') return a;
        var p = new Promise(function (r, j) {
          i.r = r;
          i.j = j;
        });
        p.catch(n);
        return p;
      };
    });
  var s = d.createElement('script');
  s.async = true;
  s.src = src;
  s.onerror = function () {
    var e = Error(s.src + ': not loaded (404, network or CSP)');
    e.name = 'AttuneError';
    e.code = 'script_unavailable';
    e.path = s.src;
    q.forEach(function (i) {
      i.j && i.j(e);
    });
  };
  H.appendChild(s);
  // Start-up: the wasm beside attune.js is fetched and compiled from now on,
  // while attune.js loads (attune.js uses it, or fetches it itself if this failed).
  try {
    (a.wasm = WebAssembly.compileStreaming(fetch(new URL('attune_bg.wasm', s.src)))).catch(n);
  } catch (e) {}
})(window, document, '/pkg/attune.js');
