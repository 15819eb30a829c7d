// flows.test.mjs - what people do with the pages, in Chromium: send feedback through the
// form and check the downloaded receipt with pakn-verify; the same without JavaScript;
// a mistyped tracking code caught before any request; an official publishes and answers,
// the sender sees the answer and rates it; an official with both roles answers without
// publishing (no Publish button without consent) and publishes and answers in one step;
// the dashboard shows the API's numbers; an official exports the queue as CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';

let srv;
let browser;
const tmp = process.env.PAKN_TEST_TMP || '/tmp';

before(async () => {
  srv = await h.startServer('flows', { PAKN_LOG_INTERVAL: '1' });
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

// Fills the citizen form with JavaScript on: finds the item by typing without accents.
async function fillForm(page, { search, code, rating, kind, body }) {
  await page.fill('#item-search', search);
  await page.click(`#item-results button[data-code="${code}"]`);
  await page.waitForSelector('#item-details:not(.hidden)');
  await page.check(`input[name=rating][value="${rating}"]`);
  await page.check(`input[name=kind][value="${kind}"]`);
  await page.fill('#body', body);
}

test('a citizen sends feedback with the form and the downloaded receipt verifies', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  await fillForm(page, { search: 'so hoa', code: 'LC-T20', rating: 4, kind: 'proposal', body: 'Đề nghị số hóa hồ sơ ở xã.' });
  // The item's details are shown: its lead agency among them.
  assert.match(await page.textContent('#item-facts'), /Các ban đảng tỉnh/);
  assert.match(await page.textContent('#body-counter'), /^26 \/ 5\.000/);
  await page.click('#submit');
  await page.waitForSelector('#receipt:not(.hidden)');
  const code = (await page.textContent('#receipt-code')).trim();
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-.$/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#receipt-download')]);
  // (an HTML page with the signed JSON inside, which pakn-verify reads: docs/web.md "The receipt")
  const file = path.join(tmp, `receipt-${code}.html`);
  await download.saveAs(file);
  const out = await h.verifyReceipt(srv.url, file);
  // A version 2 receipt proves by itself that the feedback is in the signed log.
  assert.match(out, /^valid: .* is entry \d+ of the signed log of \d+ entries/);
  const page_ = fs.readFileSync(file, 'utf8');
  const saved = JSON.parse(page_.slice(page_.indexOf('id="receipt">') + 13, page_.indexOf('</script>')));
  assert.equal(saved.tracking_code, code);
  assert.equal(saved.version, 2);
  assert.match(await page.textContent('#receipt-log'), new RegExp(`mục số ${saved.log_index} .*bao trùm ${saved.checkpoint.split('\n')[1]} mục`));
  // The page's own check says the same.
  await page.click('#receipt-proof summary');
  await page.click('#receipt-verify');
  await page.waitForFunction(() => /hợp lệ/.test(document.getElementById('receipt-check').textContent));
  await h.screenshot(page, 'citizen-receipt');
  assert.deepEqual(await h.axeViolations(page), []);
  // Stored as sent.
  const status = await h.api(srv.url, 'GET', `/api/v1/feedback/${code}`);
  assert.equal(status.body.item.code, 'LC-T20');
  assert.equal(status.body.rating, 4);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('field problems are shown beside the fields and nothing is stored', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  await page.click('#submit');
  await page.waitForSelector('#form-errors:not(.hidden)');
  assert.match(await page.textContent('#err-rating'), /1 đến 5/);
  assert.match(await page.textContent('#err-body'), /nội dung/i);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'form-errors');
  // A problem only the service sees (a bad phone number) comes back in words.
  await fillForm(page, { search: 'lgsp', code: (await firstResult(page, 'lgsp')), rating: 2, kind: 'report', body: 'Chậm.' });
  await page.fill('#contact_phone', '12');
  await page.click('#submit');
  await page.waitForFunction(() => !document.getElementById('err-contact_phone').classList.contains('hidden'));
  assert.equal(await page.getAttribute('#contact_phone', 'aria-invalid'), 'true');
  assert.ok(await page.isHidden('#receipt'));
  await h.screenshot(page, 'citizen-errors');
  assert.deepEqual(await h.axeViolations(page), []);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

async function firstResult(page, q) {
  // The list shown before the words are answered is all plans': wait for the search's.
  const answered = page.waitForResponse((r) => r.url().includes('&q=' + encodeURIComponent(q)));
  await page.fill('#item-search', q);
  const first = (await (await answered).json()).items[0].code;
  await page.waitForSelector(`#item-results button[data-code="${first}"]`);
  return first;
}

test('without JavaScript the form posts and the receipt page comes back', async () => {
  const page = await h.newPage(browser, { width: 360, javaScriptEnabled: false });
  await page.goto(srv.url + '/');
  await page.selectOption('select[name=item_code]', 'DB-I01');
  await page.check('input[name=rating][value="5"]');
  await page.check('input[name=kind][value="opinion"]');
  await page.fill('textarea[name=body]', 'Gửi khi tắt JavaScript.');
  await page.check('input[name=consent_publish]');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const code = (await page.textContent('.tracking-code')).trim();
  assert.match(code, /^[0-9A-Z]{4}-/);
  const status = await h.api(srv.url, 'GET', `/api/v1/feedback/${code}`);
  assert.equal(status.status, 200);
  assert.equal(status.body.item.code, 'DB-I01');
  assert.ok(await page.locator('a[download][href^="data:application/json"]').count() === 1);
  assert.deepEqual(await h.axeViolationsNoScript(browser, page), []);
  await h.screenshot(page, 'nojs-receipt');
  // A form with problems gets a page that names them.
  await page.goto(srv.url + '/');
  await page.selectOption('select[name=item_code]', 'DB-I01');
  await page.check('input[name=rating][value="3"]');
  await page.fill('textarea[name=body]', 'x');
  // (An e-mail address the browser can check itself, it does: the form is not sent.)
  await page.fill('input[name=contact_phone]', '12');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.match(await page.textContent('main'), /Số điện thoại/);
  assert.deepEqual(await h.axeViolationsNoScript(browser, page), []);
  await h.screenshot(page, 'nojs-problem');
  await page.context().close();
});

test('a mistyped tracking code is caught before any request', async () => {
  const sent = await h.api(srv.url, 'POST', '/api/v1/feedback', { item_code: 'LC-T5', rating: 3, kind: 'question', body: 'Khi nào?' });
  const code = sent.body.receipt.tracking_code;
  const page = await h.newPage(browser, { width: 360 });
  const lookups = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/feedback/')) lookups.push(r.url()); });
  await page.goto(srv.url + '/track/', { waitUntil: 'networkidle' });
  // One symbol mistyped. (About 1 in 37 such mistakes passes the old codes' mod-37 check and
  // is then looked up, docs/receipts.md "Tracking codes": the first that passes neither.)
  const wrong = await page.evaluate((c) => [...'ABCDEFGH'].map((x) => c.slice(0, 3) + x + c.slice(4))
    .find((w) => w !== c && !window.PAKN_TRACKING.parse(w)), code);
  await page.fill('#code', wrong);
  await page.click('#track-form button[type=submit]');
  await page.waitForSelector('#code-error:not(.hidden)');
  assert.match(await page.textContent('#code-error'), /không đúng/);
  assert.deepEqual(lookups, [], 'no request for a mistyped code');
  // Typed in lower case without dashes, the right code is found.
  await page.fill('#code', code.replace(/-/g, '').toLowerCase());
  await page.click('#track-form button[type=submit]');
  await page.waitForSelector('#status:not(.hidden)');
  // (A code's check symbol may be one of * ~ $ = U: compared as text, not as a pattern.)
  assert.ok((await page.textContent('#status-title')).includes(code));
  assert.equal(lookups.length, 1);
  // Its log entry links to the proof against the newest checkpoint (signed every second
  // here), and the proof is the service's JSON.
  const index = sent.body.receipt.log_index;
  let proof = null;
  for (let i = 0; i < 30 && !proof; i++) {
    await page.click('#track-form button[type=submit]');
    await page.waitForSelector('#log-entry');
    await page.waitForTimeout(300);
    proof = await page.$('#log-entry a[href*="/api/v1/log/proof/inclusion"]');
  }
  assert.ok(proof, 'a link to the inclusion proof');
  assert.match(await page.getAttribute('#log-entry a', 'href'), new RegExp(`index=${index}&size=\\d+`));
  const reply = await h.api(srv.url, 'GET', await page.getAttribute('#log-entry a', 'href'));
  assert.equal(reply.body.index, index);
  assert.ok(reply.body.proof.length > 0 || reply.body.size === 1);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

async function signIn(page, official, check) {
  await h.consoleSignIn(page, srv.url, official, check);
}

// Opens the feedback, starts the action, fills its form, confirms, and waits for the
// service's answer and the queue drawn again.
async function act(page, id, action, fill) {
  await page.click(`#queue button[data-id="${id}"]`);
  await page.click(`#detail-actions button[data-action="${action}"]`);
  if (fill) await fill();
  const redrawn = page.waitForResponse((r) => r.url().includes('/api/v1/moderation/queue'));
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/v1/moderation/${id}/actions`)),
    page.click('#action-submit'),
  ]);
  assert.equal(res.status(), 200, `${action}: ${await res.text()}`);
  await (await redrawn).finished();
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
}

test('an official publishes and answers; the sender sees the answer and rates it', async () => {
  const sent = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 2, kind: 'question', body: 'Kế hoạch khi nào ban hành?', consent: { publish: true },
  });
  const { tracking_code: code, secret } = sent.body.receipt;
  const id = h.feedbackId(code);

  const moderator = h.addOfficial('moderator', ['lc-cac-ban-dang-tinh']);
  const page = await h.newPage(browser, { width: 1280 });
  // A moderator must enrol a second factor first: the QR code view passes axe.
  await signIn(page, moderator, async (p) => {
    assert.deepEqual(await h.axeViolations(p), []);
    await h.screenshot(p, 'admin-second-factor');
  });
  await h.findInQueue(page, 'LC-T3', id);
  await act(page, id, 'publish');
  await page.waitForFunction(() => /Đã công khai/.test(document.getElementById('detail-title').textContent));
  // The page reloaded keeps the session and its CSRF token.
  await page.reload({ waitUntil: 'networkidle' });
  await page.waitForSelector('#console:not(.hidden)');
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'admin-moderator');
  await page.click('#logout');
  await page.waitForSelector('#login-form:not(.hidden)');

  const responder = h.addOfficial('responder', ['lc-cac-ban-dang-tinh']);
  await signIn(page, responder);
  await h.findInQueue(page, 'LC-T3', id);
  await act(page, id, 'answer', () => page.fill('#a-text', 'Kế hoạch ban hành trong tháng 01/2026.'));
  await page.waitForFunction(() => /Đã trả lời/.test(document.getElementById('detail-title').textContent));
  await page.waitForFunction(() => /Trả lời/.test(document.getElementById('detail-history').textContent));
  await h.screenshot(page, 'admin-responder');
  // Without the phone: a recovery code, in English, once.
  await page.click('#logout');
  await page.waitForSelector('#login-form:not(.hidden)');
  await page.click('#lang-switch');
  await page.fill('#username', responder.username);
  await page.fill('#password', responder.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#sf-form:not(.hidden)');
  await page.check('#use-recovery');
  assert.equal(await page.textContent('#totp-code-label'), 'Recovery code');
  await page.fill('#totp-code', responder.recovery[3].toUpperCase());
  await page.click('#sf-submit');
  await page.waitForSelector('#console:not(.hidden)');
  await page.click('#lang-switch');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();

  const citizen = await h.newPage(browser, { width: 360 });
  await citizen.goto(`${srv.url}/track/?code=${code}`, { waitUntil: 'networkidle' });
  await citizen.waitForSelector('#answer:not(.hidden)');
  assert.match(await citizen.textContent('#answer-text'), /tháng 01\/2026/);
  await citizen.fill('#secret', secret);
  await citizen.check('input[name=answer-rating][value="5"]');
  await citizen.click('#rate-form button[type=submit]');
  await citizen.waitForFunction(() => /5 \/ 5/.test(document.getElementById('answer-rated').textContent));
  assert.equal((await h.api(srv.url, 'GET', `/api/v1/feedback/${code}`)).body.answer.rating, 5);
  assert.deepEqual(await h.axeViolations(citizen), []);
  await h.screenshot(citizen, 'track-answered');
  // The public feed shows it with its answer.
  await citizen.goto(`${srv.url}/feed/?item=LC-T3`, { waitUntil: 'networkidle' });
  await citizen.getByText('Kế hoạch ban hành trong tháng 01/2026.').waitFor();
  assert.deepEqual(h.problemsOf(citizen), []);
  await citizen.context().close();
});

test('one official with both roles answers without publishing, and publishes and answers in one step', async () => {
  const send = async (body, publish) => {
    const { receipt } = (await h.api(srv.url, 'POST', '/api/v1/feedback', { item_code: 'LC-T4', rating: 4, kind: 'proposal', body, consent: { publish } })).body;
    return { ...receipt, feedback_id: h.feedbackId(receipt.tracking_code) };
  };
  const inFeed = async (id) => (await h.api(srv.url, 'GET', '/api/v1/feedback?item=LC-T4&limit=200')).body.items.some((f) => f.id === id);
  const kept = await send('Đề nghị trả lời riêng cho tôi.', false);
  const open = await send('Đề nghị công khai tiến độ.', true);
  const official = h.addOfficial('moderator,responder', ['lc-cac-ban-dang-tinh']);
  const page = await h.newPage(browser, { width: 1280 });
  await signIn(page, official);

  // Without consent: neither Publish nor Publish and answer is offered; the answer is the sender's alone.
  await h.findInQueue(page, 'LC-T4', kept.feedback_id);
  await page.click(`#queue button[data-id="${kept.feedback_id}"]`);
  await page.waitForSelector('#detail-actions button[data-action="answer"]');
  assert.equal(await page.$('#detail-actions button[data-action="publish"]'), null);
  assert.equal(await page.$('#detail-actions button[data-action="publish_answer"]'), null);
  await page.waitForSelector('#no-publish-hint');
  await act(page, kept.feedback_id, 'answer', () => page.fill('#a-text', 'Sở sẽ trả lời riêng cho ông/bà.'));
  await page.waitForFunction(() => /Đã trả lời/.test(document.getElementById('detail-title').textContent));
  const k = (await h.api(srv.url, 'GET', `/api/v1/feedback/${kept.tracking_code}`)).body;
  assert.equal(k.state, 'answered');
  assert.equal(k.answer.text, 'Sở sẽ trả lời riêng cho ông/bà.');
  assert.equal(k.published_at, null);
  assert.equal(await inFeed(kept.feedback_id), false);

  // With consent: one step publishes and answers; both are in the history.
  await h.findInQueue(page, 'LC-T4', open.feedback_id);
  await act(page, open.feedback_id, 'publish_answer', () => page.fill('#a-text', 'Tiến độ được cập nhật hằng quý.'));
  await page.waitForFunction(() => /Đã trả lời/.test(document.getElementById('detail-title').textContent));
  await page.waitForFunction(() => /Công khai[\s\S]*Trả lời/.test(document.getElementById('detail-history').textContent));
  const o = (await h.api(srv.url, 'GET', `/api/v1/feedback/${open.tracking_code}`)).body;
  assert.equal(o.state, 'answered');
  assert.notEqual(o.published_at, null);
  assert.equal(await inFeed(open.feedback_id), true);
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'admin-both-roles');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('an official finds feedback by words typed without accents, and is told why a search is refused', async () => {
  const tag = 'm' + Math.floor(Math.random() * 1e9);
  const sent = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 1, kind: 'report', body: `ĐỀ NGHỊ SỐ HÓA hồ sơ đất đai, mã ${tag}`, consent: { publish: false },
  });
  const id = h.feedbackId(sent.body.receipt.tracking_code);
  const moderator = h.addOfficial('moderator', ['lc-cac-ban-dang-tinh']);
  const page = await h.newPage(browser, { width: 1280 });
  await signIn(page, moderator);
  const search = async () => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/moderation/queue')),
      page.click('#filter-form button[type=submit]'),
    ]);
    await res.finished();
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    return res;
  };
  await page.fill('#f-q', `so hoa ho so dat dai, ma ${tag}`);
  await page.selectOption('#f-rating-max', '2');
  await search();
  assert.equal(await page.locator('#queue > li').count(), 1);
  assert.equal(await page.locator(`#queue button[data-id="${id}"]`).count(), 1);
  // Rating 3 and up excludes it.
  await page.selectOption('#f-rating-max', '');
  await page.selectOption('#f-rating-min', '3');
  await search();
  assert.equal(await page.locator('#queue > li').count(), 0);
  // Two letters are refused, and the notice names the field.
  await page.selectOption('#f-rating-min', '');
  await page.fill('#f-q', 'so');
  assert.equal((await search()).status(), 400);
  await page.waitForSelector('#notice:not(.hidden)');
  assert.match(await page.textContent('#notice'), /Tìm trong nội dung: /);
  assert.deepEqual(await h.axeViolations(page), []);
  await page.context().close();
});

