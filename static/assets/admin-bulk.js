/* admin-bulk.js - many feedback at once and answer templates (CONTRACTS22, "Bulk actions"
 * and "Answer templates"): the bar over the ticked rows (publish, reject with a reason,
 * forward, close, answer with one text or a template) and its result for each row, the
 * templates of the official's agencies for the answer forms, and a small manager of them
 * (list, create, edit, delete). */
(function () {
  'use strict';
  var P = window.PAKN;
  var A = window.PAKN_ADMIN;
  var $ = A.$;
  var BULK = ['publish', 'reject', 'forward', 'close', 'answer', 'publish_answer'];
  var MAX_IDS = 200;
  var pending = null;   /* the bulk action whose form is open */
  var report = null;    /* the last bulk reply with its rows: {action, data, codes} */
  var editing = null;   /* the template being edited */
  var deleting = null;  /* the template whose delete waits for a second press */

  function actionOf(name) { return A.ACTIONS.filter(function (a) { return a.action === name; })[0]; }

  function selectedIds() {
    return A.rows.filter(function (f) { return A.selected[f.id]; }).map(function (f) { return f.id; });
  }

  /* --- the bulk bar --------------------------------------------------------------------- */

  A.bulkChanged = function () {
    var n = selectedIds().length;
    $('bulk-bar').classList.toggle('hidden', n === 0 && !report);
    $('bulk-count').textContent = P.t('Đã chọn ' + n + ' góp ý', n + ' selected');
    var box = P.fill($('bulk-actions'));
    BULK.forEach(function (name) {
      var a = actionOf(name);
      if (!a || !A.mayTake(a)) return;
      box.appendChild(P.el('button', {type: 'button', 'data-bulk': name, disabled: n === 0,
        class: name === 'reject' ? 'secondary' : null,
        onclick: function () { startBulk(a); }}, P.t(a.vi, a.en)));
    });
    if (n === 0) { pending = null; $('bulk-form').classList.add('hidden'); }
    else if (pending) drawBulkForm();
  };

  function startBulk(a) {
    pending = a;
    $('b-text').value = '';
    $('b-template').value = '';
    $('bulk-error').classList.add('hidden');
    drawBulkForm();
    var first = a.text ? $('b-text') : a.reason ? $('b-reason') : a.agency ? $('b-agency') : $('bulk-submit');
    first.focus();
  }

  function drawBulkForm() {
    var a = pending, n = selectedIds().length;
    $('bulk-title').textContent = P.t(a.vi, a.en) + ' · ' + P.t(n + ' góp ý', n + ' feedback');
    $('b-reason-field').classList.toggle('hidden', !a.reason);
    $('b-note-field').classList.toggle('hidden', !a.note);
    $('b-agency-field').classList.toggle('hidden', !a.agency);
    $('b-text-field').classList.toggle('hidden', !a.text);
    var templates = (A.templates || []).length > 0;
    $('b-template-field').classList.toggle('hidden', !a.text || !templates);
    if (a.reason) A.reasonOptions($('b-reason'));
    if (a.agency) A.agencyOptions($('b-agency'));
    if (a.text && templates) A.templateOptions($('b-template'), P.t('— Không dùng mẫu: viết câu trả lời —', '— No template: write the answer —'));
    $('b-text').readOnly = !!$('b-template').value;
    $('bulk-form').classList.remove('hidden');
  }

  /* A template chosen for many: its text is shown as written; the service fills the
   * placeholders for each feedback. */
  function bulkTemplate() {
    var t = templateById(Number($('b-template').value));
    $('b-text').value = t ? t.text : '';
    $('b-text').readOnly = !!t;
  }

  function bulkError(message, field) {
    $('bulk-error').textContent = message;
    $('bulk-error').classList.remove('hidden');
    if (field) field.focus();
  }

  function submitBulk(ev) {
    ev.preventDefault();
    var a = pending, ids = selectedIds();
    if (ids.length > MAX_IDS) {
      bulkError(P.t('Mỗi lần xử lý tối đa ' + MAX_IDS + ' góp ý; hãy bỏ chọn bớt.', 'At most ' + MAX_IDS + ' at a time; untick some.'));
      return;
    }
    var body = {action: a.action, ids: ids};
    if (a.reason) body.reason = $('b-reason').value;
    if (a.note && $('b-note').value.trim()) body.note = $('b-note').value.trim();
    if (a.agency) body.agency = $('b-agency').value;
    if (a.text) {
      if ($('b-template').value) body.template = Number($('b-template').value);
      else {
        body.text = $('b-text').value.trim();
        if (!body.text) { bulkError(P.t('Hãy viết câu trả lời hoặc chọn một mẫu.', 'Write the answer or pick a template.'), $('b-text')); return; }
      }
    }
    var codes = {};
    A.rows.forEach(function (f) { codes[f.id] = f.tracking_code; });
    $('bulk-submit').disabled = true;
    P.api('POST', '/api/v1/moderation/bulk', body).then(function (r) {
      $('bulk-submit').disabled = false;
      if (A.failed(r)) return;
      report = {action: a, data: r.data, codes: codes};
      pending = null;
      $('bulk-form').classList.add('hidden');
      $('b-text').value = '';
      $('b-note').value = '';
      /* What succeeded is done; what failed stays ticked, to try again. */
      (r.data.results || []).forEach(function (x) { if (x.ok) delete A.selected[x.id]; });
      drawReport();
      A.loadQueue(false).then(function () {
        if (A.open) A.openFeedback(A.open.id, false, true);
        $('bulk-summary').focus();
      });
    });
  }

  function drawReport() {
    $('bulk-report').classList.toggle('hidden', !report);
    var ul = P.fill($('bulk-results'));
    if (!report) return;
    var d = report.data, a = report.action;
    $('bulk-summary').textContent = P.t(a.vi, a.en) + ': ' +
      P.t(d.done + ' góp ý xong, ' + d.failed + ' không được', d.done + ' done, ' + d.failed + ' failed');
    $('bulk-summary').setAttribute('tabindex', '-1');
    (d.results || []).forEach(function (x) {
      var name = '#' + x.id + (report.codes[x.id] ? ' (' + report.codes[x.id] + ')' : '');
      ul.appendChild(P.el('li', {class: x.ok ? 'ok' : 'failed', 'data-id': x.id},
        x.ok ? '✓ ' + name + ': ' + A.word('state', x.state)
          : '✗ ' + name + ': ' + (x.error ? P.pick(x.error.message) || x.error.code : P.t('không được', 'failed'))));
    });
    ul.appendChild(P.el('li', null, P.el('button', {type: 'button', class: 'secondary', id: 'bulk-report-close',
      onclick: function () { report = null; drawReport(); A.bulkChanged(); }}, P.t('Đóng kết quả', 'Close the results'))));
  }

  /* --- answer templates ----------------------------------------------------------------- */

  function templateById(id) {
    return (A.templates || []).filter(function (t) { return t.id === id; })[0];
  }

  /* A select of the templates ("title · agency"), the first option none. */
  A.templateOptions = function (select, none) {
    A.options(select, [['', none]].concat((A.templates || []).map(function (t) {
      return [String(t.id), t.title + ' · ' + A.agency(t.agency)];
    })));
  };

  function loadTemplates() {
    if (!(A.holds('moderator') || A.holds('responder'))) {
      $('templates-toggle').classList.add('hidden');
      return Promise.resolve();
    }
    return P.api('GET', '/api/v1/moderation/templates').then(function (r) {
      /* A server without templates: no button, no picker. */
      $('templates-toggle').classList.toggle('hidden', !!r.error);
      A.templates = r.error ? [] : r.data.items || [];
      drawTemplates();
    });
  }

  function drawTemplates() {
    var ul = P.fill($('template-list'));
    (A.templates || []).forEach(function (t) {
      var sure = deleting === t.id;
      ul.appendChild(P.el('li', {class: 'card', 'data-template': t.id},
        P.el('p', null, P.el('strong', null, t.title), ' · ', P.el('span', {class: 'meta'}, A.agency(t.agency))),
        P.el('p', {class: 'body-text'}, t.text.length > 300 ? t.text.slice(0, 300) + '…' : t.text),
        P.el('div', {class: 'actions'},
          P.el('button', {type: 'button', class: 'secondary', 'data-edit': t.id, onclick: function () { editTemplate(t); }},
            P.t('Sửa', 'Edit')),
          P.el('button', {type: 'button', class: 'secondary', 'data-delete': t.id, onclick: function () { deleteTemplate(t); }},
            sure ? P.t('Bấm lần nữa để xóa', 'Press again to delete') : P.t('Xóa', 'Delete')))));
    });
    $('template-status').textContent = (A.templates || []).length ? '' : P.t('Chưa có mẫu nào.', 'No templates yet.');
    A.options($('t-agency'), ((A.me && A.me.agencies) || []).map(function (c) { return [c, A.agency(c)]; }));
    $('template-form-title').textContent = editing ? P.t('Sửa mẫu: ', 'Edit template: ') + editing.title : P.t('Mẫu mới', 'New template');
    $('t-agency-field').classList.toggle('hidden', !!editing);
    $('template-cancel').classList.toggle('hidden', !editing);
  }

  function editTemplate(t) {
    editing = t;
    deleting = null;
    $('t-title').value = t.title;
    $('t-text').value = t.text;
    $('template-error').classList.add('hidden');
    drawTemplates();
    $('t-title').focus();
  }

  function stopEditing() {
    editing = null;
    $('template-form').reset();
    drawTemplates();
  }

  function deleteTemplate(t) {
    if (deleting !== t.id) {
      deleting = t.id;
      drawTemplates();
      document.querySelector('#template-list button[data-delete="' + t.id + '"]').focus();
      return;
    }
    deleting = null;
    P.api('DELETE', '/api/v1/moderation/templates/' + t.id).then(function (r) {
      if (A.failed(r)) return;
      if (editing && editing.id === t.id) stopEditing();
      A.notice(P.t('Đã xóa mẫu “' + t.title + '”.', 'Template “' + t.title + '” deleted.'), 'ok');
      loadTemplates();
    });
  }

  function saveTemplate(ev) {
    ev.preventDefault();
    var body = {title: $('t-title').value.trim(), text: $('t-text').value.trim()};
    var err = $('template-error');
    if (!body.title || !body.text) {
      err.textContent = P.t('Hãy nhập tên và nội dung của mẫu.', 'Enter the title and the text of the template.');
      err.classList.remove('hidden');
      (body.title ? $('t-text') : $('t-title')).focus();
      return;
    }
    err.classList.add('hidden');
    var req = editing ? P.api('PUT', '/api/v1/moderation/templates/' + editing.id, body)
      : P.api('POST', '/api/v1/moderation/templates', {agency: $('t-agency').value, title: body.title, text: body.text});
    req.then(function (r) {
      if (r.error && r.status === 400) {
        err.textContent = r.error.message + r.error.fields.map(function (f) { return ' ' + f.message; }).join('');
        err.classList.remove('hidden');
        return;
      }
      if (A.failed(r)) return;
      A.notice(P.t('Đã lưu mẫu “' + body.title + '”.', 'Template “' + body.title + '” saved.'), 'ok');
      stopEditing();
      loadTemplates();
    });
  }

  function toggleTemplates() {
    var box = $('templates');
    var show = box.classList.contains('hidden');
    box.classList.toggle('hidden', !show);
    $('templates-toggle').setAttribute('aria-expanded', show ? 'true' : 'false');
    if (show) $('templates-title').focus();
  }

  A.onStart(function () {
    report = null;
    A.templates = null;
    loadTemplates();
  });
  A.onRedraw(function () {
    A.bulkChanged();
    drawReport();
    drawTemplates();
  });

  document.addEventListener('DOMContentLoaded', function () {
    $('bulk-form').addEventListener('submit', submitBulk);
    $('bulk-cancel').addEventListener('click', function () { pending = null; $('bulk-form').classList.add('hidden'); });
    $('b-template').addEventListener('change', bulkTemplate);
    $('template-form').addEventListener('submit', saveTemplate);
    $('template-cancel').addEventListener('click', stopEditing);
    $('templates-toggle').addEventListener('click', toggleTemplates);
  });
}());
