/* form_pages.c - owns the no-JavaScript pages of the feedback form (see form_pages.h). */
#include "intake/form_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/text.h"
#include "core/util.h"
#include "crypto/receipt.h"
#include "http/field_errors.h"
#include "http/http.h"
#include "http/table.h"

/* The page's head in lang ("vi" or "en"). */
static void page_start_in(struct sbuf *b, const char *title, const char *lang)
{
	sbuf_printf(b, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>", lang);
	sbuf_puts(b, title);
	sbuf_puts(b, " – PAKN-57</title>\n<link rel=\"stylesheet\" href=\"/assets/site.css\">\n"
		     "</head><body>\n<main id=\"main\" class=\"container form-result\">\n");
}

static void page_start(struct sbuf *b, const char *title)
{
	page_start_in(b, title, "vi");
}

static void page_end(struct sbuf *b)
{
	sbuf_puts(b, "</main>\n</body></html>\n");
}

/* "Vietnamese / English" as the Vietnamese, then the English in a span marked lang="en". */
static void bilingual(struct sbuf *b, const char *message)
{
	const char *sep = strstr(message, " / ");
	if (!sep) {
		html_escape(b, message);
		return;
	}
	/* Cut, if it must be, between characters: the page is UTF-8 and a browser shows a
	 * broken sequence as U+FFFD. */
	char vi[512];
	snprintf(vi, sizeof(vi), "%.*s", (int)utf8_cut(message, (size_t)(sep - message),
						       sizeof(vi) - 1), message);
	html_escape(b, vi);
	sbuf_puts(b, " <span lang=\"en\" class=\"en\">");
	html_escape(b, sep + 3);
	sbuf_puts(b, "</span>");
}

/* Bytes other than unreserved ones as %XX, for a data: URL. */
static void percent_encode(struct sbuf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("-._~", *c)) {
			sbuf_append(b, (const char *)c, 1);
		} else {
			char esc[4] = {'%', hex[*c >> 4], hex[*c & 15], '\0'};
			sbuf_puts(b, esc);
		}
	}
}

/* A fact of the receipt: "label / English label" in a row, the value as text. */
static void fact(struct sbuf *b, const char *vi, const char *en, const char *value)
{
	sbuf_puts(b, "<dt>");
	html_escape(b, vi);
	sbuf_puts(b, " <span lang=\"en\" class=\"en\">");
	html_escape(b, en);
	sbuf_puts(b, "</span></dt><dd>");
	html_escape(b, value);
	sbuf_puts(b, "</dd>\n");
}

static const char *string_at(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* "2026-12-07T15:05:17.930139Z" as Vietnam's wall clock, "07/12/2026 22:05" (UTC+7, no
 * daylight saving); the text as it is when it is not such a time. */
static void local_time(const char *utc, char out[32])
{
	struct tm tm = {0};
	const char *end = strptime(utc, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		snprintf(out, 32, "%s", utc);
		return;
	}
	time_t t = timegm(&tm) + 7 * 3600;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%d/%m/%Y %H:%M", &tm);
}

/* The receipt's words shared by the page and its download: what was received, who answers
 * by when, the tracking code with its QR code, and the secret in one sentence. */
