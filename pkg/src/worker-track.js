// Worker mode's track() in plain JS (`delivery: { engine: 'worker' }`): the call is
// checked, stamped with its place in the page's op stream and pushed onto the queue
// the SDK shares with its engine worker (`sdk.__workerQueue()`: { q, seq, kick, dead });
// the SDK posts the queue to the worker at most every 250 ms. Nothing crosses into
// wasm, so a call costs the page about as much as building one small object.
// Once the worker has failed to start (`dead`), calls go to the SDK's own track().
// Same checks and errors as the SDK's own track(): an AttuneError (code
// `invalid_input`) naming `track.event` or `track.properties`.

function invalid(path, message) {
  const e = new Error(`${path}: ${message}`);
  e.name = 'AttuneError';
  e.code = 'invalid_input';
  e.path = path;
  return e;
}

/** Gives `sdk` the plain-JS track() when it runs in worker mode; returns `sdk`. */
export function withWorkerTrack(sdk) {
  const h = sdk && typeof sdk.__workerQueue === 'function' ? sdk.__workerQueue() : undefined;
  if (!h) return sdk;
  // The engine worker failed to start (`dead`): the engine runs on the page.
  const onPage = sdk.track;
  sdk.track = function track(event, properties) {
    if (h.dead) return onPage.call(sdk, event, properties);
    if (typeof event !== 'string' || !event.trim()) throw invalid('track.event', 'expected a non-empty string');
    let props;
    if (properties !== undefined && properties !== null) {
      if (typeof properties !== 'object' || Array.isArray(properties)) throw invalid('track.properties', 'expected an object');
      // One level deep: a caller reusing its object does not change what was tracked.
      props = Object.assign({}, properties);
    }
    const op = { seq: ++h.seq, at: Date.now(), type: 'track', event };
    if (props) op.properties = props;
    if (h.q.push(op) === 1) h.kick();
  };
  return sdk;
}

/**
 * `config` with `delivery.engine: 'worker'` when it has a collector and names
 * no engine (both entries' default: worker mode where there is something to
 * deliver); any other config, or one the engine will refuse, is returned as it
 * is, for the engine's error to name the path.
 */
export function withDefaultEngine(config) {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return config;
  if (config.collector == null && config.collectors == null) return config;
  const d = config.delivery;
  if (d != null && (typeof d !== 'object' || Array.isArray(d) || d.engine !== undefined)) return config;
  return Object.assign({}, config, { delivery: Object.assign({}, d, { engine: 'worker' }) });
}
