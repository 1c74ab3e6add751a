// Decision test page: the test injects window.__attuneConfig (and optional
// window.__cases: slots to create from tests/vectors/decisions.json) before load.
window.__errors = [];
if (window.__cases) {
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('cases');
    window.__originals = [];
    window.__cases.forEach(function (c) {
      var el = document.createElement(c.tag || 'div');
      el.setAttribute('data-attune-slot', c.slot);
      if (c['class']) el.className = c['class'];
      if (c.hidden) el.hidden = true;
      // Test fixture markup written by the test itself (not by Attune).
      var tpl = document.createElement('template');
      tpl.innerHTML = c.original;
      var src = tpl.content.firstElementChild && tpl.content.firstElementChild.hasAttribute('data-attune-slot')
        ? tpl.content.firstElementChild.childNodes : tpl.content.childNodes;
      Array.prototype.slice.call(src).forEach(function (n) { el.appendChild(n.cloneNode(true)); });
      if (c.tag === 'a') el.setAttribute('href', '/a');
      window.__originals.push(el.outerHTML); // before Attune can see it
      box.appendChild(el);
    });
  });
}
attune.init(window.__attuneConfig || {});
attune.on('error', function (e) { window.__errors.push(e.path + ': ' + e.message); });
