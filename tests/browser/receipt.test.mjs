// receipt.test.mjs - the receipt a citizen keeps, in Chromium, at 360 and 1366 px in both
// languages: what was received in words (item title, local time, rating, kind, the text's
// start, who answers by which date), the tracking code (copied with one tap, new check
// symbol, QR code to the tracking page), the secret in one sentence, the proof folded and
// checked in the browser (valid, and invalid once one byte of a saved receipt changes; the
// service's check only where the browser lacks Ed25519), a printout on one A4 page with
// nothing clipped, a download that opens as a page and that pakn-verify reads; the same
// receipt without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';

let srv;
let browser;
const tmp = process.env.PAKN_TEST_TMP || '/tmp';
const SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ITEM = 'LC-T20';

before(async () => {
  srv = await h.startServer('receipt');
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  const exit = await srv?.stop();
  assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
});

// docs/receipts.md: a new code's check symbol is the sum of v[i] x^(16-i) over GF(32).
function newCheckSymbol(code) {
  const v = [...code.replace(/-/g, '').slice(0, 16)].map((c) => SYMBOLS.indexOf(c));
  let r = 0;
  for (const x of v) { r = (r ^ x) << 1; if (r & 32) r ^= 0x25; }
  return SYMBOLS[r];
}

function localDate(day) {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

// Nothing in the receipt is wider than its box or the page: every element's content fits
// its own width (no clipped code, no text running off a phone's screen).
async function overflowing(page, root) {
  return page.evaluate((sel) => {
    const out = [];
    const vw = document.documentElement.clientWidth;
    for (const el of document.querySelectorAll(`${sel}, ${sel} *`)) {
      const st = getComputedStyle(el);
      if (st.display === 'none' || el.closest('details:not([open])') && el.tagName !== 'DETAILS' && el.tagName !== 'SUMMARY') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1 && st.overflowX !== 'auto' && el.clientWidth > 0) out.push(`${el.tagName}#${el.id} scroll ${el.scrollWidth} > ${el.clientWidth}`);
      if (r.right > vw + 1) out.push(`${el.tagName}#${el.id}.${el.className} right ${Math.round(r.right)} > ${vw}`);
    }
    return out;
  }, root);
}

// A printout's pages, counted in the PDF Chromium makes of it (A4).
async function printedPages(page) {
  const pdf = (await page.pdf({ format: 'A4', printBackground: true })).toString('latin1');
  return (pdf.match(/\/Type\s*\/Page\b/g) || []).length;
}

const words = {
  vi: { rating: 'Hài lòng', kind: 'Kiến nghị', valid: /Biên nhận hợp lệ/, invalid: /KHÔNG hợp lệ/, browser: /trên trình duyệt của bạn/, server: /nhờ máy chủ/, copied: /Đã chép mã/, proof: 'Dành cho việc kiểm tra' },
  en: { rating: 'Satisfied', kind: 'Proposal', valid: /The receipt is valid/, invalid: /NOT valid/, browser: /in your own browser/, server: /the server checked it/, copied: /Code copied/, proof: 'For verification' },
};

async function setLanguage(page, lang) {
  if (lang === 'en' && await page.evaluate(() => document.documentElement.lang) !== 'en') {
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.waitForLoadState('networkidle');
  }
}