test('the dashboard shows the same numbers as the API', async () => {
  // Enough ratings on one item for a settled figure, and a few on another.
  for (let i = 0; i < 12; i++) {
    const r = await h.api(srv.url, 'POST', '/api/v1/feedback', { item_code: 'LC-T7', rating: 1 + (i % 5), kind: 'opinion', body: `Ý kiến số ${i}` });
    assert.equal(r.status, 201);
  }
  const page = await h.newPage(browser, { width: 1280 });
  await page.goto(srv.url + '/dashboard/?plan=LC-2026', { waitUntil: 'networkidle' });
  await page.waitForSelector('body[data-loaded=true]');
  for (const [sec, group] of [['agency', 'agency'], ['item', 'item'], ['section', 'section']]) {
    const api = await h.api(srv.url, 'GET', `/api/v1/metrics/satisfaction?plan=LC-2026&group_by=${group}&period=year`);
    const shown = await page.$$eval(`#sec-${sec} tbody tr`, (trs) => trs.map((tr) => ({
      group: tr.dataset.group, period: tr.dataset.period,
      values: [...tr.querySelectorAll('td[data-value]')].map((td) => td.dataset.value),
    })));
    // Groups nobody rated are listed apart, by name (folded under the table).
    const rated = api.body.rows.filter((row) => row.count > 0);
    assert.equal(shown.length, rated.length, `${sec}: one table row per rated group`);
    assert.equal(await page.locator(`#sec-${sec} details li`).count(), api.body.rows.length - rated.length);
    rated.forEach((row, i) => {
      assert.equal(shown[i].group, row.group_code);
      assert.deepEqual(shown[i].values, [row.count, row.mean, row.csat].map((v) => (v === null ? '' : String(v))));
    });
    // The CSV link is the same query.
    const csv = await page.getAttribute(`#sec-${sec} a.csv`, 'href');
    assert.equal(csv, `/api/v1/metrics/satisfaction?plan=LC-2026&group_by=${group}&period=year&format=csv`);
  }
  const t7 = await page.$eval('#sec-item tr[data-group="LC-T7"]', (tr) => tr.textContent);
  assert.doesNotMatch(t7, /ít dữ liệu/, '12 ratings are enough');
  const small = await page.$eval('#sec-item tr[data-group="LC-T5"]', (tr) => tr.textContent);
  assert.match(small, /ít dữ liệu/, 'one rating is marked as a small sample');
  const responses = await h.api(srv.url, 'GET', '/api/v1/metrics/responses?plan=LC-2026&group_by=agency');
  const shownResponses = await page.$$eval('#sec-responses tbody tr', (trs) => trs.map((tr) =>
    [...tr.querySelectorAll('td[data-value]')].map((td) => td.dataset.value)));
  assert.deepEqual(shownResponses, responses.body.rows.map((r) => [r.count, r.answered, r.answer_rate, r.median_hours,
    r.p90_hours, r.action_overdue, r.answer_overdue, r.answer_rating_mean].map((v) => (v === null ? '' : String(v)))));
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'dashboard-data');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

// Presses Tab until the focused element matches selector (at most 80 times).
async function tabTo(page, selector) {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

// The focused element shows a focus ring.
async function focusVisible(page) {
  return page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    return st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2;
  });
}

