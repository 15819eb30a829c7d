// find.test.mjs - finding the item on the citizen form (docs/web.md, "Finding the item"),
// at 360 px and 1366 px: each plan shown whole and browsed section by section to an item;
// a search counted from the catalog's total and paged with "more" to its last match; the
// deep link /?item=CODE with and without JavaScript; the item's QR code and its printable
// poster; 404 JSON for a code that names nothing. Screenshots tests/artifacts/find-*.png;
// axe-core 0 serious or critical; no sideways scroll.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('find');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

const WIDTHS = [360, 1366];
// An item in each plan, reached through its section: plan, section kind and code, item.
const ROUTES = [
  { plan: 'DB-2026', kind: 'task', section: 'V', item: 'DB-T-V.3.4' },
  { plan: 'LC-2026', kind: 'task', section: 'VI', item: 'LC-T25' },
];

async function api(path) {
  const res = await fetch(srv.url + path);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function json(path) {
  return JSON.parse((await api(path)).body);
}

async function assertFits(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} scrolls sideways by ${overflow}px at ${page.viewportSize().width}px`);
}

async function assertAccessible(page, what) {
  assert.deepEqual(await h.axeViolations(page), [], `axe on ${what} at ${page.viewportSize().width}px`);
}

async function openForm(width) {
  const page = await h.newPage(browser, { width });
  await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  await page.waitForSelector('#plan-choices input[value="LC-2026"]');
  return page;
}

test('each plan is named whole and browsed section by section to an item', async () => {
  const plans = (await json('/api/v1/plans')).plans;
  for (const width of WIDTHS) {
    const page = await openForm(width);
    for (const p of plans) {
      // The card shows the province and the whole title, inside the screen.
      const card = page.locator('label.plan-choice', { has: page.locator(`input[value="${p.code}"]`) });
      const text = (await card.textContent()).replace(/\s+/g, ' ');
      assert.ok(text.includes(p.province), `${p.code}'s card names ${p.province}`);
      assert.ok(text.includes(p.title.replace(/\s+/g, ' ')), `${p.code}'s card holds its whole title`);
      const box = await card.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width, `${p.code}'s card fits ${width}px`);
      const title = card.locator('.plan-title');
      assert.ok(await title.evaluate((e) => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1),
        `${p.code}'s title is not cut`);
    }
    for (const r of ROUTES) {
      const doc = await json(`/api/v1/items/${r.item}`);
      await page.locator('label.plan-choice', { has: page.locator(`input[value="${r.plan}"]`) }).click();
      await page.waitForSelector(`#item-results[data-plan="${r.plan}"] details.section-group`);
      const plan = await json(`/api/v1/plans/${r.plan}`);
      // Sections in the plan's own order, each with its count of items.
      const summaries = await page.locator('details.section-group > summary').allTextContents();
      assert.equal(summaries.length, plan.sections.length);
      plan.sections.forEach((s, i) => {
        assert.ok(summaries[i].includes(`${s.code}. ${s.title}`), `section ${i + 1} of ${r.plan}`);
        assert.ok(summaries[i].includes(`${s.item_count} mục`), `count of section ${s.code}`);
      });
      // "On the plan / this section as a whole" exactly where the catalog gives a code.
      assert.equal(await page.locator('#item-results > .whole-choice').count(), plan.feedback_code ? 1 : 0);
      const i = plan.sections.findIndex((s) => s.kind === r.kind && s.code === r.section);
      const details = page.locator('details.section-group').nth(i);
      await details.locator('summary').click();
      assert.equal(await details.locator('.whole-choice').count(), plan.sections[i].feedback_code ? 1 : 0);
      const button = details.locator(`button[data-code="${r.item}"]`);
      assert.equal((await button.locator('.item-name').textContent()), doc.title, 'the full title');
      assert.equal((await button.locator('.code').textContent()), r.item, 'the code after it');
      await assertFits(page, `${r.plan} browsed`);
      if (r === ROUTES[0]) {
        await h.screenshot(page, 'find-browse');
        await assertAccessible(page, 'the browsed plan');
      }
      await button.click();
      await page.waitForSelector('#item-details:not(.hidden)');
      assert.equal(await page.inputValue('#item_code'), r.item);
      assert.ok((await page.textContent('#item-title')).startsWith(doc.title));
      assert.ok((await page.textContent('#item-facts')).includes(plan.province));
      assert.equal(await page.getAttribute('#item-poster', 'href'), `/poster/?item=${r.item}`);
      await page.click('#item-change');
      await page.waitForSelector('#search-field:not(.hidden)');
    }
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();
  }
});

