// cpu_text.mjs - issue 19 points 5 and 7: text that costs the server CPU or memory out of
// proportion (combining marks in reverse canonical order, thousands of unknown keys), and
// text that must not be stored (only invisible characters, lone UTF-16 surrogates), and the
// no-JavaScript problem page, which must stay valid UTF-8.
// Figures: the server's CPU time per request (utime + stime from /proc/<pid>/stat) for a
// normal 64 KiB body and for the worst bodies of combining marks, and their ratio (< 5x);
// the size of the reply to 8,500 unknown keys.
import fs from 'node:fs';
import { env, sh, startServer } from '../lib.mjs';

export const name = 'cpu_text';

const TICKS = Number(sh('getconf', ['CLK_TCK']).trim());
const HEAD = '{"item_code":"LC-T25","rating":4,"kind":"opinion","body":';

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime
}

function storedRows() {
  return Number(sh('psql', [env.url, '-tAc', 'SELECT count(*) FROM feedback']).trim());
}

async function post(url, body, type = 'application/json', accept = 'application/json') {
  const r = await fetch(url + '/api/v1/feedback', {
    method: 'POST', headers: { 'content-type': type, accept }, body,
  });
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()) };
}

// The first field error's code of a JSON reply, or ''.
function firstCode(reply) {
  try { return JSON.parse(reply.bytes.toString('utf8')).error.fields[0].code; } catch { return ''; }
}

// Text repeated to fill about `bytes` bytes of UTF-8.
function fill(unit, bytes) {
  return unit.repeat(Math.floor(bytes / Buffer.byteLength(unit)));
}

// Marks of classes 240, 230, 220, 216, 202, 1: each step goes against canonical order.
const REVERSED = '\u0345\u0301\u0323\u031b\u0327\u0334';
// A letter and 30 marks (15 of class 230 before 15 of 220): the longest run allowed.
const RUN30 = 'a' + '\u0301'.repeat(15) + '\u0323'.repeat(15);

// Posts body for at least `ms` and `min` requests (one at a time); CPU seconds per request.
async function cpuPerRequest(server, body, ms = 2000, min = 5) {
  const t0 = Date.now();
  const c0 = cpuSeconds(server.pid);
  let n = 0;
  let status = 0;
  while ((Date.now() - t0 < ms || n < min) && n < 5000) {
    status = (await post(server.url, body)).status;
    n++;
  }
  return { cpu: (cpuSeconds(server.pid) - c0) / n, n, status };
}

