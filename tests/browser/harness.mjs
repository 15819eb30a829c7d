// harness.mjs - what the browser tests share: the real pakn-server (the ASan build that
// tests/run.sh names) on a free loopback port, serving build/www against the test run's
// PostgreSQL; Debian's Chromium driven by playwright-core; pages that fail the test on
// any script error or content-security-policy violation; axe-core; screenshots under
// tests/artifacts/; officials made with paknctl. Run by tests/run.sh with `node --test`.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { totpCode } from '../totp.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const tmp = env.PAKN_TEST_TMP || '/tmp';
export const artifacts = path.join(root, 'tests/artifacts');

// Starts the server; resolves to {url, stop()} once /readyz answers 200.
export async function startServer(name, extraEnv = {}) {
  const bin = path.resolve(root, env.PAKN_SERVER_BIN || 'build/asan/pakn-server');
  const log = fs.openSync(path.join(tmp, `browser-${name}.log`), 'a');
  const child = spawn(bin, [], {
    cwd: root,
    env: {
      ...env,
      PAKN_LISTEN: '127.0.0.1:0',
      PAKN_THREADS: '2',
      PAKN_STATIC_DIR: path.join(root, 'build/www'),
      // Many submissions come from one address in these tests.
      PAKN_INTAKE_BURST: '1000',
      PAKN_INTAKE_RATE: '1000',
      PAKN_LOGIN_RATE: '1000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', log],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: server did not start`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name}: server exited ${code}`)); });
  });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url + '/readyz')).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () => new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.kill('SIGTERM');
    }),
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page at the given width (360 = a cheap phone) that records every script error,
// console error and CSP violation in page.problems; assertClean(page) fails on them.
export async function newPage(browser, { width = 1280, javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({
    viewport: { width, height: width < 600 ? 800 : 900 },
    javaScriptEnabled,
    acceptDownloads: true,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Chromium also logs every 4xx/5xx reply as an error; the pages expect some of those.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      page.problems.push(`console: ${m.text()}`);
    }
  });
  return page;
}

// Fails with the recorded problems (CSP violations are console errors in Chromium).
export function problemsOf(page) {
  return page.problems.slice();
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core's serious and critical violations on the page as it is now: [{id, impact,
// help, nodes}]. axe is added through the DevTools protocol, which the page's CSP does not
// govern.
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// The same for a page shown with JavaScript off (axe needs script): its HTML is put into
// a page with script on, at the same origin so its style sheet loads.
export async function axeViolationsNoScript(browser, page) {
  const html = await page.content();
  const js = await newPage(browser, { width: page.viewportSize().width });
  await js.goto(new URL('/api/v1', page.url()).href);
  await js.setContent(html, { waitUntil: 'networkidle' });
  const v = await axeViolations(js);
  await js.context().close();
  return v;
}

// tests/artifacts/<name>-<width>.png, full page.
export async function screenshot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  const width = page.viewportSize().width;
  await page.screenshot({ path: path.join(artifacts, `${name}-${width}.png`), fullPage: true });
}

// A database of the test run's PostgreSQL for this file alone, migrated and with the seed
// plans (as th_own_database in tests/integration/harness.c); resolves to its URL. For a
// file that checks the whole audit chain, which an integration test breaks on purpose in
// the shared database.
export function ownDatabase(suffix) {
  const base = env.PAKN_DATABASE_URL;
  const m = base.match(/dbname=(\S+)/);
  const name = `${m[1]}_${suffix}`;
  const url = base.replace(/dbname=\S+/, `dbname=${name}`);
  const psql = (sql) => execFileSync('psql', ['-X', '-q', base, '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  psql(`DROP DATABASE IF EXISTS ${name}`);
  const template = env.PAKN_TEST_DB_TEMPLATE;
  psql(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  if (!template) {
    const ctl = path.resolve(root, env.PAKNCTL_BIN || 'build/asan/paknctl');
    const opts = { cwd: root, env: { ...env, PAKN_DATABASE_URL: url }, stdio: ['ignore', 'ignore', 'inherit'] };
    execFileSync(ctl, ['migrate', 'sql'], opts);
    for (const plan of fs.readdirSync(path.join(root, 'data/plans')).filter((f) => f.endsWith('.txt'))) {
      execFileSync(ctl, ['import-plan', path.join('data/plans', plan)], opts);
    }
  }
  return url;
}

let officials = 0;
// Makes an official with paknctl (role: one, or several comma-separated); returns
// {username, password}.
export function addOfficial(role, agencies) {
  officials += 1;
  const username = `b${process.pid}.${role.replace(/,/g, '-')}.${officials}`;
  const password = `mật-khẩu-thử-${officials}-đủ-dài`;
  const args = ['official', 'add', username, '--role', role, '--name', `Cán bộ ${role} ${officials}`];
  for (const a of agencies) args.push('--agency', a);
  execFileSync(path.resolve(root, env.PAKNCTL_BIN || 'build/asan/paknctl'), args, {
    cwd: root, input: password + '\n', stdio: ['pipe', 'ignore', 'inherit'],
  });
  return { username, password };
}

// The row id of the feedback with this tracking code, which the console names feedback by
// (receipts do not carry it since version 2), from the test run's database.
export function feedbackId(code) {
  return Number(execFileSync('psql', ['-X', '-At', env.PAKN_DATABASE_URL, '-v', `code=${code}`],
    { input: "SELECT id FROM feedback WHERE tracking_code = :'code'\n", encoding: 'utf8' }).trim());
}

// Unfolds the console's filters (folded on a phone) so that they can be filled.
export async function openFilters(page) {
  await page.evaluate(() => { document.getElementById('filters-more').open = true; });
}

// In the signed-in console: filters the queue by item and pages through it until the
// feedback with this id is listed (other tests' feedback may come first: oldest first).
export async function findInQueue(page, itemCode, id) {
  // Clicks, then waits for the queue's reply to arrive and be drawn.
  const reload = async (selector) => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/moderation/queue')),
      page.click(selector),
    ]);
    await res.finished();
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  };
  await openFilters(page);
  await page.fill('#f-item', itemCode);
  await reload('#filter-form button[type=submit]');
  const row = `#queue button[data-id="${id}"]`;
  for (let i = 0; i < 40; i++) {
    if (await page.locator(row).count()) return row;
    if (await page.isHidden('#queue-more')) break;
    await reload('#queue-more');
  }
  throw new Error(`feedback ${id} is not in the queue`);
}

