// framing.mjs - request framing that cannot be bypassed (issue 19, point 2): every form of
// end-of-headers, requests hidden behind them, RFC 9112's rules on Host and field syntax
// answered with JSON, OPTIONS *, HTTP/0.9, and the refusal path that no client can forge
// or make the server echo.
import { startServer, connect, exchange, sh, env, sleep } from '../lib.mjs';

export const name = 'framing';

// Splits a byte stream of responses into { status, headers (lower-case names), body }.
function responses(text) {
  const out = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(rest);
    if (end < 0 || !m) break;
    const headers = {};
    for (const line of rest.slice(0, end).split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    // Without Content-Length (an HTTP/1.0 reply, or a 204) the body runs to the close.
    const len = 'content-length' in headers ? Number(headers['content-length'])
      : m[1] === '204' ? 0 : rest.length - end - 4;
    out.push({ status: Number(m[1]), headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

function jsonError(r) {
  try {
    return /application\/json/.test(r.headers['content-type'] || '') ? JSON.parse(r.body).error : null;
  } catch {
    return null;
  }
}

function feedbackCount() {
  return Number(sh('psql', [env.url, '-Atc', 'SELECT count(*) FROM feedback']).trim());
}

const feedback = JSON.stringify({
  item_code: 'LC-T25', rating: 4, kind: 'opinion', body: 'Ý kiến ẩn sau phần đầu yêu cầu.',
  submitter: { type: 'individual', name: 'Nguyễn Văn A' }, consent: { publish: false, contact: false },
});
// A chunked submission whose header block ends with end.
const chunkedPost = (end = '\r\n\r\n') => 'POST /api/v1/feedback HTTP/1.1\r\nHost: x\r\n' +
  `Content-Type: application/json\r\nTransfer-Encoding: chunked${end}` +
  `${Buffer.byteLength(feedback).toString(16)}\r\n${feedback}\r\n0\r\n\r\n`;

export async function run(t) {
  const srv = await startServer({ INTAKE_RATE: 1000, INTAKE_BURST: 1000 });
  try {
    // The same chunked submission sent plainly is refused.
    {
      const { text } = await exchange(srv.port, chunkedPost(), 1500);
      const r = responses(text);
      t.ok(r.length === 1 && r[0].status === 411 && jsonError(r[0])?.code === 'length_required',
        `a plain chunked POST gets 411 JSON (got ${r.map((x) => x.status)})`);
    }

    // A header block ending in each form libevent accepts; a chunked POST hidden after it
    // must not be stored nor answered as a request of its own.
    for (const [label, end] of [['\\n\\r\\n', '\n\r\n'], ['\\r\\n\\n', '\r\n\n'], ['\\n\\n', '\n\n'],
      ['\\r\\n\\r\\n', '\r\n\r\n']]) {
      const before = feedbackCount();
      const { text } = await exchange(srv.port, `GET /healthz HTTP/1.1\r\nHost: x${end}${chunkedPost(end)}`, 1500);
      await sleep(300);
      const r = responses(text);
      const after = feedbackCount();
      t.ok(!r.some((x) => x.status === 201) && after === before,
        `headers ending ${label}: the hidden chunked POST is not stored (statuses ${r.map((x) => x.status)}, ` +
        `feedback rows ${before} -> ${after})`);
      t.ok(r.length === 2 && r[0].status === 200 && r[1].status === 411 && !/<html/i.test(text),
        `headers ending ${label}: 200 for the GET, then 411 JSON for what follows (got ${r.map((x) => x.status)})`);
    }

    // RFC 9112's MUSTs, each a 400 with the JSON error, never libevent's HTML page.
    const bad400 = [
      ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n'],
      ['two Host fields', 'GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
      ['Host with a bad value', 'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n'],
      ['space before the colon', 'GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n'],
      ['tab before the colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n'],
      ['a field name that is not a token', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n'],
      ['bare CR in a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'],
      ['bare CR ending a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\r\n\r\n'],
      ['NUL in a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n'],
      ['NUL in a name', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-\0A: 1\r\n\r\n'],
      ['another control in a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n'],
      ['bare CR in the request line', 'GET /healthz\rHTTP/1.1 HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['"*" with GET', 'GET * HTTP/1.1\r\nHost: x\r\n\r\n'],
    ];
    for (const [label, req] of bad400) {
      const { text } = await exchange(srv.port, Buffer.from(req, 'latin1'), 1500);
      const r = responses(text);
      const e = r[0] && jsonError(r[0]);
      t.ok(r.length === 1 && r[0].status === 400 && e?.code === 'bad_request',
        `${label}: 400 JSON (got ${r.map((x) => x.status)} ${(r[0]?.headers['content-type']) || JSON.stringify(text.slice(0, 60))})`);
    }
    // HTTP/1.0 may leave Host out.
    {
      const { text } = await exchange(srv.port, 'GET /healthz HTTP/1.0\r\n\r\n', 1500);
      t.ok(responses(text)[0]?.status === 200, 'HTTP/1.0 without Host is answered');
    }

    // OPTIONS * asks about the server as a whole.
    {
      const { text } = await exchange(srv.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 1500);
      const r = responses(text);
      t.ok(r.length === 1 && r[0].status === 204 && /\bGET\b/.test(r[0].headers.allow || '') &&
        /\bPOST\b/.test(r[0].headers.allow || '') && /\bOPTIONS\b/.test(r[0].headers.allow || ''),
        `OPTIONS * gets 204 with Allow (got ${r.map((x) => `${x.status} Allow: ${x.headers.allow}`)})`);
    }

    // HTTP/0.9: closed at once, with not a byte of reply.
    for (const req of ['GET /\r\n', 'GET /healthz\n']) {
      const c = await connect(srv.port);
      const t0 = Date.now();
      await c.send(req);
      const got = await Promise.race([c.closed, sleep(3000).then(() => null)]);
      const ms = Date.now() - t0;
      c.destroy();
      t.ok(got !== null && got.length === 0 && ms < 1000,
        `HTTP/0.9 ${JSON.stringify(req)} is closed at once with no reply (${got === null ? 'still open' : `${got.length} bytes`} after ${ms} ms)`);
    }

    // The refusal path: a client's /.pakn/ request is an unknown path, whatever it carries.
    for (const [label, req] of [
      ['forged reject', 'GET /.pakn/reject/400 HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['forged reject with a guessed secret', 'GET /.pakn/reject/431 HTTP/1.1\r\nHost: x\r\n' +
        'X-Pakn-Reject: 00000000000000000000000000000000\r\n\r\n'],
      ['forged reject in absolute form', 'GET http://x/.pakn/reject/413 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ]) {
      const { text } = await exchange(srv.port, req, 1500);
      const r = responses(text);
      t.ok(r.length === 1 && r[0].status === 404 && jsonError(r[0])?.code === 'not_found',
        `${label}: 404 JSON (got ${r.map((x) => x.status)})`);
    }

    // Desync chains: a request hidden behind "\n\r\n" whose body would swallow what the filter
    // writes for a refused request, and a body that echoes its field names back. Whatever the
    // server writes for a refusal must never come back to the client.
    const swallow = (len, type) => `GET /healthz HTTP/1.1\r\nHost: x\n\r\nPOST /api/v1/feedback HTTP/1.1\r\n` +
      `Host: x\r\nContent-Type: ${type}\r\nContent-Length: ${len}\r\n\r\nX\r\n\r\n`;
    // Lengths around the sizes of the made-up request (with and without a 32-character
    // secret header, as it was) and of its parts.
    const lengths = [...Array(16).keys()].map((i) => 28 + i).concat([...Array(16).keys()].map((i) => 76 + i));
    const echoed = [];
    for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
      for (const len of lengths) {
        const { text } = await exchange(srv.port, swallow(len, type), 400);
        if (/x-pakn-reject|\.pakn\//i.test(text)) echoed.push(`${type} ${len}`);
      }
    }
    t.ok(echoed.length === 0, `no reply echoes the refusal marker (echoed by ${echoed.length} of ${2 * lengths.length} chains${echoed.length ? ': ' + echoed.slice(0, 3).join(', ') : ''})`);
    t.ok(srv.exitCode === null, 'the server is still running');
  } finally {
    await srv.stop();
  }
}
