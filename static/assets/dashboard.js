/* dashboard.js - satisfaction and response figures from the public metrics API, each as a
 * chart (Chart.js) beside a table with the same numbers (the table is what screen readers
 * and tests read: every number cell carries the API's value in data-value), small samples
 * marked, and the CSV of the same query. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };
  var charts = [];
  var minCount = 10;

  function pct(v) { return v === null || v === undefined ? '—' : (Number(v) * 100).toFixed(1).replace('.', P.lang() === 'vi' ? ',' : '.') + '%'; }
  function dec(v, n) { return v === null || v === undefined ? '—' : Number(v).toFixed(n).replace('.', P.lang() === 'vi' ? ',' : '.'); }

  function query(extra) {
    var q = [];
    var plan = $('d-plan').value, from = $('d-from').value, to = $('d-to').value;
    if (plan) q.push('plan=' + encodeURIComponent(plan));
    if (from) q.push('from=' + from);
    if (to) q.push('to=' + to);
    Object.keys(extra).forEach(function (k) { q.push(k + '=' + encodeURIComponent(extra[k])); });
    return q.join('&');
  }

  /* A number cell: shown formatted, the API's value kept in data-value. */
  function num(value, text) {
    return P.el('td', {class: 'num', 'data-value': value === null || value === undefined ? '' : String(value)}, text);
  }

  function section(id, vi, en, url) {
    var s = P.el('section', {class: 'dash-section', id: 'sec-' + id, 'aria-labelledby': 'h-' + id},
      P.el('h2', {id: 'h-' + id}, P.t(vi, en)),
      P.el('p', {class: 'no-print'}, P.el('a', {href: url + '&format=csv', class: 'csv', download: ''},
        P.t('Tải CSV', 'Download CSV'))));
    $('sections').appendChild(s);
    return s;
  }

  function chart(s, summary, config, rowsCount) {
    var box = P.el('div', {class: 'chart-box'});
    box.style.height = Math.max(220, Math.min(2400, (rowsCount || 6) * 26 + 80)) + 'px';
    var canvas = P.el('canvas', {role: 'img', 'aria-label': summary});
    box.appendChild(canvas);
    s.appendChild(box);
    config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, config.options || {});
    charts.push(new window.Chart(canvas, config));
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
  }

  function small(r) {
    return r.insufficient_data ? P.el('span', {class: 'badge small-sample', title: P.t('Ít hơn ' + minCount + ' đánh giá', 'Fewer than ' + minCount + ' ratings')},
      P.t('ít dữ liệu', 'small sample')) : null;
  }

  /* Satisfaction by one grouping: CSAT with its interval as a chart, and the table. */
  function bySatisfaction(id, vi, en, group) {
    var url = '/api/v1/metrics/satisfaction?' + query({group_by: group, period: 'year'});
    return P.api('GET', url).then(function (r) {
      var s = section(id, vi, en, url);
      if (r.error) { s.appendChild(P.el('p', {class: 'error-text'}, r.error.message)); return; }
      minCount = r.data.min_count || minCount;
      var rows = r.data.rows.filter(function (x) { return x.count > 0 || group !== 'item'; });
      var shown = r.data.rows;
      if (rows.length) {
        chart(s, P.t('Biểu đồ CSAT và khoảng tin cậy 95% theo ', 'CSAT and its 95% interval by ') + P.t(vi, en).toLowerCase() +
          '; ' + P.t('số liệu ở bảng dưới.', 'figures in the table below.'), {
          type: 'bar',
          data: {
            labels: rows.map(function (x) { return x.group_code + (x.period ? ' ' + x.period : '') + (x.insufficient_data ? ' *' : ''); }),
            datasets: [
              {label: P.t('Khoảng tin cậy 95% (%)', '95% interval (%)'),
                data: rows.map(function (x) { return [Number(x.csat_low) * 100, Number(x.csat_high) * 100]; }),
                backgroundColor: rows.map(function (x) { return x.insufficient_data ? '#d9d9d9' : '#f2b8bd'; })},
              {label: 'CSAT (%)', type: 'line', showLine: false, pointRadius: 5, pointStyle: 'rectRot',
                data: rows.map(function (x) { return x.csat === null ? null : Number(x.csat) * 100; }),
                borderColor: '#a3121d', backgroundColor: '#a3121d'}
            ]
          },
          options: {indexAxis: 'y', scales: {x: {min: 0, max: 100}}}
        }, rows.length);
      }
      table(s, P.t('Mức hài lòng ', 'Satisfaction ') + P.t(vi, en).toLowerCase() + P.t(' (* ít dữ liệu)', ' (* small sample)'),
        [[P.t('Nhóm', 'Group')], [P.t('Kỳ', 'Period')], [P.t('Số đánh giá', 'Ratings'), 1], [P.t('Điểm TB', 'Mean'), 1],
         ['CSAT', 1], [P.t('Khoảng 95%', '95% interval'), 1], ['']],
        shown.map(function (x) {
          return P.el('tr', {'data-group': x.group_code, 'data-period': x.period || ''},
            P.el('th', {scope: 'row'}, x.group_code + ' — ' + x.group_title),
            P.el('td', null, x.period || ''),
            num(x.count, String(x.count)),
            num(x.mean, dec(x.mean, 2)),
            num(x.csat, pct(x.csat)),
            P.el('td', {class: 'num', 'data-low': x.csat_low === null ? '' : String(x.csat_low), 'data-high': x.csat_high === null ? '' : String(x.csat_high)},
              x.csat_low === null ? '—' : pct(x.csat_low) + ' – ' + pct(x.csat_high)),
            P.el('td', null, small(x)));
        }));
    });
  }

  function trend() {
    var period = $('d-period').value;
    var url = '/api/v1/metrics/satisfaction?' + query({group_by: 'plan', period: period});
    return P.api('GET', url).then(function (r) {
      var s = section('trend', 'Xu hướng theo kỳ', 'Trend by period', url);
      if (r.error) { s.appendChild(P.el('p', {class: 'error-text'}, r.error.message)); return; }
      var rows = r.data.rows;
      var periods = rows.map(function (x) { return x.period; }).filter(function (p, i, a) { return a.indexOf(p) === i; }).sort();
      var plans = rows.map(function (x) { return x.group_code; }).filter(function (p, i, a) { return a.indexOf(p) === i; });
      var colors = ['#a3121d', '#0b4f9c', '#146c2e', '#8a4b00'];
      if (rows.length) {
        chart(s, P.t('Điểm trung bình theo kỳ của từng kế hoạch; số liệu ở bảng dưới.', 'Mean rating by period for each plan; figures in the table below.'), {
          type: 'line',
          data: {labels: periods, datasets: plans.map(function (plan, i) {
            return {label: plan, borderColor: colors[i % 4], backgroundColor: colors[i % 4],
              data: periods.map(function (p) {
                var x = rows.filter(function (y) { return y.group_code === plan && y.period === p; })[0];
                return x && x.mean !== null ? Number(x.mean) : null;
              })};
          })},
          options: {scales: {y: {min: 1, max: 5}}}
        });
      }
      table(s, P.t('Điểm trung bình và CSAT theo kỳ', 'Mean and CSAT by period'),
        [[P.t('Kế hoạch', 'Plan')], [P.t('Kỳ', 'Period')], [P.t('Số đánh giá', 'Ratings'), 1], [P.t('Điểm TB', 'Mean'), 1], ['CSAT', 1], ['']],
        rows.map(function (x) {
          return P.el('tr', {'data-group': x.group_code, 'data-period': x.period || ''},
            P.el('th', {scope: 'row'}, x.group_code), P.el('td', null, x.period || ''),
            num(x.count, String(x.count)), num(x.mean, dec(x.mean, 2)), num(x.csat, pct(x.csat)), P.el('td', null, small(x)));
        }));
    });
  }

  function distribution() {
    var url = '/api/v1/metrics/satisfaction?' + query({group_by: 'plan', period: 'year'});
    return P.api('GET', url).then(function (r) {
      var s = section('distribution', 'Phân bố mức hài lòng', 'Distribution of ratings', url);
      if (r.error) { s.appendChild(P.el('p', {class: 'error-text'}, r.error.message)); return; }
      var totals = [0, 0, 0, 0, 0];
      r.data.rows.forEach(function (x) { ['r1', 'r2', 'r3', 'r4', 'r5'].forEach(function (k, i) { totals[i] += Number(x[k]); }); });
      var labels = [P.t('1 Rất không hài lòng', '1 Very dissatisfied'), P.t('2 Không hài lòng', '2 Dissatisfied'),
        P.t('3 Bình thường', '3 Neutral'), P.t('4 Hài lòng', '4 Satisfied'), P.t('5 Rất hài lòng', '5 Very satisfied')];
      chart(s, P.t('Số đánh giá ở mỗi mức 1–5; số liệu ở bảng dưới.', 'Ratings at each level 1–5; figures in the table below.'), {
        type: 'bar', data: {labels: labels, datasets: [{label: P.t('Số đánh giá', 'Ratings'), data: totals, backgroundColor: '#a3121d'}]}
      });
      table(s, P.t('Số đánh giá theo mức', 'Ratings by level'), [[P.t('Mức', 'Level')], [P.t('Số đánh giá', 'Ratings'), 1]],
        totals.map(function (n, i) { return P.el('tr', {'data-level': String(i + 1)}, P.el('th', {scope: 'row'}, labels[i]), num(n, String(n))); }));
    });
  }

  function responses() {
    var url = '/api/v1/metrics/responses?' + query({group_by: 'agency'});
    return P.api('GET', url).then(function (r) {
      var s = section('responses', 'Trả lời: thời gian và quá hạn, theo cơ quan', 'Answers: time taken and overdue, by agency', url);
      if (r.error) { s.appendChild(P.el('p', {class: 'error-text'}, r.error.message)); return; }
      var rows = r.data.rows;
      if (rows.length) {
        chart(s, P.t('Thời gian trả lời (giờ, trung vị và phân vị 90) theo cơ quan; số liệu ở bảng dưới.', 'Hours to answer (median and 90th percentile) by agency; figures in the table below.'), {
          type: 'bar',
          data: {labels: rows.map(function (x) { return x.group_code; }), datasets: [
            {label: P.t('Trung vị (giờ)', 'Median (hours)'), data: rows.map(function (x) { return x.median_hours; }), backgroundColor: '#0b4f9c'},
            {label: P.t('Phân vị 90 (giờ)', '90th percentile (hours)'), data: rows.map(function (x) { return x.p90_hours; }), backgroundColor: '#9ec1e8'}
          ]},
          options: {indexAxis: 'y'}
        }, rows.length * 2);
      }
      table(s, P.t('Trả lời theo cơ quan', 'Answers by agency'),
        [[P.t('Cơ quan', 'Agency')], [P.t('Góp ý', 'Feedback'), 1], [P.t('Đã trả lời', 'Answered'), 1], [P.t('Tỷ lệ', 'Rate'), 1],
         [P.t('Trung vị (giờ)', 'Median (h)'), 1], [P.t('P90 (giờ)', 'P90 (h)'), 1], [P.t('Xử lý quá hạn', 'Action overdue'), 1],
         [P.t('Trả lời quá hạn', 'Answer overdue'), 1], [P.t('Đánh giá câu trả lời', 'Answer rating'), 1]],
        rows.map(function (x) {
          return P.el('tr', {'data-group': x.group_code},
            P.el('th', {scope: 'row'}, x.group_code + ' — ' + x.group_title),
            num(x.count, String(x.count)), num(x.answered, String(x.answered)), num(x.answer_rate, pct(x.answer_rate)),
            num(x.median_hours, dec(x.median_hours, 1)), num(x.p90_hours, dec(x.p90_hours, 1)),
            num(x.action_overdue, String(x.action_overdue)), num(x.answer_overdue, String(x.answer_overdue)),
            num(x.answer_rating_mean, dec(x.answer_rating_mean, 2)));
        }));
      if (!rows.length) s.appendChild(P.el('p', null, P.t('Chưa có góp ý trong khoảng này.', 'No feedback in this range yet.')));
    });
  }

  function quarterlyLinks() {
    var plan = $('d-plan').value;
    var box = P.fill($('quarterly-links'));
    if (!plan) { box.appendChild(document.createTextNode(P.t('Chọn một kế hoạch để xem báo cáo quý.', 'Choose a plan to see its quarterly review.'))); return; }
    var now = new Date(), q = Math.floor(now.getMonth() / 3) + 1, base = '/api/v1/reports/quarterly?plan=' + encodeURIComponent(plan) + '&quarter=' + now.getFullYear() + '-Q' + q;
    box.appendChild(P.el('a', {href: base + '&format=html'}, P.t('Báo cáo quý này (trang in)', 'This quarter\'s review (printable)')));
    box.appendChild(document.createTextNode(' · '));
    box.appendChild(P.el('a', {href: base + '&format=csv', download: ''}, 'CSV'));
  }

  function load() {
    var from = $('d-from').value, to = $('d-to').value, err = $('filter-error');
    if (from && to && from > to) {
      err.textContent = P.t('Ngày kết thúc trước ngày bắt đầu.', 'The end date is before the start date.');
      err.classList.remove('hidden');
      return;
    }
    err.classList.add('hidden');
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    P.fill($('sections'));
    $('dash-status').textContent = P.t('Đang tải…', 'Loading…');
    var plan = $('d-plan').value;
    var params = new URLSearchParams();
    if (plan) params.set('plan', plan);
    if (from) params.set('from', from);
    if (to) params.set('to', to);
    params.set('period', $('d-period').value);
    history.replaceState(null, '', '?' + params.toString());
    /* One after another, so the sections keep their order. */
    bySatisfaction('agency', 'Theo cơ quan chủ trì', 'By lead agency', 'agency')
      .then(function () { return bySatisfaction('section', 'Theo mục của kế hoạch', 'By section of the plan', 'section'); })
      .then(function () { return bySatisfaction('item', 'Theo nhiệm vụ, chỉ tiêu', 'By task or indicator', 'item'); })
      .then(trend).then(distribution).then(responses)
      .then(function () { quarterlyLinks(); $('dash-status').textContent = ''; document.body.setAttribute('data-loaded', 'true'); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var params = new URLSearchParams(location.search);
    if (params.get('from')) $('d-from').value = params.get('from');
    if (params.get('to')) $('d-to').value = params.get('to');
    if (params.get('period')) $('d-period').value = params.get('period');
    $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
    P.onLanguage(load);
    P.api('GET', '/api/v1/plans').then(function (r) {
      if (!r.error) {
        r.data.plans.forEach(function (p) { $('d-plan').appendChild(P.el('option', {value: p.code}, p.code + ' — ' + p.province)); });
      }
      if (params.get('plan')) $('d-plan').value = params.get('plan');
      load();
    });
  });
}());
