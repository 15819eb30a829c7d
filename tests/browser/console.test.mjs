// console.test.mjs - the officials' console in words (issue 22, point 2): queue rows name
// the item, plan and section, kind, rating, age and deadline; the detail shows states,
// roles, agencies, history and contact fields as labels, never the API's slugs; the answer
// is shown once given; switching language redraws everything on screen, the open detail
// too; the detail sits beside the queue at 1280 px and is its own view (with a back button)
// at 360 px, where nothing wraps a word per line; axe finds nothing serious at either width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('console');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

const AGENCY = 'lc-cac-ban-dang-tinh';

// A new feedback on LC-T3 (its text made unique: the same text again is the same feedback).
async function send(body, extra = {}) {
  const r = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 2, kind: 'question', body: `${body} (${process.pid}-${Math.random().toString(36).slice(2, 8)})`,
    consent: { publish: false }, ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return { ...r.body.receipt, id: h.feedbackId(r.body.receipt.tracking_code) };
}

// The text a person sees in the console, without the line naming the official and their
// user name (test officials are named after their roles: b123.moderator-responder.1,
// "Cán bộ moderator 1"); that line is checked on its own.
async function visibleText(page, who) {
  const text = await page.evaluate(() => document.getElementById('console').innerText
    .replace(document.getElementById('who').innerText, ''));
  return text.split(who.username).join('');
}

// What must never be on screen: states, kinds, roles, actions, contact keys and agency
// codes as the API spells them.
// In English the words themselves are English ("received by phone"): there, the slugs
// with underscores and the codes.
const SLUGS_EN = /\b(publish_answer|contact_read|contact_refused|unassign|plan_default|off_topic|personal_data|consent_publish|due_answer)\b|lc-cac-ban-dang-tinh|lc-van-phong/;
const SLUGS = /\b(received|published|answered|rejected|closed|hidden|opinion|proposal|report|question|initiative|solution|moderator|responder|publish_answer|contact_read|contact_refused|unassign|plan_default|organization|email|phone)\b|lc-cac-ban-dang-tinh|lc-van-phong/;

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

