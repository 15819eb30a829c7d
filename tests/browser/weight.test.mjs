// weight.test.mjs - what each public page costs a phone: the bytes on the wire on a first
// visit (cold cache) and on a repeat visit (warm cache), both at 360 px, summed from the
// DevTools protocol's Network.loadingFinished (encodedDataLength: headers and body as
// sent, compressed when they were), and the time to the load event on a slow link
// (400 kbit/s each way, 300 ms round trip, the CPU slowed 4×), cold. Writes the figures to
// tests/artifacts/page-weight.md, then checks the targets of docs/web.md ("Weight and
// compression"); a page over a target fails with its figure, the table is written first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';

const KB = 1024;
// page, address, first-visit target (bytes)
const pages = [
  ['/', '/', 40 * KB],
  ['/track/', '/track/', 40 * KB],
  ['/feed/', '/feed/', 40 * KB],
  ['/dashboard/', '/dashboard/', 110 * KB],
];
const REPEAT_MAX = 5 * KB;
const LOAD_MAX_S = 2.5;
// 400 kbit/s as the protocol counts it: bytes per second.
const SLOW = { offline: false, latency: 300, downloadThroughput: 400000 / 8, uploadThroughput: 400000 / 8 };

let srv;
let browser;

before(async () => {
  srv = await h.startServer('weight');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// Counts the bytes of every request the page makes from now on; returns a function that
// gives the sum and the list.
async function meter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map();
  const seen = [];
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    seen.push([urls.get(e.requestId), e.encodedDataLength]);
  });
  return { cdp, total: () => seen.reduce((n, [, b]) => n + b, 0), list: () => seen.slice() };
}

// Loads address and waits for the network to be quiet (the pages fetch from the API).
async function visit(page, address) {
  const res = await page.goto(srv.url + address, { waitUntil: 'networkidle' });
  assert.equal(res.status(), 200, address);
}

async function firstAndRepeat(address) {
  const page = await h.newPage(browser, { width: 360 });
  const first = await meter(page);
  await visit(page, address);
  // A repeat visit: another tab of the same browser (same cache) opening the page again.
  const again = await page.context().newPage();
  const repeat = await meter(again);
  await visit(again, address);
  const figures = { first: first.total(), repeat: repeat.total(), firstList: first.list(), repeatList: repeat.list() };
  assert.deepEqual(h.problemsOf(page), [], `script errors on ${address}`);
  await page.context().close();
  return figures;
}

// Seconds from the start of navigation to the end of the load event, cold, on the slow link.
async function throttledLoad(address) {
  const page = await h.newPage(browser, { width: 360 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(srv.url + address, { waitUntil: 'load', timeout: 60000 });
  const ms = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav.loadEventEnd - nav.startTime;
  });
  await page.context().close();
  return ms / 1000;
}

const kb = (b) => (b / KB).toFixed(1);

test('page weight: first visit, repeat visit and load on a slow link, at 360 px', async () => {
  const rows = [];
  for (const [name, address, firstMax] of pages) {
    const w = await firstAndRepeat(address);
    const load = await throttledLoad(address);
    rows.push({ name, firstMax, load, ...w });
  }
  const lines = [
    '# Page weight',
    '',
    `Measured by tests/browser/weight.test.mjs on ${new Date().toISOString()}: Chromium at 360 px,`,
    'bytes on the wire (headers and bodies, as compressed) from Network.loadingFinished;',
    'repeat = the same page opened again in the same browser; load = navigation start to the',
    'end of the load event on 400 kbit/s each way, 300 ms round trip, CPU 4× slower, cold cache.',
    '',
    '| page | first visit KB | repeat KB | throttled load s | targets |',
    '|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${kb(r.first)} | ${kb(r.repeat)} | ${r.load.toFixed(2)} | ` +
      `first ≤ ${r.firstMax / KB} KB, repeat ≤ ${REPEAT_MAX / KB} KB, load ≤ ${LOAD_MAX_S} s |`),
    '',
    '## Requests',
    '',
    ...rows.flatMap((r) => [
      `### ${r.name}`, '',
      'first visit:', '',
      ...r.firstList.map(([u, b]) => `- ${u.replace(srv.url, '')}: ${b} B`), '',
      'repeat visit:', '',
      ...r.repeatList.map(([u, b]) => `- ${u.replace(srv.url, '')}: ${b} B`), '',
    ]),
  ];
  fs.mkdirSync(h.artifacts, { recursive: true });
  fs.writeFileSync(path.join(h.artifacts, 'page-weight.md'), lines.join('\n'));
  const over = [];
  for (const r of rows) {
    if (r.first > r.firstMax) over.push(`${r.name}: first visit ${kb(r.first)} KB > ${r.firstMax / KB} KB`);
    if (r.repeat > REPEAT_MAX) over.push(`${r.name}: repeat visit ${kb(r.repeat)} KB > ${REPEAT_MAX / KB} KB`);
    if (r.load > LOAD_MAX_S) over.push(`${r.name}: load ${r.load.toFixed(2)} s > ${LOAD_MAX_S} s`);
  }
  assert.deepEqual(over, [], 'pages over their targets (tests/artifacts/page-weight.md)');
});
