// moderation_errors.mjs - a signed-in moderator's malformed actions (issue 19, point 1). Each
// used to get its 422 and then kill the release server: the reply took the "fields" array
// and the handler released it a second time. Every one must get a 422 JSON error, and the
// server must still be running and healthy afterwards.
import { startServer, paknctl, signIn, sh, env } from '../lib.mjs';

export const name = 'moderation_errors';

const password = 'mat-khau-hostile-57';
const agency = 'lc-dang-uy-ubnd-tinh';

// Each bad action, and the field its 422 names.
const bad = [
  [{ action: 'zap' }, 'action'],
  [{ action: 'reject' }, 'reason'],
  [{ action: 'reject', reason: 'boring' }, 'reason'],
  [{ action: 'forward' }, 'agency'],
  [{ action: 'answer', text: '' }, 'text'],
  [{ action: 'reject', reason: 'spam', note: 'a\nb' }, 'note'],
];

export async function run(t) {
  paknctl(['official', 'add', 'h.mod.errors', '--role', 'moderator', '--agency', agency], password + '\n');
  const srv = await startServer({ INTAKE_RATE: 100000, INTAKE_BURST: 100000, LOGIN_RATE: 10000 });
  try {
    const sub = await fetch(srv.url + '/api/v1/feedback', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item_code: 'LC-T25', rating: 3, kind: 'report', body: 'Ý kiến thử hành động sai',
        consent: { publish: false, contact: false } }),
    });
    const receipt = await sub.json();
    t.ok(sub.status === 201, `a feedback is stored (${sub.status})`);
    // An official finds it in the queue; the receipt (version 2) names no row id.
    const id = sh('psql', [env.url, '-XAtc',
      `SELECT id FROM feedback WHERE tracking_code = '${receipt.receipt.tracking_code}'`]).trim();
    const { cookie, csrf } = await signIn(srv.url, 'h.mod.errors', password);
    for (const [body, field] of bad) {
      let status = 0, doc = null;
      try {
        const r = await fetch(`${srv.url}/api/v1/moderation/${id}/actions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
          body: JSON.stringify(body),
        });
        status = r.status;
        doc = await r.json();
      } catch (e) { doc = String(e); }
      const fields = doc?.error?.fields?.map((f) => f.field) ?? [];
      t.ok(status === 422 && doc?.error?.code === 'validation_failed' && fields.includes(field),
        `${JSON.stringify(body)} gets a 422 JSON error naming "${field}" (${status} ${JSON.stringify(doc)})`);
    }
    // The double release crashed the server a moment after the reply, or on a later
    // allocation: ask again after the replies.
    let health = 0;
    try { health = (await fetch(srv.url + '/healthz')).status; } catch { /* dead */ }
    let alive = srv.exitCode === null;
    try { process.kill(srv.pid, 0); } catch { alive = false; }
    t.ok(alive && health === 200, `the server is still running and /healthz answers 200 (exit ${srv.exitCode}, ${health})`);
  } finally {
    const code = await srv.stop();
    t.ok(code === 0, `the server stops cleanly (exit ${code})`);
  }
}