// JSON over HTTP: {status, body}.
export async function api(url, method, pathname, body, headers = {}) {
  const res = await fetch(url + pathname, {
    method,
    headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text, headers: res.headers };
}

// Runs pakn-verify on a receipt file with the server's keys (saved next to it, as a user
// would); returns its output, or throws when it exits non-zero.
export async function verifyReceipt(url, file) {
  const keys = file + '.keys.json';
  fs.writeFileSync(keys, await (await fetch(url + '/api/v1/keys')).text());
  return execFileSync(path.resolve(root, env.PAKN_VERIFY_BIN || 'build/asan/pakn-verify'),
    [file, '--keys', keys], { encoding: 'utf8' });
}

// Signs an official in over the API and enrols its second factor (its secret kept in
// who.secret): resolves to the headers of a session that has passed it (Cookie,
// X-CSRF-Token).
export async function apiSignIn(url, who) {
  const login = await api(url, 'POST', '/api/v1/auth/login', { username: who.username, password: who.password });
  if (login.status !== 200) throw new Error(`sign-in of ${who.username}: ${login.status} ${login.text}`);
  const headers = { Cookie: login.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': login.body.csrf_token };
  if (login.body.second_factor === 'enrol') {
    const enrol = await api(url, 'POST', '/api/v1/auth/totp/enrol', {}, headers);
    who.secret = enrol.body.secret;
    const done = await api(url, 'POST', '/api/v1/auth/totp/verify', { code: totpCode(enrol.body.secret) }, headers);
    if (done.status !== 200) throw new Error(`second factor of ${who.username}: ${done.status} ${done.text}`);
  }
  return headers;
}

// Signs an official in through the console's forms, through the second factor: enrols it
// (QR code, the code, the recovery codes) the first time, else types the code of the next
// step (the one of this step may have been used: codes are never taken twice). With
// check, awaits check(page, 'enrol' | 'verify') while that view shows. Resolves once the
// console shows and the first page of its queue is drawn.
export async function consoleSignIn(page, url, who, check) {
  await page.goto(url + '/admin/', { waitUntil: 'networkidle' });
  await page.fill('#username', who.username);
  await page.fill('#password', who.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#second-factor:not(.hidden), #console:not(.hidden)');
  if (await page.isVisible('#second-factor')) {
    const enrol = await page.isVisible('#sf-enrol');
    if (enrol) {
      await page.waitForSelector('#totp-qr svg');
      who.secret = (await page.textContent('#totp-secret')).replace(/\s+/g, '');
    }
    if (check) await check(page, enrol ? 'enrol' : 'verify');
    await page.fill('#totp-code', totpCode(who.secret, enrol ? 0 : 1));
    await page.click('#sf-submit');
    if (enrol) {
      await page.waitForSelector('#sf-recovery:not(.hidden)');
      who.recovery = await page.locator('#recovery-codes li').allTextContents();
      if (who.recovery.length !== 10) throw new Error('not ten recovery codes');
      await page.click('#sf-done');
    }
  }
  await page.waitForSelector('#console:not(.hidden)');
  // The first page of the queue drawn, so that a test's own request is not taken for it.
  await page.waitForFunction(() => document.getElementById('queue-status').textContent !== '');
}