test('the console in words: labels, the answer shown, language switch redraws the open detail, side by side at 1280 px', async () => {
  const item = (await h.api(srv.url, 'GET', '/api/v1/items/LC-T3')).body;
  const title = (item.item || item).title;
  assert.ok(title && title.length > 20, 'the item has a title');
  const f = await send('Kế hoạch năm 2026 khi nào được ban hành? Xin cho biết tiến độ.', {
    submitter: { type: 'individual', name: 'Nguyễn Thị Bình', organization: 'Hợp tác xã Tam Đường' },
    contact: { email: 'binh@example.vn', phone: '0912345678' },
    consent: { publish: false, contact: true },
  });
  const official = h.addOfficial('moderator,responder', [AGENCY]);
  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, official);

  // Who is signed in: roles and agencies in words.
  const who = await page.textContent('#who');
  assert.match(who, /Kiểm duyệt, Trả lời/);
  assert.match(who, /Các ban đảng tỉnh/);
  assert.ok(!who.includes(AGENCY), 'no agency code');
  // Assisted intake is offered to those who handle feedback.
  assert.equal(await page.getAttribute('#intake-link', 'href'), '/admin/intake');
  assert.ok(await page.isVisible('#intake-link'));

  // The row: the item's title with plan and section, kind, rating, age, deadline.
  const row = await h.findInQueue(page, 'LC-T3', f.id);
  const li = page.locator(row).locator('xpath=ancestor::li[1]');
  const rowText = await li.innerText();
  assert.ok(rowText.includes(title), 'the item title');
  assert.match(rowText, /Kế hoạch số 32-KH\/TU .*\(LC-2026\)/, 'the plan');
  assert.match(rowText, /Công tác chỉ đạo, điều hành/, 'the section');
  assert.match(rowText, /Câu hỏi/);
  assert.match(rowText, /Đánh giá 2\/5/);
  assert.match(rowText, /Nhận \d+ (phút|giờ) trước/, 'the age');
  assert.match(rowText, /Hạn trả lời \d\d\/\d\d\/\d{4}/, 'the answer deadline');
  assert.match(rowText, /Đã tiếp nhận/);

  // The detail opens beside the queue.
  await page.click(row);
  await page.waitForSelector('#detail:not(.hidden)');
  const q = await page.locator('#queue-pane').boundingBox();
  const d = await page.locator('#detail').boundingBox();
  assert.ok(d.x >= q.x + q.width, `detail (x ${d.x}) right of the queue (ends ${q.x + q.width})`);
  assert.ok(d.y >= 0 && d.y < 200, `detail in view at the top (y ${d.y}), not below the queue`);
  assert.ok(!(await page.isVisible('#detail-back')), 'no back button needed on a wide screen');
  assert.equal(await page.textContent('#detail-item'), title);

  // Contact details as labels.
  await page.click('#contact-show');
  await page.waitForFunction(() => document.getElementById('contact').children.length > 0);
  const contact = await page.innerText('#contact');
  for (const label of ['Họ và tên', 'Cơ quan, tổ chức', 'Thư điện tử', 'Điện thoại']) {
    assert.ok(contact.includes(label), `contact label ${label}`);
  }
  assert.match(contact, /binh@example\.vn/);

  // Answer; the answer is shown after answering, the history in words.
  const answer = 'Kế hoạch được ban hành trong tháng 01/2026; tiến độ được cập nhật hằng quý.';
  await page.click('#detail-actions button[data-action="answer"]');
  await page.fill('#a-text', answer);
  await reloadQueue(page, () => page.click('#action-submit'));
  await page.waitForFunction(() => !document.getElementById('detail-answer').classList.contains('hidden'));
  assert.equal(await page.textContent('#detail-answer-text'), answer);
  assert.match(await page.textContent('#detail-answer-meta'), /chỉ người gửi xem được/);
  await page.waitForFunction(() => /Trả lời/.test(document.getElementById('detail-history').textContent) &&
    /Xem thông tin liên hệ/.test(document.getElementById('detail-history').textContent));
  assert.match(await page.textContent('#detail-title'), /Đã trả lời/);
  const history = await page.innerText('#detail-history');
  assert.match(history, /Đã tiếp nhận → Đã trả lời/);
  assert.match(history, /\(Kiểm duyệt, Trả lời\)|\(Trả lời\)/, 'roles in words');

  // Nothing on screen is a slug or a raw action name.
  const vi = await visibleText(page, official);
  assert.doesNotMatch(vi, SLUGS);
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-detail');

  // English: everything on screen again, the open detail and its history too.
  await page.click('#lang-switch');
  await page.waitForFunction(() => /Answered/.test(document.getElementById('detail-title').textContent));
  const en = await visibleText(page, official);
  assert.doesNotMatch(en, SLUGS_EN);
  assert.doesNotMatch(await page.innerText('#detail-history'), /\b(answer|contact_read)\b/, 'history actions in words');
  assert.match(await page.innerText('#detail-facts'), /Kind\s+Question/);
  assert.match(await page.innerText('#detail-history'), /Received → Answered/);
  assert.match(await page.innerText('#detail-history'), /Read the contact details/);
  assert.match(await page.innerText('#contact'), /E-mail/);
  assert.match(await page.textContent('#detail-answer-title'), /The answer/);
  assert.match(await page.textContent('#detail-answer-meta'), /only the sender sees it/);
  assert.match(await li.innerText(), /Question/);
  assert.match(await li.innerText(), /Received \d+ (minutes?|hours?) ago/);
  assert.match(await page.textContent('#who'), /Moderator, Responder/);
  for (const word of ['Đã trả lời', 'Câu hỏi', 'Họ và tên', 'Lịch sử']) {
    assert.ok(!en.includes(word), `no Vietnamese "${word}" left in English`);
  }
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-detail-en');
  await page.click('#lang-switch');
  await page.waitForFunction(() => /Đã trả lời/.test(document.getElementById('detail-title').textContent));
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('at 360 px the queue reads as sentences and the detail is its own view with a back button', async () => {
  const f = await send('Đề nghị công khai tiến độ xây dựng kế hoạch trên cổng thông tin của tỉnh để người dân theo dõi.');
  const official = h.addOfficial('moderator', [AGENCY]);
  const page = await h.newPage(browser, { width: 360 });
  await h.consoleSignIn(page, srv.url, official);
  const row = await h.findInQueue(page, 'LC-T3', f.id);
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(await fits(), 'no sideways scrolling');
  // No word per line: the row's title and text use most of the width.
  const t = await page.locator(`${row} .q-title`).boundingBox();
  assert.ok(t.width >= 220, `title ${t.width} px wide`);
  const lines = await page.evaluate((sel) => {
    const el = document.querySelector(sel + ' .q-summary');
    return Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
  }, row);
  assert.ok(lines <= 4, `the text takes ${lines} lines`);
  await page.evaluate(() => { document.getElementById('filters-more').open = false; });
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-queue');

  // The detail replaces the queue; back returns to the row.
  await page.click(row);
  await page.waitForSelector('#detail-back');
  assert.ok(await page.isVisible('#detail-back'));
  assert.ok(!(await page.isVisible('#queue-pane')), 'the queue is out of the way');
  await page.waitForFunction(() => document.getElementById('detail-history').children.length > 0);
  assert.ok(await fits(), 'no sideways scrolling in the detail');
  const facts = await page.locator('#detail-facts').boundingBox();
  assert.ok(facts.width >= 300, 'the facts use the width');
  assert.doesNotMatch(await visibleText(page, official), SLUGS);
  assert.deepEqual(await h.axeViolations(page), []);
  await h.screenshot(page, 'console-detail');
  await page.click('#detail-back');
  await page.waitForSelector('#queue-pane', { state: 'visible' });
  assert.ok(!(await page.isVisible('#detail')));
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-id')), String(f.id));
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

// Moves a feedback's deadlines into the past, as if it had waited for weeks.
function makeLate(id) {
  execFileSync('psql', ['-X', '-q', process.env.PAKN_DATABASE_URL, '-v', `id=${id}`], {
    input: "UPDATE feedback SET due_action = date '2026-01-05', due_answer = date '2026-01-19' WHERE id = :id\n",
  });
}

test('an overdue feedback is marked in the queue and in its detail, and the overdue filter finds it', async () => {
  const late = await send('Đã gửi từ lâu mà chưa có trả lời.');
  const fresh = await send('Mới gửi hôm nay.');
  makeLate(late.id);
  const official = h.addOfficial('responder', [AGENCY]);
  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, official);
  const row = await h.findInQueue(page, 'LC-T3', late.id);
  const li = page.locator(row).locator('xpath=ancestor::li[1]');
  assert.match(await li.innerText(), /⚠ Quá hạn/);
  assert.match(await li.innerText(), /Hạn trả lời 19\/01\/2026/);
  assert.ok(await li.evaluate((el) => el.classList.contains('overdue')));
  await page.click(row);
  assert.match(await page.innerText('#detail-facts'), /xử lý trước 05\/01\/2026; trả lời trước 19\/01\/2026\s*⚠ Quá hạn/);
  await page.check('#f-overdue');
  await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
  const ids = await page.locator('#queue .q-open').evaluateAll((bs) => bs.map((b) => Number(b.dataset.id)));
  assert.ok(ids.includes(late.id) && !ids.includes(fresh.id), 'only the late one');
  await page.click('#lang-switch');
  assert.match(await li.innerText(), /⚠ Overdue/);
  assert.match(await li.innerText(), /Answer by 19\/01\/2026/);
  await page.click('#lang-switch');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('the filters of the queue are a form: kind, state, overdue and my queue reach the service', async () => {
  const official = h.addOfficial('responder', [AGENCY]);
  const page = await h.newPage(browser, { width: 1280 });
  await h.consoleSignIn(page, srv.url, official);
  await page.selectOption('#f-kind', 'question');
  await page.selectOption('#f-status', 'received');
  await page.check('#f-overdue');
  await page.check('#f-mine');
  await page.fill('#f-from', '2026-01-01');
  const res = await reloadQueue(page, () => page.click('#filter-form button[type=submit]'));
  const url = new URL(res.url());
  assert.equal(url.searchParams.get('kind'), 'question');
  assert.equal(url.searchParams.get('status'), 'received');
  assert.equal(url.searchParams.get('overdue'), 'true');
  assert.equal(url.searchParams.get('assigned_to'), 'me');
  assert.equal(url.searchParams.get('from'), '2026-01-01');
  assert.equal(res.status(), 200);
  // Clearing the filters asks for the whole queue again.
  const all = await reloadQueue(page, () => page.click('#filter-clear'));
  assert.deepEqual([...new URL(all.url()).searchParams.keys()], ['limit']);
  // A refused search names the field by its label.
  await page.fill('#f-q', 'so');
  assert.equal((await reloadQueue(page, () => page.click('#filter-form button[type=submit]'))).status(), 400);
  await page.waitForSelector('#notice:not(.hidden)');
  assert.match(await page.textContent('#notice'), /Tìm trong nội dung: /);
  assert.deepEqual(await h.axeViolations(page), []);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});
