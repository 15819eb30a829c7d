// scope.test.mjs - the national channel's scope in the pages (issue 23, point 2): the citizen
// form offers the six kinds, Sáng kiến and Giải pháp among them, in both languages; feedback
// on a whole plan (LC-2026) and a whole section (LC-T-V) reaches the console of the plan's
// default agency, named "Cả kế hoạch" / "Cả phần" with its kind in words, at 360 and 1366 px;
// the console's kind filter takes the new kinds; axe finds nothing serious.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('scope');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

const KINDS = [
  ['opinion', 'Ý kiến', 'Opinion'], ['proposal', 'Kiến nghị', 'Proposal'],
  ['report', 'Phản ánh', 'Report of a problem'], ['question', 'Câu hỏi', 'Question'],
  ['initiative', 'Sáng kiến', 'Initiative'], ['solution', 'Giải pháp', 'Solution'],
];

test('the citizen form offers six kinds, in both languages', async () => {
  for (const width of [360, 1366]) {
    const page = await h.newPage(browser, { width });
    await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
    const radios = await page.$$eval('input[name=kind]', (l) => l.map((i) => ({
      value: i.value, vi: i.parentElement.textContent.trim(),
      en: i.parentElement.querySelector('[data-en]').getAttribute('data-en'),
      shown: i.getBoundingClientRect().width > 0,
    })));
    assert.deepEqual(radios.map((r) => [r.value, r.vi, r.en]), KINDS);
    assert.ok(radios.every((r) => r.shown), 'every kind can be chosen');
    await page.check('input[name=kind][value="initiative"]');
    assert.deepEqual(await h.axeViolations(page), []);
    await h.screenshot(page, 'form-kinds');
    await page.context().close();
  }
});

test('feedback on a whole plan and a whole section, in the console in words', async () => {
  const sent = [];
  for (const [item, kind, words, scope] of [
    ['LC-2026', 'initiative', 'Sáng kiến', 'Cả kế hoạch'],
    ['LC-T-V', 'solution', 'Giải pháp', 'Cả phần'],
  ]) {
    const r = await h.api(srv.url, 'POST', '/api/v1/feedback', {
      item_code: item, rating: 4, kind,
      body: `Góp ý về cả ${item}: nên công bố tiến độ hằng quý (${process.pid}-${Math.random().toString(36).slice(2, 8)}).`,
      consent: { publish: false },
    });
    assert.equal(r.status, 201, r.text);
    sent.push({ item, words, scope, id: h.feedbackId(r.body.receipt.tracking_code) });
  }
  const official = h.addOfficial('moderator,responder', ['lc-ban-chi-dao-tinh']);
  for (const width of [360, 1366]) {
    const page = await h.newPage(browser, { width });
    await h.consoleSignIn(page, srv.url, official);
    for (const f of sent) {
      const row = await h.findInQueue(page, f.item, f.id);
      const text = await page.locator(row).locator('xpath=ancestor::li[1]').innerText();
      assert.ok(text.includes(f.words), `${f.item}: the kind in words (${text})`);
      assert.ok(text.includes(`${f.scope} ${f.item}`), `${f.item}: named as a whole (${text})`);
      assert.doesNotMatch(text, /\b(initiative|solution|null|undefined)\b/);
    }
    // The kind filter takes the new kinds.
    await h.openFilters(page);
    await page.fill('#f-item', '');
    await page.selectOption('#f-kind', 'solution');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/moderation/queue')),
      page.click('#filter-form button[type=submit]'),
    ]);
    assert.equal(res.status(), 200);
    assert.match(res.url(), /kind=solution/);
    assert.deepEqual(await h.axeViolations(page), []);
    await h.screenshot(page, 'console-plan-scope');
    await page.context().close();
  }
});
