// Shop home: the catalogue grid. The slots (banner, hero, offer, featured,
// recommend) are filled by Attune from attune.config.json.
demo.onDom(function () {
  var list = document.getElementById('catalogue');
  demo.catalogue.forEach(function (p) {
    list.appendChild(demo.el('li', { class: 'card', 'data-sku': p.sku },
      demo.el('a', { href: '/product.html?sku=' + p.sku }, p.name),
      demo.el('span', { class: 'price' }, '€' + p.price)));
  });
});
