// Test page: an opt-in site with segment events (marketing) and PII in properties.
attune.init({
  consent: { mode: 'opt-in' },
  collector: { url: location.origin + '/v1/batch', forgetUrl: location.origin + '/v1/forget' },
  flushInterval: 100,
  segmentEvents: true,
  segments: { returning: { 'events.Page Viewed.count': { $gte: 2 } } },
  placements: [{ slot: 'hero', variants: [{ id: 'wb', when: { 'segments.returning': true }, content: { text: 'Welcome back!' } }] }],
});
attune.track('Contact Form Sent', { email: 'ann@example.com', phone: '+44 20 7946 0958', topic: 'returns' });
