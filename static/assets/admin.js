/* admin.js - the officials' console: sign in (the CSRF token kept in memory, and asked for
 * again after a reload), the queue within the official's agencies, one feedback at a time
 * with the actions its state, the sender's consent and the official's roles allow, its
 * history, and its contact details on request (each reading audited by the service). A
 * session that must still pass its second factor sees only the enrolment (QR code, then the
 * recovery codes once) or the code prompt (docs/moderation.md, "The second factor"). */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var me = null, rows = [], cursor = null, open = null, pending = null, agencies = null;

  var STATES = {
    received: ['Đã tiếp nhận', 'Received'], published: ['Đã công khai', 'Published'],
    rejected: ['Không tiếp nhận', 'Rejected'], answered: ['Đã trả lời', 'Answered'],
    closed: ['Đã kết thúc', 'Closed'], hidden: ['Đã ẩn', 'Hidden']
  };
  var KINDS = {opinion: ['Ý kiến', 'Opinion'], proposal: ['Kiến nghị', 'Proposal'],
    report: ['Phản ánh', 'Report'], question: ['Câu hỏi', 'Question']};
  /* docs/moderation.md, "The state table": who may do what from which state, and what it
   * needs. roles: any of them may; all: the official needs every one. consent: only if the
   * sender agreed to publication, and only once (again after hiding). */
  var ACTIONS = [
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
  var STEPS = {action: ['Quá hạn xử lý', 'Late to act'], answer: ['Quá hạn trả lời', 'Late to answer']};

  function holds(role) { return (me.roles || []).indexOf(role) >= 0; }

  /* Is action a offered for feedback f to the signed-in official? */
  function offered(a, f) {
    if (a.roles ? !a.roles.some(holds) : !a.all.every(holds)) return false;
    if (a.from.indexOf(f.state) < 0 || (a.assigned && !f.assigned_to)) return false;
    return !a.consent || (f.consent_publish && (f.state === 'hidden' || !f.published_at));
  }

  function words(table, key) { var w = table[key]; return w ? P.t(w[0], w[1]) : key; }

  function notice(message, kind) {
    var n = $('notice');
    n.textContent = message || '';
    n.className = 'notice' + (kind ? ' ' + kind : '') + (message ? '' : ' hidden');
    if (message) n.focus();
  }

  /* Any reply: a lost session goes back to the sign-in form; else the message. */
  function failed(r) {
    if (r.status === 401 && r.error && r.error.code === 'second_factor_required') {
      P.api('GET', '/api/v1/auth/me').then(function (m) { if (m.error) showLogin(''); else signedIn(m.data); });
      return true;
    }
    if (r.status === 401) {
      showLogin(P.t('Phiên làm việc đã hết. Hãy đăng nhập lại.', 'Your session has ended. Please sign in again.'));
      return true;
    }
    if (r.error) {
      var m = r.error.message;
      if (r.status === 409 && r.error.code === 'invalid_transition') m = P.t('Góp ý này vừa được xử lý (trạng thái đã đổi). Danh sách đã được tải lại.', 'This feedback was changed meanwhile. The list has been reloaded.');
      if (r.status === 403 && r.error.code === 'csrf_failed') m = P.t('Trang đã cũ; hãy tải lại trang.', 'The page is out of date; reload it.');
      /* A refused filter names its field (docs/moderation.md, "Search and filters"). */
      (r.error.fields || []).forEach(function (f) { m += ' ' + f.field + ': ' + f.message; });
      notice(m, 'error');
      return true;
    }
    return false;
  }

  /* --- session -------------------------------------------------------------------- */

  function showLogin(message) {
    me = null;
    P.setCsrf(null);
    $('console').classList.add('hidden');
    $('second-factor').classList.add('hidden');
    $('login-form').classList.remove('hidden');
    notice(message || '', message ? 'error' : '');
    $('username').focus();
  }

  function signedIn(who) {
    me = who;
    P.setCsrf(who.csrf_token);
    if (who.second_factor === 'enrol' || who.second_factor === 'verify') { showSecondFactor(who); return; }
    $('second-factor').classList.add('hidden');
    $('login-form').classList.add('hidden');
    $('console').classList.remove('hidden');
    notice('');
    $('who').textContent = P.t('Đăng nhập: ', 'Signed in: ') + who.display_name + ' (' + who.username + ', ' +
      (who.roles || []).join(', ') + ') · ' + P.t('cơ quan: ', 'agencies: ') + (who.agencies || []).join(', ');
    loadQueue(false);
  }

  function login(ev) {
    ev.preventDefault();
    var err = $('login-error');
    err.classList.add('hidden');
    P.api('POST', '/api/v1/auth/login', {username: $('username').value.trim(), password: $('password').value}).then(function (r) {
      $('password').value = '';
      if (r.error) {
        err.textContent = r.status === 401 ? P.t('Sai tên đăng nhập hoặc mật khẩu.', 'Wrong user name or password.') : r.error.message;
        err.classList.remove('hidden');
        $('username').focus();
        return;
      }
      notice('');
      P.api('GET', '/api/v1/auth/me').then(function (m) { if (!failed(m)) signedIn(m.data); });
    });
  }

  function logout() {
    P.api('POST', '/api/v1/auth/logout', {}).then(function () {
      showLogin('');
      notice(P.t('Đã đăng xuất.', 'Signed out.'), 'ok');
    });
  }

  /* --- the second factor -------------------------------------------------------- */

  /* The code field asks for a TOTP code, or a recovery code when the box is ticked. */
  function codeLabel() {
    var rec = $('use-recovery').checked;
    $('totp-code-label').textContent = rec ? P.t('Mã khôi phục', 'Recovery code') : P.t('Mã 6 số', '6-digit code');
    $('totp-code').setAttribute('inputmode', rec ? 'text' : 'numeric');
  }

  function showSecondFactor(who) {
    $('use-recovery').checked = false;
    codeLabel();
    $('login-form').classList.add('hidden');
    $('console').classList.add('hidden');
    $('sf-recovery').classList.add('hidden');
    $('sf-form').classList.remove('hidden');
    $('sf-error').classList.add('hidden');
    $('second-factor').classList.remove('hidden');
    var enrol = who.second_factor === 'enrol';
    $('sf-enrol').classList.toggle('hidden', !enrol);
    $('sf-ask').classList.toggle('hidden', enrol);
    $('use-recovery').parentNode.parentNode.classList.toggle('hidden', enrol);
    notice('');
    if (!enrol) { $('totp-code').focus(); return; }
    P.api('POST', '/api/v1/auth/totp/enrol', {}).then(function (r) {
      if (failed(r)) return;
      $('totp-secret').textContent = r.data.secret.replace(/(.{4})/g, '$1 ').trim();
      var box = P.fill($('totp-qr'));
      if (r.data.qr_svg) {
        /* The service's own drawing, parsed as SVG (never as HTML) and adopted. */
        var svg = new DOMParser().parseFromString(r.data.qr_svg, 'image/svg+xml').documentElement;
        svg.setAttribute('aria-hidden', 'true');
        box.appendChild(document.importNode(svg, true));
      }
      $('sf-title').focus();
    });
  }

  function sfError(message) {
    var err = $('sf-error');
    err.textContent = message;
    err.classList.remove('hidden');
    $('totp-code').focus();
  }

  function verifyCode(ev) {
    ev.preventDefault();
    var value = $('totp-code').value.trim();
    var recovery = $('use-recovery').checked;
    if (!recovery) value = value.replace(/\s+/g, '');
    if (!value) { sfError(P.t('Hãy nhập mã.', 'Enter the code.')); return; }
    var body = recovery ? {recovery_code: value} : {code: value};
    $('sf-error').classList.add('hidden');
    P.api('POST', '/api/v1/auth/totp/verify', body).then(function (r) {
      $('totp-code').value = '';
      if (r.status === 401 && r.error && r.error.code === 'invalid_code') {
        sfError(P.t('Mã không đúng hoặc đã được dùng. Hãy đợi mã mới rồi thử lại.', 'The code is wrong or was used already. Wait for a new one and try again.'));
        return;
      }
      if (r.status === 429 || r.status === 409) { sfError(r.error.message); return; }
      if (failed(r)) return;
      var done = function () { P.api('GET', '/api/v1/auth/me').then(function (m) { if (!failed(m)) signedIn(m.data); }); };
      if (!r.data.recovery_codes) { done(); return; }
      var ol = P.fill($('recovery-codes'));
      r.data.recovery_codes.forEach(function (c) { ol.appendChild(P.el('li', null, c)); });
      $('sf-enrol').classList.add('hidden');
      $('sf-form').classList.add('hidden');
      $('sf-recovery').classList.remove('hidden');
      $('sf-done').onclick = done;
      $('sf-done').focus();
    });
  }

  /* --- the queue ------------------------------------------------------------------ */

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

  function loadQueue(more) {
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
      if (failed(r)) return;
      rows = more ? rows.concat(r.data.items) : r.data.items;
      cursor = r.data.next_cursor;
      renderQueue();
    });
  }

  function renderQueue() {
    var tbody = P.fill($('queue').tBodies[0]);
    rows.forEach(function (f) {
      var summary = f.body.length > 90 ? f.body.slice(0, 90) + '…' : f.body;
      tbody.appendChild(P.el('tr', null,
        P.el('td', null, P.formatTime(f.created_at)),
        P.el('td', null, f.item_code),
        P.el('td', null, words(STATES, f.state) + (f.escalated_step ? ' · ⚠ ' + words(STEPS, f.escalated_step) : '')),
        P.el('td', {class: 'num'}, String(f.rating)),
        P.el('td', null, P.el('button', {type: 'button', class: 'secondary', 'data-id': f.id,
          onclick: function () { openFeedback(f.id, true); }}, P.t('Mở', 'Open') + ': ' + summary))));
    });
    $('queue-status').textContent = rows.length ? '' : P.t('Không có góp ý nào cần xử lý.', 'Nothing to handle.');
    $('queue-more').classList.toggle('hidden', !cursor);
  }

  /* The rows of the current filters as a CSV file (docs/moderation.md, "Export"); the
   * service audits each export. */
  function exportCsv() {
    P.api('GET', '/api/v1/moderation/export?' + ['format=csv'].concat(filters()).join('&')).then(function (r) {
      if (failed(r)) return;
      var name = (/filename="([^"]+)"/.exec(r.response.headers.get('Content-Disposition') || '') || [])[1] || 'pakn-feedback.csv';
      /* fetch's text() drops the byte-order mark Excel needs to read UTF-8: put it back. */
      var text = r.data.charAt(0) === '\ufeff' ? r.data : '\ufeff' + r.data;
      var url = URL.createObjectURL(new Blob([text], {type: 'text/csv;charset=utf-8'}));
      var a = P.el('a', {href: url, download: name});
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      var rows = r.response.headers.get('X-Export-Rows');
      if (r.response.headers.get('X-Export-Truncated') === 'true')
        notice(P.t('Tệp chỉ có ' + rows + ' góp ý đầu tiên (giới hạn mỗi lần xuất). Hãy lọc hẹp hơn để lấy phần còn lại.',
          'The file holds only the first ' + rows + ' rows (the limit per export). Narrow the filters for the rest.'), 'error');
      else notice(P.t('Đã xuất ' + rows + ' góp ý.', 'Exported ' + rows + ' rows.'), 'ok');
    });
  }

  /* --- one feedback --------------------------------------------------------------- */

  function fact(dl, vi, en, value) {
    dl.appendChild(P.el('dt', null, P.t(vi, en)));
    dl.appendChild(P.el('dd', null, value));
  }

  function openFeedback(id, focus) {
    open = rows.filter(function (f) { return f.id === id; })[0] || open;
    if (!open) return;
    var f = open;
    $('detail-title').textContent = f.tracking_code + ' · ' + words(STATES, f.state);
    var dl = P.fill($('detail-facts'));
    fact(dl, 'Mục', 'Item', f.item_code);
    fact(dl, 'Loại', 'Kind', words(KINDS, f.kind));
    fact(dl, 'Mức hài lòng', 'Rating', f.rating + ' / 5');
    fact(dl, 'Nhận lúc', 'Received', P.formatTime(f.created_at));
    fact(dl, 'Đồng ý công khai', 'May be published', f.consent_publish ? P.t('Có', 'Yes') : P.t('Không', 'No'));
    fact(dl, 'Đã công khai', 'Published', f.published_at ? P.formatTime(f.published_at) : P.t('Chưa', 'No'));
    fact(dl, 'Đồng ý liên hệ', 'May be contacted', f.consent_contact ? P.t('Có', 'Yes') : P.t('Không', 'No'));
    fact(dl, 'Hạn xử lý / trả lời', 'Due to act / to answer', (f.due_action || '—') + ' / ' + (f.due_answer || '—'));
    fact(dl, 'Giao cho', 'Assigned to', f.assigned_to || P.t('Chưa giao', 'Nobody'));
    if (f.escalated_step) fact(dl, 'Chuyển cấp trên', 'Escalated', words(STEPS, f.escalated_step) + ', ' + P.formatTime(f.escalated_at));
    $('detail-body').textContent = f.body;
    var box = P.fill($('detail-actions'));
    ACTIONS.forEach(function (a) {
      if (!offered(a, f)) return;
      box.appendChild(P.el('button', {type: 'button', 'data-action': a.action, class: a.action === 'reject' || a.action === 'hide' ? 'secondary' : null,
        onclick: function () { startAction(a); }}, P.t(a.vi, a.en)));
    });
    if (!box.firstChild) box.appendChild(P.el('p', {class: 'hint'}, P.t('Không có việc nào bạn làm được ở trạng thái này.', 'Nothing you can do in this state.')));
    if (!f.consent_publish) box.appendChild(P.el('p', {class: 'hint', id: 'no-publish-hint'}, P.t('Người gửi không đồng ý công khai: góp ý không được công khai, câu trả lời chỉ người gửi xem được.', 'The sender did not agree to publication: the feedback is not published, and only the sender sees the answer.')));
    $('action-form').classList.add('hidden');
    P.fill($('contact'));
    $('contact-box').classList.toggle('hidden', !(f.has_contact && f.consent_contact));
    $('detail').classList.remove('hidden');
    loadHistory(f.id);
    if (focus) $('detail-title').focus();
  }

  function loadHistory(id) {
    P.api('GET', '/api/v1/moderation/' + id + '/history').then(function (r) {
      if (failed(r)) return;
      var ol = P.fill($('detail-history'));
      r.data.events.forEach(function (e) {
        ol.appendChild(P.el('li', null, P.formatTime(e.at) + ' — ' + (e.official || '') + ': ' + e.action +
          (e.from_state && e.to_state && e.from_state !== e.to_state ? ' (' + words(STATES, e.from_state) + ' → ' + words(STATES, e.to_state) + ')' : '') +
          (e.reason ? ' · ' + e.reason : '') + (e.note ? ' · ' + e.note : '')));
      });
      if (!r.data.events.length) ol.appendChild(P.el('li', null, P.t('Chưa có thao tác nào.', 'No actions yet.')));
    });
  }

  function startAction(a) {
    pending = a;
    $('action-title').textContent = P.t(a.vi, a.en);
    $('a-reason-field').classList.toggle('hidden', !a.reason);
    $('a-note-field').classList.toggle('hidden', !a.note);
    $('a-agency-field').classList.toggle('hidden', !a.agency);
    $('a-official-field').classList.toggle('hidden', !a.official);
    $('a-text-field').classList.toggle('hidden', !a.text);
    $('action-error').classList.add('hidden');
    $('action-form').classList.remove('hidden');
    if (a.agency && !agencies) loadAgencies();
    var first = a.text ? $('a-text') : a.reason ? $('a-reason') : a.agency ? $('a-agency') : a.official ? $('a-official') : $('action-submit');
    first.focus();
  }

  function loadAgencies() {
    P.api('GET', '/api/v1/agencies').then(function (r) {
      if (failed(r)) return;
      agencies = r.data.agencies;
      var s = P.fill($('a-agency'));
      agencies.forEach(function (a) { s.appendChild(P.el('option', {value: a.code}, a.name + ' (' + a.province + ')')); });
    });
  }

  function submitAction(ev) {
    ev.preventDefault();
    var a = pending, body = {action: a.action};
    if (a.reason) body.reason = $('a-reason').value;
    if (a.note && $('a-note').value.trim()) body.note = $('a-note').value.trim();
    if (a.agency) body.agency = $('a-agency').value;
    if (a.official) body.official = $('a-official').value.trim();
    if (a.text) {
      body.text = $('a-text').value.trim();
      if (!body.text) {
        $('action-error').textContent = P.t('Hãy viết câu trả lời.', 'Write the answer.');
        $('action-error').classList.remove('hidden');
        $('a-text').focus();
        return;
      }
    }
    var id = open.id;
    P.api('POST', '/api/v1/moderation/' + id + '/actions', body).then(function (r) {
      if (r.status === 409) { failed(r); loadQueue(false).then(function () { openFeedback(id, false); }); return; }
      if (failed(r)) return;
      open.state = r.data.state;
      $('a-text').value = '';
      $('a-note').value = '';
      notice(P.t('Đã lưu: ', 'Saved: ') + P.t(a.vi, a.en) + ' → ' + words(STATES, r.data.state), 'ok');
      loadQueue(false).then(function () { openFeedback(id, false); });
    });
  }

  function showContact() {
    P.api('GET', '/api/v1/moderation/' + open.id + '/contact').then(function (r) {
      if (failed(r)) return;
      var dl = P.fill($('contact'));
      (function add(obj, prefix) {
        Object.keys(obj).forEach(function (k) {
          var v = obj[k];
          if (v && typeof v === 'object') add(v, prefix + k + '.');
          else if (v !== null && v !== '') fact(dl, prefix + k, prefix + k, String(v));
        });
      }(r.data, ''));
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('filter-form').addEventListener('submit', function (ev) { ev.preventDefault(); loadQueue(false); });
    $('queue-more').addEventListener('click', function () { loadQueue(true); });
    $('export-csv').addEventListener('click', exportCsv);
    $('action-form').addEventListener('submit', submitAction);
    $('action-cancel').addEventListener('click', function () { $('action-form').classList.add('hidden'); });
    $('contact-show').addEventListener('click', showContact);
    $('sf-form').addEventListener('submit', verifyCode);
    $('sf-cancel').addEventListener('click', logout);
    $('use-recovery').addEventListener('change', codeLabel);
    /* The second factor's view is static text (data-en) but for the code's label: redrawing
     * it would enrol anew. */
    P.onLanguage(function () {
      if (!$('second-factor').classList.contains('hidden')) codeLabel();
      else if (me) signedIn(me);
    });
    /* A reload keeps the session (cookie); /me gives its CSRF token back. */
    P.api('GET', '/api/v1/auth/me').then(function (r) {
      if (r.error) showLogin('');
      else signedIn(r.data);
    });
  });
}());
