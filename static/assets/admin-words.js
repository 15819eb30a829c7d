/* admin-words.js - the officials' console in words: every state, kind, role, channel,
 * history action, reason and contact field it shows, in Vietnamese and English, and the
 * dates (age, deadlines) as people say them. The console never shows the API's slugs
 * (issue 22, "A console in words"). It also makes window.PAKN_ADMIN, which the console's
 * other scripts (admin-queue.js, admin-detail.js, admin-bulk.js, admin.js) share. */
(function () {
  'use strict';
  var P = window.PAKN;
  var A = window.PAKN_ADMIN = {
    $: function (id) { return document.getElementById(id); },
    /* Shared state: the signed-in official, the queue's rows, the feedback open, the
     * agencies by code (names), the answer templates. */
    me: null, rows: [], open: null, agencies: {}, templates: null
  };

  var W = A.words = {
    state: {
      received: ['Đã tiếp nhận', 'Received'], published: ['Đã công khai', 'Published'],
      rejected: ['Không tiếp nhận', 'Rejected'], answered: ['Đã trả lời', 'Answered'],
      closed: ['Đã kết thúc', 'Closed'], hidden: ['Đã ẩn', 'Hidden']
    },
    kind: P.KINDS,
    itemKind: {task: ['Nhiệm vụ', 'Task'], indicator: ['Chỉ tiêu', 'Indicator']},
    /* Feedback on a whole plan or section (docs/catalog.md) has no item kind of its own. */
    itemScope: {plan: ['Cả kế hoạch', 'Whole plan'], section: ['Cả phần', 'Whole section']},
    role: {admin: ['Quản trị', 'Administrator'], moderator: ['Kiểm duyệt', 'Moderator'],
      responder: ['Trả lời', 'Responder'], analyst: ['Phân tích số liệu', 'Analyst']},
    channel: {web: ['Cổng trực tuyến', 'Web form'], phone: ['Điện thoại', 'Phone'],
      letter: ['Thư gửi đến', 'Letter'], desk: ['Tại quầy tiếp nhận', 'At the desk'],
      email: ['Thư điện tử', 'E-mail'], other: ['Kênh khác', 'Other channel']},
    /* What an entry of the history says happened. */
    event: {
      publish: ['Công khai', 'Published'], reject: ['Không tiếp nhận', 'Rejected'],
      hide: ['Ẩn nội dung', 'Hidden'], forward: ['Chuyển cơ quan khác', 'Forwarded'],
      answer: ['Trả lời', 'Answered'], close: ['Kết thúc', 'Closed'],
      publish_answer: ['Công khai và trả lời', 'Published and answered'],
      assign: ['Giao cho cán bộ', 'Assigned'], unassign: ['Bỏ giao', 'Unassigned'],
      contact_read: ['Xem thông tin liên hệ', 'Read the contact details'],
      contact_refused: ['Không được xem thông tin liên hệ', 'Contact details refused'],
      denied: ['Bị từ chối: ngoài phạm vi hoặc không có quyền', 'Refused: out of scope or not allowed'],
      escalate: ['Chuyển cấp trên vì quá hạn', 'Escalated: deadline passed'],
      link_duplicate: ['Đánh dấu là trùng lặp', 'Linked as a duplicate'],
      unlink_duplicate: ['Bỏ đánh dấu trùng lặp', 'Unlinked as a duplicate'],
      assisted_intake: ['Cán bộ nhập thay người gửi', 'Entered by an official'],
      link: ['Đánh dấu là trùng lặp', 'Linked as a duplicate'],
      history: ['Xem lịch sử', 'History'], contact: ['Xem thông tin liên hệ', 'Contact details']
    },
    reason: {
      spam: ['Tin rác', 'Spam'], abuse: ['Xúc phạm, lăng mạ', 'Abusive'],
      off_topic: ['Không đúng chủ đề', 'Off topic'], duplicate: ['Trùng lặp', 'Duplicate'],
      personal_data: ['Chứa thông tin cá nhân', 'Contains personal data'], other: ['Lý do khác', 'Other'],
      no_consent: ['người gửi không đồng ý được liên hệ', 'the sender did not agree to be contacted'],
      none_given: ['người gửi không để lại thông tin liên hệ', 'the sender left no contact details'],
      second_factor: ['chưa xác thực hai bước', 'second factor not passed']
    },
    step: {action: ['Quá hạn xử lý', 'Late to act'], answer: ['Quá hạn trả lời', 'Late to answer']},
    contact: {name: ['Họ và tên', 'Name'], organization: ['Cơ quan, tổ chức', 'Organization'],
      email: ['Thư điện tử', 'E-mail'], phone: ['Điện thoại', 'Phone'],
      type: ['Người gửi là', 'Sender is'], address: ['Địa chỉ', 'Address']},
    submitter: {individual: ['Cá nhân', 'Individual'], organization: ['Tổ chức', 'Organization'],
      business: ['Doanh nghiệp', 'Business']}
  };

  /* The label of key in table, in the current language; a key the table does not know is
   * shown as it is rather than hidden. */
  A.word = function (table, key) {
    var w = W[table] && W[table][key];
    return w ? P.t(w[0], w[1]) : (key === null || key === undefined ? '' : String(key));
  };

  /* Several roles ("moderator,responder" or an array) as words. */
  A.roles = function (roles) {
    var list = Array.isArray(roles) ? roles : String(roles || '').split(',');
    return list.filter(Boolean).map(function (r) { return A.word('role', r.trim()); }).join(', ');
  };

  /* An agency's name from its code (GET /api/v1/agencies, loaded at sign-in). */
  A.agency = function (code) {
    var a = A.agencies[code];
    return a ? a.name : (code || '');
  };

  /* "YYYY-MM-DD" (a day in Vietnam, as deadlines are) as dd/mm/yyyy. */
  A.day = function (d) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d || '');
    return m ? m[3] + '/' + m[2] + '/' + m[1] : (d || '');
  };

  /* Today in Vietnam as YYYY-MM-DD, to compare with deadlines. */
  A.today = function () {
    return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  };

  /* "3 ngày trước" / "3 days ago": how long ago iso was. */
  A.age = function (iso) {
    var s = (Date.now() - new Date(iso).getTime()) / 1000;
    if (isNaN(s)) return '';
    var fmt = new Intl.RelativeTimeFormat(P.lang() === 'en' ? 'en' : 'vi', {numeric: 'auto'});
    if (s < 3600) return fmt.format(-Math.max(1, Math.round(s / 60)), 'minute');
    if (s < 86400) return fmt.format(-Math.round(s / 3600), 'hour');
    return fmt.format(-Math.floor(s / 86400), 'day');
  };

  var OPEN = ['received', 'published', 'hidden'];
  /* Still open past a deadline: the queue says so (overdue); a row from an older server
   * without it is judged by its answer deadline. */
  A.overdue = function (f) {
    if (typeof f.overdue === 'boolean') return f.overdue;
    return OPEN.indexOf(f.state) >= 0 && !!f.due_answer && f.due_answer < A.today();
  };
  A.isOpen = function (f) { return OPEN.indexOf(f.state) >= 0; };

  /* The item in words: its title, then plan and section. */
  A.itemTitle = function (f) { return f.item_title || f.item_code; };
  /* Plan, section, item kind and code; in a queue row (short) the plan's title up to its
   * first comma ("Kế hoạch số 32-KH/TU ngày 09/01/2026 của Ban Thường vụ Tỉnh ủy Lai Châu"). */
  A.itemWhere = function (f, short) {
    var plan = f.plan_title && short ? f.plan_title.split(',')[0] : f.plan_title;
    return [plan ? plan + (f.plan_code ? ' (' + f.plan_code + ')' : '') : f.plan_code,
      f.section_title,
      (f.item_scope && f.item_scope !== 'item' ? A.word('itemScope', f.item_scope)
        : A.word('itemKind', f.item_kind)) + ' ' + f.item_code]
      .filter(function (x) { return x && String(x).trim(); }).join(' · ');
  };

  A.notice = function (message, kind) {
    var n = A.$('notice');
    n.textContent = message || '';
    n.className = 'notice' + (kind ? ' ' + kind : '') + (message ? '' : ' hidden');
    if (message) n.focus();
  };

  /* fn() runs once an official is signed in and past the second factor. */
  var starts = [];
  A.onStart = function (fn) { starts.push(fn); };
  A.started = function () { starts.forEach(function (fn) { fn(); }); };

  /* fn() runs when the language changes: each part of the console redraws what it shows. */
  var redraws = [];
  A.onRedraw = function (fn) { redraws.push(fn); };
  A.redraw = function () { redraws.forEach(function (fn) { fn(); }); };
}());
