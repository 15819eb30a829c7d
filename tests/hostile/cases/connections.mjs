// connections.mjs - connection floods (issue 19, point 4): the process at its file-descriptor
// limit must pause accepting, not spin a core and write megabytes of non-JSON warnings, and
// serve again once connections close; a client over max_connections_per_address, or over
// max_connections, gets a JSON 503 while the connections already open keep working; the
// metrics listener's connections are held to the same caps.
import fs from 'node:fs';
import net from 'node:net';
import { env, freePort, sleep, startServer } from '../lib.mjs';

export const name = 'connections';

const FD_LIMIT = 128;
const HOLD = 300; // connections opened against FD_LIMIT: the rest wait in the backlog
const CLK_TCK = 100; // /proc/<pid>/stat counts CPU time in these (Linux USER_HZ)
const MEASURE_MS = 3000;

// A raw connection from a chosen local address (any 127.x.y.z reaches 127.0.0.1), so each
// part of this case has an address of its own. Collects what arrives.
function open(port, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    const c = { socket: s, data: Buffer.alloc(0), closed: false, from: 0 };
    s.on('data', (d) => { c.data = Buffer.concat([c.data, d]); });
    s.on('error', () => { /* a reset counts as closed */ });
    s.on('close', () => { c.closed = true; });
    s.once('connect', () => resolve(c));
    s.once('error', reject);
  });
}

// Sends one GET on c and resolves to the status of its reply (0 if none within ms).
async function get(c, path, ms = 2000) {
  c.from = c.data.length;
  c.socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  for (let waited = 0; waited < ms; waited += 10) {
    const m = /^HTTP\/1\.1 (\d{3})/.exec(c.data.subarray(c.from).toString('latin1'));
    if (m) return Number(m[1]);
    if (c.closed) return 0;
    await sleep(10);
  }
  return 0;
}

// The one reply a refused connection gets: status, headers (lower-case names) and JSON body.
function parseReply(buf) {
  const text = buf.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [first, ...lines] = text.slice(0, end).split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = null;
  try { body = JSON.parse(text.slice(end + 4)); } catch { /* not JSON */ }
  return { status: Number(first.split(' ')[1]), headers, body };
}

// True when a refusal is the JSON 503 of conn_guard.c and the connection was closed.
function isRefusal(c, which) {
  const r = parseReply(c.data);
  return !!r && c.closed && r.status === 503 && r.headers['retry-after'] === '2' &&
    /close/i.test(r.headers.connection || '') && r.body?.error?.code === 'too_many_connections' &&
    typeof r.body.error.request_id === 'string' && r.body.error.message.includes(which);
}

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function nonJsonLines(log) {
  return fs.readFileSync(log, 'utf8').split('\n').filter((l) => {
    if (!l) return false;
    try { return typeof JSON.parse(l) !== 'object'; } catch { return true; }
  });
}

// Stops srv; it must exit 0 having written nothing but JSON lines.
async function finish(t, srv, what) {
  const code = await srv.stop();
  const bad = nonJsonLines(srv.log);
  t.ok(code === 0 && bad.length === 0, `${what}: the server exits 0 and its log is all JSON (exit ${code}, ${bad.length} other lines)`);
}

