// The copy-paste snippet: defines `window.attune` as a call queue before the
// SDK arrives, then loads it asynchronously. Every call made before the script
// loads is replayed in order once it has. Change SRC to where attune.js lives.
//
// Anti-flicker: it puts the class `attune-loading` on <html>, which hides the
// slots ([data-attune-slot]) the SDK has not painted yet (never the page), and
// removes it after `data-attune-timeout` ms on the snippet's script tag
// (default 300) whatever happens. The hiding rule comes from an inline <style>
// unless the script tag has `data-attune-css` (then the page links
// pkg/attune.css itself: for a CSP whose style-src forbids inline styles).
(function (w, d, src) {
  if (w.attune) return;
  var q = [];
  var a = (w.attune = { q: q });
  var t = d.currentScript;
  var h = d.documentElement;
  var c = 'attune-loading';
  h.classList.add(c);
  setTimeout(function () {
    h.classList.remove(c);
  }, +(t && t.getAttribute('data-attune-timeout')) || 300);
  if (!(t && t.hasAttribute('data-attune-css'))) {
    var st = d.createElement('style');
    st.textContent = '.' + c + ' [data-attune-slot]:not([data-attune-done]){visibility:hidden}';
    d.head.appendChild(st);
  }
  'init page track identify group alias reset consent forget flush on off ready render debug viewed clicked'
    .split(' ')
    .forEach(function (m) {
      a[m] = function () {
        q.push([m, [].slice.call(arguments)]);
        return a;
      };
    });
  var s = d.createElement('script');
  s.async = true;
  s.src = src;
  d.head.appendChild(s);
  // Start-up: the wasm beside attune.js is fetched and compiled from now on,
  // while attune.js loads (attune.js uses it, or fetches it itself if this failed).
  try {
    a.wasm = WebAssembly.compileStreaming(fetch(new URL('attune_bg.wasm', s.src)));
    a.wasm['catch'](function () {});
  } catch (e) {}
})(window, document, '/pkg/attune.js');
