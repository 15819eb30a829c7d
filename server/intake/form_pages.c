/* form_pages.c - owns the no-JavaScript pages of the feedback form (see form_pages.h). */
#include "intake/form_pages.h"

#include <stdio.h>
#include <string.h>

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

void form_page_receipt(struct http_req *req, int status, const struct receipt *r,
		       const char *receipt_json, const char *secret)
{
	struct sbuf b = {0};
	page_start(&b, "Biên nhận góp ý");
	sbuf_puts(&b, "<h1>Đã nhận góp ý của bạn <span lang=\"en\" class=\"en\">Your feedback "
		      "was received</span></h1>\n<p>Mã theo dõi <span lang=\"en\" class=\"en\">"
		      "Tracking code</span></p>\n<p class=\"tracking-code\">");
	html_escape(&b, r->tracking_code);
	/* Version 2 carries its signed tree head; version 1 (a repeat of a submission stored
	 * before it) waits for the next checkpoint. */
	const char *size_line = r->version == 2 ? strchr(r->checkpoint, '\n') : NULL;
	long long head = size_line ? strtoll(size_line + 1, NULL, 10) : 0;
	if (head > 0)
		sbuf_printf(&b, "</p>\n<p>Góp ý này là mục số %lld của nhật ký minh bạch, đã nằm "
			    "trong cây đã ký số gồm %lld mục; biên nhận tự chứng minh điều đó. <span "
			    "lang=\"en\" class=\"en\">This feedback is entry %lld of the "
			    "transparency log, already in the signed tree of %lld entries; the receipt "
			    "proves it by itself.</span></p>\n",
			    (long long)r->log_index, head, (long long)r->log_index, head);
	else
		sbuf_printf(&b, "</p>\n<p>Góp ý này là mục số %lld của nhật ký minh bạch; chậm nhất "
			    "%d giây sau, nó có trong một điểm kiểm tra đã ký số. <span lang=\"en\" "
			    "class=\"en\">This feedback is entry %lld of the transparency log; within "
			    "%d seconds it is in a signed checkpoint.</span></p>\n",
			    (long long)r->log_index, LOG_MAX_MERGE_DELAY, (long long)r->log_index,
			    LOG_MAX_MERGE_DELAY);
	sbuf_puts(&b, "<p>Mã bí mật để đánh giá câu trả lời sau này — hãy giữ kín <span "
		      "lang=\"en\" class=\"en\">Secret for rating the answer later — keep it "
		      "private</span>: <code>");
	html_escape(&b, secret);
	sbuf_puts(&b, "</code></p>\n<p><a class=\"button\" download=\"bien-nhan-");
	html_escape(&b, r->tracking_code);
	sbuf_puts(&b, ".json\" href=\"data:application/json;charset=utf-8,");
	percent_encode(&b, receipt_json);
	sbuf_puts(&b, "\">Tải biên nhận <span lang=\"en\" class=\"en\">Download the "
		      "receipt</span></a></p>\n<h2>Kiểm tra biên nhận <span lang=\"en\" "
		      "class=\"en\">Verifying the receipt</span></h2>\n<p>Biên nhận được ký số "
		      "(Ed25519): bất kỳ ai cũng kiểm tra được mà không cần hỏi chúng tôi, bằng "
		      "<code>pakn-verify bien-nhan.json</code> với khóa công khai ở "
		      "<a href=\"/api/v1/keys\">/api/v1/keys</a>, hoặc gửi tệp tới "
		      "<code>POST /api/v1/receipts/verify</code>. <span lang=\"en\" class=\"en\">"
		      "The receipt is signed (Ed25519): anyone can check it without asking us, "
		      "with <code>pakn-verify receipt.json</code> and the public keys at "
		      "/api/v1/keys, or by sending it to <code>POST "
		      "/api/v1/receipts/verify</code>.</span></p>\n<details><summary>Nội dung "
		      "biên nhận <span lang=\"en\" class=\"en\">The receipt</span></summary>\n"
		      "<pre>");
	html_escape(&b, receipt_json);
	sbuf_puts(&b, "</pre></details>\n<p>Để in, dùng lệnh In của trình duyệt. <span "
		      "lang=\"en\" class=\"en\">To print, use your browser's Print "
		      "command.</span></p>\n<p><a href=\"/track/?code=");
	html_escape(&b, r->tracking_code);
	sbuf_puts(&b, "\">Theo dõi góp ý <span lang=\"en\" class=\"en\">Track your "
		      "feedback</span></a> · <a href=\"/\">Gửi góp ý khác <span lang=\"en\" "
		      "class=\"en\">Send another</span></a></p>\n");
	page_end(&b);
	http_reply_html(req, status, b.data, b.len);
	sbuf_free(&b);
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
