/* tracking-code.js - the tracking code as server/crypto/tracking.c defines it: 16 Crockford
 * base-32 symbols in groups of four and a check symbol. New codes' check symbol is the sum
 * of v[i] * x^(16 - i) over GF(32) (x^5 + x^2 + 1), one of the same 32 symbols; codes given
 * before it end in the 80-bit value mod 37 (possibly * ~ $ = U) and still read. A code typed
 * with a mistake fails the new check; about 1 in 37 such mistakes passes the old one and
 * is then answered "no such code" by the service. docs/receipts.md. */
(function () {
  'use strict';
  var SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  var OLD_CHECK = SYMBOLS + '*~$=U';

  function value(c, set) {
    c = c.toUpperCase();
    if (c === 'O') c = '0';
    if (c === 'I' || c === 'L') c = '1';
    return set.indexOf(c);
  }

  function gf32Check(v) {
    var r = 0;
    for (var i = 0; i < 16; i++) {
      r = (r ^ v[i]) << 1;
      if (r & 32) r ^= 0x25;
    }
    return r;
  }

  function mod37Check(v) {
    var r = 0;
    for (var i = 0; i < 16; i++) r = (r * 32 + v[i]) % 37;
    return r;
  }

  /* The code in its canonical form ("7K3M-9QXD-2F8H-W4TR-R"), or null: lower case, spaces,
   * missing dashes, O for 0 and I or L for 1 are forgiven, as the service forgives them. */
  function parse(text) {
    var v = [];
    var chars = String(text || '').replace(/[-\s]/g, '');
    if (chars.length !== 17) return null;
    for (var i = 0; i < 16; i++) {
      var x = value(chars[i], SYMBOLS);
      if (x < 0) return null;
      v.push(x);
    }
    var check = value(chars[16], OLD_CHECK);
    if (check < 0 || (check !== gf32Check(v) && check !== mod37Check(v))) return null;
    var out = '';
    for (i = 0; i < 16; i++) out += (i && i % 4 === 0 ? '-' : '') + SYMBOLS[v[i]];
    return out + '-' + OLD_CHECK[check];
  }

  window.PAKN_TRACKING = {parse: parse};
}());
