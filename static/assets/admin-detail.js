/* admin-detail.js - one feedback in the console: its item, facts and text in words, the
 * answer once given, the actions its state, the sender's consent and the official's roles
 * allow (an answer may start from a template), similar feedback and duplicates, its history
 * and its contact details on request (each reading audited by the service). Beside the queue
 * on a wide screen, its own view with a back button on a phone. */
(function () {
  'use strict';
  var P = window.PAKN;
  var A = window.PAKN_ADMIN;
  var $ = A.$;
  var pending = null;   /* the action whose form is open */
  var history = null;   /* GET …/history of the open feedback: {events, answer} */
  var contact = null;   /* its contact details once read (kept: reading again is audited) */
  var similar = null;   /* GET …/similar: {items}, or null when not (yet) served */
  var filled = null;    /* {id, text}: the template put into the answer, as filled */

  /* docs/moderation.md, "The state table": who may do what from which state, and what it
   * needs. roles: any of them may; all: the official needs every one. consent: only if the
   * sender agreed to publication, and only once (again after hiding). */
  var ACTIONS = A.ACTIONS = [
    {action: 'publish', vi: 'Công khai', en: 'Publish', roles: ['moderator'], from: ['received', 'hidden', 'answered'], consent: true},
    {action: 'reject', vi: 'Không tiếp nhận', en: 'Reject', roles: ['moderator'], from: ['received'], reason: true, note: true},
    {action: 'hide', vi: 'Ẩn nội dung', en: 'Hide', roles: ['moderator'], from: ['received', 'published', 'answered'], reason: true, note: true},
    {action: 'forward', vi: 'Chuyển cơ quan khác', en: 'Forward', roles: ['moderator', 'responder'], from: ['received', 'published', 'hidden'], agency: true},
    {action: 'answer', vi: 'Trả lời', en: 'Answer', roles: ['responder'], from: ['received', 'published'], text: true},
    {action: 'publish_answer', vi: 'Công khai và trả lời', en: 'Publish and answer', all: ['moderator', 'responder'], from: ['received', 'hidden'], text: true, consent: true},
    {action: 'close', vi: 'Kết thúc', en: 'Close', roles: ['moderator', 'responder'], from: ['published', 'answered']},
    {action: 'assign', vi: 'Giao cho cán bộ', en: 'Assign', roles: ['moderator'], from: ['received', 'published', 'hidden', 'answered'], official: true},
    {action: 'unassign', vi: 'Bỏ giao', en: 'Unassign', roles: ['moderator'], from: ['received', 'published', 'hidden', 'answered', 'rejected', 'closed'], assigned: true}
  ];
  A.REASONS = ['spam', 'abuse', 'off_topic', 'duplicate', 'personal_data', 'other'];

  /* May the signed-in official take action a (by their roles alone)? */
  A.mayTake = function (a) { return a.roles ? a.roles.some(A.holds) : a.all.every(A.holds); };

  /* Is action a offered for feedback f to the signed-in official? */
  function offered(a, f) {
    if (!A.mayTake(a)) return false;
    if (a.from.indexOf(f.state) < 0 || (a.assigned && !f.assigned_to)) return false;
    return !a.consent || (f.consent_publish && (f.state === 'hidden' || !f.published_at));
  }

  /* A select's options from a list of [value, label], keeping the choice made. */
  A.options = function (select, list) {
    var keep = select.value;
    P.fill(select);
    list.forEach(function (o) { select.appendChild(P.el('option', {value: o[0]}, o[1])); });
    if (list.some(function (o) { return String(o[0]) === keep; })) select.value = keep;
  };
  A.reasonOptions = function (select) {
    A.options(select, A.REASONS.map(function (r) { return [r, A.word('reason', r)]; }));
  };
  A.agencyOptions = function (select) {
    A.options(select, Object.keys(A.agencies).map(function (c) {
      var a = A.agencies[c];
      return [c, a.name + (a.province ? ' (' + a.province + ')' : '')];
    }));
  };

  function fact(dl, vi, en, value) {
    dl.appendChild(P.el('dt', null, P.t(vi, en)));
    dl.appendChild(P.el('dd', null, value));
  }

  function yes(v) { return v ? P.t('Có', 'Yes') : P.t('Không', 'No'); }

  /* Shows feedback id (from the queue's rows); keepView: redraw it where it is, without
   * bringing the detail forward on a phone (after a bulk action, say). */
  A.openFeedback = function (id, focus, keepView) {
    var f = A.rows.filter(function (x) { return x.id === id; })[0];
    if (!f && A.open && A.open.id === id) f = A.open;
    if (!f) return;
    var again = A.open && A.open.id === id;
    A.open = f;
    if (!again) contact = null;
    history = null;
    similar = null;
    pending = null;
    renderDetail();
    markOpenRow();
    if (!keepView) $('console-grid').classList.add('show-detail');
    $('detail').classList.remove('hidden');
    $('detail-empty').classList.add('hidden');
    loadHistory(id);
    loadSimilar(id);
    if (focus) $('detail-title').focus();
  };

  function markOpenRow() {
    document.querySelectorAll('#queue .q-row').forEach(function (li) {
      var b = li.querySelector('.q-open');
      var on = !!A.open && Number(b.getAttribute('data-id')) === A.open.id;
      li.classList.toggle('is-open', on);
      if (on) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
    });
  }

  /* Back to the queue (the phone's view): the row just read gets the focus. */
  function back() {
    $('console-grid').classList.remove('show-detail');
    var b = A.open && document.querySelector('#queue .q-open[data-id="' + A.open.id + '"]');
    if (b) b.focus();
  }

  function renderDetail() {
    var f = A.open;
    if (!f) return;
    $('detail-title').textContent = f.tracking_code + ' · ' + A.word('state', f.state);
    $('detail-item').textContent = A.itemTitle(f);
    $('detail-where').textContent = A.itemWhere(f);
    var dl = P.fill($('detail-facts'));
    fact(dl, 'Loại', 'Kind', A.word('kind', f.kind));
    fact(dl, 'Mức hài lòng', 'Rating', f.rating + ' / 5');
    fact(dl, 'Nhận lúc', 'Received', P.formatTime(f.created_at) + ' (' + A.age(f.created_at) + ')');
    if (f.channel) fact(dl, 'Kênh tiếp nhận', 'Received through', A.word('channel', f.channel));
    var due = P.el('dd', null, P.t('xử lý trước ', 'act by ') + (A.day(f.due_action) || '—') + '; ' +
      P.t('trả lời trước ', 'answer by ') + (A.day(f.due_answer) || '—'));
    if (A.overdue(f)) due.appendChild(P.el('span', {class: 'badge overdue'}, '⚠ ' + P.t('Quá hạn', 'Overdue')));
    dl.appendChild(P.el('dt', null, P.t('Hạn', 'Deadlines')));
    dl.appendChild(due);
    fact(dl, 'Đồng ý công khai', 'May be published', yes(f.consent_publish));
    fact(dl, 'Đã công khai', 'Published', f.published_at ? P.formatTime(f.published_at) : P.t('Chưa', 'No'));
    fact(dl, 'Đồng ý liên hệ', 'May be contacted', yes(f.consent_contact));
    fact(dl, 'Giao cho', 'Assigned to', f.assigned_to || P.t('Chưa giao', 'Nobody'));
    if (f.escalated_step) fact(dl, 'Chuyển cấp trên', 'Escalated', A.word('step', f.escalated_step) + ', ' + P.formatTime(f.escalated_at));
    if (f.duplicate_of) fact(dl, 'Trùng lặp', 'Duplicate', P.t('trùng với góp ý #', 'a duplicate of feedback #') + f.duplicate_of);
    if (f.duplicates) fact(dl, 'Góp ý trùng với góp ý này', 'Duplicates of this one', String(f.duplicates));
    $('detail-body').textContent = f.body;
    renderActions();
    renderAnswer();
    renderHistory();
    renderSimilar();
    renderContact();
    if (pending) drawActionForm();
    else $('action-form').classList.add('hidden');
  }
  A.onRedraw(renderDetail);

  function renderActions() {
    var f = A.open;
    var box = P.fill($('detail-actions'));
    ACTIONS.forEach(function (a) {
      if (!offered(a, f)) return;
      box.appendChild(P.el('button', {type: 'button', 'data-action': a.action, class: a.action === 'reject' || a.action === 'hide' ? 'secondary' : null,
        onclick: function () { startAction(a); }}, P.t(a.vi, a.en)));
    });
    if (f.duplicate_of && (A.holds('moderator') || A.holds('responder')) && A.isOpen(f))
      box.appendChild(P.el('button', {type: 'button', class: 'secondary', 'data-action': 'unlink_duplicate',
        onclick: function () { linkAction(f.id, {action: 'unlink_duplicate'}); }},
        P.t('Bỏ đánh dấu trùng', 'Unlink as a duplicate')));
    if (!box.firstChild) box.appendChild(P.el('p', {class: 'hint'}, P.t('Không có việc nào bạn làm được ở trạng thái này.', 'Nothing you can do in this state.')));
    if (!f.consent_publish) box.appendChild(P.el('p', {class: 'hint', id: 'no-publish-hint'}, P.t('Người gửi không đồng ý công khai: góp ý không được công khai, câu trả lời chỉ người gửi xem được.', 'The sender did not agree to publication: the feedback is not published, and only the sender sees the answer.')));
  }

  /* The answer as given (GET …/history carries it). */
  function renderAnswer() {
    var a = history && history.answer;
    $('detail-answer').classList.toggle('hidden', !a);
    if (!a) return;
    $('detail-answer-meta').textContent = P.t('Trả lời lúc ', 'Answered ') + P.formatTime(a.answered_at) +
      (a.official ? P.t(', bởi ', ' by ') + a.official : '') +
      (A.open.published_at ? '' : ' · ' + P.t('chỉ người gửi xem được', 'only the sender sees it'));
    $('detail-answer-text').textContent = a.text;
  }

  function loadHistory(id) {
    P.api('GET', '/api/v1/moderation/' + id + '/history').then(function (r) {
      if (A.failed(r) || !A.open || A.open.id !== id) return;
      history = r.data;
      renderAnswer();
      renderHistory();
    });
  }

  /* What the history's reason says, in words, for each kind of event. */
  function eventReason(e) {
    var r = e.reason;
    if (!r) return '';
    switch (e.action) {
    case 'forward': return P.t('tới ', 'to ') + A.agency(r);
    case 'assign': case 'unassign': return r;
    case 'escalate': return A.word('step', r);
    case 'denied': return A.word('event', r);
    case 'link_duplicate': case 'unlink_duplicate':
      return /^\d+$/.test(r) ? P.t('góp ý gốc #', 'original #') + r : r;
    default: return A.word('reason', r);
    }
  }

  function renderHistory() {
    var ol = P.fill($('detail-history'));
    if (!history) return;
    history.events.forEach(function (e) {
      var who = e.official ? e.official + (e.role ? ' (' + A.roles(e.role) + ')' : '') : P.t('Hệ thống', 'The system');
      var change = e.from_state && e.to_state && e.from_state !== e.to_state
        ? ' (' + A.word('state', e.from_state) + ' → ' + A.word('state', e.to_state) + ')' : '';
      var via = e.via ? ' · ' + P.t('theo câu trả lời góp ý gốc #', 'from the answer to original #') + e.via : '';
      var reason = eventReason(e);
      ol.appendChild(P.el('li', null,
        P.el('span', {class: 'meta'}, P.formatTime(e.at) + ' · ' + who), P.el('br'),
        P.el('strong', null, A.word('event', e.action)), change + (reason ? ' · ' + reason : '') +
        (e.note ? ' · ' + e.note : '') + via));
    });
    if (!history.events.length) ol.appendChild(P.el('li', {class: 'none'}, P.t('Chưa có thao tác nào.', 'No actions yet.')));
  }

  /* --- actions ------------------------------------------------------------------------ */

  function startAction(a) {
    pending = a;
    filled = null;
    $('a-text').value = '';
    $('a-template').value = '';
    drawActionForm();
    $('action-error').classList.add('hidden');
    var first = a.text ? $('a-text') : a.reason ? $('a-reason') : a.agency ? $('a-agency') : a.official ? $('a-official') : $('action-submit');
    first.focus();
  }

  /* The open action's form, in the current language (what was typed stays). */
  function drawActionForm() {
    var a = pending;
    $('action-title').textContent = P.t(a.vi, a.en);
    $('a-reason-field').classList.toggle('hidden', !a.reason);
    $('a-note-field').classList.toggle('hidden', !a.note);
    $('a-agency-field').classList.toggle('hidden', !a.agency);
    $('a-official-field').classList.toggle('hidden', !a.official);
    $('a-text-field').classList.toggle('hidden', !a.text);
    var templates = (A.templates || []).length > 0;
    $('a-template-field').classList.toggle('hidden', !a.text || !templates);
    if (a.reason) A.reasonOptions($('a-reason'));
    if (a.agency) A.agencyOptions($('a-agency'));
    if (a.text && templates) A.templateOptions($('a-template'), P.t('— Không dùng mẫu —', '— No template —'));
    $('action-form').classList.remove('hidden');
  }

  /* A template's text with its placeholders filled for feedback f, as the service fills
   * them (CONTRACTS22, "Answer templates"), so the official sees the answer to be sent. */
  A.fillTemplate = function (text, f) {
    var received = f.received_on || new Date(new Date(f.created_at).getTime() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    var values = {item_title: f.item_title || f.item_code, item_code: f.item_code,
      plan: f.plan_title || f.plan_code || '', received_date: A.day(received),
      today: A.day(A.today()), tracking_code: f.tracking_code};
    return text.replace(/\{([a-z_]+)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
  };

  function useTemplate() {
    var id = Number($('a-template').value);
    var t = (A.templates || []).filter(function (x) { return x.id === id; })[0];
    if (!t) return;
    filled = {id: id, text: A.fillTemplate(t.text, A.open)};
    $('a-text').value = filled.text;
    $('a-text').focus();
  }

  function actionError(message, field) {
    $('action-error').textContent = message;
    $('action-error').classList.remove('hidden');
    if (field) field.focus();
  }

  /* After any change: the queue again, and this feedback as it now is. */
  function reloadOpen(id) {
    return A.loadQueue(false).then(function () { A.openFeedback(id, false); });
  }
  A.reloadOpen = reloadOpen;

  function submitAction(ev) {
    ev.preventDefault();
    var a = pending, body = {action: a.action};
    if (a.reason) body.reason = $('a-reason').value;
    if (a.note && $('a-note').value.trim()) body.note = $('a-note').value.trim();
    if (a.agency) body.agency = $('a-agency').value;
    if (a.official) body.official = $('a-official').value.trim();
    if (a.text) {
      /* The text as shown is sent, a template's too (filled above, perhaps edited). */
      body.text = $('a-text').value.trim();
      if (!body.text) { actionError(P.t('Hãy viết câu trả lời.', 'Write the answer.'), $('a-text')); return; }
    }
    var id = A.open.id;
    P.api('POST', '/api/v1/moderation/' + id + '/actions', body).then(function (r) {
      if (r.status === 409) { A.failed(r); pending = null; reloadOpen(id); return; }
      if (A.failed(r)) return;
      A.open.state = r.data.state;
      pending = null;
      $('a-text').value = '';
      $('a-note').value = '';
      A.notice(P.t('Đã lưu: ', 'Saved: ') + P.t(a.vi, a.en) + ' → ' + A.word('state', r.data.state), 'ok');
      reloadOpen(id);
    });
  }

  /* --- similar feedback and duplicates (CONTRACTS22, "Duplicates") --------------------- */

  function loadSimilar(id) {
    P.api('GET', '/api/v1/moderation/' + id + '/similar').then(function (r) {
      if (!A.open || A.open.id !== id) return;
      /* Not served (a server without duplicates) or not allowed: no list, no noise. */
      similar = r.error ? null : r.data;
      renderSimilar();
    });
  }

  function linkAction(id, body) {
    var openId = A.open.id;
    P.api('POST', '/api/v1/moderation/' + id + '/actions', body).then(function (r) {
      if (A.failed(r)) return;
      A.notice(body.action === 'link_duplicate'
        ? P.t('Đã đánh dấu góp ý #' + id + ' là trùng với góp ý #' + body.of + '.', 'Feedback #' + id + ' is now linked as a duplicate of #' + body.of + '.')
        : P.t('Đã bỏ đánh dấu trùng của góp ý #' + id + '.', 'Feedback #' + id + ' is no longer linked as a duplicate.'), 'ok');
      reloadOpen(openId);
    });
  }

  function renderSimilar() {
    var items = similar && similar.items ? similar.items : [];
    $('similar-box').classList.toggle('hidden', !similar);
    var ul = P.fill($('similar-list'));
    if (!similar) return;
    var f = A.open;
    var may = A.holds('moderator') || A.holds('responder');
    items.forEach(function (s) {
      var listed = A.rows.some(function (x) { return x.id === s.id; });
      var facts = '#' + s.id + ' · ' + s.tracking_code + ' · ' + A.word('state', s.state) + ' · ' + A.word('kind', s.kind) +
        ' · ' + P.t('Đánh giá ', 'Rating ') + s.rating + '/5' + ' · ' + A.age(s.created_at) +
        (typeof s.similarity === 'number' ? ' · ' + P.t('giống ', 'similarity ') + Math.round(s.similarity * 100) + '%' : '');
      var rel = s.duplicate_of === f.id ? P.t('Đã đánh dấu là trùng với góp ý này', 'Linked as a duplicate of this one')
        : s.id === f.duplicate_of ? P.t('Góp ý gốc của góp ý này', 'The original of this one') : '';
      var acts = P.el('div', {class: 'actions'});
      if (listed) acts.appendChild(P.el('button', {type: 'button', class: 'secondary', 'data-open': s.id,
        onclick: function () { A.openFeedback(s.id, true); }}, P.t('Mở', 'Open')));
      if (may && s.duplicate_of === f.id)
        acts.appendChild(P.el('button', {type: 'button', class: 'secondary', 'data-unlink': s.id,
          onclick: function () { linkAction(s.id, {action: 'unlink_duplicate'}); }}, P.t('Bỏ đánh dấu trùng', 'Unlink')));
      else if (may && !s.duplicate_of && !f.duplicate_of && s.id !== f.id && A.isOpen(s))
        acts.appendChild(P.el('button', {type: 'button', 'data-link': s.id,
          onclick: function () { linkAction(s.id, {action: 'link_duplicate', of: f.id}); }},
          P.t('Đánh dấu là trùng với góp ý này', 'Link as duplicate of this')));
      ul.appendChild(P.el('li', {class: 'card'},
        P.el('p', {class: 'meta'}, facts), rel ? P.el('p', null, P.el('strong', null, rel)) : null,
        P.el('p', {class: 'body-text'}, s.body.length > 300 ? s.body.slice(0, 300) + '…' : s.body),
        acts.firstChild ? acts : null));
    });
    if (!items.length) ul.appendChild(P.el('li', {class: 'hint'}, P.t('Không có góp ý tương tự.', 'No similar feedback.')));
  }

  /* --- contact details ------------------------------------------------------------------ */

  function renderContact() {
    var f = A.open;
    $('contact-box').classList.toggle('hidden', !(f.has_contact && f.consent_contact));
    $('contact-show').classList.toggle('hidden', !!contact);
    var dl = P.fill($('contact'));
    if (!contact) return;
    (function add(obj) {
      Object.keys(obj).forEach(function (k) {
        var v = obj[k];
        if (v && typeof v === 'object') add(v);
        else if (v !== null && v !== '') {
          dl.appendChild(P.el('dt', null, A.word('contact', k)));
          dl.appendChild(P.el('dd', null, k === 'type' ? A.word('submitter', v) : String(v)));
        }
      });
    }(contact));
  }

  function showContact() {
    var id = A.open.id;
    P.api('GET', '/api/v1/moderation/' + id + '/contact').then(function (r) {
      if (A.failed(r) || !A.open || A.open.id !== id) return;
      contact = r.data;
      renderContact();
      loadHistory(id); /* the reading is now in the history */
    });
  }

  /* A new sign-in starts with nothing open (another official may have used the page). */
  A.onStart(function () {
    A.open = null;
    history = contact = similar = pending = null;
    $('detail').classList.add('hidden');
    $('detail-empty').classList.remove('hidden');
    $('console-grid').classList.remove('show-detail');
  });

  document.addEventListener('DOMContentLoaded', function () {
    $('action-form').addEventListener('submit', submitAction);
    $('action-cancel').addEventListener('click', function () { pending = null; $('action-form').classList.add('hidden'); });
    $('a-template').addEventListener('change', useTemplate);
    $('contact-show').addEventListener('click', showContact);
    $('detail-back').addEventListener('click', back);
  });
}());
