// console_contract.test.mjs - the console's bulk, template and duplicate UI against the
// replies CONTRACTS22 fixes, answered in the browser (page.route) where the service does not
// serve them yet: what the console sends (bodies), what it shows of the replies (per-row
// results, "similar: n", "duplicate of #id"), axe and 360 px. The real thing, end to end,
// is console_bulk.test.mjs once h-bulk and h-dup are merged; the stubs here then stand
// aside for the real routes only where noted (the queue is always the real one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('console_contract');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

const AGENCY = 'lc-cac-ban-dang-tinh';
// A tracking code's check symbol may be * or $: as plain text in a pattern.
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const tagOf = () => 'x' + Math.random().toString(36).slice(2, 10);

async function send(body, tag) {
  const r = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 4, kind: 'report', body: `${body} ${tag}`, consent: { publish: false },
  });
  assert.equal(r.status, 201, r.text);
  return { ...r.body.receipt, id: h.feedbackId(r.body.receipt.tracking_code) };
}

async function reloadQueue(page, click) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/moderation/queue')),
    click(),
  ]);
  await res.finished();
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  return res;
}

const json = (route, status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });

// The template routes of the contract, kept in memory; the requests made, in calls.
function stubTemplates(page, calls) {
  const items = [{ id: 7, agency: AGENCY, title: 'Cảm ơn', text: 'Cảm ơn góp ý về “{item_title}” ({item_code}), nhận ngày {received_date}, mã {tracking_code}.', updated_at: '2026-12-01T00:00:00Z' }];
  return page.route(/\/api\/v1\/moderation\/templates(\/\d+)?$/, async (route) => {
    const req = route.request();
    const body = req.postData() ? JSON.parse(req.postData()) : null;
    calls.push({ method: req.method(), url: req.url(), body });
    const id = Number((/templates\/(\d+)$/.exec(req.url()) || [])[1]);
    if (req.method() === 'GET') return json(route, 200, { items });
    if (req.method() === 'POST') {
      const t = { id: 8 + items.length, agency: body.agency, title: body.title, text: body.text, updated_at: new Date().toISOString() };
      items.push(t);
      return json(route, 201, { template: t });
    }
    const i = items.findIndex((t) => t.id === id);
    if (req.method() === 'PUT') { Object.assign(items[i], body); return json(route, 200, { template: items[i] }); }
    items.splice(i, 1);
    return json(route, 200, { deleted: id });
  });
}

test('bulk work against the contract: ticks, select all, the request, a result per row', async () => {
  const tag = tagOf();
  const fb = [await send('Đường vào xã bị sạt lở', tag), await send('Đường vào xã chưa sửa', tag), await send('Đường vào xã lầy lội', tag)];
  const official = h.addOfficial('moderator,responder', [AGENCY]);
  for (const width of [1280, 360]) {
    const page = await h.newPage(browser, { width });
    const calls = [];
    await stubTemplates(page, calls);
    let bulk = null;
    await page.route('**/api/v1/moderation/bulk', (route) => {
      bulk = JSON.parse(route.request().postData());
      const results = bulk.ids.map((id, i) => (i === 1
        ? { id, ok: false, error: { code: 'invalid_transition', message: 'Không thể làm việc này ở trạng thái hiện tại / Not possible in the current state' } }
        : { id, ok: true, state: bulk.action === 'reject' ? 'rejected' : 'answered' }));
      return json(route, 200, { results, done: results.length - 1, failed: 1 });
    });
    await h.consoleSignIn(page, srv.url, official);
    await h.openFilters(page);
    await page.fill('#f-q', tag);
    await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
    assert.equal(await page.locator('#queue > li').count(), 3);
    assert.ok(await page.isHidden('#bulk-bar'), 'no bar before a tick');
    await page.check(`#queue .q-check[data-id="${fb[0].id}"]`);
    assert.match(await page.textContent('#bulk-count'), /Đã chọn 1 góp ý/);
    assert.equal(await page.evaluate(() => document.getElementById('select-page').indeterminate), true);
    await page.check('#select-page');
    assert.match(await page.textContent('#bulk-count'), /Đã chọn 3 góp ý/);
    // Every bulk action the contract names, for an official with both roles.
    const offered = await page.locator('#bulk-actions button').evaluateAll((bs) => bs.map((b) => b.dataset.bulk));
    assert.deepEqual(offered, ['publish', 'reject', 'forward', 'close', 'answer', 'publish_answer']);

    // Answer with a template: the template's id is sent, not a text.
    await page.click('#bulk-actions button[data-bulk="answer"]');
    await page.selectOption('#b-template', '7');
    assert.equal(await page.inputValue('#b-text'), 'Cảm ơn góp ý về “{item_title}” ({item_code}), nhận ngày {received_date}, mã {tracking_code}.');
    assert.ok(await page.evaluate(() => document.getElementById('b-text').readOnly));
    if (width === 360) assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits 360 px');
    assert.deepEqual(await h.axeViolations(page), []);
    await reloadQueue(page, () => page.click('#bulk-submit'));
    assert.deepEqual(bulk, { action: 'answer', ids: fb.map((f) => f.id), template: 7 });
    await page.waitForSelector('#bulk-report:not(.hidden)');
    assert.match(await page.textContent('#bulk-summary'), /Trả lời: 2 góp ý xong, 1 không được/);
    assert.match(await page.textContent(`#bulk-results li.failed[data-id="${fb[1].id}"]`), new RegExp(`${esc(fb[1].tracking_code)}.*Không thể làm việc này ở trạng thái hiện tại`));
    assert.match(await page.textContent(`#bulk-results li.ok[data-id="${fb[0].id}"]`), /Đã trả lời/);
    // The failed row stays ticked, the others not.
    assert.deepEqual(await page.locator('#queue .q-check:checked').evaluateAll((cs) => cs.map((c) => Number(c.dataset.id))), [fb[1].id]);
    await page.click('#lang-switch');
    assert.match(await page.textContent('#bulk-summary'), /Answer: 2 done, 1 failed/);
    assert.match(await page.textContent(`#bulk-results li.failed[data-id="${fb[1].id}"]`), /Not possible in the current state/);
    assert.match(await page.textContent('#bulk-count'), /1 selected/);
    await page.click('#lang-switch');
    assert.deepEqual(await h.axeViolations(page), []);
    await h.screenshot(page, 'console-bulk-stub');

    // Reject with a reason and a note; a written answer is sent as text.
    await page.click('#bulk-actions button[data-bulk="reject"]');
    await page.selectOption('#b-reason', 'duplicate');
    await page.fill('#b-note', 'trùng nội dung');
    await reloadQueue(page, () => page.click('#bulk-submit'));
    assert.deepEqual(bulk, { action: 'reject', ids: [fb[1].id], reason: 'duplicate', note: 'trùng nội dung' });
    await page.check('#select-page');
    await page.click('#bulk-actions button[data-bulk="answer"]');
    await page.click('#bulk-submit');
    await page.waitForSelector('#bulk-error:not(.hidden)');
    await page.fill('#b-text', 'Xã sẽ sửa đường trong tháng này.');
    await reloadQueue(page, () => page.click('#bulk-submit'));
    assert.deepEqual(bulk, { action: 'answer', ids: fb.map((f) => f.id), text: 'Xã sẽ sửa đường trong tháng này.' });
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();
  }
});

