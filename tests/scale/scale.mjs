// scale.mjs - `make test-scale`: the deployment's pieces working together, all on loopback
// and without containers: a PostgreSQL primary and a streaming replica made with
// pg_basebackup, PgBouncer in transaction mode in front of both, two service instances, and
// nginx in front of those (the site of deploy/nginx, with TLS). A load client sends
// submissions through nginx; one instance is killed with SIGKILL mid-run. Then: both
// instances served, the survivor took everything after the kill, every acknowledged
// submission is on the primary and then on the replica, and the metrics read from the
// replica equal the primary's once it has caught up. Prints the counts.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => path.join(root, process.env.PAKN_BIN || 'build/release', name);
const dir = fs.mkdtempSync('/tmp/pakn-scale.');
fs.chmodSync(dir, 0o755);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();
const problems = [];
const children = [];
const asRoot = process.getuid() === 0;

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: 'pipe', ...opts });
}
// PostgreSQL and PgBouncer refuse to run as root: as root they run as 'postgres'.
function asPostgres(cmd, args, opts = {}) {
  return asRoot ? sh('runuser', ['-u', 'postgres', '--', cmd, ...args], opts) : sh(cmd, args, opts);
}
function spawnAsPostgres(cmd, args, log) {
  const [c, a] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const child = spawn(c, a, { cwd: dir, stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}
async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
async function until(what, check, ms = 20000) {
  for (const end = now() + ms; now() < end; await sleep(100)) {
    try { if (await check()) return; } catch { /* not yet */ }
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

// --- the databases -------------------------------------------------------------------

const primary = path.join(dir, 'primary');
const primaryUrl = () => sh('tools/pgcluster.sh', ['url', primary]).trim();
const primaryRun = () => primaryUrl().match(/host='([^']+)'/)[1];
// What PostgreSQL and PgBouncer write lives in a directory of their user's.
const owned = path.join(dir, 'postgres');
const replicaData = path.join(owned, 'replica');
const replicaRun = path.join(owned, 'replica-run');
const replicaUrl = `host='${replicaRun}' dbname=pakn user=pakn`;
const pgbin = '/usr/lib/postgresql/15/bin';
// The statement goes on standard input: a list of every acknowledged code is longer than
// one command-line argument may be.
const psql = (url, sql) => sh('psql', ['-X', '-Atq', '-v', 'ON_ERROR_STOP=1', url], { input: sql }).trim();

function startDatabases() {
  sh('tools/pgcluster.sh', ['start', primary]);
  const env = { ...process.env, PAKN_DATABASE_URL: primaryUrl() };
  sh(bin('paknctl'), ['migrate', 'sql'], { env });
  for (const plan of fs.readdirSync(path.join(root, 'data/plans')).filter((f) => f.endsWith('.txt'))) {
    sh(bin('paknctl'), ['import-plan', `data/plans/${plan}`], { env });
  }
  // The replica: a base backup of the primary that keeps streaming from it (-R).
  fs.mkdirSync(replicaData, { recursive: true, mode: 0o700 });
  fs.mkdirSync(replicaRun);
  if (asRoot) sh('chown', ['-R', 'postgres:', owned]);
  asPostgres(`${pgbin}/pg_basebackup`, ['-D', replicaData, '-R', '-X', 'stream', '-c', 'fast', '-d', `host=${primaryRun()} user=pakn`]);
  asPostgres(`${pgbin}/pg_ctl`, ['-D', replicaData, '-l', path.join(owned, 'replica.log'), '-w', 'start',
    '-o', `-c unix_socket_directories=${replicaRun} -c listen_addresses='' -c hot_standby=on`]);
}

function stopDatabases() {
  try { asPostgres(`${pgbin}/pg_ctl`, ['-D', replicaData, '-m', 'fast', '-w', 'stop']); } catch { /* not started */ }
  try { sh('tools/pgcluster.sh', ['stop', primary]); } catch { /* not started */ }
}

// --- PgBouncer, the instances, nginx --------------------------------------------------

async function startPgbouncer() {
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'users.txt'), '"pakn" ""\n');
  fs.writeFileSync(path.join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `pakn = host=${primaryRun()} dbname=pakn user=pakn`,
    `pakn_read = host=${replicaRun} dbname=pakn user=pakn`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1', `listen_port = ${port}`, 'unix_socket_dir =',
    'auth_type = trust', `auth_file = ${dir}/users.txt`,
    // The same pooling as deploy/pgbouncer/pgbouncer.ini.
    ...fs.readFileSync(path.join(root, 'deploy/pgbouncer/pgbouncer.ini'), 'utf8').split('\n')
      .filter((l) => /^(pool_mode|max_client_conn|default_pool_size|reserve_pool_size|server_reset_query|ignore_startup_parameters) /.test(l)),
    `logfile = ${owned}/pgbouncer.log`, `pidfile = ${owned}/pgbouncer.pid`, '',
  ].join('\n'));
  spawnAsPostgres('/usr/sbin/pgbouncer', [path.join(dir, 'pgbouncer.ini')], 'ignore');
  const url = (db) => `host=127.0.0.1 port=${port} dbname=${db} user=pakn`;
  await until('PgBouncer', () => psql(url('pakn'), 'SELECT 1') === '1');
  return url;
}

