/* track.js - the tracking page: a code checked by its check symbol before any request,
 * the feedback's state, history and answer, and the sender's rating of the answer. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var current = null; /* the status shown */

  var STATES = {
    received: ['Đã tiếp nhận', 'Received'],
    published: ['Đã công khai', 'Published'],
    rejected: ['Không được tiếp nhận', 'Not accepted'],
    answered: ['Đã trả lời', 'Answered'],
    closed: ['Đã kết thúc', 'Closed'],
    hidden: ['Đã ẩn nội dung', 'Text withheld']
  };
  var KINDS = P.KINDS;

  function words(table, key) { var w = table[key]; return w ? P.t(w[0], w[1]) : key; }

  function codeError(message) {
    var e = $('code-error');
    e.textContent = message;
    e.classList.toggle('hidden', !message);
    if (message) $('code').setAttribute('aria-invalid', 'true');
    else $('code').removeAttribute('aria-invalid');
  }

  function lookup(text) {
    var code = window.PAKN_TRACKING.parse(text);
    if (!code) {
      codeError(P.t('Mã theo dõi không đúng: có ký tự gõ nhầm (ký tự cuối là ký tự kiểm tra). Hãy so lại với biên nhận.',
        'This tracking code is not right: a character is mistyped (the last one is a check character). Compare it with your receipt.'));
      $('status').classList.add('hidden');
      $('code').focus();
      return;
    }
    codeError('');
    $('code').value = code;
    history.replaceState(null, '', '?code=' + encodeURIComponent(code));
    P.api('GET', '/api/v1/feedback/' + encodeURIComponent(code)).then(function (r) {
      if (r.error) {
        codeError(r.status === 404 ? P.t('Không có góp ý nào với mã này.', 'No feedback has this code.') : r.error.message);
        return;
      }
      current = r.data;
      show(true);
    });
  }

  function fact(dl, vi, en, value) {
    dl.appendChild(P.el('dt', null, P.t(vi, en)));
    dl.appendChild(P.el('dd', null, value));
  }

  /* This feedback's entry in the transparency log, with a link to the proof that it is in
   * the newest signed checkpoint (docs/tlog.md). */
  function logFact(dl, s) {
    var dd = P.el('dd', {id: 'log-entry'}, P.t('Mục số ', 'Entry ') + s.log_index);
    dl.appendChild(P.el('dt', null, P.t('Nhật ký minh bạch', 'Transparency log')));
    dl.appendChild(dd);
    fetch('/api/v1/log/checkpoint').then(function (r) { return r.ok ? r.text() : ''; })
      .then(function (note) {
        var size = Number(note.split('\n')[1] || 0);
        if (s.log_index < size) {
          dd.appendChild(document.createTextNode(' — '));
          dd.appendChild(P.el('a', {href: '/api/v1/log/proof/inclusion?index=' + s.log_index + '&size=' + size},
            P.t('bằng chứng có trong nhật ký', 'proof that it is in the log')));
          dd.appendChild(document.createTextNode(' · '));
          dd.appendChild(P.el('a', {href: '/api/v1/log/checkpoint'}, P.t('điểm kiểm tra đã ký', 'signed checkpoint')));
        } else {
          dd.appendChild(document.createTextNode(P.t(' — sẽ có trong điểm kiểm tra tiếp theo, chậm nhất sau 60 giây',
            ' — in the next checkpoint, within 60 seconds')));
        }
      }).catch(function () { /* the entry number stands on its own */ });
  }

  function show(focus) {
    var s = current;
    $('status-title').textContent = s.tracking_code + ': ' + words(STATES, s.state);
    var dl = P.fill($('status-facts'));
    fact(dl, 'Nhiệm vụ, chỉ tiêu', 'Task or indicator', s.item.code + ' — ' + s.item.title);
    fact(dl, 'Loại', 'Kind', words(KINDS, s.kind));
    fact(dl, 'Mức hài lòng đã chọn', 'Your rating', String(s.rating) + ' / 5');
    fact(dl, 'Gửi lúc', 'Received', P.formatTime(s.received_at));
    logFact(dl, s);
    var ol = P.fill($('status-history'));
    (s.history || []).forEach(function (h) {
      ol.appendChild(P.el('li', null, P.formatTime(h.at) + ' — ' + words(STATES, h.state),
        h.note ? P.el('span', {class: 'hint'}, ' (' + h.note + ')') : null));
    });
    var a = s.answer;
    $('answer').classList.toggle('hidden', !a);
    $('rate-form').classList.add('hidden');
    if (a) {
      $('answer-meta').textContent = P.t('Trả lời lúc ', 'Answered ') + P.formatTime(a.answered_at) +
        (a.with_similar ? P.t(' · Trả lời chung cho các góp ý tương tự.',
          ' · Answered together with similar feedback.') : '') +
        (s.published_at ? '' : P.t(' · Góp ý không được công khai: chỉ bạn xem được câu trả lời này.',
          ' · Your feedback is not published: only you can see this answer.'));
      $('answer-text').textContent = a.text;
      $('answer-rated').textContent = a.rating
        ? P.t('Người gửi đã đánh giá câu trả lời: ', 'The sender rated the answer: ') + a.rating + ' / 5' : '';
      $('rate-form').classList.toggle('hidden', !!a.rating);
    }
    $('status').classList.remove('hidden');
    if (focus) $('status-title').focus();
  }

  function rateError(message) {
    $('rate-error').textContent = message;
    $('rate-error').classList.toggle('hidden', !message);
  }

  function rate(ev) {
    ev.preventDefault();
    var picked = document.querySelector('input[name=answer-rating]:checked');
    var secret = $('secret').value.trim();
    if (!secret) { rateError(P.t('Hãy dán mã bí mật hoặc mở tệp biên nhận.', 'Paste the secret or open your receipt file.')); $('secret').focus(); return; }
    if (!picked) { rateError(P.t('Hãy chọn mức hài lòng từ 1 đến 5.', 'Choose how satisfied you are, 1 to 5.')); return; }
    rateError('');
    P.api('POST', '/api/v1/feedback/' + encodeURIComponent(current.tracking_code) + '/rating',
      {secret: secret, rating: Number(picked.value)}).then(function (r) {
      if (r.error) {
        rateError(r.status === 404 ? P.t('Mã bí mật không khớp với góp ý này.', 'The secret does not match this feedback.') : r.error.message);
        return;
      }
      current.answer.rating = Number(picked.value);
      show(false);
      $('answer-rated').setAttribute('tabindex', '-1');
      $('answer-rated').focus();
    });
  }

  function loadReceiptFile() {
    var file = $('receipt-file').files[0];
    if (!file) return;
    file.text().then(function (text) {
      var r = window.PAKN_RECEIPT.read(text);
      if (!r) throw new Error('unreadable');
      if (r.tracking_code && window.PAKN_TRACKING.parse(r.tracking_code) !== current.tracking_code) {
        rateError(P.t('Tệp này là biên nhận của góp ý khác.', 'This file is the receipt of another feedback.'));
        return;
      }
      $('secret').value = r.secret || '';
      rateError('');
    }).catch(function () {
      rateError(P.t('Không đọc được tệp biên nhận.', 'The receipt file could not be read.'));
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('track-form').addEventListener('submit', function (ev) { ev.preventDefault(); lookup($('code').value); });
    $('rate-form').addEventListener('submit', rate);
    $('receipt-file').addEventListener('change', loadReceiptFile);
    P.onLanguage(function () { if (current) show(false); });
    var code = new URLSearchParams(location.search).get('code');
    if (code) { $('code').value = code; lookup(code); }
  });
}());