// Sends feedback with the form (JavaScript on) and waits for the receipt with its facts.
async function send(page, lang, body) {
  await page.goto(`${srv.url}/?item=${ITEM}`, { waitUntil: 'networkidle' });
  await setLanguage(page, lang);
  await page.waitForSelector('#item-details:not(.hidden)');
  await page.check('input[name=rating][value="4"]');
  await page.check('input[name=kind][value="proposal"]');
  await page.fill('#body', body);
  await page.click('#submit');
  await page.waitForSelector('#receipt:not(.hidden)');
  // the agency and the due date come from the status by tracking code
  await page.waitForFunction(() => /\d\d\/\d\d\/\d{4} \(/.test(document.getElementById('receipt-facts').textContent));
  return (await page.textContent('#receipt-code')).trim();
}

for (const width of [360, 1366]) {
  for (const lang of ['vi', 'en']) {
    test(`the receipt in words, copied, checked, printed and downloaded (${lang}, ${width} px)`, async () => {
      const page = await h.newPage(browser, { width });
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
      // a long text, and a long unbroken word that must wrap rather than run off the page
      const body = `Đề nghị ${'rất '.repeat(60)}nhanh: ${'X'.repeat(90)} ở xã.`;
      const code = await send(page, lang, body);
      const w = words[lang];

      // The code: 16 symbols and a check symbol of the same 32, the new (GF(32)) one.
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]$/);
      assert.equal(code.slice(-1), newCheckSymbol(code));

      // What was received, in words, as the service stored it.
      const status = (await h.api(srv.url, 'GET', `/api/v1/feedback/${code}`)).body;
      const item = (await h.api(srv.url, 'GET', `/api/v1/items/${ITEM}`)).body;
      assert.ok(status.due_answer && status.agencies.length, 'the status says who answers by when');
      const facts = await page.textContent('#receipt-facts');
      assert.ok(facts.includes(item.title), 'the item title');
      assert.ok(facts.includes(`4 · ${w.rating}`), 'the rating in words');
      assert.ok(facts.includes(w.kind), 'the kind in words');
      assert.ok(facts.includes(body.slice(0, 60)) && facts.includes('…') && !facts.includes('ở xã.'), 'the start of the text');
      assert.ok(facts.includes(status.agencies[0]), 'the agency');
      assert.ok(facts.includes(localDate(status.due_answer)), 'the answer date');
      const received = new Date(status.received_at);
      const hhmm = received.toLocaleTimeString('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit' });
      assert.ok(facts.includes(hhmm), `the local time ${hhmm}`);

      // One tap copies the code.
      await page.click('#receipt-copy');
      await page.waitForFunction(() => document.getElementById('receipt-copied').textContent.length > 0);
      assert.match(await page.textContent('#receipt-copied'), w.copied);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);

      // The QR code to the tracking page is drawn.
      await page.waitForFunction(() => document.getElementById('receipt-qr').naturalWidth > 0);
      assert.equal(await page.getAttribute('#receipt-qr', 'src'), `/api/v1/feedback/${code}/qr.svg`);

      // The proof is folded until asked for.
      assert.equal(await page.evaluate(() => document.getElementById('receipt-proof').open), false);
      assert.ok(await page.isHidden('#receipt-verify'));
      assert.equal((await page.textContent('#receipt-proof summary')).trim(), w.proof);
      assert.deepEqual(await overflowing(page, '#receipt'), []);
      await h.screenshot(page, `receipt-${lang}`);
      assert.deepEqual(await h.axeViolations(page), []);

      // Checked in this browser, which says so.
      await page.click('#receipt-proof summary');
      await page.click('#receipt-verify');
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('receipt-check').textContent), w.valid.source);
      assert.match(await page.textContent('#receipt-check'), w.browser);
      assert.deepEqual(await h.axeViolations(page), []);

      // The download is a page a phone opens, with the signed JSON inside.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#receipt-download')]);
      assert.equal(download.suggestedFilename(), `bien-nhan-${code}.html`);
      const file = path.join(tmp, `bien-nhan-${code}-${lang}-${width}.html`);
      await download.saveAs(file);
      assert.match(await h.verifyReceipt(srv.url, file), /^valid: /);
      const opened = await h.newPage(browser, { width: 360, javaScriptEnabled: false });
      await opened.goto('file://' + file);
      assert.equal((await opened.textContent('.code')).trim(), code);
      assert.ok((await opened.textContent('table')).includes(item.title));
      assert.ok(await opened.$('svg'), 'the QR code is in the file');
      const inside = JSON.parse(await opened.textContent('script#receipt'));
      assert.equal(inside.tracking_code, code);
      assert.deepEqual(await overflowing(opened, 'body'), []);
      await h.screenshot(opened, `receipt-file-${lang}`);
      await opened.context().close();

      // The saved file, checked by the page; one byte changed, it is not valid.
      await page.setInputFiles('#receipt-file', file);
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('receipt-check').textContent), w.valid.source);
      const text = fs.readFileSync(file, 'utf8');
      const at = text.indexOf('"salt": "') + 9;
      const tampered = path.join(tmp, `tampered-${code}-${lang}-${width}.html`);
      fs.writeFileSync(tampered, text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1));
      await page.setInputFiles('#receipt-file', tampered);
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('receipt-check').textContent), w.invalid.source);
      await assert.rejects(h.verifyReceipt(srv.url, tampered), 'pakn-verify refuses it too');

      // The printout: one A4 page, the facts, the code and its QR code, nothing clipped.
      await page.emulateMedia({ media: 'print' });
      assert.ok(await page.isHidden('#receipt-download'), 'no buttons on paper');
      assert.ok(await page.isHidden('#receipt-proof'), 'no proof on paper');
      assert.ok(await page.isVisible('#receipt-code') && await page.isVisible('#receipt-qr'));
      assert.deepEqual(await overflowing(page, '#receipt'), []);
      await h.screenshot(page, `receipt-print-${lang}`);
      assert.equal(await printedPages(page), 1, 'the receipt prints on one A4 page');
      await page.emulateMedia({ media: 'screen' });
      assert.deepEqual(h.problemsOf(page), []);
      await page.context().close();
    });
  }
}

test('a browser without Ed25519 asks the service, and says so', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.addInitScript(() => {
    const importKey = crypto.subtle.importKey.bind(crypto.subtle);
    crypto.subtle.importKey = (format, key, alg, ...rest) => (alg && (alg === 'Ed25519' || alg.name === 'Ed25519')
      ? Promise.reject(new DOMException('unsupported', 'NotSupportedError')) : importKey(format, key, alg, ...rest));
  });
  const asked = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/receipts/verify')) asked.push(r.url()); });
  await send(page, 'vi', 'Trình duyệt cũ.');
  await page.click('#receipt-proof summary');
  await page.click('#receipt-verify');
  await page.waitForFunction(() => /Biên nhận hợp lệ/.test(document.getElementById('receipt-check').textContent));
  assert.match(await page.textContent('#receipt-check'), words.vi.server);
  assert.equal(asked.length, 1);
  assert.deepEqual(h.problemsOf(page), []);
  await page.context().close();
});

