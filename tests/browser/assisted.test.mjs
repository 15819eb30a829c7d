// assisted.test.mjs - the officials' assisted intake (/admin/intake) in Chromium at 360 px:
// a moderator signed in at /admin/ with the second factor enters a citizen's phone call,
// sees the field problems in words first, then gets the citizen's printable receipt,
// whose signed receipt verifies with pakn-verify; the row records the channel and the day;
// the receipt redraws in English; print keeps only the receipt; axe finds nothing serious;
// without a session the page says where to sign in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as h from './harness.mjs';

let srv;
let browser;
const tmp = process.env.PAKN_TEST_TMP || '/tmp';

before(async () => {
  srv = await h.startServer('assisted');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

function sql(query) {
  return execFileSync('psql', ['-X', '-At', process.env.PAKN_DATABASE_URL],
    { input: query + '\n', encoding: 'utf8' }).trim();
}

test('without a session the page says where to sign in', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/admin/intake', { waitUntil: 'networkidle' });
  await page.waitForSelector('#notice:not(.hidden)');
  assert.equal(await page.getAttribute('#notice a', 'href'), '/admin/');
  assert.ok(await page.isHidden('#intake-form'));
  assert.deepEqual(await h.axeViolations(page), []);
  await page.click('#lang-switch');
  assert.match(await page.textContent('#notice'), /^Sign in .*officials' console/);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

test('a moderator enters a phone call and prints the citizen\'s receipt', async () => {
  const moderator = h.addOfficial('moderator', ['lc-cac-ban-dang-tinh']);
  const page = await h.newPage(browser, { width: 360 });
  await h.consoleSignIn(page, srv.url, moderator);
  await page.goto(srv.url + '/admin/intake', { waitUntil: 'networkidle' });
  await page.waitForSelector('#intake-form:not(.hidden)');
  assert.match(await page.textContent('#who'), new RegExp(moderator.username.replace(/\./g, '\\.')));
  const today = sql("SELECT pakn_local_day(now())");
  assert.equal(await page.inputValue('#received_on'), today);

  // Nothing chosen: the problems in words, beside their fields; nothing sent.
  await page.click('#submit');
  await page.waitForSelector('#form-errors:not(.hidden)');
  assert.match(await page.textContent('#err-channel'), /kênh/i);
  assert.match(await page.textContent('#err-rating'), /1 đến 5/);
  assert.equal(await page.getAttribute('#channel', 'aria-invalid'), 'true');

  const day = sql("SELECT (pakn_local_day(now()) - 2)::text");
  await page.selectOption('#channel', 'phone');
  await page.fill('#received_on', day);
  await page.fill('#item-search', 'so hoa');
  await page.click('#item-results button[data-code="LC-T20"]');
  await page.waitForSelector('#item-details:not(.hidden)');
  await page.check('input[name=rating][value="2"]');
  await page.check('input[name=kind][value="report"]');
  await page.fill('#body', 'Gọi điện: xã chưa số hóa hồ sơ đất đai.');
  await page.fill('#submitter_name', 'Lò Thị Mai');
  await page.fill('#contact_phone', '0912 345 678');
  await page.check('#consent_contact');
  await h.screenshot(page, 'assisted-form');
  assert.deepEqual(await h.axeViolations(page), []);

  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/moderation/intake')),
    page.click('#submit'),
  ]);
  assert.equal(res.status(), 201);
  const reply = await res.json();
  await page.waitForSelector('#receipt:not(.hidden)');
  const code = (await page.textContent('#receipt-code')).trim();
  assert.equal(code, reply.receipt.tracking_code);
  assert.equal((await page.textContent('#receipt-secret')).trim(), reply.receipt.secret);
  const facts = await page.textContent('#receipt-facts');
  assert.match(facts, /LC-T20/);
  assert.match(facts, /Điện thoại/);
  assert.ok(facts.includes(`${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`));
  assert.match(await page.textContent('#receipt-next'), /\/track\//);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'receipt-title');

  // The signed receipt is the web form's: pakn-verify checks it with the published keys.
  const file = path.join(tmp, `assisted-receipt-${code}.json`);
  fs.writeFileSync(file, JSON.stringify(reply.receipt));
  assert.match(await h.verifyReceipt(srv.url, file), /^valid: /);
  // Stored as entered: the channel and the day the citizen called.
  assert.equal(sql(`SELECT channel || ' ' || received_on FROM feedback WHERE tracking_code = '${code}'`),
    `phone ${day}`);
  const status = await h.api(srv.url, 'GET', `/api/v1/feedback/${code}`);
  assert.equal(status.body.item.code, 'LC-T20');

  await h.screenshot(page, 'assisted-receipt');
  assert.deepEqual(await h.axeViolations(page), []);
  // The language switch redraws the receipt.
  await page.click('#lang-switch');
  assert.match(await page.textContent('#receipt-facts'), /Received by\s*Phone/);
  await page.click('#lang-switch');
  // Printed, only the receipt is left.
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.isHidden('#receipt-print'));
  assert.ok(await page.isHidden('.site-header'));
  assert.ok(await page.isVisible('#receipt-code'));
  await h.screenshot(page, 'assisted-print');
  await page.emulateMedia({ media: 'screen' });

  // Another entry starts from an empty form.
  await page.click('#receipt-another');
  await page.waitForSelector('#intake-form:not(.hidden)');
  assert.equal(await page.inputValue('#body'), '');
  assert.equal(await page.inputValue('#channel'), '');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});
