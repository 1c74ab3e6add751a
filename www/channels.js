// The channels control panel. Links get a fresh click id each time the page is
// shown (every real e-mail send or ad click carries its own), so the collector
// and the `cart_returns` metric can tell two returns apart. The store buttons
// post server-side traits for this visitor to the collector's profile endpoint,
// which the SDK fetches at its next start (`profile.url` in the config).
function clickId() {
  return Math.random().toString(36).slice(2, 10);
}
var LINKS = {
  'email-link': { utm_source: 'crm', utm_medium: 'email', utm_campaign: 'cart_reminder', ecid: 'ecid' },
  'social-link': { utm_source: 'facebook', utm_medium: 'paid_social', utm_campaign: 'cart_retarget', fbclid: 'fbclid' },
  'search-link': { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring', gclid: 'gclid' },
};
function channelUrl(name) {
  var q = new URLSearchParams();
  var spec = LINKS[name];
  Object.keys(spec).forEach(function (k) {
    q.set(k, spec[k] === k ? clickId() : spec[k]);
  });
  return '/?' + q.toString();
}
window.channelUrl = channelUrl;

function postProfile(body) {
  return fetch('/v1/profile', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then(function (r) { return r.json(); });
}

demo.onDom(function () {
  Object.keys(LINKS).forEach(function (id) {
    var a = document.getElementById(id);
    a.href = channelUrl(id);
    a.addEventListener('click', function () { setTimeout(function () { a.href = channelUrl(id); }, 0); });
  });
  attune.ready(function (sdk) {
    var aid = sdk.attributes().anonymousId;
    document.getElementById('aid').textContent = aid;
    var out = document.getElementById('store-out');
    document.getElementById('store-purchase').addEventListener('click', function () {
      postProfile({ anonymousId: aid, traits: { storePurchases: ['alpine-boots'], lastStoreVisit: new Date().toISOString().slice(0, 10) } })
        .then(function () { out.textContent = 'Recorded at the collector for ' + aid + '.'; })
        .catch(function (e) { out.textContent = 'Failed: ' + e; });
    });
    document.getElementById('store-clear').addEventListener('click', function () {
      postProfile({ anonymousId: aid, traits: {}, replace: true })
        .then(function () { out.textContent = 'Cleared.'; });
    });
    document.getElementById('forget').addEventListener('click', function () {
      demo.clearCart();
      Promise.resolve(sdk.forget()).then(function () { location.reload(); });
    });
  });
});
