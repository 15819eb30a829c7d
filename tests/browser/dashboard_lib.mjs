// dashboard_lib.mjs - what dashboard.test.mjs (360 px) and dashboard_wide.test.mjs (1366 px)
// share: a server on a database of its own holding dashboard_seed.sql's feedback, and the
// walk of the dashboard in one width and language (docs/web.md, "The dashboard"): no label is
// an internal key (in the page's text or the charts' labels), each CSAT point is drawn over
// its interval bar (the canvas's pixel at the point has the point's colour), the plans are
// side by side with the API's figures, every chart has its table, nothing scrolls sideways,
// the one period selector changes every section, axe finds nothing serious; screenshots
// tests/artifacts/dashboard-*.png. Two files, so that each stays well within the runner's
// time for a file on a busy machine.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as h from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
export const ctx = { srv: null, browser: null };

// Starts the server on its own seeded database and a browser, for the file that calls it.
export function setup(name) {
  before(async () => {
    const db = h.ownDatabase(name);
    execFileSync(path.resolve(root, process.env.PAKNCTL_BIN || 'build/asan/paknctl'),
      ['official', 'add', 'dash.seed', '--role', 'responder', '--name', 'Cán bộ thử', '--agency', 'lc-cac-ban-dang-tinh'],
      { cwd: root, env: { ...process.env, PAKN_DATABASE_URL: db }, input: 'mật-khẩu-thử-đủ-dài-2026\n', stdio: ['pipe', 'ignore', 'inherit'] });
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'official=dash.seed', db,
      '-f', path.join(here, 'dashboard_seed.sql')], { stdio: ['ignore', 'ignore', 'inherit'] });
    ctx.srv = await h.startServer(name, { PAKN_DATABASE_URL: db });
    ctx.browser = await h.launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    const exit = await ctx.srv?.stop();
    assert.equal(exit.code, 0, 'the server exits 0 on SIGTERM');
  });
}

// The sections that show figures, in their order on the page.
const sections = ['compare', 'agency', 'section', 'kind', 'item', 'trend', 'distribution', 'responses'];
const kindWords = {
  vi: ['Ý kiến', 'Kiến nghị', 'Phản ánh', 'Câu hỏi', 'Sáng kiến', 'Giải pháp'],
  en: ['Opinion', 'Proposal', 'Report of a problem', 'Question', 'Initiative', 'Solution'],
};

// The quarter before this one in Vietnam, as the select's value and in words.
export function previousQuarter() {
  const now = new Date(Date.now() + 7 * 3600 * 1000);
  let y = now.getUTCFullYear();
  let q = Math.floor(now.getUTCMonth() / 3);
  if (q === 0) { q = 4; y -= 1; }
  const first = `${y}-${String(q * 3 - 2).padStart(2, '0')}-01`;
  const last = new Date(Date.UTC(y, q * 3, 0)).toISOString().slice(0, 10);
  return { value: `${y}-Q${q}`, from: first, to: last, vi: `Quý ${['', 'I', 'II', 'III', 'IV'][q]}/${y}`, en: `Q${q} ${y}` };
}

// Waits until every section is drawn, then brings each chart near the screen so that it is
// drawn (they are drawn lazily) and waits for all of them.
export async function loaded(page) {
  await page.waitForSelector('body[data-loaded=true]');
  const undrawn = await page.evaluate(async () => {
    const left = [];
    for (const box of document.querySelectorAll('.chart-box')) {
      box.scrollIntoView();
      for (let i = 0; i < 250 && box.dataset.drawn !== 'true'; i++) await new Promise((r) => setTimeout(r, 20));
      if (box.dataset.drawn !== 'true') left.push(box.closest('section').id);
    }
    window.scrollTo(0, 0);
    return left;
  });
  assert.deepEqual(undrawn, [], 'every chart is drawn once it nears the screen');
}

async function setLanguage(page, lang) {
  if (await page.getAttribute('html', 'lang') === lang) return;
  await page.click('#lang-switch');
  await page.waitForFunction((l) => document.documentElement.lang === l && document.body.dataset.loaded === 'true', lang);
  await loaded(page);
}

