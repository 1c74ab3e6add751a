// Attune's delivery worker: the SDK posts each batch here so that the
// `fetch` (request set-up and body encoding, about a millisecond per batch in
// Chromium) runs off the page's main thread. One message in, one answer out:
//   in:  { id, url, headers, body }
//   out: { id, status, retryAfter }  or  { id, status: 0, error }
// Page-exit sends never come here (the SDK uses sendBeacon / keepalive then).
'use strict';
var TIMEOUT_MS = 15000;
self.onmessage = function (e) {
  var m = e.data || {};
  var init = { method: 'POST', headers: m.headers, body: m.body, credentials: 'omit' };
  if (typeof AbortSignal !== 'undefined' && typeof AbortSignal.timeout === 'function') {
    init.signal = AbortSignal.timeout(TIMEOUT_MS);
  }
  var reply = function (answer) { answer.id = m.id; self.postMessage(answer); };
  try {
    fetch(m.url, init).then(function (r) {
      reply({ status: r.status, retryAfter: r.headers.get('Retry-After') });
    }, function (err) {
      reply({ status: 0, error: String((err && err.message) || err) });
    });
  } catch (err) {
    reply({ status: 0, error: String((err && err.message) || err) });
  }
};