for (const width of [360, 1366]) {
  test(`without JavaScript the receipt page says the same in words (${width} px)`, async () => {
    const page = await h.newPage(browser, { width, javaScriptEnabled: false });
    await page.goto(srv.url + '/');
    await page.selectOption('select[name=item_code]', ITEM);
    await page.check('input[name=rating][value="2"]');
    await page.check('input[name=kind][value="report"]');
    await page.fill('textarea[name=body]', 'Gửi khi tắt JavaScript: ' + 'chậm '.repeat(150));
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    const code = (await page.textContent('.tracking-code')).trim();
    assert.equal(code.slice(-1), newCheckSymbol(code));
    const status = (await h.api(srv.url, 'GET', `/api/v1/feedback/${code}`)).body;
    const main = await page.textContent('main');
    for (const want of [status.item.title, '2 · Không hài lòng / Dissatisfied', 'Phản ánh / Report of a problem',
      'Gửi khi tắt JavaScript: chậm', status.agencies[0], localDate(status.due_answer), 'giờ Việt Nam']) {
      assert.ok(main.includes(want), `the page says ${want}`);
    }
    assert.ok(!main.includes('chậm '.repeat(150).trim()), 'only the start of the text');
    assert.ok(await page.evaluate(() => document.querySelector('.receipt-qr img').naturalWidth > 0), 'the QR code');
    assert.equal(await page.evaluate(() => document.querySelector('details').open), false);
    assert.match(await page.textContent('details summary'), /Dành cho việc kiểm tra/);
    // The download: an HTML page with the signed JSON inside, which pakn-verify reads.
    const href = await page.getAttribute('a[download$=".html"]', 'href');
    assert.ok(href.startsWith('data:text/html;charset=utf-8,'));
    const file = path.join(tmp, `bien-nhan-nojs-${code}.html`);
    fs.writeFileSync(file, decodeURIComponent(href.slice(href.indexOf(',') + 1)));
    assert.match(await h.verifyReceipt(srv.url, file), /^valid: /);
    assert.deepEqual(await overflowing(page, 'main'), []);
    assert.deepEqual(await h.axeViolationsNoScript(browser, page), []);
    await h.screenshot(page, 'receipt-nojs');
    await page.emulateMedia({ media: 'print' });
    assert.deepEqual(await overflowing(page, 'main'), []);
    assert.equal(await printedPages(page), 1, 'one A4 page');
    await h.screenshot(page, 'receipt-nojs-print');
    await page.context().close();
  });
}

test('the tracking page reads codes as the service does: new ones checked, old ones kept', async () => {
  const page = await h.newPage(browser, { width: 360 });
  await page.goto(srv.url + '/track/', { waitUntil: 'networkidle' });
  const codes = [];
  for (let i = 0; i < 20; i++) {
    const sent = await h.api(srv.url, 'POST', '/api/v1/feedback', { item_code: ITEM, rating: 3, kind: 'question', body: `Mã số ${i}?` });
    codes.push(sent.body.receipt.tracking_code);
  }
  const result = await page.evaluate((list) => {
    const S = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
    let tried = 0, passedNew = 0, passedOld = 0, unread = 0;
    for (const code of list) {
      if (window.PAKN_TRACKING.parse(code.toLowerCase().replace(/-/g, '')) !== code) unread++;
      const chars = code.replace(/-/g, '');
      const variants = [];
      for (let i = 0; i < 17; i++) {
        for (const s of (i < 16 ? S.slice(0, 32) : S)) if (s !== chars[i]) variants.push(chars.slice(0, i) + s + chars.slice(i + 1));
        if (i < 16 && chars[i] !== chars[i + 1]) variants.push(chars.slice(0, i) + chars[i + 1] + chars[i] + chars.slice(i + 2));
      }
      for (const v of variants) {
        tried++;
        const got = window.PAKN_TRACKING.parse(v);
        if (!got) continue;
        // accepted: only as an old code (its check symbol is the mod-37 one), never as new
        let r = 0;
        for (let k = 0; k < 16; k++) { r = (r ^ S.indexOf(v[k])) << 1; if (r & 32) r ^= 0x25; }
        if (S[r] === v[16]) passedNew++; else passedOld++;
      }
    }
    return { tried, passedNew, passedOld, unread, old: window.PAKN_TRACKING.parse('11m1 vap0 vny3 vcx3 d'), oldStar: window.PAKN_TRACKING.parse('0000-0000-0000-0010-*') };
  }, codes);
  assert.equal(result.unread, 0, 'every new code reads back');
  assert.equal(result.passedNew, 0, `no mistake passes the new check (${result.tried} tried)`);
  assert.ok(result.passedOld < result.tried / 20, `few pass the old check by chance (${result.passedOld})`);
  assert.equal(result.old, '11M1-VAP0-VNY3-VCX3-D');
  assert.equal(result.oldStar, '0000-0000-0000-0010-*');
  await page.context().close();
});
