// receipt_verify.mjs - POST /api/v1/receipts/verify as a hostile client sends it: every
// reason a version 2 receipt can be refused for, once; the largest body, a giant proof
// list and checkpoint, deep nesting, a body trickled one byte at a time, NULs and bad
// UTF-8. Each reply must be the documented JSON (a 4xx {"error":{code,message}} or 200
// {"valid":false,"reason"}) in well-formed UTF-8, never a 500, and memory must not grow
// per request. The reasons quote the client's text (an unknown field's name, a
// checkpoint's origin) cut to fit a buffer; they used to be cut inside a UTF-8 sequence,
// so the reply was not UTF-8 (a strict JSON reader refuses it).
import { startServer, connect, statuses, sleep } from '../lib.mjs';

export const name = 'receipt_verify';

const MAX_BODY = 65536;

// Posts raw bytes; resolves to { status, raw (Buffer), doc }.
async function post(url, body) {
  const r = await fetch(url + '/api/v1/receipts/verify', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
  });
  const raw = Buffer.from(await r.arrayBuffer());
  let doc = null;
  try { doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)); } catch { /* checked */ }
  return { status: r.status, raw, doc };
}

const isError = (x, status) => x.status === status && typeof x.doc?.error?.code === 'string' &&
  typeof x.doc?.error?.message === 'string';
const isInvalid = (x, re) => x.status === 200 && x.doc?.valid === false && re.test(x.doc?.reason ?? '');
const show = (x) => `${x.status} ${x.doc ? JSON.stringify(x.doc).slice(0, 200) : x.raw.toString('latin1').slice(0, 200)}`;

