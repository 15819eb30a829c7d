/* tracking-code.js - the tracking code as server/crypto/tracking.c defines it: 16 Crockford
 * base-32 symbols in groups of four and a check symbol, the 80-bit value mod 37. A code
 * typed with a mistake is caught here, before any request. */
(function () {
  'use strict';
  var SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  var CHECK = SYMBOLS + '*~$=U';

  function value(c, set) {
    c = c.toUpperCase();
    if (c === 'O') c = '0';
    if (c === 'I' || c === 'L') c = '1';
    return set.indexOf(c);
  }

  /* The code in its canonical form ("7K3M-9QXD-2F8H-W4TR-M"), or null: lower case, spaces,
   * missing dashes, O for 0 and I or L for 1 are forgiven, as the service forgives them. */
  function parse(text) {
    var v = [], check = -1;
    var chars = String(text || '').replace(/[-\s]/g, '');
    if (chars.length !== 17) return null;
    for (var i = 0; i < 16; i++) {
      var x = value(chars[i], SYMBOLS);
      if (x < 0) return null;
      v.push(x);
    }
    check = value(chars[16], CHECK);
    var r = 0;
    for (i = 0; i < 16; i++) r = (r * 32 + v[i]) % 37;
    if (check !== r) return null;
    var out = '';
    for (i = 0; i < 16; i++) out += (i && i % 4 === 0 ? '-' : '') + SYMBOLS[v[i]];
    return out + '-' + CHECK[r];
  }

  window.PAKN_TRACKING = {parse: parse};
}());
