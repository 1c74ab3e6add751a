// Computes A/B test results from the collector's events (GET /v1/events):
// per experiment and variant, the visitors exposed (`Experience Viewed` with
// `properties.experiment`) and how many of them converted (`Order Completed`
// at or after their first exposure). Pure: `window.abResults(events)`.
window.abResults = function (events) {
  var firstSeen = {}; // experiment → variant → anonymousId → first exposure time
  var orders = {}; // anonymousId → [times]
  function visitor(e) { return e.userId || e.anonymousId; }
  function time(e) { return Date.parse(e.timestamp || e.receivedAt) || 0; }
  events.forEach(function (e) {
    var p = e.properties || {};
    if (e.type === 'track' && e.event === 'Experience Viewed' && p.experiment) {
      var v = p.experimentVariant || p.variant || '(default)';
      var byVariant = (firstSeen[p.experiment] = firstSeen[p.experiment] || {});
      var ids = (byVariant[v] = byVariant[v] || {});
      var t = time(e);
      if (!(visitor(e) in ids) || t < ids[visitor(e)]) ids[visitor(e)] = t;
    } else if (e.type === 'track' && e.event === 'Order Completed') {
      (orders[visitor(e)] = orders[visitor(e)] || []).push(time(e));
    }
  });
  var rows = [];
  Object.keys(firstSeen).sort().forEach(function (exp) {
    Object.keys(firstSeen[exp]).sort().forEach(function (v) {
      var ids = firstSeen[exp][v];
      var exposed = Object.keys(ids);
      var converted = exposed.filter(function (id) {
        return (orders[id] || []).some(function (t) { return t >= ids[id]; });
      });
      rows.push({ experiment: exp, variant: v, exposed: exposed.length, conversions: converted.length });
    });
  });
  return rows;
};
