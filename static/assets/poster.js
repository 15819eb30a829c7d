/* poster.js - the printable poster of one item (/poster/?item=CODE): its title, plan and
 * section, and the QR code the service draws of its deep link
 * (GET /api/v1/items/{code}/qr.svg, whose <title> is the link, shown under it). A classic
 * script, loaded after common.js. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var item = null, plan = null, link = '';

  /* The address as a person types it: without the scheme. */
  function shortLink(url) {
    return url.replace(/^https?:\/\//, '');
  }

  function draw() {
    if (!item) return;
    P.fill($('poster-title'), P.itemName(item), ' ', P.el('span', {class: 'code'}, item.code));
    $('poster-plan').textContent = plan
      ? P.t('Tỉnh ', 'Province of ') + plan.province + ' · ' + plan.title : item.plan;
    $('poster-section').textContent = item.section ? P.t('Mục ', 'Section ') + item.section.code + '. ' + item.section.title : '';
    $('poster-link').textContent = shortLink(link);
    document.title = item.code + ' · ' + P.t('Áp phích góp ý', 'Feedback poster');
  }

  function status(text) { $('poster-status').textContent = text; }

  function show(code) {
    $('poster-item').value = code;
    status(P.t('Đang tải…', 'Loading…'));
    var svg = fetch('/api/v1/items/' + encodeURIComponent(code) + '/qr.svg', {headers: {Accept: 'image/svg+xml'}})
      .then(function (res) {
        /* Read even when refused: an unread body keeps the request open. */
        return res.text().then(function (text) { return res.ok ? text : null; });
      }).catch(function () { return null; });
    P.api('GET', '/api/v1/items/' + encodeURIComponent(code)).then(function (r) {
      if (r.error) { status(r.error.message); return null; }
      item = r.data;
      return Promise.all([svg, P.api('GET', '/api/v1/plans/' + encodeURIComponent(item.plan))]);
    }).then(function (got) {
      if (!got) return;
      plan = got[1].error ? null : got[1].data;
      var doc = got[0] && new DOMParser().parseFromString(got[0], 'image/svg+xml');
      var image = doc && doc.documentElement.nodeName === 'svg' ? doc.documentElement : null;
      if (!image) { status(P.t('Không vẽ được mã QR.', 'The QR code could not be drawn.')); return; }
      var title = image.querySelector('title');
      link = title ? title.textContent : '';
      image.setAttribute('aria-label', P.t('Mã QR tới ', 'QR code for ') + link);
      P.fill($('poster-qr'), document.importNode(image, true));
      draw();
      status('');
      $('poster').classList.remove('hidden');
      $('poster-print').classList.remove('hidden');
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('poster-print').addEventListener('click', function () { window.print(); });
    P.onLanguage(draw);
    var code = new URLSearchParams(location.search).get('item');
    if (code) show(code.trim().toUpperCase());
  });
}());
