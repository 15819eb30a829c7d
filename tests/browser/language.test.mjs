// language.test.mjs - the language switch without JavaScript: a link (?lang=en) to the
// page's English copy, which the service sends (server/http/webfiles.c) and remembers in
// the cookie pakn_lang, so the next page comes in English too; and back. With JavaScript
// the same cookie is written by common.js, so a page opened later comes from the service
// already in English. At 360 px and 1366 px; axe finds nothing serious or critical.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await h.startServer('language');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

async function langCookie(page) {
  const c = (await page.context().cookies()).find((x) => x.name === 'pakn_lang');
  return c && c.value;
}

for (const width of [360, 1366]) {
  test(`without JavaScript at ${width} px: English by a link, remembered on the next page, and back`, async () => {
    const page = await h.newPage(browser, { width, javaScriptEnabled: false });
    await page.goto(srv.url + '/');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    assert.equal(await page.textContent('#lang-switch'), 'English');
    await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('h1'), "Your opinion on the province's Resolution 57 plan");
    assert.equal(await page.getAttribute('#submit', 'data-vi'), 'Gửi góp ý');
    assert.equal(await page.textContent('#submit'), 'Send feedback');
    assert.equal(await langCookie(page), 'en');
    // The next page, reached by the navigation, is English as well.
    await Promise.all([page.waitForNavigation(), page.click('.site-nav a[href="/track/"]')]);
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('label[for="code"]'), 'Tracking code');
    assert.equal(await page.getAttribute('nav', 'aria-label'), 'Pages');
    assert.deepEqual(await h.axeViolationsNoScript(browser, page), [], `axe, English at ${width}px`);
    await h.screenshot(page, 'track-en-nojs');
    // And back to Vietnamese, remembered too.
    assert.equal(await page.textContent('#lang-switch'), 'Tiếng Việt');
    await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    assert.equal(await langCookie(page), 'vi');
    await page.goto(srv.url + '/feed/');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    await page.context().close();
  });
}

test('with JavaScript: the switch changes the page in place and the service then sends English', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/track/', { waitUntil: 'networkidle' });
  await page.fill('#code', 'ABCD');
  await page.click('#lang-switch');
  // In place: no navigation, what was typed is kept.
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await page.inputValue('#code'), 'ABCD');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.getAttribute('#lang-switch', 'href'), '?lang=vi');
  assert.equal(await langCookie(page), 'en');
  const res = await page.goto(srv.url + '/', { waitUntil: 'networkidle' });
  assert.match(await res.text(), /<html lang="en">/);
  assert.equal(await page.textContent('#submit'), 'Send feedback');
  // Switching back in place from a page that came in English.
  await page.click('#lang-switch');
  assert.equal(await page.textContent('#submit'), 'Gửi góp ý');
  assert.equal(await langCookie(page), 'vi');
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});