// Every label a person sees: the page's text, the charts' labels and legends.
export function labelsOf(page) {
  return page.evaluate(() => {
    const out = [document.body.innerText];
    for (const canvas of document.querySelectorAll('canvas')) {
      // eslint-disable-next-line no-undef
      const chart = Chart.getChart(canvas);
      out.push(...chart.data.labels.flat(), ...chart.data.datasets.map((d) => d.label));
    }
    return out.join('\n');
  });
}

// Each section's shown figures, to tell whether a section changed.
function figures(page) {
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const s = document.getElementById(`sec-${id}`);
    return [id, [...s.querySelectorAll('tbody tr')].map((tr) => tr.innerText).join('|')];
  })), sections);
}

// The walk of the dashboard at one width in one language.
export async function walk(width, lang) {
  const { srv, browser } = ctx;
  const page = await h.newPage(browser, { width });
  await page.goto(srv.url + '/dashboard/', { waitUntil: 'networkidle' });
  await loaded(page);
  await setLanguage(page, lang);

  // No key anywhere: no section key, no agency code, no kind key; kinds in words.
  const agencies = (await h.api(srv.url, 'GET', '/api/v1/metrics/satisfaction?group_by=agency&period=year')).body.rows;
  assert.ok(agencies.length > 5);
  const labels = await labelsOf(page);
  assert.doesNotMatch(labels, /:(indicator|task)(:|\b)/, 'a section key is shown');
  assert.doesNotMatch(labels, /[A-Z]{2}-\d{4}:/, 'a plan-qualified key is shown');
  for (const a of agencies) assert.ok(!labels.includes(a.group_code), `agency code ${a.group_code} is shown`);
  assert.doesNotMatch(labels, /\b(opinion|proposal|report|question|initiative|solution)\b/, 'a kind key is shown');
  const kinds = await page.locator('#sec-kind tbody th').allInnerTexts();
  assert.ok(kinds.length >= 4);
  for (const k of kinds) assert.ok(kindWords[lang].includes(k.replace(/\s*(ít dữ liệu|small sample)$/, '').trim()), `kind "${k}" in words`);
  // Sections by province and number, items by title with the code after it.
  for (const t of await page.locator('#sec-section tbody th').allInnerTexts()) {
    assert.match(t, lang === 'vi' ? /^(Điện Biên|Lai Châu) · Mục [IVX]+ \((nhiệm vụ|chỉ tiêu)\): \S/ : /^(Điện Biên|Lai Châu) · Section [IVX]+ \((tasks|indicators)\): \S/);
  }
  const t1 = await page.locator('#sec-item tr[data-group="LC-T1"] th').innerText();
  assert.match(t1, /^Tỷ trọng kinh tế số trong GRDP.* LC-T1$/);

  // Each CSAT point is drawn over its bar: the pixel at the point is the point's colour.
  const points = await page.evaluate(() => {
    const out = [];
    for (const canvas of document.querySelectorAll('#sec-agency canvas, #sec-section canvas, #sec-kind canvas, #sec-item canvas')) {
      // eslint-disable-next-line no-undef
      const chart = Chart.getChart(canvas);
      const ip = chart.data.datasets.findIndex((d) => d.type === 'line');
      const ib = chart.data.datasets.findIndex((d) => d.type !== 'line');
      const dpr = chart.currentDevicePixelRatio;
      const ctx = canvas.getContext('2d');
      chart.getDatasetMeta(ip).data.forEach((el, i) => {
        if (chart.data.datasets[ip].data[i] === null) return;
        out.push({
          where: `${canvas.closest('section').id} #${i}`,
          order: [chart.data.datasets[ip].order, chart.data.datasets[ib].order],
          rgb: [...ctx.getImageData(Math.round(el.x * dpr), Math.round(el.y * dpr), 1, 1).data].slice(0, 3),
        });
      });
    }
    return out;
  });
  assert.ok(points.length >= 15, `${points.length} CSAT points`);
  for (const p of points) {
    assert.ok(p.order[0] < p.order[1], `${p.where}: the point's dataset is drawn after the bar's`);
    const [r, g, b] = p.rgb;
    assert.ok(Math.abs(r - 0x7a) < 24 && g < 40 && b < 50, `${p.where}: the point shows (pixel ${p.rgb})`);
  }

  // The plans side by side, with the API's figures.
  const plans = await page.locator('#sec-compare thead th[data-plan]').evaluateAll((ths) => ths.map((th) => th.dataset.plan));
  assert.deepEqual(plans, ['DB-2026', 'LC-2026']);
  const resp = (await h.api(srv.url, 'GET', '/api/v1/metrics/responses?group_by=plan')).body.rows;
  for (const figure of ['answer_rate', 'median_hours']) {
    const shown = await page.locator(`#sec-compare tr[data-figure="${figure}"] td`).evaluateAll((tds) => tds.map((td) => td.dataset.value));
    assert.deepEqual(shown, plans.map((code) => String(resp.find((r) => r.group_code === code)[figure])), figure);
  }
  assert.equal(await page.locator('#sec-compare tr[data-figure="csat"] .meter-point').count(), 2);

  // Every chart has its table, every section a table with a caption.
  for (const id of sections) {
    assert.equal(await page.locator(`#sec-${id} table caption`).count(), 1, `${id} has a table`);
  }
  assert.equal(await page.locator('.chart-box').count(),
    await page.locator('.dash-section:has(.chart-box) table').count(), 'a table for every chart');

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px at ${width}px`);
  await h.screenshot(page, `dashboard-${lang}`);

  // One period for every section: the previous quarter changes them all.
  const before = await figures(page);
  const quarter = previousQuarter();
  await page.selectOption('#d-period', quarter.value);
  await page.waitForFunction(() => document.body.dataset.loaded === 'true');
  await loaded(page);
  const after = await figures(page);
  for (const id of sections) {
    assert.notEqual(after[id], before[id], `${id} follows the period`);
    assert.equal((await page.locator(`#sec-${id} h2 .period`).innerText()).replace(/^ · /, ''), quarter[lang], `${id} names the period`);
  }
  for (const href of await page.locator('#sections a.csv').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
    assert.ok(href.includes(`from=${quarter.from}&to=${quarter.to}`), `the CSV ${href} is the period's`);
  }
  for (const href of await page.locator('#quarterly-links a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
    assert.ok(href.includes(`quarter=${quarter.value}`), `the quarterly review ${href} is the period's`);
  }
  assert.match(page.url(), new RegExp(`period=${quarter.value}`));
  assert.doesNotMatch(await labelsOf(page), /:(indicator|task)(:|\b)/);
  const overflowAfter = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflowAfter <= 0, `scrolls sideways by ${overflowAfter}px at ${width}px`);
  assert.deepEqual(await h.axeViolations(page), [], `axe at ${width}px in ${lang}`);
  await h.screenshot(page, `dashboard-quarter-${lang}`);
  assert.deepEqual(h.problemsOf(page), [], 'script errors or CSP violations');
  await page.context().close();
}