const instances = [];
async function startInstance(pgb) {
  const port = await freePort();
  const metricsPort = await freePort();
  const log = fs.openSync(path.join(dir, `instance-${instances.length + 1}.log`), 'a');
  const child = spawn(bin('pakn-server'), [], {
    cwd: root,
    stdio: ['ignore', 'ignore', log],
    env: {
      ...process.env,
      PAKN_LISTEN: `127.0.0.1:${port}`,
      PAKN_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      PAKN_DATABASE_URL: pgb('pakn'),
      PAKN_READ_DATABASE_URL: pgb('pakn_read'),
      PAKN_TRUSTED_PROXIES: '127.0.0.1',
      PAKN_KEY_DIR: path.join(dir, 'keys'),
      PAKN_STATIC_DIR: path.join(root, 'build/www'),
      PAKN_INTAKE_RATE: '100000', PAKN_INTAKE_BURST: '100000',
      PAKN_LOG_INTERVAL: '1', PAKN_LOG_LEVEL: 'warn', PAKN_THREADS: '2',
    },
  });
  children.push(child);
  const inst = { child, url: `http://127.0.0.1:${port}`, port,
                 metricsUrl: `http://127.0.0.1:${metricsPort}` };
  instances.push(inst);
  await until(`instance ${instances.length}`, async () => (await fetch(inst.url + '/readyz')).ok);
  return inst;
}

async function startNginx() {
  const ndir = path.join(dir, 'nginx');
  fs.mkdirSync(path.join(ndir, 'tmp'), { recursive: true });
  const [http, https] = [await freePort(), await freePort()];
  sh('deploy/nginx/render.sh', [path.join(ndir, 'pakn.conf'),
    ...instances.flatMap((i) => ['--upstream', `127.0.0.1:${i.port}`]),
    '--http', `127.0.0.1:${http}`, '--https', `127.0.0.1:${https}`,
    '--www', path.join(root, 'build/www'), '--tls', path.join(ndir, 'tls'),
    // This nginx.conf loads no modules (brotli_static would be refused); .gz still served.
    '--brotli-static', 'off',
    // One client here sends everything: the per-address limits are the service's.
    '--intake-rate', '100000r/s', '--intake-burst', '100000',
    '--api-rate', '100000r/s', '--api-burst', '100000']);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${ndir}/tmp/${t};`).join(' ');
  fs.writeFileSync(path.join(ndir, 'nginx.conf'), [
    ...(asRoot ? ['user root;'] : []),
    'worker_processes 1;', 'daemon off;', `pid ${ndir}/nginx.pid;`, `error_log ${ndir}/error.log warn;`,
    'events { worker_connections 1024; }',
    `http { include /etc/nginx/mime.types; access_log off; ${temp} include ${ndir}/pakn.conf; }`, '',
  ].join('\n'));
  const child = spawn('/usr/sbin/nginx', ['-p', ndir, '-c', path.join(ndir, 'nginx.conf')],
    { stdio: ['ignore', 'ignore', fs.openSync(path.join(ndir, 'stderr.log'), 'a')] });
  children.push(child);
  const url = `https://127.0.0.1:${https}`;
  await until('nginx', async () => (await fetch(url + '/readyz')).ok);
  return url;
}

// --- the load --------------------------------------------------------------------------

const acknowledged = []; // {code, at}
const counts = {};
let running = true;
const items = ['LC-T1', 'LC-T3', 'LC-T20', 'LC-T25', 'DB-I01', 'DB-I03', 'DB-T-V.3.2', 'DB-T-IV.2'];

