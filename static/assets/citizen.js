/* citizen.js - the feedback form, enhanced: find an item by typing, see its details,
 * count characters (those three in feedback-form.js, shared with the officials' assisted
 * intake), send as JSON with an idempotency key, show field problems beside the fields,
 * and show the signed receipt in words, with its check, copy, QR, print and download
 * (receipt.js checks and writes the file). Without this script the form still posts. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var form, ff, idempotencyKey, receipt;

  /* --- sending -------------------------------------------------------------------- */

  function onSubmit(ev) {
    ev.preventDefault();
    ff.clearErrors();
    var s = ff.submission();
    var local = ff.localProblems(s);
    if (local.length) { ff.showFieldErrors(local); return; }
    var button = $('submit');
    button.disabled = true;
    P.api('POST', '/api/v1/feedback', s, {'Idempotency-Key': idempotencyKey}).then(function (r) {
      button.disabled = false;
      if (!r.error) { showReceipt(r.data.receipt, s); return; }
      if (r.error.fields && r.error.fields.length) ff.showFieldErrors(r.error.fields);
      else ff.showSummary([r.error.message + (r.status === 503 || r.status === 0
        ? ' ' + P.t('Góp ý chưa được lưu; bấm Gửi lại sau ít phút.', 'It has not been stored; press Send again in a few minutes.') : '')]);
    });
  }

  /* --- the receipt ---------------------------------------------------------------- */

  var RATINGS = [null, ['Rất không hài lòng', 'Very dissatisfied'], ['Không hài lòng', 'Dissatisfied'],
    ['Bình thường', 'Neutral'], ['Hài lòng', 'Satisfied'], ['Rất hài lòng', 'Very satisfied']];
  var KINDS = P.KINDS;
  var TEXT_START = 160; /* characters of the text the receipt repeats */
  var sent, status, qrSvg = '';

  function words(pair, fallback) { return pair ? P.t(pair[0], pair[1]) : fallback; }

  /* 2026-12-21 as 21/12/2026: the answer's deadline is a local date, no time zone. */
  function localDate(day) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
    return m ? m[3] + '/' + m[2] + '/' + m[1] : '';
  }

  function textStart(body) {
    var chars = Array.from(body || '');
    return chars.length > TEXT_START ? chars.slice(0, TEXT_START).join('') + '…' : chars.join('');
  }

  /* What was received, in words, as rows [label, value]: for the page and the file. */
  function facts() {
    var r = receipt, item = status && status.item, chosen = ff.item();
    var named = item || (chosen && chosen.code === r.item_code ? chosen : null);
    var title = named ? P.itemName(named) : '';
    var due = status && status.due_answer;
    // Version 2 signs the rating and the kind: show the receipt's own.
    var rating = r.version === 2 ? r.rating : sent.rating, kind = r.version === 2 ? r.kind : sent.kind;
    return [
      [P.t('Về', 'On'), r.item_code + (title ? ' — ' + title : '')],
      [P.t('Nhận lúc', 'Received'), P.formatTime(r.committed_at) + P.t(' (giờ Việt Nam)', ' (Vietnam time)')],
      [P.t('Mức độ hài lòng', 'Satisfaction'), rating + ' · ' + words(RATINGS[rating], '')],
      [P.t('Loại góp ý', 'Kind'), words(KINDS[kind], kind)],
      [P.t('Nội dung (phần đầu)', 'Your text (the start)'), textStart(sent.body)],
      [P.t('Cơ quan trả lời', 'Answered by'), status && status.agencies && status.agencies.length
        ? status.agencies.join(', ') : P.t('xem trang theo dõi', 'see the tracking page')],
      [P.t('Hạn trả lời', 'Answer due by'), due
        ? localDate(due) + P.t(' (tính theo ngày làm việc, không kể ngày nghỉ)', ' (counted in working days, holidays excluded)')
        : P.t('xem trang theo dõi', 'see the tracking page')]
    ];
  }

  function drawReceipt() {
    if (!receipt) return;
    var r = receipt, dl = P.fill($('receipt-facts'));
    facts().forEach(function (f) { dl.appendChild(P.el('dt', null, f[0])); dl.appendChild(P.el('dd', null, f[1])); });
    $('receipt-code').textContent = r.tracking_code;
    $('receipt-secret').textContent = r.secret;
    $('receipt-qr').setAttribute('alt', P.t('Mã QR mở trang theo dõi góp ý này', 'QR code that opens the tracking page of this feedback'));
    // A version 2 receipt carries the signed tree head of its batch: its second line is the size.
    var size = r.version === 2 ? r.checkpoint.split('\n')[1] : '';
    $('receipt-log').textContent = size ? P.t(
      'Góp ý của bạn là mục số ' + r.log_index + ' trong sổ ghi công khai; chữ ký trong biên nhận bao trùm ' + size + ' mục đầu của sổ, kể cả mục này.',
      'Your feedback is entry ' + r.log_index + ' of the public register; the signature in the receipt covers its first ' + size + ' entries, this one included.') : P.t(
      'Góp ý của bạn là mục số ' + r.log_index + ' trong sổ ghi công khai; chậm nhất 60 giây sau, mục này có chữ ký số (xem trang theo dõi).',
      'Your feedback is entry ' + r.log_index + ' of the public register; within 60 seconds the entry is signed (see the tracking page).');
  }

  function showReceipt(r, s) {
    receipt = r;
    sent = s;
    status = null;
    qrSvg = '';
    var code = encodeURIComponent(r.tracking_code);
    $('receipt-track').setAttribute('href', '/track/?code=' + code);
    $('receipt-qr').setAttribute('src', '/api/v1/feedback/' + code + '/qr.svg');
    $('receipt-check').textContent = '';
    $('receipt-copied').textContent = '';
    $('receipt-proof').open = false;
    drawReceipt();
    form.classList.add('hidden');
    $('receipt').classList.remove('hidden');
    $('receipt-title').focus();
    idempotencyKey = P.newKey();
    // Who answers and by when: the status by tracking code (the intake reply does not say).
    P.api('GET', '/api/v1/feedback/' + code).then(function (res) {
      if (res.error || receipt !== r) return;
      status = res.data;
      drawReceipt();
    });
    fetch('/api/v1/feedback/' + code + '/qr.svg').then(function (res) {
      return res.ok ? res.text() : '';
    }).then(function (svg) { if (receipt === r) qrSvg = svg; }, function () { /* no image in the file */ });
  }

  function save(name, type, text) {
    var a = P.el('a', {href: URL.createObjectURL(new Blob([text], {type: type})), download: name});
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

  /* The receipt as an HTML page a phone opens, with the signed JSON inside it. */
  function download() {
    var url = location.origin + '/track/?code=' + encodeURIComponent(receipt.tracking_code);
    save('bien-nhan-' + receipt.tracking_code + '.html', 'text/html', window.PAKN_RECEIPT.htmlFile({
      lang: P.lang(), receipt: receipt, facts: facts(), qr: qrSvg,
      title: P.t('Biên nhận góp ý', 'Feedback receipt'),
      codeLabel: P.t('Mã theo dõi', 'Tracking code'),
      trackUrl: url,
      trackText: P.t('Theo dõi góp ý và đọc câu trả lời:', 'Track the feedback and read the answer:'),
      secretText: P.t('Mã bí mật, chỉ dùng để đánh giá câu trả lời; đừng đưa cho người khác:',
        'Secret code, only for rating the answer; do not share it:'),
      proofTitle: P.t('Dành cho việc kiểm tra', 'For verification'),
      proofText: P.t('Dữ liệu có chữ ký số dưới đây chứng minh hệ thống đã nhận góp ý; chương trình pakn-verify hoặc trang góp ý kiểm tra được tệp này.',
        'The signed data below proves the service received the feedback; the pakn-verify program or the feedback page can check this file.')
    }));
  }

  function downloadJson(ev) {
    ev.preventDefault();
    save('bien-nhan-' + receipt.tracking_code + '.json', 'application/json', JSON.stringify(receipt, null, 1) + '\n');
  }

  /* One tap: the Clipboard API, or where it is missing or refused (plain http, an old
   * browser) a selected text area and the copy command. */
  function copyCode() {
    var code = receipt.tracking_code, done = function (ok) {
      $('receipt-copied').textContent = ok ? P.t('Đã chép mã.', 'Code copied.')
        : P.t('Không chép được; hãy ghi lại mã.', 'Could not copy; please write the code down.');
    };
    var fallback = function () {
      var ta = P.el('textarea', {readonly: true, 'aria-hidden': 'true', class: 'visually-hidden'});
      ta.value = code;
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      ta.remove();
      done(ok);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  function showCheck(v) {
    var how = v.where === 'browser'
      ? P.t('Kiểm tra ngay trên trình duyệt của bạn, với khóa công khai mà hệ thống công bố (/api/v1/keys), không nhờ máy chủ kiểm tra hộ.',
        'Checked in your own browser against the public key the service publishes (/api/v1/keys), not by asking the server.')
      : P.t('Trình duyệt này không tự kiểm tra được chữ ký số, nên đã nhờ máy chủ kiểm tra.',
        'This browser cannot check digital signatures itself, so the server checked it.');
    $('receipt-check').textContent = (v.valid
      ? P.t('Biên nhận hợp lệ: chữ ký đúng là của hệ thống và góp ý có trong sổ ghi công khai. ',
        'The receipt is valid: the signature is the service\'s and the feedback is in the public register. ')
      : P.t('Biên nhận KHÔNG hợp lệ (' + v.reason + '): nó đã bị sửa hoặc không phải của hệ thống này. ',
        'The receipt is NOT valid (' + v.reason + '): it was changed or is not this service\'s. ')) +
      (v.about === true ? P.t('Nó đúng là về góp ý bạn vừa gửi: cùng mục, mức độ hài lòng, loại và nội dung. ',
        'It is about the feedback you just sent: the same item, rating, kind and text. ')
        : v.about === false ? P.t('Nhưng nó KHÔNG khớp với góp ý bạn vừa gửi (mục, mức độ hài lòng, loại hoặc nội dung khác). ',
          'But it does NOT match the feedback you just sent (another item, rating, kind or text). ') : '') + how;
  }

  function verify() {
    $('receipt-check').textContent = P.t('Đang kiểm tra…', 'Checking…');
    window.PAKN_RECEIPT.check(receipt).then(function (v) {
      if (!v.valid) return showCheck(v);
      return window.PAKN_RECEIPT.about(receipt, sent).then(function (ok) { v.about = ok; showCheck(v); });
    });
  }

  /* A saved receipt: the downloaded HTML (its JSON inside) or the JSON file itself. */
  function verifyFile() {
    var file = $('receipt-file').files[0];
    if (!file) return;
    file.text().then(function (text) {
      var r = window.PAKN_RECEIPT.read(text);
      if (!r) { showCheck({valid: false, reason: P.t('không đọc được tệp', 'unreadable file'), where: 'browser'}); return; }
      $('receipt-check').textContent = P.t('Đang kiểm tra…', 'Checking…');
      window.PAKN_RECEIPT.check(r).then(showCheck);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    form = $('feedback-form');
    ff = P.feedbackForm(form, {summary: function () {
      return P.t('Góp ý chưa gửi được:', 'Your feedback was not sent:');
    }});
    idempotencyKey = P.newKey();
    form.addEventListener('submit', onSubmit);
    $('receipt-download').addEventListener('click', download);
    $('receipt-print').addEventListener('click', function () { window.print(); });
    $('receipt-verify').addEventListener('click', verify);
    $('receipt-copy').addEventListener('click', copyCode);
    $('receipt-json').addEventListener('click', downloadJson);
    $('receipt-file').addEventListener('change', verifyFile);
    P.onLanguage(drawReceipt);
    ff.start();
    var preset = new URLSearchParams(location.search).get('item');
    if (preset) ff.choose(preset, false);
  });
}());
