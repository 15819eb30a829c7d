// journey.test.mjs - the citizen's journey of issue 23 from end to end, as one person walks
// it, at 360 px and 1366 px, in Vietnamese and in English, with JavaScript and without:
// open the form in their language, find the target (a whole plan by browsing, with
// JavaScript; a whole section in the grouped list, without), get the problems in words and
// see them leave as they are fixed, send an initiative or a solution, read the receipt in
// words and check it in the browser, then find the feedback again by typing the code as a
// person would (lower case, no dashes). Each part has its own detailed file (find, errors,
// receipt, scope, language, weight, dashboard); this one proves the parts hold together.
// Screenshots: tests/artifacts/journey-<lang>-<js|nojs>-<step>-<width>.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('journey');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

const WORDS = {
  vi: {
    phone: 'Số điện thoại', body: 'Nội dung góp ý', bodyMissing: /Hãy viết nội dung góp ý/, wholePlan: /Toàn bộ kế hoạch/,
    received: /Đã nhận góp ý/, kind: { initiative: 'Sáng kiến', solution: 'Giải pháp' },
    valid: /Biên nhận hợp lệ/, about: 'đúng là về góp ý bạn vừa gửi',
  },
  en: {
    phone: 'Phone', body: 'Your feedback', bodyMissing: /Write your feedback/, wholePlan: /The whole plan/,
    received: /received/i, kind: { initiative: 'Initiative', solution: 'Solution' },
    valid: /receipt is valid/i, about: 'is about the feedback you just sent',
  },
};

async function clean(page, what) {
  assert.deepEqual(await h.axeViolations(page), [], `axe: ${what}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} scrolls sideways by ${overflow}px`);
}

// "7K3M-9QXD-2F8H-W4TR-M" as a person types it from a paper receipt.
const typed = (code) => code.replace(/-/g, '').toLowerCase();

for (const width of [360, 1366]) {
  for (const lang of ['vi', 'en']) {
    const w = WORDS[lang];

    test(`with JavaScript, ${lang}, ${width}px: browse to the whole plan, fix the problems, send, check, track`, async () => {
      const page = await h.newPage(browser, { width });
      await page.goto(`${srv.url}/?lang=${lang}`, { waitUntil: 'networkidle' });
      assert.equal(await page.getAttribute('html', 'lang'), lang);

      // Find: the plan's card, then "on the plan as a whole".
      await page.locator('label.plan-choice', { has: page.locator('input[value="LC-2026"]') }).click();
      await page.click('#item-results > .whole-choice[data-code="LC-2026"]');
      await page.waitForSelector('#item-details:not(.hidden)');
      assert.match(await page.textContent('#item-title'), w.wholePlan);
      await clean(page, `the chosen plan at ${width}px`);
      await h.screenshot(page, `journey-${lang}-js-chosen`);

      // Problems in words, gone once fixed.
      await page.check('input[name=rating][value="4"]');
      await page.check('input[name=kind][value="initiative"]');
      await page.click('#submit');
      await page.waitForSelector('#form-errors:not(.hidden)');
      const lines = await page.locator('#form-errors li').allTextContents();
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.ok(lines[0].startsWith(w.body + ':') && w.bodyMissing.test(lines[0]), lines[0]);
      await clean(page, `the problems at ${width}px`);
      await h.screenshot(page, `journey-${lang}-js-problems`);
      await page.fill('#body', `Cho cả kế hoạch (${lang}, ${width}px): một cổng dữ liệu mở của tỉnh.`);
      assert.ok(await page.locator('#form-errors').evaluate((e) => e.classList.contains('hidden')),
        'the summary goes once the text is written');

      // The receipt in words, checked in the browser.
      await page.click('#submit');
      await page.waitForSelector('#receipt:not(.hidden)');
      assert.match(await page.textContent('#receipt-title'), w.received);
      await page.waitForFunction(() => /\d\d\/\d\d\/\d{4}/.test(document.getElementById('receipt-facts').textContent));
      const facts = await page.textContent('#receipt-facts');
      assert.ok(facts.includes(w.kind.initiative), `the kind in words: ${facts}`);
      assert.ok(w.wholePlan.test(facts) && facts.includes('Lai Châu'), `the plan as a whole named: ${facts}`);
      const code = (await page.textContent('#receipt-code')).trim();
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]$/,
        'a code of the 32 symbols only, its check symbol too');
      await page.click('#receipt-proof summary');
      await page.click('#receipt-verify');
      await page.waitForFunction((re) => new RegExp(re, 'i').test(document.getElementById('receipt-check').textContent), w.valid.source);
      assert.ok((await page.textContent('#receipt-check')).includes(w.about),
        'the browser finds the receipt is about the text, rating, kind and item just sent');
      await clean(page, `the receipt at ${width}px`);
      await h.screenshot(page, `journey-${lang}-js-receipt`);

      // Track it by the code as typed.
      await page.goto(`${srv.url}/track/`, { waitUntil: 'networkidle' });
      assert.equal(await page.getAttribute('html', 'lang'), lang, 'the language is remembered');
      await page.fill('#code', typed(code));
      await page.press('#code', 'Enter');
      await page.waitForFunction((c) => document.querySelector('main').textContent.includes(c), code);
      await clean(page, `the tracking page at ${width}px`);
      await h.screenshot(page, `journey-${lang}-js-track`);
      assert.deepEqual(h.problemsOf(page), []);
      await page.context().close();
    });

    test(`without JavaScript, ${lang}, ${width}px: the whole section from the list, a problem in words, send, the receipt`, async () => {
      const page = await h.newPage(browser, { width, javaScriptEnabled: false });
      await page.goto(`${srv.url}/?lang=${lang}`);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      // The browser's own checks stop an empty text without JavaScript (required); a phone
      // number only the service can judge comes back as a page of problems in words.
      const body = `Cho cả mục V (${lang}, ${width}px, không JavaScript): dùng chung hạ tầng.`;
      const fill = async (phone) => {
        await page.selectOption('select[name=item_code]', 'LC-T-V');
        await page.check('input[name=rating][value="3"]');
        await page.check('input[name=kind][value="solution"]');
        await page.fill('textarea[name=body]', body);
        await page.fill('input[name=contact_phone]', phone);
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      };
      await fill('12');
      const problems = await page.locator('ul.problems li').allTextContents();
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.ok(problems[0].startsWith(w.phone), `the field in words: ${problems[0]}`);
      assert.doesNotMatch(await page.textContent('main'), /contact\.phone|contact_phone/);
      assert.deepEqual(await h.axeViolationsNoScript(browser, page), [], `axe, the problem page at ${width}px`);
      await h.screenshot(page, `journey-${lang}-nojs-problems`);

      await page.goBack();
      await fill('');
      const text = await page.textContent('main');
      assert.ok(text.includes('LC-T-V') && text.includes('Toàn bộ mục') && text.includes('Về chuyển đổi số'),
        'the receipt names the whole section');
      assert.ok(text.includes(w.kind.solution), 'the kind in words');
      assert.match(text, /[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]/);
      assert.deepEqual(await h.axeViolationsNoScript(browser, page), [], `axe, the receipt page at ${width}px`);
      await h.screenshot(page, `journey-${lang}-nojs-receipt`);
      await page.context().close();
    });
  }
}
