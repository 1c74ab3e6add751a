// Banking-style account page. "Sign in" identifies the customer with traits;
// opening a transaction tracks `Transaction Viewed` (the `spend` affinity and
// the `travel_spend_30d` metric). The insight card and the two-step offer are
// Attune slots; a click on an offer (its link or "Not now") is the response
// that suppresses it (`stopAfter: {clicked: true}`) and unlocks the next step.
// A slot keeps what the visitor saw until the next page view, so the page puts
// the answered offer away itself; the next step shows from the next page view.
var TRANSACTIONS = [
  { id: 't1', label: 'SkyJet flight to Lisbon', category: 'travel', amount: 240 },
  { id: 't2', label: 'Hotel Miramar, 2 nights', category: 'travel', amount: 180 },
  { id: 't3', label: 'FreshMart groceries', category: 'groceries', amount: 64 },
  { id: 't4', label: 'City Rail pass', category: 'travel', amount: 45 },
  { id: 't5', label: 'Cinema Paradiso', category: 'leisure', amount: 22 },
];
demo.onDom(function () {
  var list = document.getElementById('transactions');
  TRANSACTIONS.forEach(function (t) {
    var b = demo.el('button', { type: 'button', class: 'link', 'data-tx': t.id }, t.label + ' — €' + t.amount);
    b.addEventListener('click', function () {
      attune.track('Transaction Viewed', { id: t.id, category: t.category, amount: t.amount });
      b.classList.add('seen');
    });
    list.appendChild(demo.el('li', null, b));
  });
  function signedIn(name) {
    document.getElementById('who').textContent = 'Signed in as ' + name + '.';
  }
  document.getElementById('signin').addEventListener('click', function () {
    attune.identify('cust-1001', { firstName: 'Alex', plan: 'current', salaryDay: 25 });
    signedIn('Alex');
  });
  attune.ready(function (sdk) {
    var t = sdk.attributes().traits || {};
    if (sdk.attributes().userId) signedIn(t.firstName || 'customer');
  });
  // Analytics for the offer's "Not now" link (the click itself is the response).
  document.querySelector('[data-attune-slot="bank-offer"]').addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a');
    if (!a) return;
    ev.preventDefault();
    var d = attune.decide('bank-offer');
    var variant = d && d.variant;
    if (variant && a.classList.contains('dismiss')) attune.track('Offer Dismissed', { offer: variant });
    else if (variant) attune.track('Offer Accepted', { offer: variant });
    document.getElementById('offer-card').hidden = true;
    document.getElementById('offer-thanks').hidden = false;
  });
});
