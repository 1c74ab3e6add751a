// The live view of what reached the collector: stats, A/B results and every
// event, newest first, refreshed every second.
function cell(text) {
  var td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  return td;
}
function details(e) {
  var p = e.properties || {};
  if (e.event === 'Experience Viewed' || e.event === 'Experience Clicked') {
    return p.slot + ' → ' + p.variant + (p.experiment ? ' (' + p.experiment + ')' : '');
  }
  if (e.type === 'page') return (p.path || '') + (p.url && p.url.indexOf('?') >= 0 ? ' ?' + p.url.split('?')[1] : '');
  if (e.type === 'identify') return JSON.stringify(e.traits || {});
  var keys = Object.keys(p).slice(0, 4);
  return keys.map(function (k) { return k + '=' + JSON.stringify(p[k]); }).join(' ');
}
function fill(id, rows) {
  var body = document.getElementById(id);
  body.textContent = '';
  rows.forEach(function (r) {
    var tr = document.createElement('tr');
    r.forEach(function (v) { tr.appendChild(cell(v)); });
    body.appendChild(tr);
  });
}
function refresh() {
  Promise.all([fetch('/v1/events').then(function (r) { return r.json(); }),
    fetch('/v1/stats').then(function (r) { return r.json(); })])
    .then(function (res) {
      var events = res[0], stats = res[1];
      document.getElementById('stats').textContent = stats.unique + ' unique events, ' +
        stats.duplicates + ' duplicates dropped, ' + stats.batches + ' batches';
      fill('results', window.abResults(events).map(function (r) {
        return [r.experiment, r.variant, r.exposed, r.conversions,
          r.exposed ? Math.round((100 * r.conversions) / r.exposed) + ' %' : '—'];
      }));
      var only = document.getElementById('only-exp').checked;
      fill('rows', events.slice().reverse()
        .filter(function (e) { return !only || /^Experience (Viewed|Clicked)$/.test(e.event || ''); })
        .slice(0, 300)
        .map(function (e) { return [e.receivedAt, e.type, e.event || e.name || '', details(e), e.anonymousId]; }));
    })
    .catch(function (err) { document.getElementById('stats').textContent = 'collector unreachable: ' + err; });
}
refresh();
setInterval(refresh, 1000);
