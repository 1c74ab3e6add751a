// Lists what reached the collector (GET /v1/events), refreshing every 2 s.
function cell(text) {
  var td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  return td;
}
function refresh() {
  Promise.all([fetch('/v1/events').then(function (r) { return r.json(); }),
    fetch('/v1/stats').then(function (r) { return r.json(); })])
    .then(function (res) {
      var events = res[0], stats = res[1];
      document.getElementById('stats').textContent = stats.unique + ' unique events, ' +
        stats.duplicates + ' duplicates dropped, ' + stats.batches + ' batches';
      var body = document.getElementById('rows');
      body.textContent = '';
      events.slice().reverse().forEach(function (e) {
        var tr = document.createElement('tr');
        [e.receivedAt, e.type, e.event || e.name || '', e.anonymousId, e.messageId]
          .forEach(function (v) { tr.appendChild(cell(v)); });
        body.appendChild(tr);
      });
    })
    .catch(function (err) { document.getElementById('stats').textContent = 'collector unreachable: ' + err; });
}
refresh();
setInterval(refresh, 2000);
