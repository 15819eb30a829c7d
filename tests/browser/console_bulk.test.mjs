// console_bulk.test.mjs - the console's bulk work, answer templates and duplicates (issue
// 22, points 5 and 6; CONTRACTS22): rows ticked one by one or all on the page, a bulk
// answer from a template with its result per row (a row that cannot be answered fails
// alone and stays ticked), a bulk reject with a reason, the template manager (create, edit,
// delete), a single answer started from a template, similar feedback linked as a duplicate
// and unlinked, and the duplicate's sender seeing the original's answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';


let srv;
let browser;

before(async () => {
  srv = await h.startServer('console_bulk');
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

// A new feedback on the item, its text made unique with tag; resolves to {id, tracking_code, secret}.
async function send(item, body, tag, extra = {}) {
  const r = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: item, rating: 3, kind: 'proposal', body: `${body} ${tag}`, consent: { publish: false }, ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return { ...r.body.receipt, id: h.feedbackId(r.body.receipt.tracking_code) };
}

// Clicks and waits for the queue's reply to be drawn.
async function reloadQueue(page, click) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/moderation/queue')),
    click(),
  ]);
  await res.finished();
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  return res;
}

// The queue narrowed to the feedback carrying tag (a word no other test uses).
async function searchTag(page, tag) {
  await page.fill('#f-q', tag);
  await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
}

const tagOf = () => 'x' + Math.random().toString(36).slice(2, 10);

