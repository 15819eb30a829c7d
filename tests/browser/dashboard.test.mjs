// dashboard.test.mjs - the dashboard for people at 360 px (a phone), in Vietnamese and
// English (dashboard_lib.mjs walks it), and with one plan chosen: its sections by number,
// feedback on the whole plan or a whole section named in words, the quarterly review it links
// to. dashboard_wide.test.mjs walks it at 1366 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';
import { ctx, setup, walk, loaded, labelsOf, previousQuarter, scopeRows } from './dashboard_lib.mjs';

setup('dashboard');

for (const lang of ['vi', 'en']) {
  test(`dashboard at 360 px in ${lang}: names, points over intervals, comparison, tables, one period`, () => walk(360, lang));
}

test('one plan: its sections by number only, whole-plan and whole-section feedback named so', async () => {
  const { srv, browser } = ctx;
  const page = await h.newPage(browser, { width: 360 });
  await page.route('**/api/v1/metrics/satisfaction?*', scopeRows);
  await page.goto(srv.url + '/dashboard/?plan=DB-2026', { waitUntil: 'networkidle' });
  await loaded(page);
  assert.equal(await page.inputValue('#d-plan'), 'DB-2026');
  for (const t of await page.locator('#sec-section tbody tr:not([data-group="DB-2026"]) th').allInnerTexts()) {
    assert.match(t, /^Mục [IVX]+ \((nhiệm vụ|chỉ tiêu)\): \S/);
  }
  // The whole plan's own row among the sections.
  assert.match(await page.locator('#sec-section tr[data-group="DB-2026"] th').innerText(), /^Toàn bộ kế hoạch\s*ít dữ liệu$/);
  // The items nobody rated are listed by name, folded.
  const unrated = await page.locator('#sec-item details li').allTextContents();
  assert.ok(unrated.length > 50, `${unrated.length} unrated items listed`);
  for (const u of unrated) assert.match(u, /\S+.* DB-[TI]/);
  // Feedback on a whole plan or section (a plan_item of scope plan or section, when the
  // catalog has them) is named in words, not by its code alone.
  const names = await page.evaluate(() => [...document.querySelectorAll('#sec-item [data-group]')]
    .filter((el) => /^(DB-2026|DB-[TI]-[IVX]+)$/.test(el.dataset.group))
    .map((el) => (el.tagName === 'TR' ? el.querySelector('th') : el).textContent.trim()));
  assert.deepEqual(names.sort(), ['Toàn bộ kế hoạch · Điện Biên ít dữ liệu', 'Toàn bộ mục II: Phát triển nguồn lực DB-I-II',
    'Toàn bộ mục V: Về chuyển đổi số DB-T-V ít dữ liệu']);
  const labels = await labelsOf(page);
  // (A chart's labels are wrapped: words may be on separate lines.)
  assert.match(labels, /Toàn\s+bộ\s+kế\s+hoạch\s+·\s+Điện\s+Biên\s+\*/);
  assert.match(labels, /Toàn\s+bộ\s+mục\s+V:\s+Về\s+chuyển\s+đổi\s+số/);
  assert.doesNotMatch(labels, /:(indicator|task)(:|\b)/);
  assert.deepEqual(h.problemsOf(page), []);
  await page.unroute('**/api/v1/metrics/satisfaction?*');

  // The quarterly review it links to, on the phone: names, percentages, one decimal.
  const quarter = previousQuarter();
  await page.selectOption('#d-period', quarter.value);
  await page.waitForFunction(() => document.body.dataset.loaded === 'true');
  await Promise.all([page.waitForNavigation(), page.click('#quarterly-links a[href*="format=html"]')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  const review = await page.innerText('body');
  assert.match(review, new RegExp(`Quý: ${quarter.vi}`));
  assert.match(review, /Kế hoạch: Điện Biên — /);
  assert.match(review, /\d+,\d\u00a0%/, 'shares as percentages with a decimal comma');
  assert.doesNotMatch(review, /\d\.\d{4}/, 'no raw fraction');
  const row = await page.locator('tr:has(th:has-text("(DB-T-II.1)")) td').allInnerTexts();
  const api = (await h.api(srv.url, 'GET', `/api/v1/reports/quarterly?plan=DB-2026&quarter=${quarter.value}`)).body.rows
    .find((r) => r.level === 'item' && r.code === 'DB-T-II.1');
  assert.equal(row[0], String(api.count));
  assert.equal(row[1], api.mean.toFixed(1).replace('.', ','));
  assert.equal(row[2], `${(api.csat * 100).toFixed(1).replace('.', ',')}\u00a0%${api.insufficient_data ? '\u00a0*' : ''}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the review scrolls sideways by ${overflow}px`);
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'dashboard-quarterly');
  await page.context().close();
});