async function client(front, w) {
  for (let n = 1; running; n++) {
    const body = {
      item_code: items[(w + n) % items.length], rating: 1 + ((w + n) % 5),
      kind: ['opinion', 'proposal', 'report', 'question'][n % 4],
      body: `Góp ý qua nginx số ${w}-${n}-${process.pid}`,
    };
    let key;
    try {
      const res = await fetch(front + '/api/v1/feedback', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body), signal: AbortSignal.timeout(15000),
      });
      key = String(res.status);
      const reply = await res.json().catch(() => null);
      if (res.status === 201) acknowledged.push({ code: reply.receipt.tracking_code, at: now() });
      else if (res.status !== 503) problems.push(`unexpected ${res.status}: ${JSON.stringify(reply)}`);
      else if (reply?.error?.code !== 'service_unavailable' && reply?.error?.code !== 'database_unavailable') {
        problems.push(`a 503 that is not the JSON error: ${JSON.stringify(reply)}`);
      }
    } catch (e) {
      key = 'connection';
      problems.push(`nginx did not answer: ${e.cause?.code || e.name}`);
    }
    counts[key] = (counts[key] || 0) + 1;
  }
}

// The 201s an instance has given, from its own /metrics (on its metrics_listen).
async function served(inst) {
  const text = await (await fetch(inst.metricsUrl + '/metrics')).text();
  const m = text.match(/pakn_requests_total\{route="POST \/api\/v1\/feedback",status="201"\} (\d+)/);
  return m ? Number(m[1]) : 0;
}

async function main() {
  startDatabases();
  const pgb = await startPgbouncer();
  const [a, b] = [await startInstance(pgb), await startInstance(pgb)];
  const front = await startNginx();

  const clients = Array.from({ length: 16 }, (_, w) => client(front, w));
  await sleep(4000);
  const [aBefore, bBefore] = [await served(a), await served(b)];
  if (!(aBefore > 0 && bBefore > 0)) problems.push(`both instances should serve: ${aBefore} and ${bBefore}`);
  a.child.kill('SIGKILL');
  const killedAt = now();
  await sleep(5000);
  running = false;
  await Promise.all(clients);
  const bAfter = await served(b);
  const afterKill = acknowledged.filter((x) => x.at > killedAt + 1000).length;
  if (afterKill === 0) problems.push('nothing was acknowledged after the kill');
  if (bAfter - bBefore < afterKill) problems.push(`the survivor served ${bAfter - bBefore}, fewer than the ${afterKill} acknowledged after the kill`);

  // Every acknowledged submission on the primary, then on the replica.
  const codes = acknowledged.map((x) => `'${x.code}'`).join(',');
  const count = (url) => Number(psql(url, `SELECT count(*) FROM feedback WHERE tracking_code IN (${codes})`));
  const onPrimary = count(primaryUrl());
  const lost = acknowledged.length - onPrimary;
  if (lost !== 0) problems.push(`${lost} acknowledged submissions are not on the primary`);
  const caughtUpFrom = now();
  await until('the replica', () => count(replicaUrl) === acknowledged.length);
  const lag = now() - caughtUpFrom;

  // The figures the instances read from the replica are the primary's.
  const figures = (url) => psql(url, "SELECT json_agg(t ORDER BY t)::text FROM pakn_satisfaction('item', 'quarter', NULL, NULL, NULL, 1) t");
  await until('the replica\'s figures', () => figures(replicaUrl) === figures(primaryUrl()));
  const api = await fetch(front + '/api/v1/metrics/satisfaction?group_by=plan&period=year');
  if (!api.ok) problems.push(`metrics through nginx: ${api.status} ${await api.text()}`);

  console.log(`scale: ${acknowledged.length} acknowledged through nginx (${JSON.stringify(counts)}); ` +
    `before the kill instance 1 had served ${aBefore} and instance 2 ${bBefore}; after it instance 2 ` +
    `served ${bAfter - bBefore} more (${afterKill} acknowledged from 1 s after the kill); lost ${lost}; ` +
    `the replica had them all ${lag} ms after the run and its figures equal the primary's`);
}

let failed = false;
try {
  await main();
} catch (e) {
  problems.push(e.stack || String(e));
}
for (const c of children) {
  try { c.kill('SIGTERM'); } catch { /* gone */ }
}
await sleep(500);
stopDatabases();
if (problems.length) {
  failed = true;
  console.log('PROBLEMS:\n' + [...new Set(problems)].slice(0, 20).join('\n'));
  for (const f of ['instance-1.log', 'instance-2.log', 'postgres/pgbouncer.log', 'postgres/replica.log', 'nginx/error.log']) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) console.log(`--- ${f}\n` + fs.readFileSync(p, 'utf8').split('\n').slice(-15).join('\n'));
  }
}
fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
