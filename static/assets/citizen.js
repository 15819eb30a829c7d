/* citizen.js - the feedback form, enhanced: find an item by typing, see its details,
 * count characters, send as JSON with an idempotency key, show field problems beside the
 * fields, and show the signed receipt. Without this script the form still posts. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var form, select, idempotencyKey, receipt, searchTimer, searchSeq = 0;

  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  /* --- choosing the item ----------------------------------------------------------- */

  function loadPlans() {
    P.api('GET', '/api/v1/plans').then(function (r) {
      if (r.error) return;
      var plan = $('plan');
      P.fill(plan, P.el('option', {value: '', 'data-en': 'All plans'}, 'Tất cả kế hoạch'));
      r.data.plans.forEach(function (p) {
        plan.appendChild(P.el('option', {value: p.code}, p.code + ' — ' + p.title));
      });
      P.applyLanguage(plan);
      search();
    });
  }

  function search() {
    var q = $('item-search').value.trim();
    var plan = $('plan').value;
    var url = '/api/v1/items?limit=20' + (plan ? '&plan=' + encodeURIComponent(plan) : '') +
      (q ? '&q=' + encodeURIComponent(q) : '');
    var seq = ++searchSeq;
    P.api('GET', url).then(function (r) {
      if (seq !== searchSeq) return; /* an older answer */
      var list = $('item-results');
      P.fill(list);
      if (r.error) { $('item-results-status').textContent = r.error.message; return; }
      r.data.items.forEach(function (it) {
        /* Feedback on an item no agency answers is refused (item_unanswerable): not offered. */
        var mute = it.responsible && it.responsible.basis === 'none';
        list.appendChild(P.el('li', null, P.el('button', {type: 'button', 'data-code': it.code,
          disabled: mute, onclick: function () { choose(it.code, true); }}, it.code + ' — ' + it.title +
          (mute ? ' ' + P.t('(chưa có cơ quan trả lời)', '(no agency answers it yet)') : ''))));
      });
      $('item-results-status').textContent = r.data.items.length
        ? P.t(r.data.items.length + ' mục phù hợp' + (r.data.total > r.data.items.length ? ' (hiện ' + r.data.items.length + ' đầu tiên)' : '') + '.',
              r.data.items.length + ' matching items' + (r.data.total > r.data.items.length ? ' (first ' + r.data.items.length + ' shown)' : '') + '.')
        : P.t('Không có mục nào phù hợp. Thử từ khác.', 'Nothing matches. Try other words.');
    });
  }

  function fact(dl, vi, en, value) {
    if (!value) return;
    dl.appendChild(P.el('dt', null, P.t(vi, en)));
    dl.appendChild(P.el('dd', null, value));
  }

  function unanswerableText() {
    return P.t('Chưa có cơ quan nào được giao trả lời góp ý về mục này; hãy chọn mục khác.',
      'No agency is assigned to answer feedback on this item; choose another item.');
  }

  /* Who answers the item (docs/catalog.md, "Who answers an item"): its lead agencies, or
   * the plan's default agency when its text names no lead. */
  function answeredBy(r) {
    if (!r || !r.agencies.length) return '';
    var names = r.agencies.map(function (a) { return a.name; }).join(', ');
    return r.basis === 'plan_default'
      ? names + ' ' + P.t('(cơ quan mặc định của kế hoạch, vì mục này không ghi cơ quan chủ trì)',
        '(the plan\'s default agency, as this item names no lead agency)')
      : names;
  }

  function choose(code, focusDetails) {
    select.value = code;
    clearError('item_code');
    P.api('GET', '/api/v1/items/' + encodeURIComponent(code)).then(function (r) {
      if (r.error) { showSummary([r.error.message]); return; }
      var it = r.data;
      $('item-title').textContent = it.code + ' — ' + it.title;
      var dl = P.fill($('item-facts'));
      fact(dl, 'Kế hoạch', 'Plan', it.plan);
      fact(dl, 'Mục', 'Section', it.section ? it.section.code + '. ' + it.section.title : '');
      fact(dl, 'Cơ quan chủ trì', 'Lead agency',
        (it.lead_agencies || []).map(function (a) { return a.name; }).join(', ') || it.lead_text);
      fact(dl, 'Cơ quan phối hợp', 'Coordinating',
        (it.coordinating_agencies || []).map(function (a) { return a.name; }).join(', '));
      fact(dl, 'Cơ quan trả lời góp ý', 'Answered by', answeredBy(it.responsible));
      fact(dl, 'Kết quả', 'Expected result', it.result);
      fact(dl, 'Chỉ tiêu', 'Target', [it.target, it.unit].filter(Boolean).join(' '));
      fact(dl, 'Thời hạn', 'Deadline', it.deadline && it.deadline.text);
      if (it.responsible && it.responsible.basis === 'none') showFieldErrors([{field: 'item_code', message: unanswerableText()}]);
      $('item-feed').setAttribute('href', '/feed/?item=' + encodeURIComponent(it.code));
      $('item-details').classList.remove('hidden');
      $('search-field').classList.add('hidden');
      $('plan-field').classList.add('hidden');
      if (focusDetails) {
        $('item-title').setAttribute('tabindex', '-1');
        $('item-title').focus();
      }
    });
  }

  function changeItem() {
    select.value = '';
    $('item-details').classList.add('hidden');
    $('search-field').classList.remove('hidden');
    $('plan-field').classList.remove('hidden');
    $('item-search').focus();
  }

  /* --- problems ------------------------------------------------------------------- */

  /* The API names fields as in its JSON ("submitter.name"); the form as in the HTML. */
  var FIELD = {'submitter.type': 'submitter_type', 'submitter.name': 'submitter_name',
    'submitter.organization': 'submitter_organization', 'contact.email': 'contact_email',
    'contact.phone': 'contact_phone', 'consent.publish': 'consent_publish',
    'consent.contact': 'consent_contact'};

  function clearError(name) {
    var p = $('err-' + name);
    if (p) { p.textContent = ''; p.classList.add('hidden'); }
    var input = form.elements[name];
    if (input && input.setAttribute) input.removeAttribute('aria-invalid');
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll('.error-text'), function (p) {
      p.textContent = ''; p.classList.add('hidden');
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (e) { e.removeAttribute('aria-invalid'); });
    $('form-errors').classList.add('hidden');
  }

  function showSummary(lines) {
    var box = P.fill($('form-errors'), P.el('p', null, P.t('Góp ý chưa gửi được:', 'Your feedback was not sent:')));
    var ul = P.el('ul');
    lines.forEach(function (l) { ul.appendChild(P.el('li', null, l)); });
    box.appendChild(ul);
    box.classList.remove('hidden');
    box.focus();
  }

  function showFieldErrors(fields) {
    var lines = [];
    fields.forEach(function (f) {
      var name = FIELD[f.field] || f.field;
      var p = $('err-' + name);
      if (p) { p.textContent = f.message; p.classList.remove('hidden'); }
      var input = form.elements[name];
      if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
      var label = form.querySelector('label[for="' + name + '"]');
      lines.push((label ? label.textContent + ': ' : '') + f.message);
    });
    showSummary(lines);
  }

  /* --- sending -------------------------------------------------------------------- */

  function value(name) { var e = form.elements[name]; return e ? e.value.trim() : ''; }

  function submission() {
    var rating = form.querySelector('input[name=rating]:checked');
    var kind = form.querySelector('input[name=kind]:checked');
    var s = {
      item_code: select.value,
      rating: rating ? Number(rating.value) : null,
      kind: kind ? kind.value : null,
      body: form.elements.body.value,
      consent: {publish: $('consent_publish').checked, contact: $('consent_contact').checked}
    };
    var submitter = {};
    if (value('submitter_type')) submitter.type = value('submitter_type');
    if (value('submitter_name')) submitter.name = value('submitter_name');
    if (value('submitter_organization')) submitter.organization = value('submitter_organization');
    if (Object.keys(submitter).length) s.submitter = submitter;
    var contact = {};
    if (value('contact_email')) contact.email = value('contact_email');
    if (value('contact_phone')) contact.phone = value('contact_phone');
    if (Object.keys(contact).length) s.contact = contact;
    return s;
  }

  /* The problems the browser can see before sending, in the service's words. */
  function localProblems(s) {
    var f = [];
    if (!s.item_code) f.push({field: 'item_code', message: P.t('Hãy chọn một nhiệm vụ hoặc chỉ tiêu.', 'Choose a task or indicator.')});
    if (!s.rating) f.push({field: 'rating', message: P.t('Hãy chọn mức độ hài lòng từ 1 đến 5.', 'Choose how satisfied you are, 1 to 5.')});
    if (!s.body.trim()) f.push({field: 'body', message: P.t('Hãy viết nội dung góp ý.', 'Write your feedback.')});
    return f;
  }

  function onSubmit(ev) {
    ev.preventDefault();
    clearErrors();
    var s = submission();
    var local = localProblems(s);
    if (local.length) { showFieldErrors(local); return; }
    var button = $('submit');
    button.disabled = true;
    P.api('POST', '/api/v1/feedback', s, {'Idempotency-Key': idempotencyKey}).then(function (r) {
      button.disabled = false;
      if (!r.error) { showReceipt(r.data.receipt); return; }
      if (r.error.fields && r.error.fields.length) showFieldErrors(r.error.fields);
      else showSummary([r.error.message + (r.status === 503 || r.status === 0
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
    idempotencyKey = newKey();
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

  function counter() {
    var n = Array.from(form.elements.body.value).length;
    var c = $('body-counter');
    c.textContent = P.t(n.toLocaleString('vi-VN') + ' / 5.000 ký tự', n.toLocaleString('en-GB') + ' / 5,000 characters');
    c.classList.toggle('over', n > 5000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    form = $('feedback-form');
    select = $('item_code');
    form.noValidate = true;
    idempotencyKey = newKey();
    $('plan-field').classList.remove('hidden');
    $('search-field').classList.remove('hidden');
    $('item-select-field').classList.add('hidden');
    $('plan').addEventListener('change', search);
    $('item-search').addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(search, 250);
    });
    $('item-change').addEventListener('click', changeItem);
    form.elements.body.addEventListener('input', counter);
    form.addEventListener('submit', onSubmit);
    $('receipt-download').addEventListener('click', download);
    $('receipt-print').addEventListener('click', function () { window.print(); });
    $('receipt-verify').addEventListener('click', verify);
    P.onLanguage(function () { counter(); if (!select.value) search(); });
    var preset = new URLSearchParams(location.search).get('item');
    if (preset) choose(preset, false);
    loadPlans();
    counter();
  });
}());
