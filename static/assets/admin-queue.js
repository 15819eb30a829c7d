/* admin-queue.js - the console's queue: the search and filters (docs/moderation.md, "Search
 * and filters"), its rows in words (the item's title with plan and section, kind, rating,
 * age, deadline and an overdue mark, duplicates), paging, the rows ticked for bulk work,
 * and the export of the filtered rows as CSV. */
(function () {
  'use strict';
  var P = window.PAKN;
  var A = window.PAKN_ADMIN;
  var $ = A.$;
  var cursor = null;
  A.selected = {}; /* ids ticked for bulk work */

  /* The filters the queue shares with the export, as query parameters (MODERATION_FILTER_SPECS). */
  function filters() {
    var q = [];
    [['status', 'f-status'], ['item', 'f-item'], ['kind', 'f-kind'], ['from', 'f-from'],
     ['to', 'f-to']].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) q.push(p[0] + '=' + encodeURIComponent(v));
    });
    return q;
  }

  A.loadQueue = function (more) {
    var q = ['limit=50'].concat(filters());
    /* the queue's own filters: the export takes the ones above */
    [['q', 'f-q'], ['plan', 'f-plan'], ['rating_min', 'f-rating-min'],
     ['rating_max', 'f-rating-max']].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) q.push(p[0] + '=' + encodeURIComponent(v));
    });
    if ($('f-overdue').checked) q.push('overdue=true');
    if ($('f-mine').checked) q.push('assigned_to=me');
    if (more && cursor) q.push('cursor=' + encodeURIComponent(cursor));
    return P.api('GET', '/api/v1/moderation/queue?' + q.join('&')).then(function (r) {
      if (A.failed(r)) return;
      A.rows = more ? A.rows.concat(r.data.items) : r.data.items;
      cursor = r.data.next_cursor;
      /* Ticks stay only on rows still listed. */
      var kept = {};
      A.rows.forEach(function (f) { if (A.selected[f.id]) kept[f.id] = true; });
      A.selected = kept;
      renderQueue();
    });
  };

  function badge(text, cls) {
    return P.el('span', {class: 'badge' + (cls ? ' ' + cls : '')}, text);
  }

  /* What a row says about a feedback besides its item and text. */
  function rowFacts(f) {
    var p = P.el('p', {class: 'q-meta'});
    var add = function (node) { p.appendChild(node); p.appendChild(document.createTextNode(' ')); };
    add(badge(A.word('state', f.state), 'state-' + f.state));
    add(badge(A.word('kind', f.kind)));
    add(badge(P.t('Đánh giá ', 'Rating ') + f.rating + '/5'));
    add(P.el('span', {class: 'q-age', title: P.formatTime(f.created_at)}, P.t('Nhận ', 'Received ') + A.age(f.created_at)));
    if (A.isOpen(f) && f.due_answer) add(P.el('span', {class: 'q-due'}, '· ' + P.t('Hạn trả lời ', 'Answer by ') + A.day(f.due_answer)));
    if (A.overdue(f)) add(badge('⚠ ' + P.t('Quá hạn', 'Overdue'), 'overdue'));
    if (f.escalated_step) add(badge(P.t('Đã chuyển cấp trên: ', 'Escalated: ') + A.word('step', f.escalated_step), 'overdue'));
    if (f.assigned_to) add(badge(P.t('Giao cho ', 'Assigned to ') + f.assigned_to));
    if (f.channel && f.channel !== 'web') add(badge(P.t('Kênh: ', 'Channel: ') + A.word('channel', f.channel)));
    /* Duplicates (CONTRACTS22, "Duplicates"). */
    if (f.duplicate_of) add(badge(P.t('Trùng với #', 'Duplicate of #') + f.duplicate_of, 'dup'));
    if (f.duplicates) add(badge(P.t(f.duplicates + ' góp ý trùng', f.duplicates + (f.duplicates === 1 ? ' duplicate' : ' duplicates')), 'dup'));
    if (f.similar) add(badge(P.t('Tương tự: ', 'Similar: ') + f.similar, 'dup'));
    return p;
  }

  function renderQueue() {
    var list = P.fill($('queue'));
    var handles = A.holds('moderator') || A.holds('responder');
    A.rows.forEach(function (f) {
      var summary = f.body.length > 140 ? f.body.slice(0, 140) + '…' : f.body;
      var li = P.el('li', {class: 'q-row' + (A.overdue(f) ? ' overdue' : '') + (A.open && A.open.id === f.id ? ' is-open' : '')},
        handles ? P.el('input', {type: 'checkbox', class: 'q-check', 'data-id': f.id,
          'aria-label': P.t('Chọn góp ý ', 'Select feedback ') + f.tracking_code,
          checked: !!A.selected[f.id], onchange: function (ev) { select(f.id, ev.target.checked); }}) : null,
        P.el('div', {class: 'q-main'},
          P.el('button', {type: 'button', class: 'q-open', 'data-id': f.id,
            'aria-current': A.open && A.open.id === f.id ? 'true' : null,
            onclick: function () { A.openFeedback(f.id, true); }},
            P.el('span', {class: 'q-title'}, A.itemTitle(f)),
            P.el('span', {class: 'q-summary'}, summary)),
          P.el('p', {class: 'q-where'}, A.itemWhere(f, true)),
          rowFacts(f)));
      list.appendChild(li);
    });
    $('queue-status').textContent = A.rows.length ? P.t('Đang hiện ' + A.rows.length + ' góp ý.', A.rows.length + ' shown.') :
      P.t('Không có góp ý nào cần xử lý.', 'Nothing to handle.');
    $('queue-more').classList.toggle('hidden', !cursor);
    $('select-page-label').classList.toggle('hidden', !handles || !A.rows.length);
    syncSelectPage();
    if (A.bulkChanged) A.bulkChanged();
  }
  A.renderQueue = renderQueue;

  function select(id, on) {
    if (on) A.selected[id] = true;
    else delete A.selected[id];
    syncSelectPage();
    if (A.bulkChanged) A.bulkChanged();
  }

  /* "Select all on this page": ticked when every listed row is. */
  function syncSelectPage() {
    var n = A.rows.filter(function (f) { return A.selected[f.id]; }).length;
    $('select-page').checked = n > 0 && n === A.rows.length;
    $('select-page').indeterminate = n > 0 && n < A.rows.length;
  }

  function selectPage(ev) {
    var on = ev.target.checked;
    A.rows.forEach(function (f) { if (on) A.selected[f.id] = true; else delete A.selected[f.id]; });
    document.querySelectorAll('#queue .q-check').forEach(function (c) { c.checked = on; });
    syncSelectPage();
    if (A.bulkChanged) A.bulkChanged();
  }

  /* The rows of the current filters as a CSV file (docs/moderation.md, "Export"); the
   * service audits each export. */
  function exportCsv() {
    P.api('GET', '/api/v1/moderation/export?' + ['format=csv'].concat(filters()).join('&')).then(function (r) {
      if (A.failed(r)) return;
      var name = (/filename="([^"]+)"/.exec(r.response.headers.get('Content-Disposition') || '') || [])[1] || 'pakn-feedback.csv';
      /* fetch's text() drops the byte-order mark Excel needs to read UTF-8: put it back. */
      var text = r.data.charAt(0) === '\ufeff' ? r.data : '\ufeff' + r.data;
      var url = URL.createObjectURL(new Blob([text], {type: 'text/csv;charset=utf-8'}));
      var a = P.el('a', {href: url, download: name});
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      var n = r.response.headers.get('X-Export-Rows');
      if (r.response.headers.get('X-Export-Truncated') === 'true')
        A.notice(P.t('Tệp chỉ có ' + n + ' góp ý đầu tiên (giới hạn mỗi lần xuất). Hãy lọc hẹp hơn để lấy phần còn lại.',
          'The file holds only the first ' + n + ' rows (the limit per export). Narrow the filters for the rest.'), 'error');
      else A.notice(P.t('Đã xuất ' + n + ' góp ý.', 'Exported ' + n + ' rows.'), 'ok');
    });
  }

  function clearFilters() {
    $('filter-form').reset();
    A.loadQueue(false);
  }

  A.onStart(function () {
    A.rows = [];
    A.selected = {};
    /* On a wide screen there is room for every filter. */
    if (window.matchMedia('(min-width: 64rem)').matches) $('filters-more').open = true;
    A.loadQueue(false);
  });
  A.onRedraw(renderQueue);

  document.addEventListener('DOMContentLoaded', function () {
    $('filter-form').addEventListener('submit', function (ev) { ev.preventDefault(); A.loadQueue(false); });
    $('filter-clear').addEventListener('click', clearFilters);
    $('queue-more').addEventListener('click', function () { A.loadQueue(true); });
    $('export-csv').addEventListener('click', exportCsv);
    $('select-page').addEventListener('change', selectPage);
  });
}());
