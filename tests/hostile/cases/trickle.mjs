// trickle.mjs - memory proportional to bytes received, and deadlines for reading a request
// (issue 19, points 3 and 4): 20 connections each trickling 20 KB one byte per TCP segment,
// as a body and as header lines, with the server's RSS before, during and after; and a
// client sending a byte every 3 s, closed within the header (or body) deadline.
import { startServer, connect, sleep } from '../lib.mjs';

export const name = 'trickle';

const CONNS = 20;
const BYTES = 20000;

// Sends bytes one write at a time, each after the last has gone out and a millisecond more,
// so that each is its own TCP segment (setNoDelay is on) and the server reads each alone.
async function trickle(c, bytes) {
  for (let i = 0; i < bytes.length; i++) {
    await c.send(bytes.subarray(i, i + 1));
    await sleep(1);
  }
}

const mib = (kib) => (kib / 1024).toFixed(1);

// On a fresh server (deadlines far away, a larger head allowed, so memory alone is
// measured): opens CONNS connections, sends each head whole and trickles the rest, and
// reports the RSS it had idle, with all bytes in, and 2 s after the clients close.
async function trickleAll(t, what, head, rest) {
  const srv = await startServer({ HEADER_TIMEOUT: 600, BODY_TIMEOUT: 600, MAX_HEADER_BYTES: 32768 });
  try {
    for (let i = 0; i < 20; i++) await fetch(srv.url + '/healthz');
    await sleep(500);
    const idle = srv.rssKiB();
    const conns = [];
    for (let i = 0; i < CONNS; i++) conns.push(await connect(srv.port));
    await Promise.all(conns.map(async (c) => {
      await c.send(head);
      await trickle(c, rest);
    }));
    await sleep(500);
    const peak = srv.rssKiB();
    const open = conns.filter((c) => c.received().length === 0 && !c.socket.destroyed).length;
    for (const c of conns) c.destroy();
    await sleep(2000);
    const after = srv.rssKiB();
    t.figure(`${what}: idle RSS`, mib(idle), 'MiB');
    t.figure(`${what}: RSS added by ${CONNS} connections x ${rest.length / 1000} KB trickled a byte per segment`,
      mib(peak - idle), 'MiB');
    t.figure(`${what}: RSS 2 s after they closed`, mib(after), 'MiB');
    t.ok(open === CONNS, `${what}: all ${CONNS} connections were still being read (${open})`);
    t.ok(peak - idle < 5 * 1024, `${what}: trickling adds < 5 MiB (${mib(peak - idle)} MiB)`);
    t.ok(after < 2 * idle, `${what}: RSS after close is within 2x idle (${mib(after)} vs ${mib(idle)} MiB)`);
    t.ok(srv.exitCode === null, `${what}: the server is still running`);
  } finally {
    await srv.stop();
  }
}

// Sends head whole, then one byte of bytes every 3 s; returns whether and after how many
// seconds (from the first byte) the server closed the connection, and what it sent. Gives
// up after limit seconds.
async function slowClient(port, head, bytes, limit) {
  const c = await connect(port);
  const t0 = Date.now();
  let closed = false;
  c.closed.then(() => { closed = true; });
  if (head) await c.send(head);
  for (let i = 0; i < bytes.length && !closed && Date.now() - t0 < limit * 1000; i++) {
    await c.send(bytes.subarray(i, i + 1));
    for (let k = 0; k < 30 && !closed; k++) await sleep(100);
  }
  const got = await Promise.race([c.closed, sleep(Math.max(0, limit * 1000 - (Date.now() - t0))).then(() => null)]);
  const seconds = (Date.now() - t0) / 1000;
  c.destroy();
  return { closed: got !== null, seconds, text: (got ?? c.received()).toString('latin1') };
}

export async function run(t) {
  // Bodies: the head whole, then 20 KB of a 20,001-byte body.
  await trickleAll(t, 'bodies', 'POST /api/v1/feedback HTTP/1.1\r\nHost: x\r\n' +
    `Content-Type: application/json\r\nContent-Length: ${BYTES + 1}\r\n\r\n`, Buffer.alloc(BYTES, 'x'));
  // Headers: 20 KB of short header lines, the head never ended.
  let lines = '';
  while (lines.length < BYTES) lines += `X-${lines.length}: v\r\n`;
  await trickleAll(t, 'header lines', 'GET /healthz HTTP/1.1\r\nHost: x\r\n', Buffer.from(lines.slice(0, BYTES)));

  // The default deadlines: headers within 5 s of a request's first byte; a body within
  // 10 s + its length at 4 KiB/s.
  const srv2 = await startServer();
  try {
    const head = await slowClient(srv2.port, '', Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), 20);
    t.figure('a head trickled at a byte every 3 s is closed after', head.closed ? head.seconds.toFixed(1) : `never (open at ${head.seconds.toFixed(1)})`, 's');
    t.ok(head.closed && head.seconds < 7, `a head at a byte every 3 s is closed within the 5 s deadline (${head.closed ? head.seconds.toFixed(1) + ' s' : 'still open'})`);
    t.ok(/^HTTP\/1\.[01] 408 /.test(head.text) && /"code":"request_timeout"/.test(head.text),
      `…with a 408 JSON reply (${JSON.stringify(head.text.slice(0, 40))})`);

    const body = await slowClient(srv2.port, 'POST /api/v1/feedback HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n', Buffer.alloc(100, 'x'), 25);
    t.figure('a 100-byte body trickled at a byte every 3 s is closed after', body.closed ? body.seconds.toFixed(1) : `never (open at ${body.seconds.toFixed(1)})`, 's');
    t.ok(body.closed && body.seconds < 13, `a body at a byte every 3 s is closed within its 11 s deadline (${body.closed ? body.seconds.toFixed(1) + ' s' : 'still open'})`);
    t.ok(srv2.exitCode === null, 'the server is still running');
  } finally {
    await srv2.stop();
  }
}