async function atFdLimit(t) {
  // The caps set out of the way, so the descriptors run out first (soft = hard: the server
  // raises its soft limit to the hard one).
  const srv = await startServer({ threads: 2, max_connections: 100000,
    max_connections_per_address: 100000, request_timeout: 60 },
  { prefix: ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'] });
  try {
    const held = [];
    for (let i = 0; i < HOLD; i++) held.push(await open(srv.port));
    await sleep(300);
    const fds = fs.readdirSync(`/proc/${srv.pid}/fd`).length;
    t.figure(`descriptors open under a limit of ${FD_LIMIT}`, fds);
    t.ok(fds >= FD_LIMIT - 4, `the server is at its descriptor limit (${fds} of ${FD_LIMIT})`);

    const cpu0 = cpuTicks(srv.pid);
    const log0 = fs.statSync(srv.log).size;
    const t0 = Date.now();
    await sleep(MEASURE_MS);
    const secs = (Date.now() - t0) / 1000;
    const cpu = (100 * (cpuTicks(srv.pid) - cpu0)) / CLK_TCK / secs;
    const logRate = (fs.statSync(srv.log).size - log0) / secs;
    t.figure('CPU at the descriptor limit', cpu.toFixed(1), '% of a core');
    t.figure('log written at the descriptor limit', Math.round(logRate), 'bytes/s');
    t.ok(cpu < 10, `accepting pauses instead of spinning (${cpu.toFixed(1)} % of a core)`);
    t.ok(logRate < 4096, `a few log lines, not a warning per accept (${Math.round(logRate)} bytes/s)`);
    const bad = nonJsonLines(srv.log);
    t.ok(bad.length === 0, `every log line is JSON (${bad.length} are not${bad.length ? ': ' + bad[0].slice(0, 80) : ''})`);

    for (const c of held) c.socket.destroy();
    const t1 = Date.now();
    let status = 0;
    while (status !== 200 && Date.now() - t1 < 3000) {
      const c = await open(srv.port);
      status = await get(c, '/healthz', 500);
      c.socket.destroy();
    }
    const ms = Date.now() - t1;
    t.figure('first reply after the idle connections closed', ms, 'ms');
    t.ok(status === 200 && ms < 1500, `a new client is served within about a second (${status} after ${ms} ms)`);
  } finally {
    await finish(t, srv, 'at the descriptor limit');
  }
}

async function perAddress(t) {
  const CAP = 4;
  const srv = await startServer({ threads: 2, max_connections_per_address: CAP,
    request_timeout: 60, trusted_proxies: '127.0.0.4' });
  try {
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await open(srv.port, '127.0.0.2'));
    await sleep(100);
    const extra = await open(srv.port, '127.0.0.2');
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    for (let i = 0; i < 100 && !extra.closed; i++) await sleep(10);
    t.ok(isRefusal(extra, 'Your address has too many connections'),
      `connection ${CAP + 1} from one address gets the JSON 503 and is closed: ${JSON.stringify(extra.data.toString('utf8').slice(0, 400))}`);
    const statuses = [];
    for (const c of held) statuses.push(await get(c, '/healthz'));
    t.ok(statuses.every((s) => s === 200), `the ${CAP} connections already open are served (${statuses})`);
    const other = await open(srv.port, '127.0.0.3');
    t.ok(await get(other, '/healthz') === 200, 'another address is served meanwhile');
    other.socket.destroy();

    held.pop().socket.destroy();
    let again = 0;
    for (let i = 0; i < 20 && again !== 200; i++) {
      await sleep(50);
      const c = await open(srv.port, '127.0.0.2');
      again = await get(c, '/healthz', 500);
      if (again === 200) held.push(c); else c.socket.destroy();
    }
    t.ok(again === 200, 'a connection closed makes room for another from the same address');

    const proxied = [];
    for (let i = 0; i < CAP + 2; i++) proxied.push(await open(srv.port, '127.0.0.4'));
    const ps = [];
    for (const c of proxied) ps.push(await get(c, '/healthz'));
    t.ok(ps.every((s) => s === 200), `a trusted proxy is not held to the per-address cap (${ps})`);
    for (const c of [...held, ...proxied]) c.socket.destroy();
  } finally {
    await finish(t, srv, 'per-address cap');
  }
}

async function total(t) {
  const CAP = 6;
  const srv = await startServer({ threads: 2, max_connections: CAP, request_timeout: 60 });
  try {
    // The harness's readiness check may still hold one keep-alive connection.
    const held = [];
    let refused = null;
    for (let i = 0; i <= CAP && !refused; i++) {
      const c = await open(srv.port, '127.0.0.5');
      await sleep(150);
      if (c.data.length || c.closed) refused = c; else held.push(c);
    }
    t.ok(refused && isRefusal(refused, 'The server has too many connections'),
      `past max_connections (${CAP}) a connection gets the JSON 503 and is closed`);
    t.ok(held.length >= CAP - 1 && held.length <= CAP, `${held.length} connections were admitted before it`);
    const statuses = [];
    for (const c of held) statuses.push(await get(c, '/healthz'));
    t.ok(statuses.every((s) => s === 200), `the connections already open are served (${statuses})`);
    for (const c of held) c.socket.destroy();
  } finally {
    await finish(t, srv, 'total cap');
  }
}

// With max_connections left at 0 the cap follows the descriptor limit, so the kernel's
// limit is never the one clients meet.
async function automaticCap(t) {
  const srv = await startServer({ threads: 2, request_timeout: 60 },
    { prefix: ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'] });
  try {
    const conns = [];
    for (let i = 0; i < FD_LIMIT; i++) conns.push(await open(srv.port, '127.0.0.6'));
    await sleep(500);
    const refused = conns.filter((c) => c.closed);
    const line = fs.readFileSync(srv.log, 'utf8').split('\n').find((l) => l.includes('"connection limits"'));
    const cap = line ? JSON.parse(line).max_connections : 0;
    t.figure(`max_connections derived from an open-files limit of ${FD_LIMIT}`, cap);
    t.ok(cap > 0 && cap < FD_LIMIT - 32, `the derived cap leaves room for other descriptors (${cap})`);
    t.ok(refused.length > 0 && refused.every((c) => isRefusal(c, 'The server has too many connections')),
      `past the derived cap clients get the JSON 503 (${refused.length} of ${FD_LIMIT})`);
    const log = fs.readFileSync(srv.log, 'utf8');
    t.ok(!/accept/i.test(log), 'the descriptors never ran out (no accept error logged)');
    for (const c of conns) c.socket.destroy();
  } finally {
    await finish(t, srv, 'derived cap');
  }
}

// PostgreSQL's notices (here its debug messages, asked for on every connection) went to
// stderr as plain text through libpq's default; they must be JSON lines, rate-limited.
async function notices(t) {
  const srv = await startServer({ threads: 2, log_level: 'debug',
    database_url: `${env.url} options='-c client_min_messages=debug5'` });
  try {
    for (let i = 0; i < 20; i++) await (await fetch(srv.url + '/readyz')).text();
    await sleep(1500); // the timers' statements go on; a suppressed count follows a flood
    const pg = fs.readFileSync(srv.log, 'utf8').split('\n').filter((l) => {
      try { return JSON.parse(l).source === 'postgresql'; } catch { return false; }
    });
    t.ok(pg.length > 0, `PostgreSQL's messages are JSON lines of the service's log (${pg.length})`);
  } finally {
    await finish(t, srv, 'PostgreSQL notices');
  }
}

// The metrics listener (metrics_listen) is another way in: its connections count too.
async function metricsListener(t) {
  const CAP = 2;
  const mport = await freePort();
  const srv = await startServer({ threads: 2, max_connections_per_address: CAP,
    request_timeout: 60, metrics_listen: `127.0.0.1:${mport}` });
  try {
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await open(mport, '127.0.0.5'));
    await sleep(100);
    const extra = await open(mport, '127.0.0.5');
    extra.socket.write('GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n');
    for (let i = 0; i < 100 && !extra.closed; i++) await sleep(10);
    t.ok(isRefusal(extra, 'Your address has too many connections'),
      `connection ${CAP + 1} from one address to metrics_listen gets the JSON 503 and is closed`);
    t.ok(await get(held[0], '/metrics') === 200, 'the metrics connections already open are served');
    for (const c of held) c.socket.destroy();
  } finally {
    await finish(t, srv, 'metrics listener');
  }
}

export async function run(t) {
  await atFdLimit(t);
  await perAddress(t);
  await metricsListener(t);
  await total(t);
  await automaticCap(t);
  await notices(t);
}
