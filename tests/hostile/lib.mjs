// lib.mjs - what the hostile-client cases share: a throwaway PostgreSQL with the seed plans,
// the release server started with chosen settings, raw TCP sockets that send bytes exactly
// as given (split, trickled, malformed), and the figures each case prints.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { totpCode } from '../totp.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = (name) => path.join(root, process.env.PAKN_BIN || 'build/release', name);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
}

// One database for the whole run: created by setup(), removed by teardown().
export const env = { dir: '', pgdir: '', url: '' };

export function setup() {
  env.dir = fs.mkdtempSync('/tmp/pakn-hostile.');
  fs.chmodSync(env.dir, 0o755);
  env.pgdir = path.join(env.dir, 'pg');
  sh('tools/pgcluster.sh', ['start', env.pgdir], { stdio: 'pipe' });
  env.url = sh('tools/pgcluster.sh', ['url', env.pgdir]).trim();
  const e = { ...process.env, PAKN_DATABASE_URL: env.url, PAKN_KEY_DIR: path.join(env.dir, 'keys') };
  sh(bin('paknctl'), ['migrate', 'sql'], { env: e, stdio: 'pipe' });
  for (const plan of fs.readdirSync(path.join(root, 'data/plans')).filter((f) => f.endsWith('.txt')))
    sh(bin('paknctl'), ['import-plan', path.join('data/plans', plan)], { env: e, stdio: 'pipe' });
}

export function teardown() {
  if (!env.pgdir) return;
  try { sh('tools/pgcluster.sh', ['stop', env.pgdir], { stdio: 'pipe' }); } catch { /* gone */ }
  fs.rmSync(env.dir, { recursive: true, force: true });
}

// paknctl against the run's database; input goes to its standard input (passwords).
export function paknctl(args, input = '') {
  return sh(bin('paknctl'), args, {
    input,
    env: { ...process.env, PAKN_DATABASE_URL: env.url, PAKN_KEY_DIR: path.join(env.dir, 'keys') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts pakn-server with settings as PAKN_* environment variables ({ INTAKE_RATE: 5 }).
// opts.prefix runs it under another command (['prlimit', '--nofile=64:64', '--']).
// Resolves when /readyz answers 200. The returned object: url, port, pid, log (path),
// rssKiB(), stop() (SIGTERM, waits for the exit and resolves to its code), exited.
export async function startServer(settings = {}, opts = {}) {
  const port = await freePort();
  const log = path.join(env.dir, `server-${port}.log`);
  const fd = fs.openSync(log, 'a');
  const envv = { ...process.env, PAKN_DATABASE_URL: env.url, PAKN_KEY_DIR: path.join(env.dir, 'keys'),
    PAKN_LISTEN: `127.0.0.1:${port}`, PAKN_STATIC_DIR: path.join(root, 'build/www') };
  for (const [k, v] of Object.entries(settings)) envv[`PAKN_${k.toUpperCase()}`] = String(v);
  const prefix = opts.prefix || [];
  const argv = [...prefix, bin('pakn-server')];
  const child = spawn(argv[0], argv.slice(1), { cwd: root, env: envv, stdio: ['ignore', 'ignore', fd] });
  fs.closeSync(fd);
  let exitCode = null;
  const exited = new Promise((r) => child.on('exit', (code, sig) => { exitCode = code ?? sig; r(exitCode); }));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exitCode !== null) throw new Error(`pakn-server exited (${exitCode}):\n${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    try { if ((await fetch(url + '/readyz')).ok) break; } catch { /* not yet */ }
    if (i > 400) throw new Error('pakn-server did not become ready');
    await sleep(25);
  }
  return {
    url, port, pid: child.pid, log, exited,
    get exitCode() { return exitCode; },
    rssKiB() {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : NaN;
    },
    async stop() {
      if (exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// Opens a raw connection; resolves to an object that sends bytes as given and collects
// what comes back. closed resolves when the server closes (or resets) the connection.
export function connect(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    s.setNoDelay(true);
    const chunks = [];
    let closedResolve;
    const closed = new Promise((r) => { closedResolve = r; });
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => { /* a reset counts as closed */ });
    s.on('close', () => closedResolve(Buffer.concat(chunks)));
    s.once('connect', () => resolve({
      socket: s,
      closed,
      send: (bytes) => new Promise((r) => s.write(bytes, r)),
      received: () => Buffer.concat(chunks),
      end: () => s.end(),
      destroy: () => s.destroy(),
    }));
    s.once('error', reject);
  });
}

// Sends bytes on a fresh connection, half-closes nothing, and resolves to everything
// received once the server closes or ms passes.
export async function exchange(port, bytes, ms = 2000) {
  const c = await connect(port);
  await c.send(bytes);
  const timer = sleep(ms).then(() => null);
  const got = await Promise.race([c.closed, timer]);
  c.destroy();
  return { text: (got ?? c.received()).toString('latin1'), closed: got !== null };
}

// The status codes of every response in a byte stream, in order.
export function statuses(text) {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

// Signs an official in (made with paknctl first), enrolling its second factor when the
// sign-in asks for it, and returns { cookie, csrf } of a session that has passed it.
export async function signIn(url, user, password) {
  const r = await fetch(url + '/api/v1/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  if (r.status !== 200) throw new Error(`sign-in of ${user}: ${r.status} ${await r.text()}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const body = await r.json();
  const csrf = body.csrf_token ?? body.csrf;
  if (body.second_factor === 'enrol') {
    const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf };
    const enrol = await (await fetch(url + '/api/v1/auth/totp/enrol', { method: 'POST', headers, body: '{}' })).json();
    const v = await fetch(url + '/api/v1/auth/totp/verify', {
      method: 'POST', headers, body: JSON.stringify({ code: totpCode(enrol.secret) }),
    });
    if (v.status !== 200) throw new Error(`second factor of ${user}: ${v.status} ${await v.text()}`);
  }
  return { cookie, csrf };
}
