// Test page: server-seeded traits from the collector's profile endpoint.
window.__errors = [];
var dead = location.search.indexOf('dead') >= 0;
attune.init({
  profile: { url: dead ? 'http://127.0.0.1:9/v1/profile' : location.origin + '/v1/profile', timeoutMs: 2000 },
  segments: { store_vip: { 'audiences.vip': true, 'traits.storePurchase': { $exists: true } } },
  placements: [{ slot: 'offer', variants: [{ id: 'related', when: { 'segments.store_vip': true }, content: { text: 'Socks for your new boots' } }] }],
});
attune.on('error', function (e) { window.__errors.push({ code: e.code, path: e.path }); });
attune.on('segment:enter', function (s) { (window.__entered = window.__entered || []).push(s); });
