// Test page: a small single-page app using the script-tag integration
// (`?engine=VALUE` sets `delivery.engine`, still accepted but meaningless: one engine per page).
window.__errors = [];
var engine = new URLSearchParams(location.search).get('engine');
attune.init({
  collector: { url: location.origin + '/v1/batch' },
  delivery: engine ? { engine: engine } : {},
  flushInterval: 200,
  segments: {
    from_email: { channel: 'email' },
    browsed_3: { 'session.pageViews': { $gte: 3 } },
  },
  placements: [{ slot: 'hero', variants: [{ id: 'mail', when: { 'segments.from_email': true }, content: { text: 'Welcome from your e-mail' } }] }],
});
attune.on('error', function (e) { window.__errors.push({ name: e.name, code: e.code, path: e.path, message: e.message }); });
window.__profileCounts = [];
attune.on('profile', function (p) { window.__profileCounts.push(p.events['Page Viewed'] ? p.events['Page Viewed'].count : 0); });
