import test from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';
test('smoke', async () => {
  const srv = await h.startServer('smoke');
  const browser = await h.launchBrowser();
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/assets/common.js');
  const v = await h.axeViolations(page);
  console.log('axe', v.length, h.problemsOf(page));
  await browser.close();
  const r = await srv.stop();
  assert.equal(r.code, 0);
});
