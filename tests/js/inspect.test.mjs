// `inspect()` through the Node entry: the read-only snapshot the debug overlay
// shows, with the same engine as the browser. Run after `make build`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('inspect() names the visitor, explains segments, counts the outbox, lists slots', async () => {
  const { init } = await import('../../pkg/src/node.js');
  const sdk = await init({
    autocapture: false,
    segments: { cart: { 'events.Product Added.count': { $gte: 1 } } },
    placements: [{ slot: 'hero', variants: [{ id: 'a', when: { 'segments.cart': true }, content: { text: 'A' } }] }],
  });
  try {
    const before = sdk.inspect();
    assert.deepEqual(Object.keys(before).sort(), ['consent', 'outbox', 'profile', 'segments', 'slots']);
    assert.equal(before.profile.anonymousId, sdk.attributes().anonymousId);
    assert.deepEqual(before.slots, ['hero']);
    assert.deepEqual(before.segments, [{ name: 'cart', member: false,
      when: { 'events.Product Added.count': { $gte: 1 } }, values: { 'events.Product Added.count': null } }]);
    sdk.track('Product Added', { sku: 'A1' });
    const after = sdk.inspect();
    assert.equal(after.segments[0].member, true);
    assert.equal(after.segments[0].values['events.Product Added.count'], 1);
    // No collector configured: nothing is kept for delivery, every count is there.
    assert.deepEqual(Object.keys(after.outbox).sort(), ['dropped', 'failed', 'held', 'inFlight', 'queued', 'rejected', 'sent']);
    assert.equal(after.outbox.queued, 0);
    assert.equal(after.consent.analytics, true);
  } finally {
    if (typeof sdk.free === 'function') sdk.free();
  }
});
