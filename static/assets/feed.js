/* feed.js - published feedback with the agencies' answers, newest first, page by page. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var item = '', cursor = null, loaded = [];

  var KINDS = P.KINDS;

  function card(f) {
    var k = KINDS[f.kind] || [f.kind, f.kind];
    var c = P.el('article', {class: 'card'},
      P.el('p', {class: 'meta'}, f.item_code + ' · ' + P.t(k[0], k[1]) + ' · ' +
        P.t('hài lòng ', 'satisfaction ') + f.rating + '/5 · ' + P.formatTime(f.received_at)),
      P.el('p', {class: 'body-text'}, f.body));
    if (f.answer) {
      c.appendChild(P.el('div', {class: 'notice ok'},
        P.el('p', {class: 'meta'}, P.t('Cơ quan trả lời lúc ', 'The agency answered ') + P.formatTime(f.answer.answered_at) +
          (f.answer.rating ? P.t(' · người gửi đánh giá ', ' · rated by the sender ') + f.answer.rating + '/5' : '')),
        P.el('p', {class: 'body-text'}, f.answer.text)));
    }
    return c;
  }

  function render() {
    var list = P.fill($('feed-list'));
    loaded.forEach(function (f) { list.appendChild(card(f)); });
    $('feed-title').textContent = item ? P.t('Góp ý về ', 'Feedback on ') + item : P.t('Tất cả góp ý đã công khai', 'All published feedback');
    $('feed-status').textContent = loaded.length ? '' : P.t('Chưa có góp ý nào được công khai ở đây.', 'No published feedback here yet.');
    $('feed-more').classList.toggle('hidden', !cursor);
  }

  function load(more) {
    var url = '/api/v1/feedback?limit=20' + (item ? '&item=' + encodeURIComponent(item) : '') +
      (more && cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    P.api('GET', url).then(function (r) {
      if (r.error) { $('feed-status').textContent = r.error.message; return; }
      if (!more) loaded = [];
      loaded = loaded.concat(r.data.items);
      cursor = r.data.next_cursor;
      render();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    item = (new URLSearchParams(location.search).get('item') || '').trim().toUpperCase();
    $('feed-item').value = item;
    $('feed-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      item = $('feed-item').value.trim().toUpperCase();
      history.replaceState(null, '', item ? '?item=' + encodeURIComponent(item) : location.pathname);
      load(false);
    });
    $('feed-more').addEventListener('click', function () { load(true); });
    P.onLanguage(render);
    load(false);
  });
}());