export async function run(t) {
  // HOSTILE_VALGRIND=1 runs the server under memcheck (slow; the memory figure is then valgrind's).
  const prefix = process.env.HOSTILE_VALGRIND ? ['valgrind', '--error-exitcode=9', '--leak-check=full',
    '--suppressions=tests/valgrind.supp', `--log-file=/tmp/receipt_verify.valgrind.%p`] : [];
  const srv = await startServer({ INTAKE_RATE: 100000, INTAKE_BURST: 100000, MAX_BODY_BYTES: MAX_BODY }, { prefix });
  try {
    const sub = await fetch(srv.url + '/api/v1/feedback', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item_code: 'LC-T25', rating: 4, kind: 'opinion', body: 'Biên nhận thử kiểm tra',
        consent: { publish: false, contact: false } }),
    });
    const { receipt } = await sub.json();
    t.ok(sub.status === 201 && receipt?.version === 2, `a version 2 receipt is given (${sub.status})`);
    const good = await post(srv.url, JSON.stringify(receipt));
    t.ok(good.status === 200 && good.doc?.valid === true, `the receipt verifies (${show(good)})`);

    const with_ = (patch) => JSON.stringify({ ...receipt, ...patch });
    const without = (key) => { const r = { ...receipt }; delete r[key]; return JSON.stringify(r); };
    const [head, ...rest] = receipt.checkpoint.split('\n');
    // 238 bytes: fits the origin line, not the reason, whose cut falls inside an "ệ"
    const longOrigin = 'a' + 'ệ'.repeat(79);
    const cases = [
      ['a bad version', with_({ version: 3 }), /unknown receipt version 3/],
      ['a version as a string', with_({ version: '2' }), /version missing or not a whole number/],
      ['no salt', without('salt'), /salt missing or not a string/],
      ['no proof', without('proof'), /proof missing or not a list/],
      ['a rating as a string', with_({ rating: '4' }), /rating missing or not a whole number/],
      ['a consent as a number', with_({ consent_publish: 0 }), /consent_publish missing or not true or false/],
      ['a proof of a number', with_({ proof: [1] }), /proof\[0\] is not a base64 hash/],
      ['a proof hash of bad base64', with_({ proof: ['!!!!'] }), /proof\[0\] is not a base64 hash/],
      ['a proof hash of 31 bytes', with_({ proof: [Buffer.alloc(31).toString('base64')] }), /proof\[0\] is not/],
      ['65 proof hashes', with_({ proof: Array(65).fill(Buffer.alloc(32).toString('base64')) }), /at most 64 hashes/],
      ['another rating', with_({ rating: receipt.rating === 5 ? 4 : 5 }), /commitment does not match/],
      ['an unknown field', with_({ extra: 1 }), /unknown field extra/],
      ['an unknown field of 200 "ệ"', with_({ ['ệ'.repeat(200)]: 1 }), /unknown field ệ/],
      ['a NUL inside the salt', with_({ salt: receipt.salt.slice(0, 10) + '\u0000' + receipt.salt.slice(11) }), /salt is malformed/],
      ['a NUL inside the checkpoint', with_({ checkpoint: receipt.checkpoint.replace('\n', '\u0000') }), /not a signed note/],
      ['a checkpoint of 1024 bytes', with_({ checkpoint: 'x'.repeat(1024) }), /checkpoint is malformed/],
      ['a garbled checkpoint', with_({ checkpoint: 'x\ny\nz\n' }), /not a signed note/],
      ['a checkpoint of another origin', with_({ checkpoint: ['other.example/log', ...rest].join('\n') }),
        /a checkpoint of another log: 'other.example\/log'/],
      ['a checkpoint of an origin of 80 "ệ"', with_({ checkpoint: [longOrigin, ...rest].join('\n') }),
        /a checkpoint of another log: 'aệ/],
      ['a checkpoint signed by an unknown key', with_({ checkpoint: receipt.checkpoint.replace(/ (\S+)\n$/, (m, sig) =>
        ' ' + Buffer.from(sig, 'base64').map((b) => b ^ 0xff).toString('base64') + '\n') }), /the tree head/],
      ['a proof not leading to the root', with_({ log_index: receipt.log_index + 1 }), /commitment does not match|the proof does not lead/],
      ['a hash too many in the proof', with_({ proof: [...receipt.proof, Buffer.alloc(32).toString('base64')] }),
        /the proof does not lead from entry/],
    ];
    for (const [what, body, re] of cases) {
      const x = await post(srv.url, body);
      t.ok(isInvalid(x, re), `${what}: 200 {"valid":false} naming why, in UTF-8 (${show(x)})`);
    }
    t.ok(head.length > 0, 'the checkpoint has an origin line');

    // 4xx JSON errors: not JSON, bad UTF-8, deep nesting, too large.
    const errors = [
      ['not JSON', 'x', 400],
      ['a lone 0xff inside a string', Buffer.concat([Buffer.from(with_({ kind: 'A' }).replace('"A"', '"')), Buffer.from([0xff, 0x22, 0x7d])]).subarray(0), 400],
      ['a raw NUL inside a string', with_({ kind: 'a\u0000b' }).replace('\\u0000', '\u0000'), 400],
      ['nesting 10000 deep', '['.repeat(10000) + ']'.repeat(10000), 400],
      ['a body over max_body_bytes', with_({ proof: Array(2000).fill(Buffer.alloc(32).toString('base64')) }), 413],
    ];
    for (const [what, body, status] of errors) {
      const x = await post(srv.url, body);
      t.ok(isError(x, status), `${what}: a ${status} JSON error (${show(x)})`);
    }

    // The largest body the setting allows, a receipt padded with white space.
    const big = with_({ proof: Array(64).fill(Buffer.alloc(32).toString('base64')) });
    const largest = big + ' '.repeat(MAX_BODY - Buffer.byteLength(big));
    const xl = await post(srv.url, largest);
    t.ok(isInvalid(xl, /the proof does not lead|commitment/), `a body of exactly max_body_bytes: 200 {"valid":false} (${show(xl)})`);

    // Memory per request: a round of every refused receipt, many times.
    const round = async () => { for (const [, body] of cases) await post(srv.url, body); await post(srv.url, largest); };
    for (let i = 0; i < 20; i++) await round();
    const before = srv.rssKiB();
    for (let i = 0; i < 200; i++) await round();
    const after = srv.rssKiB();
    t.figure('RSS before 200 rounds of refused receipts', before, 'KiB');
    t.figure('RSS after', after, 'KiB');
    if (!prefix.length) // valgrind's own memory grows as it runs
      t.ok(after - before < 2048, `memory does not grow per request (${before} -> ${after} KiB)`);
    let health = 0;
    try { health = (await fetch(srv.url + '/healthz')).status; } catch { /* dead */ }
    t.ok(health === 200, `the server still answers /healthz (${health})`);
    // The receipt one byte at a time, last: the seconds it takes let the server close the
    // kept-alive connections fetch would otherwise reuse.
    const bytes = Buffer.from(JSON.stringify(receipt));
    const c = await connect(srv.port);
    await c.send(`POST /api/v1/receipts/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
    for (const b of bytes) { await c.send(Buffer.from([b])); await sleep(1); }
    const got = await Promise.race([c.closed, sleep(15000).then(() => c.received())]);
    c.destroy();
    t.ok(statuses(got.toString('latin1'))[0] === 200 && /"valid":true/.test(got.toString('latin1')),
      `a receipt trickled one byte at a time verifies (${got.toString('latin1').split('\r\n')[0]})`);
  } finally {
    const code = await srv.stop();
    t.ok(code === 0, `the server stops cleanly (exit ${code})`);
  }
}
