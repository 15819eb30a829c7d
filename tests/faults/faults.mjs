// faults.mjs - `make test-faults`: nothing acknowledged is lost when things break. A load
// client keeps sending submissions and records every receipt it gets, while the test
// (a) kills PostgreSQL with SIGKILL and starts it again, (b) kills the service with SIGKILL
// and starts it again, (c) restarts PostgreSQL with a fast shutdown. Then every
// acknowledged submission must be in the database and its receipt must verify; refused
// requests must have been 503 (or a refused connection while the service was down); the
// service must serve again within 5 s of PostgreSQL's return without being restarted.
// Last, (d) SIGTERM under load: the service exits 0, and every request sent before the
// signal gets its answer (none sees its connection reset).
// Prints the counts: acknowledged, refused, lost.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => path.join(root, process.env.PAKN_BIN || 'build/release', name);
const dir = fs.mkdtempSync('/tmp/pakn-faults.');
fs.chmodSync(dir, 0o755);
const pgdir = path.join(dir, 'pg');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();
const problems = [];

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
}

const pg = {
  start() {
    // After SIGKILL the old server's children may still hold shared memory for a moment.
    for (let i = 0; ; i++) {
      try { sh('tools/pgcluster.sh', ['start', pgdir], { stdio: 'pipe' }); return; } catch (e) {
        if (i > 60) throw e;
      }
      execFileSync('sleep', ['0.5']);
    }
  },
  stop() { sh('tools/pgcluster.sh', ['stop', pgdir], { stdio: 'pipe' }); },
  kill9() {
    const pid = Number(fs.readFileSync(path.join(fs.realpathSync(pgdir), 'data/postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
  },
};

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let service = null;
let url = '';
async function startService(port, env) {
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  service = spawn(bin('pakn-server'), [], {
    cwd: root,
    env: { ...process.env, ...env, PAKN_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', log],
  });
  url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url + '/readyz')).ok) return; } catch { /* not yet */ }
    await sleep(50);
  }
  throw new Error('the service did not become ready');
}

// --- the load -------------------------------------------------------------------------

const counts = {};
const acknowledged = []; // {receipt, at}
let running = true;
let sigtermAt = Infinity;
const unanswered = []; // requests started before SIGTERM that got no answer
const items = ['LC-T1', 'LC-T3', 'LC-T20', 'LC-T25', 'DB-I01', 'DB-I03', 'DB-T-V.3.2', 'DB-T-IV.2'];
const bodies = ['Đề nghị số hóa hồ sơ ở cấp xã.', 'Cần hướng dẫn sử dụng cho cán bộ xã.',
  'Mạng yếu ở bản vùng cao, đề nghị phủ sóng.', 'Thủ tục trực tuyến còn chậm.'];

async function worker(w) {
  let n = 0;
  while (running) {
    n += 1;
    const body = {
      item_code: items[(w + n) % items.length], rating: 1 + ((w + n) % 5),
      kind: ['opinion', 'proposal', 'report', 'question'][n % 4],
      body: `${bodies[n % bodies.length]} (${w}-${n}-${process.pid})`,
    };
    let key;
    const started = now();
    try {
      const res = await fetch(url + '/api/v1/feedback', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body), signal: AbortSignal.timeout(15000),
      });
      key = String(res.status);
      const reply = await res.json().catch(() => null);
      if (res.status === 201) acknowledged.push({ receipt: reply.receipt, at: now() });
      else if (res.status !== 503) problems.push(`unexpected ${res.status}: ${JSON.stringify(reply)}`);
    } catch (e) {
      key = 'connection';
      if (started < sigtermAt && now() >= sigtermAt) unanswered.push(e.cause?.code || e.name);
      await sleep(100);
    }
    counts[key] = (counts[key] || 0) + 1;
    if (key !== '201') await sleep(50);
  }
}

// Milliseconds from t until the first acknowledgement after it.
async function recoveredAfter(t, what) {
  for (let i = 0; i < 300; i++) {
    const a = acknowledged.find((x) => x.at > t);
    if (a) return a.at - t;
    await sleep(50);
  }
  problems.push(`${what}: no submission was acknowledged within 15 s`);
  return Infinity;
}

// --- the run --------------------------------------------------------------------------

