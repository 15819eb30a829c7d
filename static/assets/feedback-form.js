/* feedback-form.js - what the citizen's form (citizen.js) and the officials' assisted intake
 * (admin-intake.js) share: finding an item (browsing or typing) and who answers it, the
 * submission as the API takes it, and the service's field problems shown beside the
 * fields and in a summary. Both pages use the same element ids for these parts. A classic
 * script, loaded after common.js and before the page's own. */
(function () {
  'use strict';
  var P = window.PAKN;
  var $ = function (id) { return document.getElementById(id); };

  /* The API names fields as in its JSON ("submitter.name"); the forms as in the HTML. */
  var FIELD = {'submitter.type': 'submitter_type', 'submitter.name': 'submitter_name',
    'submitter.organization': 'submitter_organization', 'contact.email': 'contact_email',
    'contact.phone': 'contact_phone', 'consent.publish': 'consent_publish',
    'consent.contact': 'consent_contact'};

  /* A random key (hex of 16 bytes) for the Idempotency-Key header: one per form filled. */
  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  /* The feedback form `form` (the element with id form-errors holds its summary; each field
   * name has its err-<name> paragraph). opts.summary(vi, en): the summary's first line. */
  function feedbackForm(form, opts) {
    var select = $('item_code');
    var searchTimer, searchSeq = 0;
    var chosen = null; /* the item's document, once chosen */

    /* --- choosing the item --------------------------------------------------------- */
    /* Two ways to the item (docs/web.md, "Finding the item"): browse a plan's sections,
     * or type words and page through every match, grouped by plan and section. */

    var PAGE = 20;          /* matches fetched per "more" */
    var plans = [];         /* GET /api/v1/plans */
    var list = null;        /* the matches shown: {key, items, total} */
    var browsing = null;    /* the plan browsed: {plan, items} */

    function planOf(code) {
      for (var i = 0; i < plans.length; i++) if (plans[i].code === code) return plans[i];
      return null;
    }

    function chosenPlan() {
      var r = form.querySelector('input[name=plan_choice]:checked');
      return r ? r.value : '';
    }

    /* The plans as radio cards that wrap, so a phone shows each name whole. */
    function drawPlans() {
      var box = $('plan-choices');
      /* None is chosen at first: the page asks for a plan or words before it lists any. */
      var picked = form.querySelector('input[name=plan_choice]:checked');
      var current = picked ? picked.value : null;
      var card = function (value, name, title, meta) {
        return P.el('label', {class: 'choice plan-choice'},
          P.el('input', {type: 'radio', name: 'plan_choice', value: value, checked: value === current,
            onchange: refresh}),
          P.el('span', null, P.el('span', {class: 'plan-name'}, name),
            title ? P.el('span', {class: 'plan-title'}, title) : null,
            meta ? P.el('span', {class: 'code'}, meta) : null));
      };
      P.fill(box, card('', P.t('Tất cả kế hoạch', 'All plans'), '',
        plans.reduce(function (n, p) { return n + p.item_count; }, 0) + ' ' + P.t('nhiệm vụ, chỉ tiêu', 'tasks and indicators')));
      plans.forEach(function (p) {
        box.appendChild(card(p.code, P.t('Tỉnh ', 'Province of ') + p.province, p.title,
          p.code + ' · ' + p.item_count + ' ' + P.t('nhiệm vụ, chỉ tiêu', 'tasks and indicators')));
      });
    }

    function loadPlans() {
      P.api('GET', '/api/v1/plans').then(function (r) {
        if (r.error) { $('item-results-status').textContent = r.error.message; return; }
        plans = r.data.plans;
        drawPlans();
        refresh();
      });
    }

    /* One item as a button: its full title, its code smaller after it. */
    function itemButton(it) {
      /* Feedback on an item no agency answers is refused (item_unanswerable): not offered. */
      var mute = it.responsible && it.responsible.basis === 'none';
      return P.el('li', null, P.el('button', {type: 'button', class: 'item-choice', 'data-code': it.code,
        disabled: mute, onclick: function () { choose(it.code, true); }},
        P.el('span', {class: 'item-name'}, it.title),
        ' ', P.el('span', {class: 'code'}, it.code),
        mute ? ' ' + P.t('(chưa có cơ quan trả lời)', '(no agency answers it yet)') : null));
    }

    /* "On the plan as a whole" and "on this section as a whole" exist where the catalog
     * gives the whole's feedback_code (docs/catalog.md); none without it. */
    function wholeButton(code, vi, en) {
      if (!code) return null;
      return P.el('button', {type: 'button', class: 'secondary whole-choice', 'data-code': code,
        onclick: function () { choose(code, true); }}, P.t(vi, en));
    }

    function sectionName(s) {
      return s.code + '. ' + s.title;
    }

    function kindName(kind) {
      return kind === 'indicator' ? P.t('Chỉ tiêu', 'Indicators') : P.t('Nhiệm vụ', 'Tasks');
    }

    /* Matches grouped under their plan, then their section (a heading each time either
     * changes), in the catalog's order. */
    function drawList() {
      var box = P.fill($('item-results'));
      box.removeAttribute('data-plan');
      var plan = null, section = null, ul = null;
      list.items.forEach(function (it) {
        if (it.plan !== plan) {
          plan = it.plan;
          section = null;
          var p = planOf(plan);
          box.appendChild(P.el('h3', {class: 'group-plan'}, p ? P.t('Tỉnh ', 'Province of ') + p.province : plan,
            ' ', P.el('span', {class: 'code'}, plan)));
        }
        var sec = it.section ? it.kind + ':' + it.section.code : '';
        if (sec !== section || !ul) {
          section = sec;
          if (it.section) {
            box.appendChild(P.el('h4', {class: 'group-section'}, kindName(it.kind) + ' · ' + sectionName(it.section)));
          }
          ul = box.appendChild(P.el('ul', {class: 'item-list'}));
        }
        ul.appendChild(itemButton(it));
      });
      var status = $('item-results-status');
      if (!list.total) {
        status.textContent = P.t('Không có mục nào phù hợp. Thử từ khác.', 'Nothing matches. Try other words.');
      } else {
        status.textContent = P.t(list.total.toLocaleString('vi-VN') + ' mục phù hợp',
          list.total.toLocaleString('en-GB') + (list.total === 1 ? ' matching item' : ' matching items')) +
          (list.items.length < list.total
            ? P.t(', đang hiện ' + list.items.length + ' mục đầu.', ', the first ' + list.items.length + ' shown.')
            : '.');
      }
      var left = list.total - list.items.length;
      var more = $('item-more');
      more.classList.toggle('hidden', left <= 0);
      more.textContent = P.t('Xem thêm ' + Math.min(left, PAGE) + ' mục (còn ' + left + ')',
        'Show ' + Math.min(left, PAGE) + ' more (' + left + ' left)');
    }

    /* The plan's sections in its own order, each opening onto its items. */
    function drawBrowse() {
      var b = browsing, box = P.fill($('item-results'));
      box.setAttribute('data-plan', b.plan.code);
      var whole = wholeButton(b.plan.feedback_code, 'Góp ý về toàn bộ kế hoạch', 'On the plan as a whole');
      if (whole) box.appendChild(whole);
      b.plan.sections.forEach(function (s) {
        var items = b.items.filter(function (it) {
          return it.section && it.section.code === s.code && it.kind === s.kind;
        });
        var ul = P.el('ul', {class: 'item-list'});
        items.forEach(function (it) { ul.appendChild(itemButton(it)); });
        box.appendChild(P.el('details', {class: 'section-group'},
          P.el('summary', null, P.el('span', {class: 'item-name'}, kindName(s.kind) + ' · ' + sectionName(s)),
            ' ', P.el('span', {class: 'code'}, P.t(items.length + ' mục', items.length + (items.length === 1 ? ' item' : ' items')))),
          wholeButton(s.feedback_code, 'Góp ý về toàn bộ mục này', 'On this section as a whole'), ul));
      });
      $('item-results-status').textContent = P.t(
        b.items.length + ' nhiệm vụ, chỉ tiêu trong ' + b.plan.sections.length + ' mục; mở một mục để chọn.',
        b.items.length + ' tasks and indicators in ' + b.plan.sections.length + ' sections; open a section to choose.');
      $('item-more').classList.add('hidden');
    }

    function listUrl(plan, q, offset) {
      return '/api/v1/items?limit=' + PAGE + '&offset=' + offset +
        (plan ? '&plan=' + encodeURIComponent(plan) : '') + (q ? '&q=' + encodeURIComponent(q) : '');
    }

    /* Every item of a plan, page after page (a plan has at most a few hundred). */
    function allItems(plan, from, seq) {
      return P.api('GET', '/api/v1/items?limit=200&offset=' + from.length + '&plan=' + encodeURIComponent(plan)).then(function (r) {
        if (r.error || seq !== searchSeq) return r;
        var got = from.concat(r.data.items);
        return got.length < r.data.total && r.data.items.length ? allItems(plan, got, seq) : {data: {items: got}};
      });
    }

    /* Shows what the plan and the words ask for: a plan without words is browsed; words,
     * or all plans, are a list of matches. */
    function refresh() {
      var q = $('item-search').value.trim();
      var plan = chosenPlan();
      var seq = ++searchSeq;
      if (!q && !form.querySelector('input[name=plan_choice]:checked')) {
        /* The first view: the plans and the search box, no list yet (twenty items' documents
         * would weigh more than the rest of the page together). */
        browsing = list = null;
        P.fill($('item-results'));
        $('item-more').classList.add('hidden');
        $('item-results-status').textContent = P.t('Chọn một kế hoạch ở trên để xem từng mục, hoặc gõ vài từ để tìm.',
          'Choose a plan above to browse it, or type a few words to search.');
        return;
      }
      if (plan && !q) {
        Promise.all([P.api('GET', '/api/v1/plans/' + encodeURIComponent(plan)), allItems(plan, [], seq)]).then(function (r) {
          if (seq !== searchSeq) return; /* an older answer */
          var bad = r[0].error || r[1].error;
          if (bad) { $('item-results-status').textContent = bad.message; return; }
          list = null;
          browsing = {plan: r[0].data, items: r[1].data.items};
          drawBrowse();
        });
        return;
      }
      P.api('GET', listUrl(plan, q, 0)).then(function (r) {
        if (seq !== searchSeq) return;
        if (r.error) { P.fill($('item-results')); $('item-results-status').textContent = r.error.message; return; }
        browsing = null;
        list = {plan: plan, q: q, items: r.data.items, total: r.data.total};
        drawList();
      });
    }

    function more() {
      var seq = searchSeq, shown = list.items.length;
      P.api('GET', listUrl(list.plan, list.q, shown)).then(function (r) {
        if (seq !== searchSeq || !list || list.items.length !== shown) return;
        if (r.error) { $('item-results-status').textContent = r.error.message; return; }
        list.items = list.items.concat(r.data.items);
        list.total = r.data.total;
        drawList();
        /* Focus the first new match, so a keyboard or screen reader goes on from there. */
        var next = $('item-results').querySelectorAll('button.item-choice')[shown];
        if (next) next.focus();
      });
    }

    function redrawFinder() {
      if (!plans.length) return;
      drawPlans();
      if (browsing) drawBrowse();
      else if (list) drawList();
      else refresh(); /* the first view's prompt: no request */
    }

    function fact(dl, vi, en, value) {
      if (!value) return;
      dl.appendChild(P.el('dt', null, P.t(vi, en)));
      dl.appendChild(P.el('dd', null, value));
    }

    function unanswerableText() {
      return P.t('Chưa có cơ quan nào được giao trả lời góp ý về mục này; hãy chọn mục khác.',
        'No agency is assigned to answer feedback on this item; choose another item.');
    }

    /* Who answers the item (docs/catalog.md, "Who answers an item"): its lead agencies, or
     * the plan's default agency when its text names no lead. */
    function answeredBy(r) {
      if (!r || !r.agencies.length) return '';
      var names = r.agencies.map(function (a) { return a.name; }).join(', ');
      return r.basis === 'plan_default'
        ? names + ' ' + P.t('(cơ quan mặc định của kế hoạch, vì mục này không ghi cơ quan chủ trì)',
          '(the plan\'s default agency, as this item names no lead agency)')
        : names;
    }

    /* Draws the chosen item's facts in the current language. */
    function drawItem() {
      var it = chosen;
      if (!it) return;
      P.fill($('item-title'), P.itemName(it), ' ', P.el('span', {class: 'code'}, it.code));
      var dl = P.fill($('item-facts'));
      var plan = planOf(it.plan);
      fact(dl, 'Kế hoạch', 'Plan', plan ? P.t('Tỉnh ', 'Province of ') + plan.province + ': ' + plan.title + ' (' + plan.code + ')' : it.plan);
      fact(dl, 'Mục', 'Section', it.section ? it.section.code + '. ' + it.section.title : '');
      fact(dl, 'Cơ quan chủ trì', 'Lead agency',
        (it.lead_agencies || []).map(function (a) { return a.name; }).join(', ') || it.lead_text);
      fact(dl, 'Cơ quan phối hợp', 'Coordinating',
        (it.coordinating_agencies || []).map(function (a) { return a.name; }).join(', '));
      fact(dl, 'Cơ quan trả lời góp ý', 'Answered by', answeredBy(it.responsible));
      fact(dl, 'Kết quả', 'Expected result', it.result);
      fact(dl, 'Chỉ tiêu', 'Target', [it.target, it.unit].filter(Boolean).join(' '));
      fact(dl, 'Thời hạn', 'Deadline', it.deadline && it.deadline.text);
    }

    function choose(code, focusDetails) {
      /* The citizen's page lists every item for use without JavaScript; a page that does
       * not gets an option for the one chosen, which the submission reads. */
      var listed = Array.prototype.some.call(select.options, function (o) { return o.value === code; });
      if (!listed) select.appendChild(P.el('option', {value: code}, code));
      select.value = code;
      clearError('item_code');
      P.api('GET', '/api/v1/items/' + encodeURIComponent(code)).then(function (r) {
        if (r.error) { showSummary([r.error.message]); return; }
        chosen = r.data;
        drawItem();
        if (chosen.responsible && chosen.responsible.basis === 'none') showFieldErrors([{field: 'item_code', message: unanswerableText()}]);
        if ($('item-feed')) $('item-feed').setAttribute('href', '/feed/?item=' + encodeURIComponent(chosen.code));
        if ($('item-poster')) $('item-poster').setAttribute('href', '/poster/?item=' + encodeURIComponent(chosen.code));
        $('item-details').classList.remove('hidden');
        $('search-field').classList.add('hidden');
        $('plan-field').classList.add('hidden');
        if (focusDetails) {
          $('item-title').setAttribute('tabindex', '-1');
          $('item-title').focus();
        }
      });
    }

    function changeItem() {
      select.value = '';
      chosen = null;
      $('item-details').classList.add('hidden');
      $('search-field').classList.remove('hidden');
      $('plan-field').classList.remove('hidden');
      $('item-search').focus();
    }

    /* --- problems ------------------------------------------------------------------ */

    /* The problems shown: [{name (the form's field name, or null), message}]. The summary
     * lists them, each with its field named as its label reads; a line leaves as soon as
     * its field is fixed, and the summary with the last one. */
    var problems = [];

    /* The field's first element (a radio group's first radio). */
    function fieldElement(name) {
      var e = form.elements[name];
      return e && !e.tagName && e.length ? e[0] : e;
    }

    /* The field's name in words, in the current language: its label, or for a group of
     * radios its fieldset's legend, or the label a checkbox sits in. */
    function labelOf(name) {
      var label = form.querySelector('label[for="' + name + '"]');
      var e = fieldElement(name);
      if (!label && e && e.closest && e.type !== 'radio') label = e.closest('label');
      if (!label && e && e.closest) {
        var fs = e.closest('fieldset');
        label = fs && fs.querySelector('legend');
      }
      return label ? label.textContent.replace(/\s+/g, ' ').trim() : '';
    }

    function drawSummary() {
      var box = $('form-errors');
      if (!problems.length) { P.fill(box); box.classList.add('hidden'); return; }
      var ul = P.el('ul');
      problems.forEach(function (pr) {
        var label = pr.name ? labelOf(pr.name) : '';
        var e = pr.name && fieldElement(pr.name);
        var line = label ? label + ': ' + pr.message : pr.message;
        ul.appendChild(P.el('li', null, e && e.focus
          ? P.el('a', {href: '#' + (e.id || 'err-' + pr.name), onclick: function (ev) { ev.preventDefault(); e.focus(); }}, line)
          : line));
      });
      P.fill(box, P.el('p', null, opts.summary()), ul);
      box.classList.remove('hidden');
    }

    function showInline(name, message) {
      var p = $('err-' + name);
      if (p) { p.textContent = message; p.classList.remove('hidden'); }
      var input = form.elements[name];
      if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
    }

    function clearError(name) {
      var p = $('err-' + name);
      if (p) { p.textContent = ''; p.classList.add('hidden'); }
      var input = form.elements[name];
      if (input && input.setAttribute) input.removeAttribute('aria-invalid');
      var before = problems.length;
      problems = problems.filter(function (pr) { return pr.name !== name; });
      if (problems.length !== before) drawSummary();
    }

    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll('.error-text'), function (p) {
        p.textContent = ''; p.classList.add('hidden');
      });
      Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (e) { e.removeAttribute('aria-invalid'); });
      problems = [];
      drawSummary();
    }

    /* A summary of lines that belong to no field (a network failure, a refusal). */
    function showSummary(lines) {
      problems = lines.map(function (l) { return {name: null, message: l}; });
      drawSummary();
      $('form-errors').focus();
    }

    function showFieldErrors(fields) {
      problems = fields.map(function (f) {
        var name = FIELD[f.field] || f.field;
        showInline(name, f.message);
        return {name: form.elements[name] ? name : null, message: f.message};
      });
      drawSummary();
      $('form-errors').focus();
    }

    /* A field with a problem changed: checked again where the browser can tell (what
     * localProblems checks), else taken as fixed; the service checks it again on sending. */
    function recheck(ev) {
      var name = ev.target && ev.target.name;
      if (!name || !problems.some(function (pr) { return pr.name === name; })) return;
      var still = localProblems(submission()).filter(function (f) { return f.field === name; })[0];
      if (!still) { clearError(name); return; }
      showInline(name, still.message);
      problems.forEach(function (pr) { if (pr.name === name) pr.message = still.message; });
      drawSummary();
    }

    /* --- the submission ------------------------------------------------------------ */

    function value(name) { var e = form.elements[name]; return e ? e.value.trim() : ''; }

    /* The submission as POST /api/v1/feedback takes it (docs/intake.md). */
    function submission() {
      var rating = form.querySelector('input[name=rating]:checked');
      var kind = form.querySelector('input[name=kind]:checked');
      var s = {
        item_code: select.value,
        rating: rating ? Number(rating.value) : null,
        kind: kind ? kind.value : null,
        body: form.elements.body.value,
        consent: {publish: $('consent_publish').checked, contact: $('consent_contact').checked}
      };
      var submitter = {};
      if (value('submitter_type')) submitter.type = value('submitter_type');
      if (value('submitter_name')) submitter.name = value('submitter_name');
      if (value('submitter_organization')) submitter.organization = value('submitter_organization');
      if (Object.keys(submitter).length) s.submitter = submitter;
      var contact = {};
      if (value('contact_email')) contact.email = value('contact_email');
      if (value('contact_phone')) contact.phone = value('contact_phone');
      if (Object.keys(contact).length) s.contact = contact;
      return s;
    }

    /* The problems the browser can see before sending, in the service's words. */
    function localProblems(s) {
      var f = [];
      if (!s.item_code) f.push({field: 'item_code', message: P.t('Hãy chọn một nhiệm vụ hoặc chỉ tiêu.', 'Choose a task or indicator.')});
      if (!s.rating) f.push({field: 'rating', message: P.t('Hãy chọn mức độ hài lòng từ 1 đến 5.', 'Choose how satisfied you are, 1 to 5.')});
      if (!s.body.trim()) f.push({field: 'body', message: P.t('Hãy viết nội dung góp ý.', 'Write your feedback.')});
      else if (Array.from(s.body).length > 5000) f.push({field: 'body', message: P.t('Dài quá: tối đa 5.000 ký tự.', 'Too long: at most 5,000 characters.')});
      return f;
    }

    function counter() {
      var n = Array.from(form.elements.body.value).length;
      var c = $('body-counter');
      c.textContent = P.t(n.toLocaleString('vi-VN') + ' / 5.000 ký tự', n.toLocaleString('en-GB') + ' / 5,000 characters');
      c.classList.toggle('over', n > 5000);
    }

    /* Wires the item search and the counter; the plans load at once. */
    function start() {
      form.noValidate = true;
      $('plan-field').classList.remove('hidden');
      $('search-field').classList.remove('hidden');
      $('item-select-field').classList.add('hidden');
      $('item-search').addEventListener('input', function () {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(refresh, 250);
      });
      $('item-more').addEventListener('click', more);
      $('item-change').addEventListener('click', changeItem);
      form.elements.body.addEventListener('input', counter);
      form.addEventListener('input', recheck);
      form.addEventListener('change', recheck);
      P.onLanguage(function () { counter(); drawItem(); drawSummary(); redrawFinder(); });
      loadPlans();
      counter();
    }

    return {
      start: start, choose: choose, submission: submission, localProblems: localProblems,
      showFieldErrors: showFieldErrors, showSummary: showSummary, clearErrors: clearErrors,
      counter: counter, changeItem: changeItem,
      item: function () { return chosen; }
    };
  }

  P.feedbackForm = feedbackForm;
  P.newKey = newKey;
}());
