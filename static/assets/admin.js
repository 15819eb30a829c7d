/* admin.js - the officials' console: sign in (the CSRF token kept in memory, and asked for
 * again after a reload), the second factor, who is signed in, and the start of everything
 * else once signed in (the queue: admin-queue.js; one feedback: admin-detail.js; many at
 * once and answer templates: admin-bulk.js; the words: admin-words.js). A session that must
 * still pass its second factor sees only the enrolment (QR code, then the recovery codes
 * once) or the code prompt (docs/moderation.md, "The second factor"). */
(function () {
  'use strict';
  var P = window.PAKN;
  var A = window.PAKN_ADMIN;
  var $ = A.$;
  var me = null;
  var notice = A.notice;

  /* Does the signed-in official hold this role? */
  A.holds = function (role) { return !!A.me && (A.me.roles || []).indexOf(role) >= 0; };

  /* The label of a filter the service refused, as the form names it. */
  function fieldLabel(field) {
    var ids = {rating: 'f-rating-min', assigned_to: 'f-mine', status: 'f-status'};
    var label = document.querySelector('label[for="' + (ids[field] || 'f-' + field.replace(/_/g, '-')) + '"]');
    var input = $(ids[field] || 'f-' + field.replace(/_/g, '-'));
    if (!label && input && input.parentNode.tagName === 'LABEL') label = input.parentNode;
    return label ? label.textContent.trim() : field;
  }

  /* Any reply: a lost session goes back to the sign-in form; else the message. True when
   * the reply was a failure (and has been told). */
  var failed = A.failed = function (r) {
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
      (r.error.fields || []).forEach(function (f) { m += ' ' + fieldLabel(f.field) + ': ' + f.message; });
      notice(m, 'error');
      return true;
    }
    return false;
  };

  /* --- session -------------------------------------------------------------------- */

  function showLogin(message) {
    me = A.me = null;
    P.setCsrf(null);
    $('console').classList.add('hidden');
    $('second-factor').classList.add('hidden');
    $('login-form').classList.remove('hidden');
    notice(message || '', message ? 'error' : '');
    $('username').focus();
  }

  /* "Nguyễn Văn A (mod.lc) · Kiểm duyệt · Cơ quan: Văn phòng Tỉnh ủy" */
  function drawWho() {
    var who = A.me;
    $('who').textContent = P.t('Đăng nhập: ', 'Signed in: ') + who.display_name + ' (' + who.username + ') · ' +
      A.roles(who.roles) + ' · ' + P.t('Cơ quan: ', 'Agencies: ') + (who.agencies || []).map(A.agency).join('; ');
  }

  /* Agencies' names (for the official's own agencies, forwarding, history), once. */
  function loadAgencies() {
    if (Object.keys(A.agencies).length) return Promise.resolve();
    return P.api('GET', '/api/v1/agencies').then(function (r) {
      if (r.error) return;
      (r.data.agencies || []).forEach(function (a) { A.agencies[a.code] = a; });
    });
  }

  function signedIn(who) {
    me = A.me = who;
    P.setCsrf(who.csrf_token);
    if (who.second_factor === 'enrol' || who.second_factor === 'verify') { showSecondFactor(who); return; }
    $('second-factor').classList.add('hidden');
    $('login-form').classList.add('hidden');
    $('console').classList.remove('hidden');
    notice('');
    /* Assisted intake is for those who handle feedback (docs/moderation.md). */
    $('intake-link').classList.toggle('hidden', !(A.holds('moderator') || A.holds('responder')));
    drawWho();
    loadAgencies().then(function () {
      drawWho();
      A.started();
    });
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

  document.addEventListener('DOMContentLoaded', function () {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('sf-form').addEventListener('submit', verifyCode);
    $('sf-cancel').addEventListener('click', logout);
    $('use-recovery').addEventListener('change', codeLabel);
    /* The second factor's view is static text (data-en) but for the code's label: redrawing
     * it would enrol anew. */
    P.onLanguage(function () {
      if (!$('second-factor').classList.contains('hidden')) codeLabel();
      else if (me && !$('console').classList.contains('hidden')) {
        /* Everything on screen again in the new language, from what is already loaded:
         * nothing is asked anew (a contact reading would be audited twice). */
        drawWho();
        A.redraw();
      }
    });
    /* A reload keeps the session (cookie); /me gives its CSRF token back. */
    P.api('GET', '/api/v1/auth/me').then(function (r) {
      if (r.error) showLogin('');
      else signedIn(r.data);
    });
  });
}());