static void receipt_words(struct sbuf *b, const struct receipt *r, const char *secret,
			  json_object *facts, const char *text_start, bool with_qr)
{
	static const char *const ratings[][2] = {
		{"", ""}, {"Rất không hài lòng", "Very dissatisfied"},
		{"Không hài lòng", "Dissatisfied"}, {"Bình thường", "Neutral"},
		{"Hài lòng", "Satisfied"}, {"Rất hài lòng", "Very satisfied"},
	};
	/* The kinds' words as the form's radios say them (CONTRACTS: issue 23, point 2). */
	static const char *const kinds[][3] = {
		{"opinion", "Ý kiến", "Opinion"}, {"proposal", "Kiến nghị", "Proposal"},
		{"report", "Phản ánh", "Report of a problem"}, {"question", "Câu hỏi", "Question"},
		{"initiative", "Sáng kiến", "Initiative"}, {"solution", "Giải pháp", "Solution"},
	};
	json_object *item = NULL, *v;
	if (facts)
		json_object_object_get_ex(facts, "item", &item);
	const char *title = string_at(item, "title"), *scope = string_at(item, "scope");
	const char *whole = !scope                      ? ""
			    : strcmp(scope, "plan") == 0    ? "Toàn bộ kế hoạch / The whole plan: "
			    : strcmp(scope, "section") == 0 ? "Toàn bộ mục / The whole section: "
							    : "";
	struct sbuf on = {0}; /* a title may be long: never cut */
	sbuf_cat(&on, r->item_code, title ? " — " : "", whole, title ? title : "", NULL);
	sbuf_puts(b, "<dl class=\"details\">\n");
	fact(b, "Về", "On", on.data);
	sbuf_free(&on);
	char line[1024];
	local_time(r->committed_at, line);
	strncat(line, " (giờ Việt Nam / Vietnam time)", sizeof(line) - strlen(line) - 1);
	fact(b, "Nhận lúc", "Received", line);
	int rating = facts && json_object_object_get_ex(facts, "rating", &v) ? json_object_get_int(v)
									      : r->rating;
	if (rating >= 1 && rating <= 5) {
		snprintf(line, sizeof(line), "%d · %s / %s", rating, ratings[rating][0],
			 ratings[rating][1]);
		fact(b, "Mức độ hài lòng", "Satisfaction", line);
	}
	const char *kind = string_at(facts, "kind");
	kind = kind ? kind : r->kind;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i][0], kind) == 0) {
			snprintf(line, sizeof(line), "%s / %s", kinds[i][1], kinds[i][2]);
			fact(b, "Loại góp ý", "Kind", line);
		}
	if (text_start && *text_start)
		fact(b, "Nội dung (phần đầu)", "Your text (the start)", text_start);
	json_object *agencies = NULL;
	if (facts)
		json_object_object_get_ex(facts, "agencies", &agencies);
	struct sbuf names = {0};
	for (size_t i = 0; agencies && i < json_object_array_length(agencies); i++)
		sbuf_cat(&names, i ? ", " : "",
			 json_object_get_string(json_object_array_get_idx(agencies, i)), NULL);
	fact(b, "Cơ quan trả lời", "Answered by",
	     names.len ? names.data : "xem trang theo dõi / see the tracking page");
	sbuf_free(&names);
	const char *due = string_at(facts, "due_answer");
	int y, m, d;
	if (due && sscanf(due, "%4d-%2d-%2d", &y, &m, &d) == 3)
		snprintf(line, sizeof(line), "%02d/%02d/%04d (tính theo ngày làm việc, không kể ngày "
					     "nghỉ / counted in working days, holidays excluded)",
			 d, m, y);
	else
		snprintf(line, sizeof(line), "xem trang theo dõi / see the tracking page");
	fact(b, "Hạn trả lời", "Answer due by", line);
	sbuf_puts(b, "</dl>\n<h2>Mã theo dõi <span lang=\"en\" class=\"en\">Your tracking "
		     "code</span></h2>\n<p class=\"tracking-code\">");
	html_escape(b, r->tracking_code);
	sbuf_puts(b, "</p>\n<div class=\"receipt-qr\">");
	if (with_qr) {
		sbuf_puts(b, "<img width=\"160\" height=\"160\" src=\"/api/v1/feedback/");
		html_escape(b, r->tracking_code);
		sbuf_puts(b, "/qr.svg\" alt=\"Mã QR mở trang theo dõi góp ý này / QR code that opens "
			     "the tracking page of this feedback\">");
	}
	sbuf_puts(b, "<p>Với mã này (hoặc quét mã QR) bạn xem được trên trang theo dõi cơ quan đã "
		     "xử lý đến đâu và đọc câu trả lời. <span lang=\"en\" class=\"en\">With the code "
		     "(or by scanning the QR code) you can see on the tracking page what the agency "
		     "has done and read its answer.</span></p></div>\n<p>Mã bí mật <span lang=\"en\" "
		     "class=\"en\">Secret code</span> <code>");
	html_escape(b, secret);
	sbuf_puts(b, "</code></p>\n<p>Bạn chỉ cần mã bí mật khi muốn đánh giá câu trả lời của cơ "
		     "quan; ai có mã này có thể đánh giá thay bạn, nên đừng đưa cho người khác. <span "
		     "lang=\"en\" class=\"en\">You need the secret code only to rate the agency's "
		     "answer later; whoever has it can rate in your place, so do not share "
		     "it.</span></p>\n");
}

