// errors.test.mjs - problems with the feedback form, as a citizen meets them at 360 px and
// 1366 px: with JavaScript, the summary names each field as its label reads and loses a
// line as soon as that field is fixed (and goes with the last); without JavaScript, the
// service's problem page names fields in words, never by their API path ("contact.phone"),
// in the language chosen; a text over its limit is told the limit. Screenshots
// tests/artifacts/errors-*.png; axe finds nothing serious or critical.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('errors');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

const summaryLines = (page) => page.locator('#form-errors li').allTextContents();

for (const width of [360, 1366]) {
  test(`with JavaScript at ${width} px: the summary names fields in words and shrinks as they are fixed`, async () => {
    const page = await h.newPage(browser, { width });
    await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
    // The item is chosen as the form sends it (the choosing itself is tested elsewhere).
    await page.evaluate(() => { document.getElementById('item_code').value = 'LC-T3'; });
    await page.click('#submit');
    await page.waitForSelector('#form-errors:not(.hidden)');
    let lines = await summaryLines(page);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /^Bạn hài lòng thế nào về nhiệm vụ, chỉ tiêu này\?: Hãy chọn mức độ hài lòng/);
    assert.match(lines[1], /^Nội dung góp ý: Hãy viết nội dung góp ý\./);
    assert.deepEqual(await h.axeViolations(page), [], `axe, summary at ${width}px`);
    await h.screenshot(page, 'errors-js-summary');
    // Fixing the rating takes its line away; the other stays.
    await page.check('input[name=rating][value="4"]');
    lines = await summaryLines(page);
    assert.deepEqual(lines.map((l) => l.split(':')[0]), ['Nội dung góp ý']);
    // A link in the summary takes the reader to the field.
    await page.click('#form-errors li a');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'body');
    // Fixing the last one takes the summary away.
    await page.fill('#body', 'Đã sửa.');
    assert.ok(await page.locator('#form-errors').evaluate((e) => e.classList.contains('hidden')));
    assert.equal(await page.locator('#err-body').isHidden(), true);
    // A problem only the service finds: named as the field's label, in English too.
    await page.fill('#contact_phone', '12');
    await page.click('#submit');
    await page.waitForSelector('#form-errors:not(.hidden)');
    lines = await summaryLines(page);
    assert.deepEqual(lines, ['Số điện thoại: Số điện thoại Việt Nam không hợp lệ.']);
    await page.click('#lang-switch');
    lines = await summaryLines(page);
    assert.match(lines[0], /^Phone: /);
    await h.screenshot(page, 'errors-js-en');
    assert.deepEqual(await h.axeViolations(page), [], `axe, English summary at ${width}px`);
    await page.fill('#contact_phone', '0912345678');
    assert.ok(await page.locator('#form-errors').evaluate((e) => e.classList.contains('hidden')));
    assert.deepEqual(h.problemsOf(page), []);
    await page.context().close();
  });

  test(`without JavaScript at ${width} px: the problem page names fields in words, in the chosen language`, async () => {
    const page = await h.newPage(browser, { width, javaScriptEnabled: false });
    for (const lang of ['vi', 'en']) {
      await page.goto(srv.url + `/?lang=${lang}`);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await page.selectOption('select[name=item_code]', 'LC-T3');
      await page.check('input[name=rating][value="3"]');
      await page.fill('textarea[name=body]', 'Số điện thoại sai.');
      await page.fill('input[name=contact_phone]', '12');
      await page.fill('input[name=submitter_name]', 'Nguyễn Văn A');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      const problems = await page.locator('ul.problems li').allTextContents();
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0], lang === 'vi' ? /^Số điện thoại Phone Số điện thoại Việt Nam/ : /^Phone Số điện thoại Not a valid Vietnamese phone number/);
      assert.doesNotMatch(await page.textContent('main'), /contact\.phone|contact_phone/);
      assert.deepEqual(await h.axeViolationsNoScript(browser, page), [], `axe, problem page at ${width}px`);
      await h.screenshot(page, `errors-nojs-${lang}`);
    }
    await page.context().close();
  });
}

test('a text over its limit is told the limit, in both languages', async () => {
  const r = await h.api(srv.url, 'POST', '/api/v1/feedback', {
    item_code: 'LC-T3', rating: 3, kind: 'opinion', body: 'ạ'.repeat(5001), consent: { publish: false },
  });
  assert.equal(r.status, 422, r.text);
  const body = r.body.error.fields.find((f) => f.field === 'body');
  assert.equal(body.message, 'Dài quá: tối đa 5.000 ký tự. / Too long: at most 5,000 characters.');
});
