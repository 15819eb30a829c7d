/* citizen.js - the feedback form, enhanced: find an item by typing, see its details,
 * count characters (those three in feedback-form.js, shared with the officials' assisted
 * intake), send as JSON with an idempotency key, show field problems beside the fields,
 * and show the signed receipt. Without this script the form still posts. */
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
      if (!r.error) { showReceipt(r.data.receipt); return; }
      if (r.error.fields && r.error.fields.length) ff.showFieldErrors(r.error.fields);
      else ff.showSummary([r.error.message + (r.status === 503 || r.status === 0
        ? ' ' + P.t('Góp ý chưa được lưu; bấm Gửi lại sau ít phút.', 'It has not been stored; press Send again in a few minutes.') : '')]);
    });
  }

  /* --- the receipt ---------------------------------------------------------------- */

  function showReceipt(r) {
    receipt = r;
    $('receipt-code').textContent = r.tracking_code;
    $('receipt-secret').textContent = r.secret;
    // A version 2 receipt carries the signed tree head of its batch: its second line is the size.
    var size = r.version === 2 ? r.checkpoint.split('\n')[1] : '';
    $('receipt-log').textContent = size ? P.t(
      'Góp ý này là mục số ' + r.log_index + ' của nhật ký minh bạch, đã có trong cây ' + size + ' mục mà hệ thống ký số; biên nhận này chứa chữ ký và bằng chứng đó.',
      'This feedback is entry ' + r.log_index + ' of the transparency log, already in the signed tree of ' + size + ' entries; this receipt holds the signature and the proof.') : P.t(
      'Góp ý này là mục số ' + r.log_index + ' của nhật ký minh bạch; chậm nhất 60 giây sau, nó có trong một điểm kiểm tra đã ký số (xem trang theo dõi).',
      'This feedback is entry ' + r.log_index + ' of the transparency log; within 60 seconds it is in a signed checkpoint (see the tracking page).');
    $('receipt-track').setAttribute('href', '/track/?code=' + encodeURIComponent(r.tracking_code));
    $('receipt-check').textContent = '';
    form.classList.add('hidden');
    $('receipt').classList.remove('hidden');
    $('receipt-title').focus();
    idempotencyKey = P.newKey();
  }

  function download() {
    var blob = new Blob([JSON.stringify(receipt, null, 1) + '\n'], {type: 'application/json'});
    var a = P.el('a', {href: URL.createObjectURL(blob), download: 'bien-nhan-' + receipt.tracking_code + '.json'});
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

  function verify() {
    P.api('POST', '/api/v1/receipts/verify', receipt).then(function (r) {
      $('receipt-check').textContent = !r.error && r.data.valid
        ? (receipt.version === 2
          ? P.t('Biên nhận hợp lệ: chữ ký và bằng chứng cho thấy góp ý có trong nhật ký của hệ thống.', 'The receipt is valid: its signature and proof show the feedback is in the service\'s log.')
          : P.t('Chữ ký hợp lệ: biên nhận đúng là của hệ thống.', 'The signature is valid: the receipt is genuine.'))
        : P.t('Không kiểm tra được: ', 'Could not check: ') + (r.error ? r.error.message : r.data.reason);
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
    ff.start();
    var preset = new URLSearchParams(location.search).get('item');
    if (preset) ff.choose(preset, false);
  });
}());
