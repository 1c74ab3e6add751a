// Test probe, loaded first in <head> of the decision test pages (a file, so it
// runs under a strict CSP too). It records, with performance.now():
//   __probe.hidingOn / hidingOff — when <html> got and lost `attune-loading`;
//   __probe.timeoutAt            — when a timer started with hiding, as long as the
//                                  snippet's `data-attune-timeout`, fired: the
//                                  snippet's own timer (set earlier, same delay)
//                                  has run by then, so hidingOff <= timeoutAt however
//                                  late a loaded machine runs timers;
//   __probe.done[slot]           — when a slot got `data-attune-done`;
//   __probe.mutations[slot]      — how many DOM mutations touched each slot;
//   __probe.csp                  — securitypolicyviolation events;
//   __pwned()                    — what XSS payloads call (counted in __pwnedCalls).
(function () {
  var p = (window.__probe = { hidingOn: null, hidingOff: null, timeoutAt: null, done: {}, mutations: {}, csp: [], visibleAt: {} });
  window.__pwnedCalls = 0;
  window.__pwned = function () { window.__pwnedCalls++; };
  document.addEventListener('securitypolicyviolation', function (e) {
    p.csp.push(e.violatedDirective + ' ' + e.blockedURI);
  });
  function slotOf(node) {
    for (var n = node; n && n.nodeType === 1; n = n.parentNode) {
      if (n.hasAttribute('data-attune-slot')) return n.getAttribute('data-attune-slot');
    }
    return null;
  }
  new MutationObserver(function (records) {
    var now = performance.now();
    records.forEach(function (r) {
      var t = r.target;
      if (t === document.documentElement && r.attributeName === 'class') {
        var on = t.classList.contains('attune-loading');
        if (on && p.hidingOn === null) {
          p.hidingOn = now;
          var tag = document.querySelector('script[data-attune-timeout]');
          setTimeout(function () { p.timeoutAt = performance.now(); }, +(tag && tag.getAttribute('data-attune-timeout')) || 300);
        }
        if (!on && p.hidingOn !== null && p.hidingOff === null) p.hidingOff = now;
        return;
      }
      var slot = slotOf(t.nodeType === 1 ? t : t.parentNode);
      if (!slot) return;
      if (r.attributeName === 'data-attune-done' && !(slot in p.done)) p.done[slot] = now;
      if (r.attributeName !== 'data-attune-done') p.mutations[slot] = (p.mutations[slot] || 0) + 1;
    });
  }).observe(document.documentElement, { attributes: true, childList: true, subtree: true, characterData: true });
})();
