/* receipt.js - what the citizen's browser does with a receipt without trusting the service
 * that gave it: checks it with WebCrypto (SHA-256, Ed25519) against the published keys,
 * exactly as docs/receipts.md says (version 2: commitment, log entry, signed checkpoint,
 * inclusion proof; version 1: the signature of nine lines), and writes the receipt as an
 * HTML file a phone opens, with the signed JSON inside (read back by pakn-verify). */
(function () {
  'use strict';
  var enc = new TextEncoder();

  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) {
      return (b < 16 ? '0' : '') + b.toString(16);
    }).join('');
  }

  function fromHex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }

  function fromB64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function concat() {
    var n = 0, i;
    for (i = 0; i < arguments.length; i++) n += arguments[i].length;
    var out = new Uint8Array(n), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function sha256(bytes) {
    return crypto.subtle.digest('SHA-256', bytes).then(function (d) { return new Uint8Array(d); });
  }

  function same(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /* RFC 8032's first test key: a point every implementation accepts. */
  var RFC8032_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

  /* Whether this browser verifies Ed25519 (Chromium 137+, Firefox 129+, Safari 17+); a
   * page served over plain http (not a secure context) has no crypto.subtle at all. */
  var ed25519 = null;
  function hasEd25519() {
    if (ed25519) return ed25519;
    ed25519 = !window.crypto || !crypto.subtle ? Promise.resolve(false)
      : crypto.subtle.importKey('raw', fromHex(RFC8032_KEY), {name: 'Ed25519'}, false, ['verify'])
        .then(function () { return true; }, function () { return false; });
    return ed25519;
  }

  function edVerify(pk, sig, msg) {
    return crypto.subtle.importKey('raw', pk, {name: 'Ed25519'}, false, ['verify']).then(function (k) {
      return crypto.subtle.verify({name: 'Ed25519'}, k, sig, msg);
    }, function () { return false; });
  }

  function fail(reason) { return {valid: false, reason: reason}; }

  /* RFC 9162 2.1.3.2: the root that leaf index of a tree of size gives with proof. */
  function proofRoot(index, size, leaf, proof) {
    if (index >= size) return Promise.resolve(null);
    var fn = index, sn = size - 1, r = Promise.resolve(leaf);
    for (var i = 0; i < proof.length; i++) {
      if (sn === 0) return Promise.resolve(null);
      var p = fromB64(proof[i]);
      if (fn % 2 === 1 || fn === sn) {
        r = r.then(function (p, x) { return sha256(concat([1], p, x)); }.bind(null, p));
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = r.then(function (p, x) { return sha256(concat([1], x, p)); }.bind(null, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : Promise.resolve(null);
  }

  /* The signed checkpoint: {origin, size, root, text, sigs: [{name, hash, sig}]} or null. */
  function openNote(note) {
    var cut = note.indexOf('\n\n');
    if (cut < 0) return null;
    var text = note.slice(0, cut + 1), lines = text.split('\n');
    if (lines.length !== 4 || !/^[1-9][0-9]*$/.test(lines[1])) return null;
    var sigs = note.slice(cut + 2).split('\n').filter(Boolean).map(function (l) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(l);
      if (!m) return null;
      var raw = fromB64(m[2]);
      return raw.length === 68 ? {name: m[1], hash: raw.slice(0, 4), sig: raw.slice(4)} : null;
    });
    return {origin: lines[0], size: Number(lines[1]), root: fromB64(lines[2]), text: text, sigs: sigs};
  }

  /* A version 2 receipt by the four steps of docs/receipts.md. */
  function verifyV2(r, keys) {
    var lines = 'pakn57-submission-v2\ntracking_code:' + r.tracking_code + '\nitem_code:' + r.item_code +
      '\nrating:' + r.rating + '\nkind:' + r.kind + '\nsubmitter_type:' + r.submitter_type +
      '\nconsent_publish:' + r.consent_publish + '\nconsent_contact:' + r.consent_contact +
      '\nbody_hash:' + r.body_hash + '\n';
    var note = openNote(r.checkpoint || '');
    if (!note) return Promise.resolve(fail('checkpoint'));
    return sha256(concat(fromHex(r.salt), enc.encode(lines))).then(function (c) {
      if (hex(c) !== r.commitment) return fail('commitment');
      var entry = 'pakn57-log-entry/2\nsubmission\n' + r.handle + '\n' + r.committed_at + '\n' + r.commitment + '\n';
      return sha256(concat([0], enc.encode(entry))).then(function (leaf) {
        return proofRoot(r.log_index, note.size, leaf, r.proof || []);
      }).then(function (root) {
        if (!root || !same(root, note.root)) return fail('proof');
        return signedBy(note, keys).then(function (ok) { return ok ? {valid: true} : fail('signature'); });
      });
    });
  }

  /* True when one of the note's signatures is the origin's, by one of keys, and holds. */
  function signedBy(note, keys) {
    var tries = [];
    note.sigs.forEach(function (s) {
      if (!s || s.name !== note.origin) return;
      keys.forEach(function (k) {
        var pk = fromB64(k.public_key);
        tries.push(sha256(concat(enc.encode(note.origin), [10, 1], pk)).then(function (h) {
          return same(h.slice(0, 4), s.hash) ? edVerify(pk, s.sig, enc.encode(note.text)) : false;
        }));
      });
    });
    return Promise.all(tries).then(function (all) { return all.indexOf(true) >= 0; });
  }

  /* A version 1 receipt: its nine signed lines and the key named by key_id. */
  function verifyV1(r, keys) {
    var msg = 'pakn57-receipt-v1\n' + ['tracking_code', 'feedback_id', 'item_code', 'committed_at',
      'submission_blake2b', 'log_index', 'key_id'].map(function (k) { return k + ':' + r[k] + '\n'; }).join('');
    var key = keys.filter(function (k) { return k.key_id === r.key_id; })[0];
    if (!key) return Promise.resolve(fail('key'));
    var pk = fromB64(key.public_key);
    return sha256(pk).then(function (h) {
      if (hex(h).slice(0, 16) !== r.key_id) return fail('key');
      return edVerify(pk, fromB64(r.signature), enc.encode(msg)).then(function (ok) {
        return ok ? {valid: true} : fail('signature');
      });
    });
  }

  /* check(receipt) -> Promise of {valid, reason?, where: 'browser' | 'server'}: in this
   * browser against GET /api/v1/keys where it has Ed25519, else by the service
   * (POST /api/v1/receipts/verify). Anything malformed is simply invalid. */
  function check(r) {
    var P = window.PAKN;
    return hasEd25519().then(function (yes) {
      if (!yes) {
        return P.api('POST', '/api/v1/receipts/verify', r).then(function (res) {
          var v = !res.error && res.data.valid;
          return {valid: v, reason: v ? '' : (res.error ? res.error.message : res.data.reason), where: 'server'};
        });
      }
      return P.api('GET', '/api/v1/keys').then(function (res) {
        if (res.error) return {valid: false, reason: res.error.message, where: 'browser'};
        var keys = res.data.keys || [];
        // Inside a promise, so that a malformed field (bad base64, a missing salt) that
        // throws before the first await is an invalid receipt, not a stuck check.
        var run = Promise.resolve().then(function () {
          return r && r.version === 2 ? verifyV2(r, keys) : r && r.version === 1 ? verifyV1(r, keys)
            : fail('version');
        });
        return run.catch(function () { return fail('format'); }).then(function (v) {
          v.where = 'browser';
          return v;
        });
      });
    });
  }

  /* Whether receipt r is about submission s as this page sent it ({item_code, rating, kind,
   * body}): the fields a version 2 receipt signs, and its body_hash recomputed from the text
   * as the service stores it (NFC, "\n" line breaks, trimmed). A promise of true or false,
   * or of null when r is not version 2 (version 1 signs no such fields). */
  function about(r, s) {
    if (!r || r.version !== 2 || !s) return Promise.resolve(null);
    if (r.item_code !== s.item_code || r.rating !== s.rating || r.kind !== s.kind) return Promise.resolve(false);
    var body = String(s.body).replace(/\r\n?/g, '\n').normalize('NFC').trim();
    return Promise.resolve().then(function () {
      return sha256(concat(fromHex(r.salt), enc.encode('pakn57-body-v2\n'), enc.encode(body)));
    }).then(function (h) { return hex(h) === r.body_hash; }, function () { return false; });
  }

  /* The receipt in a saved file: the downloaded HTML (its JSON inside) or the JSON itself
   * (a receipt or the whole reply of POST /api/v1/feedback); null when unreadable. As
   * pakn-verify reads it: the element's text ends at the first "</script" (the JSON inside
   * writes "</" as "<\/"). Not DOMParser: its document would apply the file's style
   * element, which the page's CSP refuses. */
  function read(text) {
    var tag = '<script type="application/json" id="receipt">', at = text.indexOf(tag), doc = text;
    if (at >= 0) {
      doc = text.slice(at + tag.length);
      doc = doc.slice(0, doc.indexOf('</script') < 0 ? doc.length : doc.indexOf('</script'));
    }
    var r;
    try { r = JSON.parse(doc); } catch (e) { return null; }
    return r && r.receipt ? r.receipt : r && typeof r === 'object' ? r : null;
  }

  function esc(s) {
    return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  /* The receipt as one HTML file: the facts in rows [[label, value]], the code, the QR
   * image (SVG text from the service, or ''), the secret, and the signed JSON inside a
   * <script type="application/json" id="receipt"> ("</" written "<\/", which JSON reads
   * as the same string) that pakn-verify and the form's check read. No script runs. */
  function htmlFile(o) {
    var rows = o.facts.map(function (f) {
      return '<tr><th scope="row">' + esc(f[0]) + '</th><td>' + esc(f[1]) + '</td></tr>';
    }).join('\n');
    var json = JSON.stringify(o.receipt, null, 1).replace(/<\//g, '<\\/');
    return '<!doctype html>\n<html lang="' + esc(o.lang) + '"><head><meta charset="utf-8">\n' +
      '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
      '<title>' + esc(o.title) + ' ' + esc(o.receipt.tracking_code) + '</title>\n' +
      '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5}' +
      'th{text-align:left;vertical-align:top;padding:.2rem 1rem .2rem 0}td{overflow-wrap:anywhere}' +
      '.code{font:700 1.6rem monospace;overflow-wrap:anywhere}svg{width:10rem;height:10rem}' +
      'pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem}</style>\n</head><body>\n' +
      '<h1>' + esc(o.title) + '</h1>\n<table>\n' + rows + '\n</table>\n' +
      '<h2>' + esc(o.codeLabel) + '</h2>\n<p class="code">' + esc(o.receipt.tracking_code) + '</p>\n' +
      (o.qr ? '<div>' + o.qr + '</div>\n' : '') +
      '<p>' + esc(o.trackText) + ' <a href="' + esc(o.trackUrl) + '">' + esc(o.trackUrl) + '</a></p>\n' +
      '<p>' + esc(o.secretText) + ' <code>' + esc(o.receipt.secret) + '</code></p>\n' +
      '<details><summary>' + esc(o.proofTitle) + '</summary>\n<p>' + esc(o.proofText) + '</p>\n<pre>' +
      esc(JSON.stringify(o.receipt, null, 1)) + '</pre></details>\n' +
      '<script type="application/json" id="receipt">' + json + '</script>\n</body></html>\n';
  }

  window.PAKN_RECEIPT = {check: check, about: about, read: read, htmlFile: htmlFile, hasEd25519: hasEd25519};
}());