test('the citizen form can be used with the keyboard alone, focus always visible', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  assert.ok(await focusVisible(page), 'the skip link shows its focus');
  await tabTo(page, '#item-search');
  assert.ok(await focusVisible(page));
  await page.keyboard.type('lgsp');
  await page.waitForSelector('#item-results button');
  await tabTo(page, '#item-results button');
  assert.ok(await focusVisible(page));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#item-details:not(.hidden)');
  await tabTo(page, 'input[name=rating]');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.querySelector('input[name=rating]:checked').value), '4');
  await tabTo(page, '#body');
  await page.keyboard.type('Gõ bằng bàn phím.');
  await tabTo(page, '#submit');
  assert.ok(await focusVisible(page));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#receipt:not(.hidden)');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'receipt-title');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('an official rejects with a reason, forwards, hides and closes from the console', async () => {
  const send = async (body) => {
    const { receipt } = (await h.api(srv.url, 'POST', '/api/v1/feedback', { item_code: 'LC-T4', rating: 1, kind: 'report', body, consent: { publish: true } })).body;
    return { ...receipt, feedback_id: h.feedbackId(receipt.tracking_code) };
  };
  const spam = await send('Quảng cáo bán hàng, không liên quan.');
  const other = await send('Việc này thuộc sở khác.');
  const moderator = h.addOfficial('moderator', ['lc-cac-ban-dang-tinh']);
  const page = await h.newPage(browser, { width: 1280 });
  await signIn(page, moderator);

  await h.findInQueue(page, 'LC-T4', spam.feedback_id);
  await act(page, spam.feedback_id, 'reject', () => page.selectOption('#a-reason', 'spam'));
  await page.waitForFunction(() => /Không tiếp nhận/.test(document.getElementById('detail-title').textContent));

  const step = async (action, fill) => {
    await h.findInQueue(page, 'LC-T4', other.feedback_id);
    await act(page, other.feedback_id, action, fill);
  };
  await step('forward', async () => {
    await page.waitForSelector('#a-agency option[value="lc-van-phong-tinh-uy"]', { state: 'attached' });
    await page.selectOption('#a-agency', 'lc-van-phong-tinh-uy');
  });
  await step('publish');
  await step('hide', () => page.selectOption('#a-reason', 'personal_data'));
  await page.waitForFunction(() => /Đã ẩn/.test(document.getElementById('detail-title').textContent));
  await step('publish');
  await step('close');
  await page.waitForFunction(() => /Đã kết thúc/.test(document.getElementById('detail-title').textContent));
  await page.waitForFunction(() => /Chuyển cơ quan khác · tới /.test(document.getElementById('detail-history').textContent));

  const s1 = await h.api(srv.url, 'GET', `/api/v1/feedback/${spam.tracking_code}`);
  assert.equal(s1.body.state, 'rejected');
  const s2 = await h.api(srv.url, 'GET', `/api/v1/feedback/${other.tracking_code}`);
  assert.equal(s2.body.state, 'closed');
  assert.deepEqual(await h.axeViolations(page), []);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('an official exports the filtered queue as a CSV file that Excel reads as UTF-8', async () => {
  const sent = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 3, kind: 'opinion', body: '=1+1 và "số hóa"', consent: { publish: false },
  });
  const code = sent.body.receipt.tracking_code;
  const moderator = h.addOfficial('moderator', ['lc-cac-ban-dang-tinh']);
  const page = await h.newPage(browser, { width: 360 });
  await signIn(page, moderator);
  await h.openFilters(page);
  await page.fill('#f-item', 'LC-T3');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  assert.match(download.suggestedFilename(), /^pakn-feedback-\d{8}\.csv$/);
  const file = path.join(tmp, 'export.csv');
  await download.saveAs(file);
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the byte-order mark survives the download');
  const text = bytes.toString('utf8');
  assert.ok(text.includes(code));
  assert.ok(text.includes('"\'=1+1 và ""số hóa"""'), 'the formula neutralised, the quotes doubled');
  assert.ok(!text.includes('LC-T4'), 'only the filtered item');
  await page.waitForFunction(() => /Đã xuất \d+ góp ý/.test(document.getElementById('notice').textContent));
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});
