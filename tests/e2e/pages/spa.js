// Test page: a small single-page app using the script-tag integration.
window.__errors = [];
attune.init({
  collector: { url: location.origin + '/v1/batch' },
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
