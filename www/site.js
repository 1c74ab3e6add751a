// Shared wiring of the demo shop: the catalogue, the shop's own cart (kept by the
// site, not by Attune), the navigation, and Attune started with the site config
// (attune.config.json). Loaded after the snippet on every page; page scripts use
// `demo.*` and `attune.*`. No inline script or style anywhere, so the demo runs
// under a strict Content-Security-Policy (`attune-collector --csp …`).
(function () {
  var CATALOGUE = [
    { sku: 'trail-runner', name: 'Trail Runner 2', category: 'shoes', price: 120 },
    { sku: 'alpine-boots', name: 'Alpine Boots', category: 'boots', price: 180 },
    { sku: 'rain-jacket', name: 'Rain Jacket', category: 'apparel', price: 150 },
    { sku: 'day-pack', name: 'Day Pack 24L', category: 'bags', price: 70 },
    { sku: 'merino-socks', name: 'Merino Socks', category: 'accessories', price: 18 },
    { sku: 'waterproof-spray', name: 'Waterproof Spray', category: 'accessories', price: 12 },
  ];
  var CART_KEY = 'demo-shop:cart';

  function readCart() {
    try { return JSON.parse(localStorage.getItem(CART_KEY) || '[]'); } catch (_) { return []; }
  }
  function writeCart(items) {
    try { localStorage.setItem(CART_KEY, JSON.stringify(items)); } catch (_) { /* private mode */ }
  }

  var demo = {
    catalogue: CATALOGUE,
    product: function (sku) { return CATALOGUE.filter(function (p) { return p.sku === sku; })[0] || null; },
    cart: readCart,
    addToCart: function (p) {
      var items = readCart();
      items.push({ sku: p.sku, name: p.name, price: p.price });
      writeCart(items);
      attune.track('Product Added', { sku: p.sku, name: p.name, category: p.category, price: p.price });
    },
    checkout: function () {
      var items = readCart();
      var total = items.reduce(function (s, i) { return s + i.price; }, 0);
      attune.track('Order Completed', {
        order_id: 'o-' + Date.now().toString(36), total: total, currency: 'EUR',
        products: items.map(function (i) { return { sku: i.sku, price: i.price }; }),
      });
      writeCart([]);
      return total;
    },
    clearCart: function () { writeCart([]); },
    // Runs fn once the DOM is parsed.
    onDom: function (fn) {
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
      else fn();
    },
    // Element helper: el('a', {href: '/'}, 'text', child…); no innerHTML anywhere.
    el: function (tag, attrs) {
      var n = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      [].slice.call(arguments, 2).forEach(function (c) {
        if (c != null) n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      });
      return n;
    },
  };
  window.demo = demo;

  // The site config is plain JSON (the same file `attune check` reads); the page's
  // calls made meanwhile are queued by the snippet and replayed after init.
  demo.config = fetch('/attune.config.json')
    .then(function (r) { return r.json(); })
    .then(function (config) { attune.init(config); return config; });
  demo.config.catch(function (e) { console.warn('[demo] could not load the Attune config', e); });

  // Navigation bar, the same on every page.
  demo.onDom(function () {
    var nav = document.querySelector('header.site');
    if (!nav) return;
    var count = readCart().length;
    [['/', 'Shop'], ['/cart.html', 'Cart (' + count + ')'], ['/account.html', 'Account'],
      ['/watch.html', 'Watch'], ['/channels.html', 'Channels'], ['/events.html', 'Events']]
      .forEach(function (l) { nav.appendChild(demo.el('a', { href: l[0] }, l[1])); });
    var dbg = demo.el('a', { href: '?attune_debug=1', class: 'debug-link' }, 'Debug overlay');
    nav.appendChild(dbg);
  });
})();