test('the whole plan and a whole section can be chosen when the catalog offers them', async (t) => {
  const plan = await json('/api/v1/plans/LC-2026');
  if (!plan.feedback_code) {
    t.skip('the catalog has no feedback on whole plans yet (CONTRACTS23 §1, helper D)');
    return;
  }
  const page = await openForm(360);
  await page.locator('label.plan-choice', { has: page.locator('input[value="LC-2026"]') }).click();
  await page.click(`#item-results > .whole-choice[data-code="${plan.feedback_code}"]`);
  await page.waitForSelector('#item-details:not(.hidden)');
  assert.equal(await page.inputValue('#item_code'), plan.feedback_code);
  assert.match(await page.textContent('#item-title'), /Toàn bộ kế hoạch/);
  await page.click('#item-change');
  const section = plan.sections.find((s) => s.feedback_code);
  const details = page.locator('details.section-group', { has: page.locator(`.whole-choice[data-code="${section.feedback_code}"]`) });
  await details.locator('summary').click();
  await details.locator('.whole-choice').click();
  await page.waitForSelector('#item-details:not(.hidden)');
  assert.equal(await page.inputValue('#item_code'), section.feedback_code);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('a search is counted from the catalog and paged to its last match', async () => {
  for (const width of WIDTHS) {
    const page = await openForm(width);
    // Without accents; the count is the catalog's total, not the page's length.
    const sohoa = await json('/api/v1/items?q=so+hoa&limit=1');
    await page.fill('#item-search', 'so hoa');
    await page.waitForFunction((n) => document.getElementById('item-results-status').textContent.startsWith(n + ' mục phù hợp.'), sohoa.total);
    assert.equal(await page.locator('#item-results button.item-choice').count(), sohoa.total);
    assert.ok(await page.isHidden('#item-more'), 'no "more" when all are shown');
    // Grouped: a heading per plan, one per section, a list under each.
    const plans = await page.locator('#item-results h3').allTextContents();
    assert.ok(plans.some((p) => p.includes('Điện Biên')) && plans.some((p) => p.includes('Lai Châu')));
    assert.ok(await page.locator('#item-results h4').count() >= 2);
    await h.screenshot(page, 'find-search');
    await assertAccessible(page, 'the search');
    await assertFits(page, 'the search');
    // In English the same list is redrawn in words, not fetched again.
    await page.click('#lang-switch');
    await page.waitForFunction((n) => document.getElementById('item-results-status').textContent === n + ' matching items.', sohoa.total);
    assert.ok((await page.locator('#item-results h3').allTextContents()).some((p) => p.startsWith('Province of Lai Châu')));
    assert.ok((await page.textContent('#plan-choices')).includes('All plans'));
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.getElementById('item-results-status').textContent.includes('mục phù hợp'));

    // More than a page: results 21 and after come with "more".
    const many = await json('/api/v1/items?q=chuyen+doi+so&limit=1');
    assert.ok(many.total > 20, `"chuyen doi so" matches ${many.total}`);
    await page.fill('#item-search', 'chuyen doi so');
    await page.waitForFunction((n) => document.getElementById('item-results-status').textContent.startsWith(n + ' mục phù hợp, đang hiện 20'), many.total);
    assert.equal(await page.locator('#item-results button.item-choice').count(), 20);
    assert.match(await page.textContent('#item-more'), new RegExp(`còn ${many.total - 20}`));
    await page.click('#item-more');
    await page.waitForFunction((n) => document.querySelectorAll('#item-results button.item-choice').length === n, many.total);
    assert.ok(await page.isHidden('#item-more'));
    const all = await json(`/api/v1/items?q=chuyen+doi+so&limit=200`);
    const shown = await page.locator('#item-results button.item-choice').evaluateAll((b) => b.map((x) => x.dataset.code));
    assert.deepEqual(shown, all.items.map((it) => it.code), 'every match, in the catalog\'s order, once');
    // "more" moves the focus to the first new match (result 21), which can be chosen.
    assert.equal(await page.evaluate(() => document.activeElement.dataset.code), all.items[20].code);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#item-details:not(.hidden)');
    assert.equal(await page.inputValue('#item_code'), all.items[20].code);
    await page.click('#item-change');

    // All plans, no words: every item reachable, a plan's tasks before its indicators.
    await page.fill('#item-search', '');
    // No plan chosen and no words: the first view's prompt, no list (its weight: weight.test).
    await page.waitForFunction(() => /^Chọn một kế hoạch ở trên/.test(document.getElementById('item-results-status').textContent));
    assert.equal(await page.locator('#item-results button.item-choice').count(), 0);
    await page.locator('label.plan-choice', { has: page.locator('input[value=""]') }).click();
    await page.waitForFunction(() => /^120 mục phù hợp, đang hiện 20/.test(document.getElementById('item-results-status').textContent));
    const first = await page.getAttribute('#item-results button.item-choice', 'data-code');
    assert.equal((await json(`/api/v1/items/${first}`)).kind, 'task', 'a task comes first, not an indicator');
    for (let n = 40; n <= 120; n += 20) {
      await page.click('#item-more');
      await page.waitForFunction((k) => document.querySelectorAll('#item-results button.item-choice').length === k, n);
    }
    assert.ok(await page.isHidden('#item-more'));
    await assertFits(page, 'the whole list');
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();
  }
});

test('the deep link chooses the item, with JavaScript and without', async () => {
  const doc = await json('/api/v1/items/LC-T25');
  for (const width of WIDTHS) {
    const page = await h.newPage(browser, { width });
    await page.goto(srv.url + '/?item=LC-T25', { waitUntil: 'networkidle' });
    await page.waitForSelector('#item-details:not(.hidden)');
    assert.equal(await page.inputValue('#item_code'), 'LC-T25');
    assert.ok((await page.textContent('#item-title')).startsWith(doc.title));
    assert.ok(await page.isHidden('#search-field'));
    await h.screenshot(page, 'find-deeplink');
    await assertAccessible(page, 'the deep link');
    await assertFits(page, 'the deep link');
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();

    // Without JavaScript: one list, grouped by province and section, full titles.
    const plain = await h.newPage(browser, { width, javaScriptEnabled: false });
    await plain.goto(srv.url + '/?item=LC-T25', { waitUntil: 'networkidle' });
    const groups = await plain.locator('#item_code optgroup').evaluateAll((g) => g.map((x) => x.label));
    assert.ok(groups.length >= 22, `${groups.length} groups`);
    assert.ok(groups.some((l) => l.includes('Lai Châu') && l.includes('VI.')));
    const option = (await plain.textContent('#item_code option[value="LC-T25"]')).replace(/\s+/g, ' ');
    assert.equal(option, `${doc.title.replace(/\s+/g, ' ')} (LC-T25)`);
    await plain.selectOption('#item_code', 'LC-T25');
    assert.equal(await plain.inputValue('#item_code'), 'LC-T25');
    await h.screenshot(plain, 'find-nojs');
    assert.deepEqual(await h.axeViolationsNoScript(browser, plain), [], `axe without script at ${width}px`);
    await assertFits(plain, 'the form without script');
    await plain.context().close();
  }
});

test('an item\'s QR code draws its deep link; its poster prints on one A4 page', async () => {
  const qr = await api('/api/v1/items/LC-T25/qr.svg');
  assert.equal(qr.status, 200);
  assert.equal(qr.type, 'image/svg+xml; charset=utf-8');
  const link = `${srv.url}/?item=LC-T25`;
  assert.ok(qr.body.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '));
  assert.ok(qr.body.includes(`<title>${link}</title>`), 'the link the code holds');
  // The modules: 4 white around a symbol of 21 + 4k; runs of dark modules inside it.
  const size = Number(qr.body.match(/viewBox="0 0 (\d+) \1"/)[1]);
  assert.equal((size - 8 - 21) % 4, 0, `${size} is a QR symbol with its quiet zone`);
  const runs = [...qr.body.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)];
  assert.ok(runs.length > 50);
  assert.ok(runs.every(([, x, y, n]) => +x >= 4 && +y >= 4 && +x + +n <= size - 4 && +y < size - 4));

  const none = await api('/api/v1/items/XX-T9/qr.svg');
  assert.equal(none.status, 404);
  assert.match(none.type, /^application\/json/);
  assert.equal(JSON.parse(none.body).error.code, 'not_found');

  const doc = await json('/api/v1/items/LC-T25');
  for (const width of WIDTHS) {
    const page = await h.newPage(browser, { width });
    await page.goto(srv.url + '/poster/?item=LC-T25', { waitUntil: 'networkidle' });
    await page.waitForSelector('#poster:not(.hidden) #poster-qr svg');
    assert.ok((await page.textContent('#poster-title')).startsWith(doc.title));
    assert.ok((await page.textContent('#poster-plan')).includes('Lai Châu'));
    assert.equal(await page.textContent('#poster-link'), link.replace(/^https?:\/\//, ''));
    assert.equal(await page.locator('#poster-qr svg path').getAttribute('d'),
      qr.body.match(/ d="([^"]+)"/)[1], 'the poster shows the service\'s drawing');
    await h.screenshot(page, 'find-poster');
    await assertAccessible(page, 'the poster');
    await assertFits(page, 'the poster');
    if (width === 1366) {
      const pdf = (await page.pdf({ format: 'A4' })).toString('latin1');
      assert.equal((pdf.match(/\/Type\s*\/Page\b/g) || []).length, 1, 'one A4 page');
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 794, height: 1123 });
      assert.ok(await page.isHidden('.site-header'));
      assert.ok(await page.isHidden('#poster-form'));
      await page.screenshot({ path: `${h.artifacts}/find-poster-print-794.png`, fullPage: true });
    }
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();
  }
  // A code that names nothing: the poster says so in words.
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/poster/?item=XX-T9', { waitUntil: 'networkidle' });
  await page.waitForFunction(() => /Không tìm thấy/.test(document.getElementById('poster-status').textContent));
  assert.ok(await page.isHidden('#poster'));
  await page.context().close();
});