/* The proof, folded: what the signature shows in plain words, the register entry, the
 * receipt's data, and the same data for programs. */
static void receipt_proof(struct sbuf *b, const struct receipt *r, const char *receipt_json)
{
	sbuf_puts(b, "<details><summary>Dành cho việc kiểm tra <span lang=\"en\" class=\"en\">For "
		     "verification</span></summary>\n<p>Biên nhận có chữ ký số của hệ thống. Chữ ký "
		     "chứng minh góp ý của bạn đã được lưu và ghi vào một sổ ghi công khai mà không ai "
		     "sửa hay xóa được mà không bị phát hiện. Sổ chỉ giữ dấu vân tay của góp ý, không "
		     "bao giờ giữ nội dung. Ai có tệp biên nhận cũng kiểm tra được mà không cần tin hệ "
		     "thống này. <span lang=\"en\" class=\"en\">The receipt carries the service's "
		     "digital signature. It proves that your feedback was stored and written into a "
		     "public register that nobody can change or erase unnoticed. The register holds a "
		     "fingerprint of your feedback, never its text. Anyone with the receipt file can "
		     "check it, without having to trust this service.</span></p>\n");
	/* Version 2 carries its signed tree head; version 1 (a repeat of a submission stored
	 * before it) waits for the next checkpoint. */
	const char *size_line = r->version == 2 ? strchr(r->checkpoint, '\n') : NULL;
	long long head = size_line ? strtoll(size_line + 1, NULL, 10) : 0;
	if (head > 0)
		sbuf_printf(b, "<p>Góp ý của bạn là mục số %lld trong sổ ghi công khai; chữ ký trong "
			       "biên nhận bao trùm %lld mục đầu của sổ, kể cả mục này. <span "
			       "lang=\"en\" class=\"en\">Your feedback is entry %lld of the public "
			       "register; the signature in the receipt covers its first %lld entries, "
			       "this one included.</span></p>\n",
			    (long long)r->log_index, head, (long long)r->log_index, head);
	else
		sbuf_printf(b, "<p>Góp ý của bạn là mục số %lld trong sổ ghi công khai; chậm nhất %d "
			       "giây sau, mục này có chữ ký số. <span lang=\"en\" class=\"en\">Your "
			       "feedback is entry %lld of the public register; within %d seconds the "
			       "entry is signed.</span></p>\n",
			    (long long)r->log_index, LOG_MAX_MERGE_DELAY, (long long)r->log_index,
			    LOG_MAX_MERGE_DELAY);
	sbuf_puts(b, "<p><a download=\"bien-nhan-");
	html_escape(b, r->tracking_code);
	sbuf_puts(b, ".json\" href=\"data:application/json;charset=utf-8,");
	percent_encode(b, receipt_json);
	sbuf_puts(b, "\">Dữ liệu biên nhận (tệp JSON, cho chương trình pakn-verify) <span "
		     "lang=\"en\" class=\"en\">The receipt's data (JSON file, for the pakn-verify "
		     "program)</span></a></p>\n<pre>");
	html_escape(b, receipt_json);
	sbuf_puts(b, "</pre></details>\n");
}

/* The signed JSON inside the page, for pakn-verify and the form's check to read back: "</"
 * written "<\/", which JSON reads as the same text, so the element cannot end early. */
static void receipt_data(struct sbuf *b, const char *receipt_json)
{
	sbuf_puts(b, "<script type=\"application/json\" id=\"receipt\">");
	for (const char *c = receipt_json; *c; c++) {
		if (c[0] == '<' && c[1] == '/')
			sbuf_puts(b, "<\\");
		else
			sbuf_append(b, c, 1);
	}
	sbuf_puts(b, "</script>\n");
}

