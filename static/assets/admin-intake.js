/* admin-intake.js - the officials' assisted intake (/admin/intake): an official signed in
 * at /admin/ (second factor passed) enters feedback a citizen gave by phone, letter, e-mail
 * or at the desk, as the citizen states it, and gets the citizen's receipt to print: the
 * same signed receipt and tracking code as the web form's (POST /api/v1/moderation/intake,
 * docs/moderation.md "Assisted intake"). The item search, the submission and the field
 * problems are feedback-form.js's, shared with the citizen's page. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var form, ff, me, idempotencyKey, shown; /* shown: the receipt on screen, to redraw */

  var CHANNELS = {
    phone: ['Điện thoại', 'Phone'], letter: ['Thư, văn bản giấy', 'Letter'],
    desk: ['Trực tiếp tại bộ phận tiếp nhận', 'In person at the desk'],
    email: ['Thư điện tử', 'E-mail'], other: ['Khác', 'Other']
  };

  /* Today in Vietnam, and a day n days from a YYYY-MM-DD day, as YYYY-MM-DD. */
  function today() {
    return new Date().toLocaleDateString('en-CA', {timeZone: 'Asia/Ho_Chi_Minh'});
  }
  function addDays(day, n) {
    var d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function dmy(day) { return day.slice(8, 10) + '/' + day.slice(5, 7) + '/' + day.slice(0, 4); }

  /* An error notice drawn by draw() (a function returning its nodes), again after a change
   * of language. */
  var noticeDraw = null;
  function notice(draw) {
    noticeDraw = draw;
    var n = $('notice');
    P.fill.apply(null, [n].concat(draw ? draw() : []));
    n.className = 'notice error' + (draw ? '' : ' hidden');
  }

  /* Not signed in, or the second factor not passed: the console signs in. */
  function needSignIn() {
    $('intake-form').classList.add('hidden');
    $('signed-in').classList.add('hidden');
    notice(function () {
      return [P.t('Hãy đăng nhập (kèm xác thực hai bước) ở ', 'Sign in (with the second factor) at '),
        P.el('a', {href: '/admin/'}, P.t('trang cán bộ', 'the officials\' console')),
        P.t(', rồi quay lại trang này.', ', then come back to this page.')];
    });
    $('notice').focus();
  }

  function signedIn(who) {
    me = who;
    var roles = who.roles || [];
    if (roles.indexOf('moderator') < 0 && roles.indexOf('responder') < 0) {
      notice(function () {
        return [P.t('Chỉ cán bộ kiểm duyệt hoặc trả lời góp ý được nhập góp ý.',
          'Only moderators and responders enter feedback.')];
      });
      return;
    }
    P.setCsrf(who.csrf_token);
    drawWho();
    $('signed-in').classList.remove('hidden');
    $('intake-form').classList.remove('hidden');
    ff.start();
    resetDate();
  }

  function drawWho() {
    if (me) $('who').textContent = P.t('Người nhập: ', 'Entered by: ') + me.display_name + ' (' + me.username + ')';
  }

  function resetDate() {
    var d = $('received_on');
    d.max = today();
    d.min = addDays(today(), -30);
    d.value = today();
  }

  /* --- sending -------------------------------------------------------------------- */

  function onSubmit(ev) {
    ev.preventDefault();
    ff.clearErrors();
    var s = ff.submission();
    s.channel = $('channel').value;
    if ($('received_on').value) s.received_on = $('received_on').value;
    var local = ff.localProblems(s);
    if (!s.channel) local.unshift({field: 'channel', message: P.t('Hãy chọn kênh tiếp nhận.', 'Choose how it was received.')});
    if (local.length) { ff.showFieldErrors(local); return; }
    var button = $('submit');
    button.disabled = true;
    P.api('POST', '/api/v1/moderation/intake', s, {'Idempotency-Key': idempotencyKey}).then(function (r) {
      button.disabled = false;
      if (!r.error) { showReceipt({data: r.data, sent: s, item: ff.item()}); return; }
      if (r.status === 401) { needSignIn(); return; }
      if (r.error.fields && r.error.fields.length) ff.showFieldErrors(r.error.fields);
      else ff.showSummary([r.error.message + (r.status === 503 || r.status === 0
        ? ' ' + P.t('Góp ý chưa được lưu; bấm lại sau ít phút.', 'It has not been stored; press again in a few minutes.') : '')]);
    });
  }

  /* --- the citizen's receipt ------------------------------------------------------ */

  function fact(dl, vi, en, value) {
    dl.appendChild(P.el('dt', null, P.t(vi, en)));
    dl.appendChild(P.el('dd', null, value));
  }

  function drawReceipt() {
    if (!shown) return;
    var rc = shown.data.receipt, s = shown.sent, it = shown.item;
    $('receipt-code').textContent = rc.tracking_code;
    $('receipt-secret').textContent = rc.secret;
    var dl = P.fill($('receipt-facts'));
    fact(dl, 'Nhiệm vụ, chỉ tiêu', 'Task or indicator', it ? it.code + ' — ' + it.title : s.item_code);
    if (it && it.plan) fact(dl, 'Kế hoạch', 'Plan', it.plan);
    fact(dl, 'Kênh tiếp nhận', 'Received by', P.t(CHANNELS[s.channel][0], CHANNELS[s.channel][1]));
    fact(dl, 'Ngày tiếp nhận', 'Received on', dmy(s.received_on || today()));
    fact(dl, 'Nhập vào hệ thống lúc', 'Entered at', P.formatTime(rc.committed_at));
    if (me) fact(dl, 'Cán bộ nhập', 'Entered by', me.display_name);
    var track = location.origin + '/track/';
    P.fill($('receipt-next'),
      P.el('li', null, P.t('Cơ quan chủ trì xem xét và trả lời trong thời hạn quy định (thường 15 ngày làm việc kể từ ngày tiếp nhận).',
        'The responsible agency considers it and answers within the set time (usually 15 working days from the day received).')),
      P.el('li', null, P.t('Tra cứu trạng thái và câu trả lời tại ', 'Follow it and read the answer at '), P.el('strong', null, track),
        P.t(' bằng mã theo dõi ở trên.', ' with the tracking code above.')),
      P.el('li', null, P.t('Khi có câu trả lời, dùng mã bí mật để đánh giá mức độ hài lòng. Không đưa mã bí mật cho người khác.',
        'Once answered, use the secret to rate the answer. Do not give the secret to anyone.')));
  }

  function showReceipt(r) {
    shown = r;
    drawReceipt();
    form.classList.add('hidden');
    $('receipt').classList.remove('hidden');
    $('receipt-title').focus();
    idempotencyKey = P.newKey();
  }

  function another() {
    shown = null;
    form.reset();
    ff.clearErrors();
    ff.changeItem();
    ff.counter();
    resetDate();
    $('receipt').classList.add('hidden');
    form.classList.remove('hidden');
    $('channel').focus();
  }

  document.addEventListener('DOMContentLoaded', function () {
    form = $('intake-form');
    ff = P.feedbackForm(form, {summary: function () {
      return P.t('Chưa nhập được góp ý:', 'The feedback was not entered:');
    }});
    idempotencyKey = P.newKey();
    form.addEventListener('submit', onSubmit);
    $('receipt-print').addEventListener('click', function () { window.print(); });
    $('receipt-another').addEventListener('click', another);
    P.onLanguage(function () { drawWho(); drawReceipt(); if (noticeDraw) notice(noticeDraw); });
    P.api('GET', '/api/v1/auth/me').then(function (r) {
      if (r.error || r.data.second_factor === 'enrol' || r.data.second_factor === 'verify') needSignIn();
      else signedIn(r.data);
    });
  });
}());
