/* common.js - what every page shares: the language (chosen by ?lang=, remembered in the
 * cookie pakn_lang that the service also reads, docs/web.md "Language"), DOM building that only ever
 * inserts text (never HTML), and calls to the JSON API with its errors in plain words.
 * A classic script (no modules), loaded with `defer` before the page's own script. */
(function () {
  'use strict';

  /* The same cookie the service reads to send a page in English (server/http/http.c). */
  var COOKIE = 'pakn_lang';
  function remember(l) {
    document.cookie = COOKIE + '=' + l + '; Path=/; Max-Age=31536000; SameSite=Lax';
  }
  var asked = /[?&]lang=(en|vi)(&|$)/.exec(location.search);
  var stored = /(?:^|;\s*)pakn_lang=(en|vi)(;|$)/.exec(document.cookie);
  /* ?lang= first, then the cookie, then the language the page came in. */
  var lang = asked ? asked[1] : stored ? stored[1] : document.documentElement.lang === 'en' ? 'en' : 'vi';
  if (asked) remember(lang);

  /* The text for the current language. */
  function t(vi, en) {
    return lang === 'en' && en ? en : vi;
  }

  /* Elements carry their Vietnamese text as written in the HTML and their English in
   * data-en (text), data-en-placeholder, data-en-aria-label and data-en-title; the
   * Vietnamese is kept in data-vi* the first time the page switches. */
  var ATTRS = ['placeholder', 'aria-label', 'title'];
  function applyLanguage(root) {
    document.documentElement.lang = lang;
    var scope = root || document;
    scope.querySelectorAll('[data-en]').forEach(function (el) {
      if (!el.hasAttribute('data-vi')) el.setAttribute('data-vi', el.textContent);
      el.textContent = lang === 'en' ? el.getAttribute('data-en') : el.getAttribute('data-vi');
    });
    ATTRS.forEach(function (a) {
      scope.querySelectorAll('[data-en-' + a + ']').forEach(function (el) {
        if (!el.hasAttribute('data-vi-' + a)) el.setAttribute('data-vi-' + a, el.getAttribute(a) || '');
        el.setAttribute(a, lang === 'en' ? el.getAttribute('data-en-' + a) : el.getAttribute('data-vi-' + a));
      });
    });
    var sw = document.getElementById('lang-switch');
    if (sw) {
      var other = lang === 'en' ? 'vi' : 'en';
      sw.textContent = lang === 'en' ? 'Tiếng Việt' : 'English';
      sw.setAttribute('lang', other);
      sw.setAttribute('hreflang', other);
      sw.setAttribute('href', '?lang=' + other);
    }
  }

  var listeners = [];
  /* fn() runs after every language change, so pages can redraw what they built. */
  function onLanguage(fn) { listeners.push(fn); }

  function setLanguage(l) {
    lang = l === 'en' ? 'en' : 'vi';
    remember(lang);
    applyLanguage();
    listeners.forEach(function (fn) { fn(lang); });
  }

  /* el('p', {class: 'x', 'aria-live': 'polite'}, 'text', child, …): children that are
   * strings become text nodes, so text from citizens can never become markup. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') node.textContent = v;
        else if (k.slice(0, 2) === 'on' && typeof v === 'function') node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  /* Replaces node's children with the given ones. */
  function fill(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  /* The service's messages are "Vietnamese / English": the half for the current language. */
  function pick(message) {
    if (!message) return '';
    var i = message.indexOf(' / ');
    if (i < 0) return message;
    return lang === 'en' ? message.slice(i + 3) : message.slice(0, i);
  }

  var csrf = null;
  /* The officials' console sets the CSRF token it got at login; writes then carry it. */
  function setCsrf(token) { csrf = token; }

  /* api(method, path, body) -> Promise of {status, data, error}. body is sent as JSON.
   * error is null on 2xx, else {code, message (in the current language), fields: [{field,
   * code, message}]}; a network failure is status 0 with code "network". */
  function api(method, path, body, headers) {
    var h = {'Accept': 'application/json'};
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (csrf && method !== 'GET') h['X-CSRF-Token'] = csrf;
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(path, {
      method: method, headers: h, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      var ct = res.headers.get('Content-Type') || '';
      var parse = ct.indexOf('application/json') === 0 ? res.json() : res.text();
      return parse.then(function (data) {
        if (res.ok) return {status: res.status, data: data, error: null, response: res};
        var e = data && data.error ? data.error : {code: 'http_' + res.status, message: ''};
        return {
          status: res.status, data: data, response: res,
          error: {
            code: e.code,
            message: pick(e.message) || t('Có lỗi xảy ra (' + res.status + ').', 'Something went wrong (' + res.status + ').'),
            fields: (e.fields || []).map(function (f) {
              return {field: f.field, code: f.code, message: pick(f.message)};
            })
          }
        };
      });
    }, function () {
      return {status: 0, data: null, error: {
        code: 'network',
        message: t('Không kết nối được. Kiểm tra mạng rồi thử lại.', 'Could not connect. Check the network and try again.'),
        fields: []
      }};
    });
  }

  /* Dates from the API (UTC ISO) shown in Vietnam's time, e.g. 24/11/2026 09:05. */
  function formatTime(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', {
      timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit'
    });
  }

  /* The kinds of feedback in words, as the form's choices say them (docs/intake.md). */
  var KINDS = {
    opinion: ['Ý kiến', 'Opinion'], proposal: ['Kiến nghị', 'Proposal'],
    report: ['Phản ánh', 'Report of a problem'], question: ['Câu hỏi', 'Question'],
    initiative: ['Sáng kiến', 'Initiative'], solution: ['Giải pháp', 'Solution']
  };

  /* An item's title, said as a whole plan's or section's when it is one (docs/catalog.md):
   * {scope, title} as the catalog and the status by tracking code give it. */
  function itemName(it) {
    var whole = it.scope === 'plan' ? t('Toàn bộ kế hoạch: ', 'The whole plan: ')
      : it.scope === 'section' ? t('Toàn bộ mục: ', 'The whole section: ') : '';
    return whole + it.title;
  }

  window.PAKN = {
    KINDS: KINDS, itemName: itemName,
    t: t, el: el, fill: fill, api: api, pick: pick, setCsrf: setCsrf, formatTime: formatTime,
    onLanguage: onLanguage, setLanguage: setLanguage, applyLanguage: applyLanguage,
    lang: function () { return lang; }
  };

  document.addEventListener('DOMContentLoaded', function () {
    applyLanguage();
    var sw = document.getElementById('lang-switch');
    /* The switch is a link that works without scripts; here it changes the page in place,
     * keeping what the reader typed. */
    if (sw) sw.addEventListener('click', function (ev) {
      ev.preventDefault();
      setLanguage(lang === 'en' ? 'vi' : 'en');
    });
  });
}());
