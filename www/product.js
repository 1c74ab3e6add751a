// Product page: `product.html?sku=…`. Tracks `Product Viewed`; the button adds
// to the shop's cart and tracks `Product Added` (what the cart metrics count).
demo.onDom(function () {
  var sku = new URLSearchParams(location.search).get('sku');
  var p = demo.product(sku) || demo.catalogue[0];
  document.title = p.name + ' — Trailhead';
  document.getElementById('name').textContent = p.name;
  document.getElementById('price').textContent = '€' + p.price;
  attune.track('Product Viewed', { sku: p.sku, name: p.name, category: p.category, price: p.price });
  document.getElementById('add').addEventListener('click', function () {
    demo.addToCart(p);
    document.getElementById('added').textContent = 'Added. Cart: ' + demo.cart().length + ' item(s).';
  });
});