test('bulk answer from a template: a result per row, the failed row stays ticked', async () => {
  const tag = tagOf();
  const a = await send('LC-T4', 'Đề nghị công bố tiến độ tiếp nhận ý kiến', tag);
  const b = await send('LC-T4', 'Đề nghị bổ sung kênh tiếp nhận qua điện thoại', tag);
  const done = await send('LC-T4', 'Đề nghị trả lời sớm hơn', tag);
  const official = h.addOfficial('moderator,responder', [AGENCY]);
  const headers = await h.apiSignIn(srv.url, official);
  // One is answered already, so the bulk answer fails for it alone.
  const first = await h.api(srv.url, 'POST', `/api/v1/moderation/${done.id}/actions`, { action: 'answer', text: 'Đã trả lời trước.' }, headers);
  assert.equal(first.status, 200, first.text);

  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, official);

  // A template, made in the manager.
  await page.click('#templates-toggle');
  await page.waitForSelector('#templates:not(.hidden)');
  await page.selectOption('#t-agency', AGENCY);
  await page.fill('#t-title', 'Cảm ơn và hẹn trả lời');
  await page.fill('#t-text', 'Cảm ơn góp ý về “{item_title}” (mã {tracking_code}, nhận ngày {received_date}).');
  const [saved] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/moderation/templates') && r.request().method() === 'POST'),
    page.click('#template-save'),
  ]);
  assert.equal(saved.status(), 201, await saved.text());
  await page.waitForSelector('#template-list li:has-text("Cảm ơn và hẹn trả lời")');

  // Tick all three on the page.
  await searchTag(page, tag);
  assert.equal(await page.locator('#queue > li').count(), 3);
  await page.check('#select-page');
  assert.equal(await page.locator('#queue .q-check:checked').count(), 3);
  await page.waitForSelector('#bulk-bar:not(.hidden)');
  assert.match(await page.textContent('#bulk-count'), /Đã chọn 3 góp ý/);

  await page.click('#bulk-actions button[data-bulk="answer"]');
  await page.waitForSelector('#b-template-field:not(.hidden)');
  const option = await page.locator('#b-template option', { hasText: 'Cảm ơn và hẹn trả lời' }).getAttribute('value');
  await page.selectOption('#b-template', option);
  assert.match(await page.inputValue('#b-text'), /\{item_title\}/, 'the template as written; the service fills it per row');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/moderation/bulk')),
    page.click('#bulk-submit'),
  ]);
  assert.equal(res.status(), 200, await res.text());
  const sent = JSON.parse(res.request().postData());
  assert.equal(sent.action, 'answer');
  assert.equal(sent.template, Number(option));
  assert.equal(sent.text, undefined);
  assert.deepEqual([...sent.ids].sort(), [a.id, b.id, done.id].sort());

  await page.waitForSelector('#bulk-report:not(.hidden)');
  assert.match(await page.textContent('#bulk-summary'), /2 góp ý xong, 1 không được/);
  assert.equal(await page.locator('#bulk-results li.ok').count(), 2);
  const failed = page.locator(`#bulk-results li.failed[data-id="${done.id}"]`);
  assert.match(await failed.textContent(), new RegExp(esc(done.tracking_code)));
  assert.match(await page.textContent(`#bulk-results li.ok[data-id="${a.id}"]`), /Đã trả lời/);
  // The failed one stays ticked; the others are done and not.
  await page.waitForFunction((id) => document.querySelector(`#queue .q-check[data-id="${id}"]`)?.checked, done.id);
  assert.equal(await page.locator('#queue .q-check:checked').count(), 1);
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-bulk');

  // Each sender sees their own filled answer.
  for (const f of [a, b]) {
    const s = (await h.api(srv.url, 'GET', `/api/v1/feedback/${f.tracking_code}`)).body;
    assert.equal(s.state, 'answered');
    assert.match(s.answer.text, new RegExp(`mã ${esc(f.tracking_code)}`));
    assert.ok(!s.answer.text.includes('{item_title}'));
  }
  // In English, the results are redrawn.
  await page.click('#lang-switch');
  assert.match(await page.textContent('#bulk-summary'), /2 done, 1 failed/);
  await page.click('#lang-switch');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('bulk reject with a reason, at 360 px', async () => {
  const tag = tagOf();
  const spam = [await send('LC-T4', 'Quảng cáo bán hàng', tag), await send('LC-T4', 'Quảng cáo dịch vụ', tag)];
  const official = h.addOfficial('moderator', [AGENCY]);
  const page = await h.newPage(browser, { width: 360 });
  await h.consoleSignIn(page, srv.url, official);
  await searchTag(page, tag);
  for (const f of spam) await page.check(`#queue .q-check[data-id="${f.id}"]`);
  await page.waitForSelector('#bulk-bar:not(.hidden)');
  // A moderator alone is not offered a bulk answer.
  assert.equal(await page.locator('#bulk-actions button[data-bulk="answer"]').count(), 0);
  await page.click('#bulk-actions button[data-bulk="reject"]');
  await page.selectOption('#b-reason', 'spam');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/moderation/bulk')),
    page.click('#bulk-submit'),
  ]);
  assert.equal(res.status(), 200);
  assert.deepEqual(JSON.parse(res.request().postData()).reason, 'spam');
  await page.waitForSelector('#bulk-report:not(.hidden)');
  assert.equal(await page.locator('#bulk-results li.ok').count(), 2);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits 360 px');
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-bulk');
  for (const f of spam) assert.equal((await h.api(srv.url, 'GET', `/api/v1/feedback/${f.tracking_code}`)).body.state, 'rejected');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('a single answer starts from a template; templates are edited and deleted', async () => {
  const tag = tagOf();
  const f = await send('LC-T3', 'Khi nào có kế hoạch?', tag);
  const official = h.addOfficial('responder', [AGENCY]);
  const headers = await h.apiSignIn(srv.url, official);
  const made = await h.api(srv.url, 'POST', '/api/v1/moderation/templates',
    { agency: AGENCY, title: 'Mẫu một', text: 'Về {item_code}: đã tiếp nhận ngày {received_date}.' }, headers);
  assert.equal(made.status, 201, made.text);
  const spare = await h.api(srv.url, 'POST', '/api/v1/moderation/templates',
    { agency: AGENCY, title: 'Mẫu thừa', text: 'Sẽ xóa.' }, headers);
  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, official);
  await searchTag(page, tag);
  await page.click(`#queue button[data-id="${f.id}"]`);
  await page.click('#detail-actions button[data-action="answer"]');
  await page.waitForSelector('#a-template-field:not(.hidden)');
  await page.selectOption('#a-template', String(made.body.template.id));
  // Filled in the browser: what is shown is what is sent.
  assert.match(await page.inputValue('#a-text'), /^Về LC-T3: đã tiếp nhận ngày \d\d\/\d\d\/\d{4}\.$/);
  await page.fill('#a-text', (await page.inputValue('#a-text')) + ' Trân trọng.');
  await reloadQueue(page, () => page.click('#action-submit'));
  await page.waitForFunction(() => /Trân trọng/.test(document.getElementById('detail-answer-text').textContent));

  // Edit one template, delete the other (two presses).
  await page.click('#templates-toggle');
  await page.click(`#template-list button[data-edit="${made.body.template.id}"]`);
  assert.equal(await page.inputValue('#t-title'), 'Mẫu một');
  await page.fill('#t-title', 'Mẫu một (sửa)');
  const [put] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PUT'),
    page.click('#template-save'),
  ]);
  assert.equal(put.status(), 200, await put.text());
  await page.waitForSelector('#template-list li:has-text("Mẫu một (sửa)")');
  const del = `#template-list button[data-delete="${spare.body.template.id}"]`;
  await page.click(del);
  assert.match(await page.textContent(del), /Bấm lần nữa để xóa/);
  const [gone] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'DELETE'),
    page.click(del),
  ]);
  assert.equal(gone.status(), 200);
  await page.waitForSelector(`#template-list li[data-template="${spare.body.template.id}"]`, { state: 'detached' });
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-templates');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('similar feedback is linked as a duplicate, answered with its original, and unlinked', async () => {
  const tag = tagOf();
  const text = 'Đề nghị sớm số hóa hồ sơ đất đai tại xã để người dân không phải đi lại nhiều lần';
  const original = await send('LC-T3', text, tag);
  const copy = await send('LC-T3', text + ' nữa', tag);
  const other = await send('LC-T3', text + ' và nhanh hơn', tag);
  const official = h.addOfficial('moderator,responder', [AGENCY]);
  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, official);
  await searchTag(page, tag);
  // Similar feedback is found after intake: the rows say so (found in the background,
  // so the queue is asked again until they do).
  for (let i = 0; i < 20 && !/Tương tự: \d/.test(await page.innerText('#queue')); i++) {
    await page.waitForTimeout(500);
    await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
  }
  assert.match(await page.innerText('#queue'), /Tương tự: \d/);

  await page.click(`#queue button[data-id="${original.id}"]`);
  await page.waitForSelector('#similar-box:not(.hidden)');
  await page.waitForSelector(`#similar-list button[data-link="${copy.id}"]`);
  assert.match(await page.innerText('#similar-list'), /giống \d+%/);
  const link = async (id) => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/moderation/${id}/actions`)),
      page.click(`#similar-list button[data-link="${id}"]`),
    ]);
    assert.equal(res.status(), 200, await res.text());
    assert.deepEqual(JSON.parse(res.request().postData()), { action: 'link_duplicate', of: original.id });
  };
  await link(copy.id);
  await page.waitForSelector(`#similar-list button[data-unlink="${copy.id}"]`);
  await link(other.id);
  await page.waitForFunction(() => /2 góp ý trùng/.test(document.getElementById('queue').innerText));
  const copyRow = page.locator(`#queue button[data-id="${copy.id}"]`).locator('xpath=ancestor::li[1]');
  assert.match(await copyRow.innerText(), new RegExp(`Trùng với #${original.id}`));

  // Unlink one; answer the original: the linked one is answered with it.
  const [un] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/v1/moderation/${other.id}/actions`)),
    page.click(`#similar-list button[data-unlink="${other.id}"]`),
  ]);
  assert.equal(un.status(), 200);
  assert.deepEqual(JSON.parse(un.request().postData()), { action: 'unlink_duplicate' });
  await page.waitForFunction(() => /1 góp ý trùng/.test(document.getElementById('queue').innerText));
  await page.click(`#queue button[data-id="${original.id}"]`);
  await page.click('#detail-actions button[data-action="answer"]');
  await page.fill('#a-text', 'Xã sẽ số hóa hồ sơ đất đai trong quý II.');
  await reloadQueue(page, () => page.click('#action-submit'));
  await page.waitForFunction(() => !document.getElementById('detail-answer').classList.contains('hidden'));
  const c = (await h.api(srv.url, 'GET', `/api/v1/feedback/${copy.tracking_code}`)).body;
  assert.equal(c.state, 'answered');
  assert.equal(c.answer.text, 'Xã sẽ số hóa hồ sơ đất đai trong quý II.');
  assert.equal((await h.api(srv.url, 'GET', `/api/v1/feedback/${other.tracking_code}`)).body.state, 'received');

  // The duplicate's own history says so, in words.
  await page.click(`#queue button[data-id="${copy.id}"]`);
  await page.waitForFunction(() => /Đánh dấu là trùng lặp/.test(document.getElementById('detail-history').textContent));
  assert.doesNotMatch(await page.innerText('#detail-history'), /link_duplicate|\banswer\b/);
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-duplicates');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});
