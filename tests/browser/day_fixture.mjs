// day_fixture.mjs - a day's queue for one agency (issue 22's "Done when"): N mixed
// submissions sent through the real intake (POST /api/v1/feedback) on the items of one
// plan that the agency answers, as a province's citizens would send them: every kind, every
// rating, about half consenting to publication, some leaving contact details, and groups
// of near-identical texts (the same complaint sent by several people, worded a little
// differently, with and without diacritics) that the console should show as similar, and a
// few advertisements that are not feedback at all.
// Deterministic for a given seed, so a failing run can be repeated.

const KINDS = ['opinion', 'proposal', 'report', 'question'];

// Everyday feedback on digital transformation in a province, in the words people use.
const OPENINGS = [
  'Đề nghị tỉnh', 'Xin hỏi khi nào', 'Người dân ở xã tôi phản ánh', 'Doanh nghiệp chúng tôi kiến nghị',
  'Tôi thấy', 'Mong cơ quan chức năng', 'Bản tôi ở vùng cao nên',
];
const TOPICS = [
  'đẩy nhanh số hóa hồ sơ thủ tục hành chính ở cấp xã',
  'lắp sóng điện thoại và internet cáp quang cho các bản vùng cao',
  'mở lớp hướng dẫn người cao tuổi dùng dịch vụ công trực tuyến',
  'giảm thời gian xử lý hồ sơ đất đai trên cổng dịch vụ công',
  'hỗ trợ hợp tác xã bán nông sản trên sàn thương mại điện tử',
  'cấp chữ ký số miễn phí cho hộ kinh doanh nhỏ',
  'công khai tiến độ các nhiệm vụ chuyển đổi số của tỉnh',
  'đào tạo cán bộ một cửa sử dụng phần mềm mới',
  'kết nối dữ liệu dân cư để không phải nộp lại giấy tờ',
  'có camera giám sát giao thông ở các điểm nóng',
];
const CLOSINGS = [
  'Xin cảm ơn.', 'Mong sớm nhận được trả lời.', 'Việc này rất cần thiết cho người dân.',
  'Hiện nay còn rất chậm.', 'Tôi đã phản ánh nhiều lần.', '',
];
// The same complaint sent by several people: each group's texts differ only in case,
// diacritics and a word or two, which is what duplicate detection should see through.
const DUPLICATE_GROUPS = [
  ['Sóng điện thoại ở bản Nậm Cười rất yếu, không gọi được cấp cứu.',
    'Song dien thoai o ban Nam Cuoi rat yeu, khong goi duoc cap cuu.',
    'SÓNG ĐIỆN THOẠI Ở BẢN NẬM CƯỜI RẤT YẾU, KHÔNG GỌI ĐƯỢC CẤP CỨU!',
    'Sóng điện thoại ở bản Nậm Cười quá yếu, không gọi được cấp cứu.'],
  ['Cổng dịch vụ công của tỉnh thường xuyên bị lỗi khi nộp hồ sơ vào buổi sáng.',
    'Cong dich vu cong cua tinh thuong xuyen bi loi khi nop ho so vao buoi sang',
    'Cổng dịch vụ công của tỉnh hay bị lỗi khi nộp hồ sơ vào buổi sáng.'],
];

// What is not feedback at all and is rejected as spam: advertisements.
const SPAM = [
  'Quảng cáo: vay tiền nhanh không cần thế chấp, gọi ngay!',
  'QUẢNG CÁO sim số đẹp giá rẻ, giao hàng tận nơi',
  'Quang cao dich vu lam bang gia, lien he zalo',
];

// A small deterministic generator (mulberry32), so the fixture is the same for a seed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The codes of the plan's items that the agency answers (the catalog's `responsible`).
export async function itemsOf(url, plan, agency) {
  const codes = [];
  for (let offset = 0; ; offset += 100) {
    const r = await fetch(`${url}/api/v1/items?plan=${plan}&limit=100&offset=${offset}`);
    if (!r.ok) throw new Error(`items of ${plan}: ${r.status}`);
    const body = await r.json();
    const items = body.items || [];
    for (const it of items) {
      if ((it.responsible?.agencies || []).some((a) => a.code === agency)) codes.push(it.code);
    }
    if (items.length < 100) break;
  }
  if (!codes.length) throw new Error(`no item of ${plan} is answered by ${agency}`);
  return codes;
}

// The submissions of the day: [{item, kind, rating, body, consent, submitter?, contact?,
// group?, spam?}].
export function daySubmissions(items, n = 500, seed = 57) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = [];
  for (let i = 0; i < n; i++) {
    const s = { item: pick(items), kind: KINDS[i % KINDS.length], rating: 1 + (i % 5) };
    const group = i % 25 === 3 ? (i / 25 | 0) % DUPLICATE_GROUPS.length : -1;
    if (i % 50 === 17) {
      s.body = `${pick(SPAM)} (${i + 1})`;
      s.spam = true;
    } else if (group >= 0) {
      const texts = DUPLICATE_GROUPS[group];
      s.body = texts[(i / 50 | 0) % texts.length];
      s.item = items[group % items.length];
      s.group = group;
    } else {
      s.body = `${pick(OPENINGS)} ${pick(TOPICS)}. ${pick(CLOSINGS)} (${i + 1})`.trim();
    }
    s.consent = { publish: r() < 0.5, contact: r() < 0.3 };
    if (s.consent.contact) {
      s.submitter = { type: 'individual', name: `Người gửi ${i + 1}` };
      s.contact = { phone: `09${String(10000000 + i).slice(-8)}` };
    }
    out.push(s);
  }
  return out;
}

// Sends them, `concurrency` at a time; resolves to the replies' bodies in order (each with
// its tracking_code). Any reply but 201 fails the fixture.
export async function seedDay(url, subs, concurrency = 8) {
  const replies = new Array(subs.length);
  let next = 0;
  async function worker() {
    while (next < subs.length) {
      const i = next++;
      const s = subs[i];
      const body = {
        item_code: s.item, kind: s.kind, rating: s.rating, body: s.body,
        consent: { publish: s.consent.publish, contact: s.consent.contact },
      };
      if (s.contact) Object.assign(body, { submitter: s.submitter, contact: s.contact });
      const r = await fetch(`${url}/api/v1/feedback`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `day-${i}-${s.item}` },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      if (r.status !== 201) throw new Error(`submission ${i}: ${r.status} ${text}`);
      replies[i] = JSON.parse(text);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return replies;
}
