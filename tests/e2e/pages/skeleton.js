// Demo page wiring. Runs before attune.js has loaded: every call below goes
// into the snippet's queue and is replayed once the SDK is ready.
attune.init({
  collector: { url: location.origin + '/v1/batch' },
  segments: {
    returning: { 'events.Page Viewed.count': { $gte: 2 } },
  },
  placements: [
    {
      slot: 'hero',
      variants: [{ id: 'welcome-back', when: { 'segments.returning': true }, content: { text: 'Welcome back!' } }],
    },
  ],
});
attune.track('Demo Opened', { page: location.pathname });
attune.ready(function (sdk) {
  // attune.js may be cached and ready before <body> is parsed.
  function show() {
    var out = document.getElementById('segments');
    if (out) out.textContent = JSON.stringify(sdk.segments());
    var reset = document.getElementById('reset');
    if (reset) {
      reset.addEventListener('click', function () {
        Object.keys(localStorage)
          .filter(function (k) { return k.indexOf('attune:') === 0; })
          .forEach(function (k) { localStorage.removeItem(k); });
        location.reload();
      });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
});