// Rows of feedback on the whole plan and on a whole section (plan_item rows of scope plan and
// section, docs/catalog.md), as the metrics give them once the catalog has them: added to
// the API's replies in the browser, so that their names are checked before and after.
export function scopeRows(route) {
  return route.fetch().then(async (res) => {
    const json = await res.json();
    const group = new URL(route.request().url()).searchParams.get('group_by');
    const period = json.rows[0] ? json.rows[0].period : '2026';
    const row = (code, title, n) => ({ group_code: code, group_title: title, period, count: n, mean: n ? 4 : null,
      r1: 0, r2: 0, r3: 0, r4: n, r5: 0, csat: n ? 1 : null, csat_low: n ? 0.4385 : null, csat_high: n ? 1 : null,
      insufficient_data: true });
    const plan = 'Kế hoạch (dự thảo) thực hiện Nghị quyết số 57-NQ/TW năm 2026 trên địa bàn tỉnh Điện Biên';
    if (group === 'item') json.rows.push(row('DB-2026', plan, 3), row('DB-T-V', 'Về chuyển đổi số', 2), row('DB-I-II', 'Phát triển nguồn lực', 0));
    if (group === 'section') json.rows.push(row('DB-2026', plan, 5));
    return route.fulfill({ response: res, json });
  });
}