void form_page_receipt(struct http_req *req, int status, const struct receipt *r,
		       const char *receipt_json, const char *secret, json_object *facts,
		       const char *text_start)
{
	struct sbuf words = {0}, file = {0}, b = {0};
	receipt_words(&words, r, secret, facts, text_start, false);
	/* The download: the same words and the signed data as one page a phone opens. */
	sbuf_puts(&file, "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			 "<title>Biên nhận góp ý ");
	html_escape(&file, r->tracking_code);
	sbuf_puts(&file, "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:40rem;"
			 "margin:1rem auto;padding:0 1rem;line-height:1.5}dt{font-weight:600}dd{margin:"
			 "0 0 .5rem;overflow-wrap:anywhere}.en{display:block;color:#555}.tracking-code{"
			 "font:700 1.6rem monospace;overflow-wrap:anywhere}pre{white-space:pre-wrap;"
			 "overflow-wrap:anywhere;font-size:.8rem}</style>\n</head><body>\n<h1>Biên nhận "
			 "góp ý <span lang=\"en\" class=\"en\">Feedback receipt</span></h1>\n");
	sbuf_append(&file, words.data, words.len);
	receipt_proof(&file, r, receipt_json);
	receipt_data(&file, receipt_json);
	sbuf_puts(&file, "</body></html>\n");

	page_start(&b, "Biên nhận góp ý");
	sbuf_puts(&b, "<div class=\"receipt\">\n<h1>Đã nhận góp ý của bạn <span lang=\"en\" "
		      "class=\"en\">Your feedback was received</span></h1>\n<p>Hãy giữ biên nhận "
		      "này: in (lệnh In của trình duyệt), tải về hoặc ghi lại mã theo dõi. <span "
		      "lang=\"en\" class=\"en\">Keep this receipt: print it (your browser's Print "
		      "command), download it or write down the tracking code.</span></p>\n");
	receipt_words(&b, r, secret, facts, text_start, true);
	sbuf_puts(&b, "<p class=\"no-print\"><a class=\"button\" download=\"bien-nhan-");
	html_escape(&b, r->tracking_code);
	sbuf_puts(&b, ".html\" href=\"data:text/html;charset=utf-8,");
	percent_encode(&b, file.data);
	sbuf_puts(&b, "\">Tải biên nhận <span lang=\"en\" class=\"en\">Download the "
		      "receipt</span></a> <a class=\"button secondary\" href=\"/track/?code=");
	html_escape(&b, r->tracking_code);
	sbuf_puts(&b, "\">Theo dõi góp ý <span lang=\"en\" class=\"en\">Track your "
		      "feedback</span></a> <a class=\"button secondary\" href=\"/\">Gửi góp ý khác "
		      "<span lang=\"en\" class=\"en\">Send another</span></a></p>\n<div "
		      "class=\"no-print\">");
	receipt_proof(&b, r, receipt_json);
	sbuf_puts(&b, "</div>\n");
	receipt_data(&b, receipt_json);
	sbuf_puts(&b, "</div>\n");
	page_end(&b);
	http_reply_html(req, status, b.data, b.len);
	sbuf_free(&b);
	sbuf_free(&file);
	sbuf_free(&words);
}

/* The fields in words, as the form labels them, by the names the service gives them
 * (intake.c: the JSON path, "contact.phone"); the form's own names ("contact_phone")
 * are the same with "_" for ".". */
static const char *field_label(const char *field)
{
	static const struct {
		const char *field, *label;
	} labels[] = {
		{"item_code", "Nhiệm vụ hoặc chỉ tiêu / Task or indicator"},
		{"rating", "Mức độ hài lòng / Satisfaction"},
		{"kind", "Loại góp ý / Kind of feedback"},
		{"body", "Nội dung góp ý / Your feedback"},
		{"submitter.type", "Bạn là / You are"},
		{"submitter.name", "Họ và tên / Name"},
		{"submitter.organization", "Cơ quan, tổ chức, doanh nghiệp / Organization or business"},
		{"contact.email", "Thư điện tử / E-mail"},
		{"contact.phone", "Số điện thoại / Phone"},
		{"consent.publish", "Cho phép công khai nội dung / Publish my text"},
		{"consent.contact", "Đồng ý để cơ quan liên hệ / Let the agency contact me"},
		{"idempotency_key", "Mã chống gửi trùng / Key against sending twice"},
		{FIELD_ERRORS_MORE_FIELD, "Và nữa / And more"},
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		const char *a = labels[i].field, *f = field;
		while (*a && (*a == *f || (*a == '.' && *f == '_')))
			a++, f++;
		if (*a == '\0' && *f == '\0')
			return labels[i].label;
	}
	return field;
}

/* "Vietnamese / English" in the reader's language first, the other after it. */
static void bilingual_in(struct sbuf *b, const char *message, bool en)
{
	const char *sep = strstr(message, " / ");
	if (!en || !sep) {
		bilingual(b, message);
		return;
	}
	html_escape(b, sep + 3);
	char vi[512];
	snprintf(vi, sizeof(vi), "%.*s", (int)utf8_cut(message, (size_t)(sep - message),
						       sizeof(vi) - 1), message);
	sbuf_puts(b, " <span lang=\"vi\" class=\"en\">");
	html_escape(b, vi);
	sbuf_puts(b, "</span>");
}

void form_problem_html(struct sbuf *b, const char *message, json_object *fields, bool en)
{
	page_start_in(b, en ? "Your feedback was not sent" : "Góp ý chưa gửi được", en ? "en" : "vi");
	sbuf_puts(b, "<h1>");
	bilingual_in(b, "Góp ý chưa gửi được / Your feedback was not sent", en);
	sbuf_puts(b, "</h1>\n<p>");
	bilingual_in(b, message, en);
	sbuf_puts(b, "</p>\n");
	size_t n = fields && json_object_is_type(fields, json_type_array)
			   ? json_object_array_length(fields)
			   : 0;
	if (n) {
		sbuf_puts(b, "<ul class=\"problems\">\n");
		for (size_t i = 0; i < n; i++) {
			json_object *f = json_object_array_get_idx(fields, i), *v;
			const char *field = json_object_object_get_ex(f, "field", &v)
						    ? json_object_get_string(v)
						    : "";
			const char *msg = json_object_object_get_ex(f, "message", &v)
						  ? json_object_get_string(v)
						  : "";
			sbuf_puts(b, "<li><strong>");
			bilingual_in(b, field_label(field), en);
			sbuf_puts(b, "</strong> ");
			bilingual_in(b, msg, en);
			sbuf_puts(b, "</li>\n");
		}
		sbuf_puts(b, "</ul>\n");
	}
	sbuf_puts(b, "<p>");
	bilingual_in(b, "Dùng nút Quay lại của trình duyệt để sửa: những gì bạn đã viết vẫn còn. / "
			"Use your browser's Back button to fix it: what you wrote is still there.",
		     en);
	sbuf_puts(b, "</p>\n<p><a href=\"/\">");
	bilingual_in(b, "Trang góp ý / The feedback page", en);
	sbuf_puts(b, "</a></p>\n");
	page_end(b);
}

void form_page_problem(struct http_req *req, int status, const char *message,
		       json_object *fields)
{
	struct sbuf b = {0};
	form_problem_html(&b, message, fields, http_lang_is_en(req));
	http_reply_html(req, status, b.data, b.len);
	sbuf_free(&b);
}

void form_page_not_stored(struct http_req *req, bool unavailable)
{
	if (unavailable)
		form_page_problem(req, 503,
				  "Góp ý của bạn CHƯA được lưu: hệ thống tạm thời không sẵn sàng. "
				  "Vui lòng gửi lại sau ít phút. / Your feedback has NOT been stored: "
				  "the service is unavailable for a moment. Please send it again in a "
				  "few minutes.",
				  NULL);
	else
		form_page_problem(req, 500,
				  "Góp ý của bạn CHƯA được lưu do lỗi của hệ thống. Vui lòng gửi lại. / "
				  "Your feedback has NOT been stored because of an error on our side. "
				  "Please send it again.",
				  NULL);
}