test('answer templates against the contract: the picker fills the answer, the manager creates, edits and deletes', async () => {
  const tag = tagOf();
  const f = await send('Cần hướng dẫn nộp hồ sơ trực tuyến', tag);
  const official = h.addOfficial('responder', [AGENCY]);
  const page = await h.newPage(browser, { width: 1280 });
  const calls = [];
  await stubTemplates(page, calls);
  await h.consoleSignIn(page, srv.url, official);
  await h.openFilters(page);
  await page.fill('#f-q', tag);
  await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
  await page.click(`#queue button[data-id="${f.id}"]`);
  await page.click('#detail-actions button[data-action="answer"]');
  await page.selectOption('#a-template', '7');
  const item = (await h.api(srv.url, 'GET', '/api/v1/items/LC-T3')).body;
  const title = (item.item || item).title;
  const filled = await page.inputValue('#a-text');
  assert.ok(filled.startsWith(`Cảm ơn góp ý về “${title}” (LC-T3), nhận ngày `), filled);
  assert.match(filled, new RegExp(`\\d\\d/\\d\\d/\\d{4}, mã ${esc(f.tracking_code)}\\.$`));
  // The language switch keeps the form and what is in it.
  await page.click('#lang-switch');
  assert.equal(await page.textContent('#action-title'), 'Answer');
  assert.equal(await page.inputValue('#a-text'), filled);
  await page.click('#lang-switch');
  await page.click('#action-cancel');

  await page.click('#templates-toggle');
  await page.waitForSelector('#template-list li[data-template="7"]');
  assert.match(await page.textContent('#template-list'), /Các ban đảng tỉnh/);
  await page.fill('#t-title', 'Hẹn trả lời');
  await page.fill('#t-text', 'Sẽ trả lời trước {today}.');
  await page.click('#template-save');
  await page.waitForSelector('#template-list li:has-text("Hẹn trả lời")');
  assert.deepEqual(calls.find((c) => c.method === 'POST').body, { agency: AGENCY, title: 'Hẹn trả lời', text: 'Sẽ trả lời trước {today}.' });
  await page.click('#template-list button[data-edit="7"]');
  assert.ok(await page.isHidden('#t-agency-field'), 'the agency of a template does not change');
  await page.fill('#t-title', 'Cảm ơn (sửa)');
  await page.click('#template-save');
  await page.waitForSelector('#template-list li:has-text("Cảm ơn (sửa)")');
  const put = calls.find((c) => c.method === 'PUT');
  assert.ok(put.url.endsWith('/api/v1/moderation/templates/7'));
  assert.deepEqual(Object.keys(put.body).sort(), ['text', 'title']);
  await page.click('#template-list button[data-delete="7"]');
  assert.equal(calls.filter((c) => c.method === 'DELETE').length, 0, 'one press does not delete');
  await page.click('#template-list button[data-delete="7"]');
  await page.waitForSelector('#template-list li[data-template="7"]', { state: 'detached' });
  assert.ok(calls.find((c) => c.method === 'DELETE').url.endsWith('/templates/7'));
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-templates-stub');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('duplicates against the contract: rows say similar / duplicate of / duplicates, the detail links and unlinks', async () => {
  const tag = tagOf();
  const [a, b, c] = [await send('Trạm y tế xã thiếu thuốc', tag), await send('Trạm y tế xã thiếu thuốc men', tag), await send('Trạm y tế thiếu thuốc', tag)];
  const official = h.addOfficial('moderator', [AGENCY]);
  for (const width of [1280, 360]) {
    const page = await h.newPage(browser, { width });
    await page.route('**/api/v1/moderation/templates', (route) => json(route, 404, { error: { code: 'not_found', message: 'x / x', request_id: '1' } }));
    // The real queue, with the contract's three fields added.
    await page.route('**/api/v1/moderation/queue?*', async (route) => {
      const res = await route.fetch();
      const data = await res.json();
      for (const f of data.items) {
        Object.assign(f, f.id === a.id ? { duplicate_of: null, duplicates: 1, similar: 2 }
          : f.id === b.id ? { duplicate_of: a.id, duplicates: 0, similar: 1 } : { duplicate_of: null, duplicates: 0, similar: 0 });
      }
      return route.fulfill({ response: res, body: JSON.stringify(data) });
    });
    await page.route(/\/api\/v1\/moderation\/\d+\/similar$/, (route) => json(route, 200, {
      items: [
        { id: b.id, tracking_code: b.tracking_code, state: 'received', kind: 'report', rating: 4, body: 'Trạm y tế xã thiếu thuốc men', created_at: new Date().toISOString(), similarity: 0.91, duplicate_of: a.id },
        { id: c.id, tracking_code: c.tracking_code, state: 'received', kind: 'report', rating: 4, body: 'Trạm y tế thiếu thuốc', created_at: new Date().toISOString(), similarity: 0.74, duplicate_of: null },
      ],
    }));
    const posted = [];
    await page.route(/\/api\/v1\/moderation\/\d+\/actions$/, (route) => {
      const body = JSON.parse(route.request().postData());
      if (!/duplicate/.test(body.action)) return route.continue();
      posted.push({ id: Number(/moderation\/(\d+)\//.exec(route.request().url())[1]), body });
      return json(route, 200, { status: 'ok', state: 'received' });
    });
    await h.consoleSignIn(page, srv.url, official);
    await h.openFilters(page);
    await page.fill('#f-q', tag);
    await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
    const row = (f) => page.locator(`#queue button[data-id="${f.id}"]`).locator('xpath=ancestor::li[1]');
    assert.match(await row(a).innerText(), /1 góp ý trùng/);
    assert.match(await row(a).innerText(), /Tương tự: 2/);
    assert.match(await row(b).innerText(), new RegExp(`Trùng với #${a.id}`));
    assert.doesNotMatch(await row(c).innerText(), /Tương tự|Trùng/);

    await page.click(`#queue button[data-id="${a.id}"]`);
    await page.waitForSelector('#similar-box:not(.hidden)');
    assert.match(await page.innerText('#similar-list'), /giống 91%/);
    assert.match(await page.innerText('#similar-list'), /Đã đánh dấu là trùng với góp ý này/);
    const acted = (id) => page.waitForResponse((r) => r.url().endsWith(`/moderation/${id}/actions`));
    await Promise.all([acted(c.id), page.click(`#similar-list button[data-link="${c.id}"]`)]);
    await page.waitForSelector('#notice.ok');
    await Promise.all([acted(b.id), page.click(`#similar-list button[data-unlink="${b.id}"]`)]);
    assert.deepEqual(posted.slice(-2), [
      { id: c.id, body: { action: 'link_duplicate', of: a.id } },
      { id: b.id, body: { action: 'unlink_duplicate' } },
    ]);
    if (width === 360) {
      assert.ok(await page.isVisible('#detail-back'));
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits 360 px');
    }
    await page.click('#lang-switch');
    assert.match(await page.innerText('#similar-list'), /similarity 91%/);
    assert.match(await page.innerText('#similar-list'), /Link as duplicate of this/);
    await page.click('#lang-switch');
    assert.deepEqual(await h.axeViolations(page), []);
    await h.screenshot(page, 'console-similar-stub');
    // A duplicate's own detail offers the unlink.
    if (width === 360) await page.click('#detail-back');
    await page.click(`#queue button[data-id="${b.id}"]`);
    await page.waitForSelector('#detail-actions button[data-action="unlink_duplicate"]');
    assert.match(await page.innerText('#detail-facts'), new RegExp(`trùng với góp ý #${a.id}`));
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();
  }
});
