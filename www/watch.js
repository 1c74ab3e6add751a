// Streaming-style content page. Playing a title tracks `Content Viewed` with its
// genre (the `genre` affinity). Attune sets `data-first` / `data-second` on the
// marker before the rows from the two top genres; style.css turns them into row order.
var SHELF = {
  documentary: ['Mountains of Fire', 'The Last Glacier', 'Night Forest'],
  drama: ['Harbour Lights', 'The Orchard', 'Second Chances'],
  comedy: ['Office Hours', 'Camp Disaster', 'The Neighbours'],
  scifi: ['Signal Lost', 'Red Dust', 'Parallel'],
};
demo.onDom(function () {
  var rows = document.getElementById('rows');
  Object.keys(SHELF).forEach(function (genre) {
    var row = demo.el('section', { class: 'row', 'data-genre': genre }, demo.el('h2', null, genre));
    SHELF[genre].forEach(function (title) {
      var b = demo.el('button', { type: 'button', class: 'title', 'data-title': title }, '▶ ' + title);
      b.addEventListener('click', function () {
        attune.track('Content Viewed', { title: title, genre: genre });
        b.classList.add('seen');
      });
      row.appendChild(b);
    });
    rows.appendChild(row);
  });
});
