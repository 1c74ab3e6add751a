// Cart page: lists the shop's cart; "Complete purchase" tracks `Order Completed`,
// which stops every cart nudge for good (`stopAfter` in attune.config.json).
demo.onDom(function () {
  function show() {
    var items = demo.cart();
    var list = document.getElementById('items');
    list.textContent = '';
    items.forEach(function (i) { list.appendChild(demo.el('li', null, i.name + ' — €' + i.price)); });
    var total = items.reduce(function (s, i) { return s + i.price; }, 0);
    document.getElementById('total').textContent = items.length ? 'Total: €' + total : 'Your cart is empty.';
    document.getElementById('checkout').disabled = items.length === 0;
  }
  show();
  document.getElementById('checkout').addEventListener('click', function () {
    var total = demo.checkout();
    document.getElementById('done').textContent = 'Thank you! Order of €' + total + ' placed.';
    show();
  });
});