export async function run(t) {
  const server = await startServer({ INTAKE_RATE: 100000, INTAKE_BURST: 100000 });
  try {
    // --- CPU: a normal 64 KiB body against the worst bodies of combining marks -----------
    const bodies = {
      // Vietnamese as phones type it (precomposed), too long: read, checked, refused
      'normal 64 KiB Vietnamese text': HEAD + JSON.stringify(fill('Việt Nam, người dân góp ý. ', 64000)) + '}',
      // one run of 31,000 marks in reverse canonical order: 0.75 s of CPU before
      '64 KiB of marks in reverse order': HEAD + JSON.stringify('x' + fill(REVERSED, 63000)) + '}',
      // as many runs of 30 as 64 KiB holds
      '64 KiB of runs of 30 reversed marks': HEAD + JSON.stringify(fill(RUN30, 63000)) + '}',
      // runs of 30 within 3 x 5000 code points: the most text_nfc work that passes the checks
      '14,880 code points in runs of 30': HEAD + JSON.stringify(RUN30.repeat(480)) + '}',
      // one run of 14,900 marks, within the length bound
      'one run of 14,900 reversed marks': HEAD + JSON.stringify('x' + REVERSED.repeat(2483)) + '}',
    };
    const cost = {};
    for (const [what, body] of Object.entries(bodies)) {
      const r = await cpuPerRequest(server, body);
      cost[what] = r.cpu;
      t.figure(`CPU per request, ${what} (${Buffer.byteLength(body)} bytes, ${r.n} requests, ${r.status})`,
        (r.cpu * 1000).toFixed(3), 'ms');
      t.ok(r.status === 422, `${what}: refused with 422 (got ${r.status})`);
    }
    const normal = cost['normal 64 KiB Vietnamese text'];
    const worst = Math.max(...Object.values(cost));
    const ratio = worst / Math.max(normal, 1 / TICKS / 1000);
    t.figure('worst combining-mark body / normal 64 KiB body, CPU', ratio.toFixed(2), 'x');
    t.ok(ratio < 5, `the worst 64 KiB body costs < 5x a normal one (${ratio.toFixed(2)}x)`);

    // --- the Stream-Safe Text Format: more than 30 marks in a row is a 422 that says so ----
    let r = await post(server.url, HEAD + JSON.stringify('a' + '\u0301'.repeat(31)) + '}');
    t.ok(r.status === 422 && firstCode(r) === 'too_many_combining_marks',
      `31 combining marks after a letter: 422 too_many_combining_marks (got ${r.status} ${firstCode(r)})`);
    r = await post(server.url, HEAD + JSON.stringify('a' + '\u0301'.repeat(30)) + '}');
    t.ok(r.status === 201, `30 combining marks after a letter are accepted (got ${r.status})`);

    // --- 8,500 unknown keys: a short reply ------------------------------------------------
    const chars = [...Array(94)].map((_, i) => String.fromCharCode(33 + i)).filter((c) => c !== '"' && c !== '\\');
    const keys = [...chars];
    for (const a of chars) for (const b of chars) keys.push(a + b);
    const unknown = '{' + keys.slice(0, 8500).map((k) => `"${k}":0`).join(',') + '}';
    r = await post(server.url, unknown);
    t.figure(`reply to 8,500 unknown keys (${unknown.length} bytes sent)`, r.bytes.length, 'bytes');
    t.ok(r.status === 422 && r.bytes.length < 8192, `8,500 unknown keys: 422 under 8 KB (got ${r.status}, ${r.bytes.length} bytes)`);
    const fields = JSON.parse(r.bytes.toString('utf8')).error.fields;
    const more = fields[fields.length - 1];
    t.ok(fields.length === 21 && more.code === 'more_problems' && more.count >= 8480,
      `20 problems listed, then one that counts the rest (${fields.length}, ${JSON.stringify(more).slice(0, 120)})`);

    // the same for query parameters (at most 32 of them)
    const q = [...Array(32)].map((_, i) => `p${i}=1`).join('&');
    const qr = await fetch(`${server.url}/api/v1/items?${q}`);
    const qfields = (await qr.json()).error?.fields ?? [];
    t.ok(qr.status === 400 && qfields.length === 21 && qfields[20].code === 'more_problems',
      `32 unknown query parameters: 400 with 20 listed and a count (got ${qr.status}, ${qfields.length})`);

    // --- nothing shown, nothing stored -------------------------------------------------------
    const before = storedRows();
    r = await post(server.url, HEAD + JSON.stringify('\u200b\u200c\u200d\u2060\ufeff\u034f\u2800') + '}');
    t.ok(r.status === 422 && firstCode(r) === 'empty', `a body of zero-width characters: 422 empty (got ${r.status} ${firstCode(r)})`);
    r = await post(server.url, 'item_code=LC-T25&rating=4&kind=opinion&body=%E2%80%8B%EF%BB%BF',
      'application/x-www-form-urlencoded');
    t.ok(r.status === 422, `a form body of zero-width characters: 422 (got ${r.status})`);
    for (const esc of ['a\\ud800b', '\\udc00', '\\udc00\\ud800', '\\ud800']) {
      r = await post(server.url, HEAD + `"${esc}"}`);
      t.ok(r.status >= 400 && r.status < 500 && firstCode(r) === 'replacement_character',
        `JSON "${esc}": refused with a field error (got ${r.status} ${firstCode(r)})`);
    }
    t.ok(storedRows() === before, `none of them was stored (${storedRows() - before} rows added)`);

    // --- the no-JavaScript problem page is valid UTF-8 ------------------------------------
    const key = encodeURIComponent('ạ'.repeat(200) + ' / x');
    r = await post(server.url, `item_code=LC-T25&rating=4&kind=opinion&body=x&${key}=1`,
      'application/x-www-form-urlencoded', 'text/html');
    let valid = true;
    try { new TextDecoder('utf-8', { fatal: true }).decode(r.bytes); } catch { valid = false; }
    t.ok(r.status === 422 && valid, `the problem page for a 600-byte field name is valid UTF-8 (got ${r.status}, valid ${valid})`);
  } finally {
    await server.stop();
  }
}
