// receipt_qr.mjs - GET /api/v1/feedback/{code}/qr.svg (the receipt's QR code of the tracking
// page, docs/intake.md "Tracking codes") as a hostile client asks it: the address it draws
// is made from the request's Host, which a client chooses. A Host too long for any QR code
// (libqrencode refuses more than 2,331 bytes at level M) used to make the drawing fail and
// the service answer 500; now any Host that is not a plain host name and port (longer than a
// DNS name and a port, or with other characters) gets a 400 in the error shape. Mistyped codes get the status's 404; an ordinary Host an image.
import { startServer, exchange, statuses } from '../lib.mjs';

export const name = 'receipt_qr';

const CODE = '7K3M-9QXD-2F8H-W4TR-R';

function get(path, host) {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

export async function run(t) {
  const srv = await startServer();
  try {
    const ok = await exchange(srv.port, get(`/api/v1/feedback/${CODE}/qr.svg`, 'pakn.example.vn'));
    t.ok(statuses(ok.text)[0] === 200 && ok.text.includes('image/svg+xml') && ok.text.includes('<svg '),
      'an ordinary Host: 200, an SVG image');
    for (const len of [262, 3000, 6000]) {
      const r = await exchange(srv.port, get(`/api/v1/feedback/${CODE}/qr.svg`, 'a'.repeat(len)));
      const st = statuses(r.text)[0];
      t.ok(st === 400 && r.text.includes('"error"'), `a Host of ${len} bytes: 400 in the error shape (got ${st})`);
    }
    const bad = await exchange(srv.port, get('/api/v1/feedback/7K3M-9QXD-2F8H-W4TR-Q/qr.svg', 'pakn.example.vn'));
    t.ok(statuses(bad.text)[0] === 404 && bad.text.includes('"not_found"'), 'a mistyped code: 404');
    const again = await exchange(srv.port, get(`/api/v1/feedback/${CODE}/qr.svg`, 'pakn.example.vn'));
    t.ok(statuses(again.text)[0] === 200, 'the service still answers');
  } finally {
    await srv.stop();
  }
}
