// A delivery worker that never answers (tests/e2e/delivery_api.test.mjs): the
// SDK must give up on it and send from the page instead of waiting forever.
self.onmessage = function () {};