async function main() {
  pg.start();
  const env = {
    PAKN_DATABASE_URL: sh('tools/pgcluster.sh', ['url', pgdir]).trim(),
    PAKN_KEY_DIR: path.join(dir, 'keys'),
    PAKN_INTAKE_RATE: '100000', PAKN_INTAKE_BURST: '100000',
    PAKN_REQUEST_TIMEOUT: '5', PAKN_LOG_LEVEL: 'warn',
  };
  sh(bin('paknctl'), ['migrate', 'sql'], { env: { ...process.env, ...env }, stdio: 'pipe' });
  for (const plan of fs.readdirSync(path.join(root, 'data/plans')).filter((f) => f.endsWith('.txt'))) {
    sh(bin('paknctl'), ['import-plan', `data/plans/${plan}`], { env: { ...process.env, ...env }, stdio: 'pipe' });
  }
  const port = await freePort();
  await startService(port, env);

  const workers = Array.from({ length: 16 }, (_, w) => worker(w));
  await sleep(2000);

  // (a) PostgreSQL killed.
  pg.kill9();
  await sleep(2000);
  pg.start();
  const back1 = now();
  const recovery1 = await recoveredAfter(back1, 'after SIGKILL of PostgreSQL');
  await sleep(2000);

  // (b) The service killed, then started again.
  service.kill('SIGKILL');
  await sleep(1000);
  await startService(port, env);
  await sleep(2000);

  // (c) PostgreSQL restarted with a fast shutdown.
  pg.stop();
  await sleep(1000);
  pg.start();
  const back3 = now();
  const recovery3 = await recoveredAfter(back3, 'after the fast restart of PostgreSQL');
  await sleep(2000);

  // (d) SIGTERM under load.
  sigtermAt = now();
  service.kill('SIGTERM');
  const exit = await new Promise((r) => service.on('exit', (code, signal) => r({ code, signal })));
  if (exit.code !== 0) problems.push(`SIGTERM under load: the service exited ${JSON.stringify(exit)}`);
  await sleep(500);
  running = false;
  await Promise.all(workers);
  if (unanswered.length) problems.push(`SIGTERM under load: ${unanswered.length} requests sent before the signal got no answer (${[...new Set(unanswered)].join(', ')})`);
  await startService(port, env);

  // Every acknowledged submission is stored, and its receipt verifies.
  const codes = acknowledged.map((a) => a.receipt.tracking_code);
  fs.writeFileSync(path.join(dir, 'codes.txt'), codes.join('\n') + '\n');
  const stored = Number(sh('psql', [env.PAKN_DATABASE_URL, '-Atc',
    `CREATE TEMP TABLE acked (code text); COPY acked FROM '${path.join(dir, 'codes.txt')}';
     SELECT count(DISTINCT a.code) FROM acked a JOIN feedback f ON f.tracking_code = a.code`]).trim().split('\n').pop());
  const distinct = new Set(codes).size;
  const lost = distinct - stored;
  let badReceipts = 0;
  for (let i = 0; i < acknowledged.length; i += 32) {
    const results = await Promise.all(acknowledged.slice(i, i + 32).map((a) =>
      fetch(url + '/api/v1/receipts/verify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a.receipt) })
        .then((r) => r.json())));
    badReceipts += results.filter((r) => !r.valid).length;
  }
  const refused = Object.entries(counts).filter(([k]) => k !== '201').reduce((n, [, v]) => n + v, 0);

  service.kill('SIGTERM');
  await new Promise((r) => service.on('exit', r));
  pg.stop();

  console.log(`acknowledged ${distinct}, refused ${refused} (${JSON.stringify(counts)}), lost ${lost}, ` +
    `receipts that do not verify ${badReceipts}; served again ${recovery1} ms after PostgreSQL came back ` +
    `from SIGKILL and ${recovery3} ms after its fast restart; SIGTERM under load: exit 0, ` +
    `${unanswered.length} requests sent before it unanswered`);
  if (lost !== 0) problems.push(`${lost} acknowledged submissions are not in the database`);
  if (badReceipts !== 0) problems.push(`${badReceipts} receipts do not verify`);
  if (distinct < 100) problems.push(`only ${distinct} submissions were acknowledged: the load did not run`);
  if (!counts['503']) problems.push('no request was refused with 503: the outages were not seen');
  for (const [what, ms] of [['SIGKILL', recovery1], ['fast restart', recovery3]]) {
    if (ms > 5000) problems.push(`served again only ${ms} ms after PostgreSQL's return (${what})`);
  }
  if (problems.length) {
    console.log('FAILED:\n' + [...new Set(problems)].slice(0, 20).join('\n'));
    console.log('server log: ' + path.join(dir, 'server.log'));
    process.exit(1);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.log('FAILED: ' + (e.stack || e));
  try { service?.kill('SIGKILL'); pg.stop(); } catch { /* already down */ }
  process.exit(1);
});
