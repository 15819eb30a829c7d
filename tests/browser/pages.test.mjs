// pages.test.mjs - every page, as loaded: no script error or CSP violation, axe-core finds
// no serious or critical problem, it fits 360 px without sideways scrolling, screenshots
// at 360 px and 1280 px, the chrome of static/_layout.html (the navigation marks the page
// itself, the language switch turns it into English); the citizen page's first load stays under 150 KB; text sent by a
// citizen that looks like HTML shows as text wherever it appears.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('pages');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

// name, address, and the navigation link marked as the current page (the console is not
// in the navigation).
const pages = [
  ['citizen', '/', '/'],
  ['track', '/track/', '/track/'],
  ['feed', '/feed/?item=LC-T3', '/feed/'],
  ['admin', '/admin/', null],
  ['dashboard', '/dashboard/?plan=LC-2026', '/dashboard/'],
];

for (const [name, path, current] of pages) {
  test(`${name} page: clean, accessible, fits 360 px, screenshots`, async () => {
    for (const width of [360, 1280]) {
      const page = await h.newPage(browser, { width });
      const res = await page.goto(srv.url + path, { waitUntil: 'networkidle' });
      assert.equal(res.status(), 200);
      assert.equal(await page.getAttribute('html', 'lang'), 'vi');
      const violations = await h.axeViolations(page);
      assert.deepEqual(violations, [], `axe on ${path} at ${width}px`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px at ${width}px`);
      await h.screenshot(page, name);
      const marked = await page.locator('.site-nav a[aria-current="page"]')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      assert.deepEqual(marked, current ? [current] : [], `the link marked current on ${path}`);
      await page.click('#lang-switch');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await page.textContent('.site-nav a[href="/track/"]'), 'Track feedback');
      assert.deepEqual(h.problemsOf(page), [], `script errors or CSP violations on ${path}`);
      await page.context().close();
    }
  });
}

test('the English switch changes the language and is remembered', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  const viTitle = await page.textContent('h1');
  await page.click('#lang-switch');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.notEqual(await page.textContent('h1'), viTitle);
  await page.reload({ waitUntil: 'networkidle' });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'citizen-en');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('the citizen page transfers under 150 KB on first load', async () => {
  const page = await h.newPage(browser, { width: 360 });
  let bytes = 0;
  const urls = [];
  page.on('response', async (res) => {
    try {
      const body = await res.body();
      bytes += body.length + (await res.headersArray()).reduce((n, x) => n + x.name.length + x.value.length + 4, 0);
      urls.push(`${res.url()} ${body.length}`);
    } catch { /* redirects have no body */ }
  });
  await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  assert.ok(bytes < 150 * 1024, `first load ${bytes} bytes:\n${urls.join('\n')}`);
  for (const u of urls) assert.ok(u.startsWith(srv.url), `only our own address: ${u}`);
  await page.context().close();
});

test('HTML in a citizen text or an answer shows as text on every page', async () => {
  const attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>đậm</b>';
  const answer = '<a href="javascript:alert(1)">trả lời</a><img src=y onerror="window.__xss=3">';
  const sent = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 2, kind: 'report', body: attack, consent: { publish: true },
  });
  assert.equal(sent.status, 201);
  const { tracking_code: code } = sent.body.receipt;
  const id = h.feedbackId(code);
  // A moderator publishes it and a responder answers, both in the item's agency.
  async function as(role, action) {
    const who = h.addOfficial(role, ['lc-cac-ban-dang-tinh']);
    const headers = await h.apiSignIn(srv.url, who);
    const r = await h.api(srv.url, 'POST', `/api/v1/moderation/${id}/actions`, action, headers);
    assert.equal(r.status, 200, r.text);
    return who;
  }
  const moderator = await as('moderator', { action: 'publish' });
  await as('responder', { action: 'answer', text: answer });

  const checks = [
    [`/feed/?item=LC-T3`, [attack, answer]],
    [`/track/?code=${code}`, [answer]],
  ];
  for (const [path, texts] of checks) {
    const page = await h.newPage(browser, { width: 360 });
    await page.goto(srv.url + path, { waitUntil: 'networkidle' });
    for (const text of texts) await page.getByText(text, { exact: true }).first().waitFor();
    await assertInert(page, path);
    await page.context().close();
  }
  // The console shows the text to the moderator as text too.
  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, moderator);
  await page.click(await h.findInQueue(page, 'LC-T3', id));
  await page.waitForFunction((t) => document.getElementById('detail-body').textContent === t, attack);
  await assertInert(page, '/admin/');
  await page.context().close();
});

async function assertInert(page, path) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `no script ran on ${path}`);
  assert.equal(await page.locator('img[src="x"], img[src="y"], a[href^="javascript"]').count(), 0, `no element made on ${path}`);
  assert.equal(await page.locator('main b').count(), 0, `no markup made on ${path}`);
  assert.deepEqual(h.problemsOf(page), []);
}
