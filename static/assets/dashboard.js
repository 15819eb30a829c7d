/* dashboard.js - satisfaction and response figures from the public metrics API for people:
 * every group named in words (plans by province, sections, items by title with the code
 * after, agencies, kinds), one period that every part follows, the plans side by side, and
 * each chart beside a table with the same numbers (the table is what screen readers and
 * tests read: every number cell carries the API's value in data-value). Charts (Chart.js,
 * loaded only when the first one comes near the screen) are horizontal bars with wrapped
 * labels, so that a 360 px phone reads them; the CSAT point is drawn over its interval. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var Z = 1.959964; /* the API's Wilson interval, for groups summed over several periods */
  var minCount = 10;
  var plans = [];   /* GET /api/v1/plans */
  var charts = [];  /* {box, make, chart} */
  var observer = null;
  var generation = 0; /* a newer load() makes the replies of an older one moot */

  /* The six kinds of feedback (docs/intake.md). */
  var KINDS = P.KINDS;
  var ROMAN = ['', 'I', 'II', 'III', 'IV'];
  var MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];

  /* --- numbers, as the quarterly review writes them: 3,3 and 42,9 % (vi), 3.3 and 42.9% --- */

  function vi() { return P.lang() !== 'en'; }
  function none(v) { return v === null || v === undefined || v === ''; }
  function grouped(n) {
    return String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, vi() ? '.' : ',');
  }
  function count(v) { return none(v) ? '—' : (v < 0 ? '-' : '') + grouped(v); }
  function dec1(v) {
    if (none(v)) return '—';
    var s = (Math.round(Math.abs(Number(v)) * 10 + 1e-9) / 10).toFixed(1).split('.');
    return (Number(v) < 0 ? '-' : '') + grouped(Number(s[0])) + (vi() ? ',' : '.') + s[1];
  }
  function pct(v) { return none(v) ? '—' : dec1(Number(v) * 100) + (vi() ? '\u00a0%' : '%'); }
  /* "13,8–60,9 %": an interval, short enough for a phone's table. */
  function interval(r) {
    return none(r.csat_low) ? '—' : dec1(r.csat_low * 100) + '–' + pct(r.csat_high);
  }
  function days(hours) { return none(hours) ? '—' : dec1(Number(hours) / 24) + ' ' + P.t('ngày', 'days'); }

  /* --- the period: one choice that every part of the page follows ------------------------- */

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function formatDay(d) { return d.split('-').reverse().join('/'); }
  function lastDay(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }
  function today() {
    /* The day in Vietnam, as the API counts periods. */
    var parts = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10).split('-');
    return {y: Number(parts[0]), m: Number(parts[1])};
  }

  /* A period's value ("2026", "2026-Q2", "2026-05", "" for all time, "custom") as
   * {from, to, words, apiPeriod (rows per group), trend (the trend's steps), quarter}. */
  function periodOf(value) {
    var m;
    if ((m = /^(\d{4})$/.exec(value))) {
      return {from: m[1] + '-01-01', to: m[1] + '-12-31', words: P.t('Năm ' + m[1], 'Year ' + m[1]),
        apiPeriod: 'year', trend: 'month', quarter: null, year: Number(m[1])};
    }
    if ((m = /^(\d{4})-Q([1-4])$/.exec(value))) {
      var y = Number(m[1]), q = Number(m[2]);
      return {from: y + '-' + pad(q * 3 - 2) + '-01', to: y + '-' + pad(q * 3) + '-' + lastDay(y, q * 3),
        words: P.t('Quý ' + ROMAN[q] + '/' + y, 'Q' + q + ' ' + y), apiPeriod: 'quarter', trend: 'month',
        quarter: value, year: y};
    }
    if ((m = /^(\d{4})-(\d{2})$/.exec(value))) {
      var yy = Number(m[1]), mm = Number(m[2]);
      return {from: value + '-01', to: value + '-' + lastDay(yy, mm),
        words: P.t('Tháng ' + mm + '/' + yy, MONTHS_EN[mm - 1] + ' ' + yy), apiPeriod: 'month', trend: 'month',
        quarter: yy + '-Q' + Math.ceil(mm / 3), year: yy};
    }
    if (value === 'custom') {
      var from = $('d-from').value || null, to = $('d-to').value || null;
      return {from: from, to: to, apiPeriod: 'year', trend: 'month', quarter: null,
        words: P.t('Từ ', 'From ') + (from ? formatDay(from) : '…') + P.t(' đến ', ' to ') + (to ? formatDay(to) : '…')};
    }
    return {from: null, to: null, words: P.t('Toàn bộ thời gian', 'All time'), apiPeriod: 'year', trend: 'quarter', quarter: null};
  }

  /* The period select's options: all time, this year and last, their quarters so far, the
   * last twelve months, dates of one's choice; kept selected across a language change. */
  function fillPeriods(selected) {
    var sel = $('d-period'), now = today();
    var keep = selected !== undefined ? selected : sel.value;
    P.fill(sel);
    sel.appendChild(P.el('option', {value: ''}, P.t('Toàn bộ thời gian', 'All time')));
    var years = P.el('optgroup', {label: P.t('Năm', 'Years')});
    var quarters = P.el('optgroup', {label: P.t('Quý', 'Quarters')});
    var months = P.el('optgroup', {label: P.t('Tháng', 'Months')});
    [now.y, now.y - 1].forEach(function (y) {
      years.appendChild(P.el('option', {value: String(y)}, periodOf(String(y)).words));
      for (var q = y === now.y ? Math.ceil(now.m / 3) : 4; q >= 1; q--) {
        quarters.appendChild(P.el('option', {value: y + '-Q' + q}, periodOf(y + '-Q' + q).words));
      }
    });
    for (var i = 0; i < 12; i++) {
      var k = now.y * 12 + now.m - 1 - i, v = Math.floor(k / 12) + '-' + pad(k % 12 + 1);
      months.appendChild(P.el('option', {value: v}, periodOf(v).words));
    }
    sel.appendChild(years);
    sel.appendChild(quarters);
    sel.appendChild(months);
    sel.appendChild(P.el('option', {value: 'custom'}, P.t('Khoảng ngày tự chọn', 'Dates of my choice')));
    /* A period from an address that the list does not hold (an older quarter) is added. */
    if (keep && !sel.querySelector('option[value="' + keep + '"]') && (/^\d{4}(-Q[1-4]|-\d{2})?$/).test(keep)) {
      sel.insertBefore(P.el('option', {value: keep}, periodOf(keep).words), sel.options[1]);
    }
    sel.value = keep || '';
    if (sel.value !== (keep || '')) sel.value = '';
  }

  /* --- names, not keys ------------------------------------------------------------------ */

  function planOf(code) { return plans.filter(function (p) { return p.code === code; })[0]; }
  function allPlans() { return !$('d-plan').value; }
  function province(code) { var p = planOf(code); return p ? p.province : P.t('Kế hoạch khác', 'Another plan'); }
  function planWords(code) { return P.t('Tỉnh ', 'Province of ') + province(code); }

  /* The whole plan's or a whole section's own feedback code (docs/catalog.md): from the
   * plans' feedback_code where the catalog gives it, else by its form (LC-2026, LC-T-V). */
  function scopeOf(code) {
    if (planOf(code)) return {scope: 'plan', plan: code};
    for (var i = 0; i < plans.length; i++) {
      var s = (plans[i].sections || []).filter(function (x) { return x.feedback_code === code; })[0];
      if (s) return {scope: 'section', plan: plans[i].code, section: s.code};
    }
    var m = /^([A-Z]+)-([TI])-([IVXL]+)$/.exec(code);
    if (m) {
      var plan = plans.filter(function (p) { return p.code.split('-')[0] === m[1]; })[0];
      return {scope: 'section', plan: plan ? plan.code : null, section: m[3]};
    }
    return {scope: 'item'};
  }

  /* Each group as {name, code (shown after it, or null)}. */
  var namers = {
    item: function (r) {
      var s = scopeOf(r.group_code);
      if (s.scope === 'plan') return {name: P.t('Toàn bộ kế hoạch', 'Whole plan') + ' · ' + province(s.plan), code: null};
      if (s.scope === 'section') return {name: P.t('Toàn bộ mục ', 'Whole section ') + s.section + ': ' + r.group_title, code: r.group_code};
      return {name: r.group_title, code: r.group_code};
    },
    section: function (r) {
      var m = /^(.+):(task|indicator):([^:]+)$/.exec(r.group_code);
      var plan = m ? m[1] : r.group_code.split(':')[0];
      var where = allPlans() ? province(plan) + ' · ' : '';
      if (!m) return {name: where + P.t('Toàn bộ kế hoạch', 'Whole plan'), code: null};
      var kind = m[2] === 'indicator' ? P.t('chỉ tiêu', 'indicators') : P.t('nhiệm vụ', 'tasks');
      return {name: where + P.t('Mục ', 'Section ') + m[3] + ' (' + kind + '): ' + r.group_title, code: null};
    },
    agency: function (r) {
      /* Two provinces may each have a "Văn phòng Tỉnh ủy": the province tells them apart. */
      var plan = plans.filter(function (p) { return r.group_code.indexOf(p.code.split('-')[0].toLowerCase() + '-') === 0; })[0];
      return {name: r.group_title + (allPlans() && plan ? ' (' + plan.province + ')' : ''), code: null};
    },
    kind: function (r) {
      var k = KINDS[r.group_code];
      return {name: k ? P.t(k[0], k[1]) : r.group_title, code: null};
    },
    plan: function (r) { return {name: planWords(r.group_code), code: null}; }
  };
  function label(group, r) {
    var n = namers[group](r);
    return n.code ? n.name + ' (' + n.code + ')' : n.name;
  }
  /* The table's row heading: the name, then the code, quieter. */
  function rowHeading(group, r) {
    var n = namers[group](r);
    return P.el('th', {scope: 'row'}, n.name, n.code ? P.el('span', {class: 'code'}, ' ' + n.code) : null,
      r.insufficient_data ? ' ' : null, small(r));
  }

  /* A label cut into lines of about `width` characters, at most 3 (the table has it whole). */
  function wrap(text, width) {
    var lines = [], line = '';
    text.split(/\s+/).forEach(function (w) {
      if (line && (line + ' ' + w).length > width) { lines.push(line); line = w; } else { line = line ? line + ' ' + w : w; }
    });
    if (line) lines.push(line);
    if (lines.length > 3) { lines = lines.slice(0, 3); lines[2] = lines[2].slice(0, width - 1) + '…'; }
    return lines;
  }

  /* --- figures summed over periods ------------------------------------------------------ */

  function round4(x) { return Math.round(x * 10000) / 10000; }
  /* One row per group: a group's periods summed (the API gives one row per period), its mean,
   * CSAT and Wilson interval computed as the API computes them. */
  function perGroup(rows) {
    var by = {}, order = [];
    rows.forEach(function (r) {
      if (!by[r.group_code]) { by[r.group_code] = []; order.push(r.group_code); }
      by[r.group_code].push(r);
    });
    return order.map(function (code) {
      var rs = by[code];
      if (rs.length === 1) return rs[0];
      var s = {group_code: code, group_title: rs[0].group_title, period: rs.map(function (r) { return r.period; }).join(', ')};
      ['r1', 'r2', 'r3', 'r4', 'r5'].forEach(function (k) { s[k] = rs.reduce(function (a, r) { return a + Number(r[k]); }, 0); });
      var n = s.r1 + s.r2 + s.r3 + s.r4 + s.r5, p = n ? (s.r4 + s.r5) / n : null;
      s.count = n;
      s.mean = n ? round4((s.r1 + 2 * s.r2 + 3 * s.r3 + 4 * s.r4 + 5 * s.r5) / n) : null;
      s.csat = n ? round4(p) : null;
      if (n) {
        var z2 = Z * Z, c = (p + z2 / (2 * n)) / (1 + z2 / n), h = Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        s.csat_low = round4(c - h);
        s.csat_high = round4(c + h);
      } else {
        s.csat_low = s.csat_high = null;
      }
      s.insufficient_data = n < minCount;
      return s;
    });
  }

  /* --- building blocks ------------------------------------------------------------------ */

  function query(range, extra, withPlan) {
    var q = [];
    var plan = $('d-plan').value;
    if (plan && withPlan !== false) q.push('plan=' + encodeURIComponent(plan));
    if (range.from) q.push('from=' + range.from);
    if (range.to) q.push('to=' + range.to);
    Object.keys(extra).forEach(function (k) { q.push(k + '=' + encodeURIComponent(extra[k])); });
    return q.join('&');
  }

  /* A number cell: shown formatted, the API's value kept in data-value. */
  function num(value, text) {
    return P.el('td', {class: 'num', 'data-value': none(value) ? '' : String(value)}, text);
  }

  /* A section, in its place on the page before its figures arrive. */
  function section(id, vi_, en, range, csvUrl) {
    var s = P.el('section', {class: 'dash-section', id: 'sec-' + id, 'aria-labelledby': 'h-' + id, 'aria-busy': 'true'},
      P.el('h2', {id: 'h-' + id}, P.t(vi_, en), P.el('span', {class: 'period'}, ' · ' + range.words)));
    if (csvUrl) {
      s.appendChild(P.el('p', {class: 'no-print'}, P.el('a', {href: csvUrl + '&format=csv', class: 'csv', download: ''},
        P.t('Tải số liệu (CSV)', 'Download the figures (CSV)'))));
    }
    $('sections').appendChild(s);
    return s;
  }

  function failed(s, r) {
    s.appendChild(P.el('p', {class: 'error-text'}, r.error.message));
    s.removeAttribute('aria-busy');
  }

  function table(s, caption, head, rows) {
    var t = P.el('table', null, P.el('caption', null, caption));
    var tr = P.el('tr');
    head.forEach(function (h) { tr.appendChild(P.el('th', {scope: 'col', class: h[1] ? 'num' : null}, h[0])); });
    t.appendChild(P.el('thead', null, tr));
    var tb = P.el('tbody');
    rows.forEach(function (r) { tb.appendChild(r); });
    t.appendChild(tb);
    s.appendChild(P.el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption}, t));
    s.removeAttribute('aria-busy');
  }

  function small(r) {
    return r.insufficient_data ? P.el('span', {class: 'badge small-sample', title: P.t('Ít hơn ' + minCount + ' đánh giá', 'Fewer than ' + minCount + ' ratings')},
      P.t('ít dữ liệu', 'small sample')) : null;
  }

  function empty(s) {
    s.appendChild(P.el('p', null, P.t('Chưa có đánh giá nào trong thời gian này.', 'No ratings in this period yet.')));
  }

  /* Chart.js, fetched the first time a chart comes near the screen. */
  var chartLib = null;
  function loadChartLib() {
    if (window.Chart) return Promise.resolve();
    if (!chartLib) {
      chartLib = new Promise(function (resolve, reject) {
        var s = P.el('script', {src: '/assets/vendor/chart.umd.js'});
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return chartLib;
  }

  function draw(c) {
    if (c.chart || c.drawing) return;
    c.drawing = true;
    loadChartLib().then(function () {
      if (!c.box.isConnected) return;
      var config = c.make();
      config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false,
        locale: vi() ? 'vi-VN' : 'en-GB'}, config.options || {});
      c.chart = new window.Chart(c.box.querySelector('canvas'), config);
      c.box.setAttribute('data-drawn', 'true');
    });
  }

  /* A chart box of the given height; make() gives the Chart.js config when it is drawn. */
  function chart(s, summary, height, make) {
    var box = P.el('div', {class: 'chart-box'});
    box.style.height = Math.max(200, Math.min(4000, height)) + 'px';
    box.appendChild(P.el('canvas', {role: 'img', 'aria-label': summary}));
    s.appendChild(box);
    var c = {box: box, make: make, chart: null};
    charts.push(c);
    if (observer) observer.observe(box); else draw(c);
  }

  /* Horizontal bars: labels wrapped to the box's width, rows tall enough for their lines. */
  function labelWidth(s) { return Math.max(14, Math.floor((s.clientWidth || 320) * 0.4 / 6.5)); }
  function barsHeight(labels) {
    return labels.reduce(function (h, l) { return h + Math.max(30, l.length * 14 + 12); }, 70);
  }
  var font = function () { return {size: window.innerWidth < 600 ? 11 : 12}; };

  /* --- the CSAT chart: each group's interval as a bar, its CSAT as a point over it -------- */

  function csatChart(s, group, rows, what) {
    var width = labelWidth(s);
    var labels = rows.map(function (r) { return wrap(label(group, r) + (r.insufficient_data ? ' *' : ''), width); });
    chart(s, P.t('Tỷ lệ hài lòng và khoảng tin cậy 95% ', 'Share satisfied and its 95% interval ') + what +
      '; ' + P.t('số liệu ở bảng dưới.', 'figures in the table below.'), barsHeight(labels), function () {
      return {
        type: 'bar',
        data: {
          labels: labels,
          datasets: [
            /* order 0 is drawn last, on top: the point is never hidden by its bar. */
            {label: P.t('Tỷ lệ hài lòng (%)', 'Share satisfied (%)'), type: 'line', showLine: false, order: 0,
              pointRadius: 6, pointHoverRadius: 7, pointStyle: 'rectRot', borderWidth: 2,
              data: rows.map(function (r) { return none(r.csat) ? null : Number(r.csat) * 100; }),
              borderColor: '#ffffff', backgroundColor: '#7a0d16'},
            {label: P.t('Khoảng tin cậy 95% (%)', '95% interval (%)'), order: 1, barPercentage: 0.7,
              data: rows.map(function (r) { return none(r.csat_low) ? null : [Number(r.csat_low) * 100, Number(r.csat_high) * 100]; }),
              backgroundColor: rows.map(function (r) { return r.insufficient_data ? '#d9d9d9' : '#f2b8bd'; })}
          ]
        },
        options: {
          indexAxis: 'y',
          plugins: {legend: {display: false}, tooltip: {callbacks: {title: function (items) {
            return items.length ? label(group, rows[items[0].dataIndex]) : '';
          }, label: function (ctx) {
            var r = rows[ctx.dataIndex];
            return ctx.datasetIndex === 0 ? P.t('Hài lòng: ', 'Satisfied: ') + pct(r.csat)
              : P.t('Khoảng 95%: ', '95% interval: ') + interval(r);
          }}}},
          scales: {
            x: {min: 0, max: 100, ticks: {callback: function (v) { return v + '%'; }, maxRotation: 0, font: font()}},
            y: {ticks: {autoSkip: false, font: font()}}
          }
        }
      };
    });
  }

  /* Satisfaction by one grouping: the chart (groups with ratings), then every group's row. */
  function bySatisfaction(id, vi_, en, group, range, url) {
    var s = section(id, vi_, en, range, url);
    return function (r) {
      if (r.error) return failed(s, r);
      minCount = r.data.min_count || minCount;
      var all = perGroup(r.data.rows);
      var rated = all.filter(function (x) { return x.count > 0; });
      var unrated = all.filter(function (x) { return !(x.count > 0); });
      if (rated.length) csatChart(s, group, rated, P.t(vi_, en).toLowerCase()); else empty(s);
      table(s, P.t('Mức hài lòng ', 'Satisfaction ') + P.t(vi_, en).toLowerCase() + ', ' + range.words + P.t(' (* ít dữ liệu)', ' (* small sample)'),
        [[P.t('Tên', 'Name')], [P.t('Số đánh giá', 'Ratings'), 1], [P.t('Điểm TB (1–5)', 'Mean (1–5)'), 1],
         [P.t('Hài lòng', 'Satisfied'), 1], [P.t('Khoảng 95%', '95% interval'), 1]],
        rated.map(function (x) {
          return P.el('tr', {'data-group': x.group_code, 'data-period': x.period || ''},
            rowHeading(group, x),
            num(x.count, count(x.count)),
            num(x.mean, dec1(x.mean)),
            num(x.csat, pct(x.csat)),
            P.el('td', {class: 'num interval', 'data-low': none(x.csat_low) ? '' : String(x.csat_low), 'data-high': none(x.csat_high) ? '' : String(x.csat_high)},
              interval(x)));
        }));
      /* Silence is visible, but folded: the groups nobody rated, by name. */
      if (unrated.length) {
        var list = P.el('ul', {class: 'unrated'});
        unrated.forEach(function (x) {
          var n = namers[group](x);
          list.appendChild(P.el('li', {'data-group': x.group_code}, n.name, n.code ? P.el('span', {class: 'code'}, ' ' + n.code) : null));
        });
        s.appendChild(P.el('details', null, P.el('summary', null,
          P.t('Chưa có đánh giá: ', 'Not rated yet: ') + unrated.length + P.t(' mục', unrated.length === 1 ? ' entry' : ' entries')), list));
      }
    };
  }

  /* --- the plans side by side ------------------------------------------------------------ */

  /* The interval as a band and the CSAT as a mark over it (decorative: the numbers are in
   * the cell's text). */
  function meter(low, high, point) {
    var m = P.el('span', {class: 'meter', 'aria-hidden': 'true'});
    if (!none(low)) {
      var band = P.el('span', {class: 'meter-band'});
      band.style.left = Number(low) * 100 + '%';
      band.style.width = (Number(high) - Number(low)) * 100 + '%';
      m.appendChild(band);
    }
    if (!none(point)) {
      var dot = P.el('span', {class: 'meter-point'});
      dot.style.left = Number(point) * 100 + '%';
      m.appendChild(dot);
    }
    return m;
  }

  function comparison(s, range, sat, resp) {
    if (sat.error) return failed(s, sat);
    if (resp.error) return failed(s, resp);
    var satBy = {}, respBy = {};
    perGroup(sat.data.rows).forEach(function (r) { satBy[r.group_code] = r; });
    resp.data.rows.forEach(function (r) { respBy[r.group_code] = r; });
    var chosen = $('d-plan').value;
    var cols = plans.map(function (p) { return p.code; });
    var head = P.el('tr', null, P.el('td'));
    cols.forEach(function (code) {
      head.appendChild(P.el('th', {scope: 'col', class: code === chosen ? 'num chosen' : 'num', 'data-plan': code}, planWords(code)));
    });
    var lines = [
      ['csat', P.t('Hài lòng (khoảng 95%)', 'Satisfied (95% interval)'), function (x, y) {
        if (!x || !x.count) return [null, '—'];
        return [x.csat, [pct(x.csat) + (x.insufficient_data ? ' *' : ''), P.el('br'),
          P.el('span', {class: 'quiet'}, interval(x)), meter(x.csat_low, x.csat_high, x.csat)]];
      }],
      ['mean', P.t('Điểm trung bình (1–5)', 'Mean rating (1–5)'), function (x) { return x && x.count ? [x.mean, dec1(x.mean)] : [null, '—']; }],
      ['count', P.t('Số đánh giá', 'Ratings'), function (x) { return [x ? x.count : 0, count(x ? x.count : 0)]; }],
      ['answer_rate', P.t('Tỷ lệ đã trả lời', 'Answered'), function (x, y) {
        return y ? [y.answer_rate, [pct(y.answer_rate), meter(0, y.answer_rate, null)]] : [null, '—'];
      }],
      ['median_hours', P.t('Thời gian trả lời (trung vị)', 'Time to answer (median)'), function (x, y) { return y ? [y.median_hours, days(y.median_hours)] : [null, '—']; }],
      ['answer_overdue', P.t('Quá hạn trả lời', 'Answered late or overdue'), function (x, y) { return y ? [y.answer_overdue, count(y.answer_overdue)] : [null, '—']; }]
    ];
    var body = lines.map(function (line) {
      var tr = P.el('tr', {'data-figure': line[0]}, P.el('th', {scope: 'row'}, line[1]));
      cols.forEach(function (code) {
        var v = line[2](satBy[code], respBy[code]);
        var td = num(v[0], null);
        [].concat(v[1]).forEach(function (c) { td.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
        if (code === chosen) td.classList.add('chosen');
        tr.appendChild(td);
      });
      return tr;
    });
    var caption = P.t('Các kế hoạch cạnh nhau, ', 'The plans side by side, ') + range.words;
    var tb = P.el('tbody');
    body.forEach(function (tr) { tb.appendChild(tr); });
    var t = P.el('table', {class: 'compare'}, P.el('caption', null, caption), P.el('thead', null, head), tb);
    s.appendChild(P.el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption}, t));
    s.removeAttribute('aria-busy');
  }

  /* --- the other parts ------------------------------------------------------------------- */

  function periodWords(p) {
    var m;
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) return P.t('Quý ' + ROMAN[m[2]] + '/' + m[1], 'Q' + m[2] + ' ' + m[1]);
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) return P.t('T' + Number(m[2]) + '/' + m[1], MONTHS_EN[m[2] - 1].slice(0, 3) + ' ' + m[1]);
    return p;
  }

  function trend(s, range, r) {
    if (r.error) return failed(s, r);
    var rows = r.data.rows;
    var periods = rows.map(function (x) { return x.period; }).filter(function (p, i, a) { return a.indexOf(p) === i; }).sort();
    var codes = rows.map(function (x) { return x.group_code; }).filter(function (p, i, a) { return a.indexOf(p) === i; });
    var colors = ['#a3121d', '#0b4f9c', '#146c2e', '#8a4b00'];
    if (rows.length) {
      chart(s, P.t('Điểm trung bình theo thời gian của từng kế hoạch; số liệu ở bảng dưới.', 'Mean rating over time for each plan; figures in the table below.'),
        window.innerWidth < 600 ? 260 : 300, function () {
          return {
            type: 'line',
            data: {labels: periods.map(periodWords), datasets: codes.map(function (code, i) {
              return {label: planWords(code), borderColor: colors[i % 4], backgroundColor: colors[i % 4], spanGaps: true,
                data: periods.map(function (p) {
                  var x = rows.filter(function (y) { return y.group_code === code && y.period === p; })[0];
                  return x && x.mean !== null ? Number(x.mean) : null;
                })};
            })},
            options: {scales: {y: {min: 1, max: 5, ticks: {font: font()}}, x: {ticks: {maxRotation: 0, autoSkip: true, font: font()}}},
              plugins: {legend: {labels: {font: font()}}}}
          };
        });
    } else {
      empty(s);
    }
    table(s, P.t('Điểm trung bình và tỷ lệ hài lòng theo ', 'Mean and share satisfied by ') +
      (range.trend === 'month' ? P.t('tháng', 'month') : P.t('quý', 'quarter')) + ', ' + range.words,
      [[P.t('Kế hoạch', 'Plan')], [P.t('Kỳ', 'Period')], [P.t('Số đánh giá', 'Ratings'), 1], [P.t('Điểm TB', 'Mean'), 1], [P.t('Hài lòng', 'Satisfied'), 1]],
      rows.map(function (x) {
        return P.el('tr', {'data-group': x.group_code, 'data-period': x.period || ''},
          rowHeading('plan', x), P.el('td', null, periodWords(x.period || '')),
          num(x.count, count(x.count)), num(x.mean, dec1(x.mean)), num(x.csat, pct(x.csat)));
      }));
  }

  function distribution(s, range, r) {
    if (r.error) return failed(s, r);
    var chosen = $('d-plan').value;
    var totals = [0, 0, 0, 0, 0];
    r.data.rows.filter(function (x) { return !chosen || x.group_code === chosen; }).forEach(function (x) {
      ['r1', 'r2', 'r3', 'r4', 'r5'].forEach(function (k, i) { totals[i] += Number(x[k]); });
    });
    var names = [P.t('1 Rất không hài lòng', '1 Very dissatisfied'), P.t('2 Không hài lòng', '2 Dissatisfied'),
      P.t('3 Bình thường', '3 Neutral'), P.t('4 Hài lòng', '4 Satisfied'), P.t('5 Rất hài lòng', '5 Very satisfied')];
    var labels = names.map(function (n) { return wrap(n, labelWidth(s)); });
    chart(s, P.t('Số đánh giá ở mỗi mức 1–5; số liệu ở bảng dưới.', 'Ratings at each level 1–5; figures in the table below.'), barsHeight(labels), function () {
      return {type: 'bar', data: {labels: labels, datasets: [{label: P.t('Số đánh giá', 'Ratings'), data: totals, backgroundColor: '#a3121d'}]},
        options: {indexAxis: 'y', plugins: {legend: {display: false}},
          scales: {x: {ticks: {precision: 0, font: font()}}, y: {ticks: {font: font()}}}}};
    });
    table(s, P.t('Số đánh giá theo mức, ', 'Ratings by level, ') + range.words, [[P.t('Mức', 'Level')], [P.t('Số đánh giá', 'Ratings'), 1]],
      totals.map(function (n, i) { return P.el('tr', {'data-level': String(i + 1)}, P.el('th', {scope: 'row'}, names[i]), num(n, count(n))); }));
  }

  function responses(s, range, r) {
    if (r.error) return failed(s, r);
    var rows = r.data.rows;
    if (rows.length) {
      var labels = rows.map(function (x) { return wrap(label('agency', x), labelWidth(s)); });
      chart(s, P.t('Số ngày để trả lời (trung vị và 9 trên 10 góp ý) theo cơ quan; số liệu ở bảng dưới.',
        'Days to answer (median, and 9 in 10 feedback) by agency; figures in the table below.'), barsHeight(labels) + rows.length * 10, function () {
        return {
          type: 'bar',
          data: {labels: labels, datasets: [
            {label: P.t('Trung vị (ngày)', 'Median (days)'), data: rows.map(function (x) { return none(x.median_hours) ? null : x.median_hours / 24; }), backgroundColor: '#0b4f9c'},
            {label: P.t('9 trên 10 góp ý (ngày)', '9 in 10 feedback (days)'), data: rows.map(function (x) { return none(x.p90_hours) ? null : x.p90_hours / 24; }), backgroundColor: '#9ec1e8'}
          ]},
          options: {indexAxis: 'y', plugins: {legend: {labels: {font: font()}}},
            scales: {x: {ticks: {font: font()}}, y: {ticks: {autoSkip: false, font: font()}}}}
        };
      });
    } else {
      s.appendChild(P.el('p', null, P.t('Chưa có góp ý trong thời gian này.', 'No feedback in this period yet.')));
    }
    table(s, P.t('Trả lời theo cơ quan, ', 'Answers by agency, ') + range.words,
      [[P.t('Cơ quan', 'Agency')], [P.t('Góp ý', 'Feedback'), 1], [P.t('Đã trả lời', 'Answered'), 1], [P.t('Tỷ lệ', 'Rate'), 1],
       [P.t('Trung vị (ngày)', 'Median (days)'), 1], [P.t('9/10 góp ý (ngày)', '9 in 10 (days)'), 1], [P.t('Xử lý quá hạn', 'Acted on late'), 1],
       [P.t('Trả lời quá hạn', 'Answered late'), 1], [P.t('Đánh giá câu trả lời', 'Rating of answers'), 1]],
      rows.map(function (x) {
        return P.el('tr', {'data-group': x.group_code},
          rowHeading('agency', x),
          num(x.count, count(x.count)), num(x.answered, count(x.answered)), num(x.answer_rate, pct(x.answer_rate)),
          num(x.median_hours, none(x.median_hours) ? '—' : dec1(x.median_hours / 24)),
          num(x.p90_hours, none(x.p90_hours) ? '—' : dec1(x.p90_hours / 24)),
          num(x.action_overdue, count(x.action_overdue)), num(x.answer_overdue, count(x.answer_overdue)),
          num(x.answer_rating_mean, dec1(x.answer_rating_mean)));
      }));
  }

  /* The quarterly review of the period's quarter (or the last one it reaches), per plan. */
  function quarterlyLinks(range) {
    var box = P.fill($('quarterly-links')), now = today();
    var quarter = range.quarter || (range.year && range.year < now.y ? range.year + '-Q4' : now.y + '-Q' + Math.ceil(now.m / 3));
    var chosen = $('d-plan').value;
    plans.filter(function (p) { return !chosen || p.code === chosen; }).forEach(function (p) {
      var base = '/api/v1/reports/quarterly?plan=' + encodeURIComponent(p.code) + '&quarter=' + quarter + '&lang=' + P.lang();
      box.appendChild(P.el('li', null,
        P.el('a', {href: base + '&format=html'}, planWords(p.code) + ', ' + periodOf(quarter).words),
        ' · ', P.el('a', {href: base + '&format=csv', download: ''}, 'CSV')));
    });
  }

  /* The one sentence on the interval and the small-sample mark, with the chart's marks. */
  function explain() {
    P.fill($('dash-explain'),
      P.el('p', null,
        P.el('span', {class: 'key key-point', 'aria-hidden': 'true'}), ' ',
        P.el('span', {class: 'key key-band', 'aria-hidden': 'true'}), ' ',
        P.t('Dấu đậm là tỷ lệ người hài lòng (chọn 4 hoặc 5); thanh nhạt quanh nó là khoảng mà con số thật gần như chắc chắn nằm trong (95 trên 100 lần), càng ít đánh giá thanh càng dài; dấu * và “ít dữ liệu” đánh dấu nhóm có dưới ' + minCount + ' đánh giá, con số còn dễ đổi, chưa nên coi là kết luận.',
          'The dark mark is the share of people satisfied (who chose 4 or 5); the pale bar around it is the range the true figure almost surely lies in (95 times in 100), longer when there are fewer ratings; * and “small sample” mark groups with fewer than ' + minCount + ' ratings, whose figures can still change a lot and are not yet a conclusion.')));
  }

  /* --- loading ------------------------------------------------------------------------------ */

  function load() {
    var from = $('d-from').value, to = $('d-to').value, err = $('filter-error');
    var choice = $('d-period').value;
    if (choice === 'custom' && from && to && from > to) {
      err.textContent = P.t('Ngày kết thúc trước ngày bắt đầu.', 'The end date is before the start date.');
      err.classList.remove('hidden');
      return;
    }
    err.classList.add('hidden');
    var range = periodOf(choice);
    var gen = ++generation;
    explain();
    charts.forEach(function (c) { if (c.chart) c.chart.destroy(); if (observer) observer.unobserve(c.box); });
    charts = [];
    P.fill($('sections'));
    document.body.removeAttribute('data-loaded');
    $('dash-status').textContent = P.t('Đang tải…', 'Loading…');
    var plan = $('d-plan').value;
    P.fill($('dash-scope'), P.t('Đang xem: ', 'Showing: '), P.el('strong', null, plan ? planWords(plan) : P.t('tất cả kế hoạch', 'all plans')),
      ' · ', P.el('strong', {id: 'scope-period'}, range.words));
    var params = new URLSearchParams();
    if (plan) params.set('plan', plan);
    if (choice) params.set('period', choice);
    if (choice === 'custom') { if (from) params.set('from', from); if (to) params.set('to', to); }
    history.replaceState(null, '', '?' + params.toString());

    var get = function (url) { return P.api('GET', url); };
    var satPlans = '/api/v1/metrics/satisfaction?' + query(range, {group_by: 'plan', period: range.apiPeriod}, false);
    var respPlans = '/api/v1/metrics/responses?' + query(range, {group_by: 'plan'}, false);
    var url = function (group) { return '/api/v1/metrics/satisfaction?' + query(range, {group_by: group, period: range.apiPeriod}); };
    var trendUrl = '/api/v1/metrics/satisfaction?' + query(range, {group_by: 'plan', period: range.trend});
    var respUrl = '/api/v1/metrics/responses?' + query(range, {group_by: 'agency'});

    /* Every section takes its place now, in order; its figures fill it as they arrive. */
    var sCompare = section('compare', 'Các kế hoạch cạnh nhau', 'The plans side by side', range, null);
    var planRows = get(satPlans); /* the comparison's and the ratings' */
    var parts = [
      Promise.all([planRows, get(respPlans)]).then(function (r) { comparison(sCompare, range, r[0], r[1]); }),
      get(url('agency')).then(bySatisfaction('agency', 'Theo cơ quan chủ trì', 'By lead agency', 'agency', range, url('agency'))),
      get(url('section')).then(bySatisfaction('section', 'Theo mục của kế hoạch', 'By section of the plan', 'section', range, url('section'))),
      get(url('kind')).then(bySatisfaction('kind', 'Theo loại góp ý', 'By kind of feedback', 'kind', range, url('kind'))),
      get(url('item')).then(bySatisfaction('item', 'Theo nhiệm vụ, chỉ tiêu', 'By task or indicator', 'item', range, url('item')))
    ];
    var sTrend = section('trend', 'Theo thời gian', 'Over time', range, trendUrl);
    var sDist = section('distribution', 'Các mức hài lòng', 'The ratings given', range,
      '/api/v1/metrics/satisfaction?' + query(range, {group_by: 'plan', period: range.apiPeriod}));
    var sResp = section('responses', 'Trả lời: bao lâu, bao nhiêu quá hạn, theo cơ quan', 'Answers: how long, how many late, by agency', range, respUrl);
    parts.push(get(trendUrl).then(function (r) { trend(sTrend, range, r); }));
    parts.push(planRows.then(function (r) { distribution(sDist, range, r); }));
    parts.push(get(respUrl).then(function (r) { responses(sResp, range, r); }));
    Promise.all(parts).then(function () {
      if (gen !== generation) return;
      explain();
      quarterlyLinks(range);
      $('dash-status').textContent = '';
      document.body.setAttribute('data-loaded', 'true');
    });
  }

  function showRange() {
    var custom = $('d-period').value === 'custom';
    $('d-range').classList.toggle('hidden', !custom);
    $('d-range-to').classList.toggle('hidden', !custom);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var params = new URLSearchParams(location.search);
    var period = params.get('period') || '';
    if (params.get('from') || params.get('to')) {
      period = 'custom';
      $('d-from').value = params.get('from') || '';
      $('d-to').value = params.get('to') || '';
    }
    fillPeriods(period);
    showRange();
    if ('IntersectionObserver' in window) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (!e.isIntersecting) return;
          var c = charts.filter(function (x) { return x.box === e.target; })[0];
          if (c) { observer.unobserve(e.target); draw(c); }
        });
      }, {rootMargin: '400px 0px'});
    }
    $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
    $('d-plan').addEventListener('change', load);
    $('d-period').addEventListener('change', function () {
      showRange();
      if ($('d-period').value !== 'custom') load();
    });
    P.onLanguage(function () { fillPeriods(); fillPlans(); load(); });
    P.api('GET', '/api/v1/plans').then(function (r) {
      if (!r.error) plans = r.data.plans;
      fillPlans(params.get('plan') || '');
      load();
    });
  });

  /* The plan select: the province first, so that a phone shows it even when the title is
   * cut; the whole title is in the page under the form. */
  function fillPlans(selected) {
    var sel = $('d-plan'), keep = selected !== undefined ? selected : sel.value;
    P.fill(sel, P.el('option', {value: ''}, P.t('Tất cả kế hoạch', 'All plans')));
    plans.forEach(function (p) { sel.appendChild(P.el('option', {value: p.code}, planWords(p.code) + ' — ' + p.title)); });
    sel.value = keep;
    if (sel.value !== keep) sel.value = '';
  }
}());
