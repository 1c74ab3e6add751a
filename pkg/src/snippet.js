// The copy-paste snippet: defines `window.attune` as a call queue before the
// SDK arrives, then loads it asynchronously. Every call made before the script
// loads is replayed in order once it has. Change SRC to where attune.js lives.
(function (w, d, src) {
  if (w.attune) return;
  var q = [];
  var a = (w.attune = { q: q });
  'init page track identify group alias reset consent forget flush on off ready render debug'
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
})(window, document, '/pkg/attune.js');
