/* http_errors.c - owns the words of every API error (see http_errors.h). The integration
 * tests compare some of these messages byte for byte; change them as part of the contract. */
#include "http/http_errors.h"

#include <assert.h>
#include <stddef.h>

static const struct {
	int status;
	const char *code;
	const char *message;
} errors[HTTP_ERR_COUNT] = {
	[HTTP_ERR_BAD_REQUEST] = {400, "bad_request", "Yêu cầu không hợp lệ. / Malformed request."},
	[HTTP_ERR_LENGTH_REQUIRED] = {411, "length_required",
				      "Yêu cầu cần có Content-Length. / A Content-Length header "
				      "is required."},
	[HTTP_ERR_BODY_TOO_LARGE] = {413, "body_too_large",
				     "Nội dung gửi lên quá lớn. / The request body is too large."},
	[HTTP_ERR_EXPECTATION_FAILED] = {417, "expectation_failed",
					 "Chỉ hỗ trợ Expect: 100-continue. / Only Expect: "
					 "100-continue is supported."},
	[HTTP_ERR_METHOD_NOT_IMPLEMENTED] = {501, "method_not_implemented",
					     "Phương thức không được hỗ trợ. / The method is not "
					     "supported."},
	[HTTP_ERR_HEADERS_TOO_LARGE] = {431, "headers_too_large",
					"Phần đầu yêu cầu quá lớn. / The request headers are too "
					"large."},
	[HTTP_ERR_REQUEST_TIMEOUT] = {408, "request_timeout",
				      "Yêu cầu đến quá chậm. / The request took too long to "
				      "arrive."},
	[HTTP_ERR_BUSY] = {503, "busy",
			   "Máy chủ đang bận, vui lòng thử lại sau. / The server is busy; please "
			   "retry shortly."},
	[HTTP_ERR_NO_SUCH_PATH] = {404, "not_found", "Không tìm thấy địa chỉ này. / Not found."},
	[HTTP_ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed",
					 "Phương thức không được hỗ trợ cho địa chỉ này. / Method "
					 "not allowed for this path."},
	[HTTP_ERR_INVALID_QUERY] = {400, "invalid_query",
				    "Chuỗi truy vấn không hợp lệ. / The query string is invalid."},
	[HTTP_ERR_INVALID_PARAMETER] = {400, "invalid_parameter",
					"Tham số truy vấn không hợp lệ. / Invalid query "
					"parameters."},
	[HTTP_ERR_SHUTTING_DOWN] = {503, "shutting_down",
				    "Dịch vụ đang dừng. / The service is shutting down."},
	[HTTP_ERR_NOT_FOUND] = {404, "not_found", "Không tìm thấy. / Not found."},
	[HTTP_ERR_DATABASE_UNAVAILABLE] = {503, "database_unavailable",
					   "Cơ sở dữ liệu tạm thời không sẵn sàng, vui lòng thử lại "
					   "sau. / The database is unavailable; please retry "
					   "shortly."},
	[HTTP_ERR_INTERNAL] = {500, "internal_error", "Lỗi nội bộ. / Internal error."},
	[HTTP_ERR_INVALID_JSON] = {400, "invalid_json",
				   "Nội dung không phải JSON hợp lệ. / The body is not valid JSON."},
	[HTTP_ERR_NOT_JSON_OBJECT] = {400, "invalid_json",
				      "Nội dung không phải một đối tượng JSON hợp lệ. / The body is "
				      "not a valid JSON object."},
	[HTTP_ERR_INVALID_FORM] = {400, "invalid_json",
				   "Nội dung biểu mẫu không hợp lệ. / The form body is malformed."},
	[HTTP_ERR_JSON_ONLY] = {415, "unsupported_media_type",
				"Chỉ nhận application/json. / Send application/json."},
	[HTTP_ERR_JSON_OR_FORM_ONLY] = {415, "unsupported_media_type",
					"Chỉ nhận application/json hoặc "
					"application/x-www-form-urlencoded. / Send application/json "
					"or application/x-www-form-urlencoded."},
	[HTTP_ERR_REQUEST_INVALID] = {422, "validation_failed",
				      "Yêu cầu chưa hợp lệ. / The request is not valid."},
	[HTTP_ERR_AUTHENTICATION_REQUIRED] = {401, "authentication_required",
					      "Cần đăng nhập (phiên đã hết hạn hoặc không hợp lệ). / "
					      "Sign in first (the session is missing, expired or "
					      "invalid)."},
	[HTTP_ERR_SESSION_INVALID] = {401, "session_invalid",
				      "Cần đăng nhập (phiên đã hết hạn hoặc không hợp lệ). / Sign "
				      "in first (the session is missing, expired or invalid)."},
	[HTTP_ERR_CSRF_FAILED] = {403, "csrf_failed",
				  "Thiếu hoặc sai mã chống giả mạo (X-CSRF-Token). / Missing or "
				  "wrong X-CSRF-Token."},
	[HTTP_ERR_FORBIDDEN] = {403, "forbidden",
				"Vai trò của bạn không được làm việc này. / Your role may not do "
				"this."},
	[HTTP_ERR_LOGIN_BUSY] = {503, "busy",
				 "Máy chủ đang bận, vui lòng thử lại sau. / Busy; please retry "
				 "shortly."},
	[HTTP_ERR_LOGIN_JSON] = {400, "invalid_json",
				 "Cần {\"username\", \"password\"}. / Send {\"username\", "
				 "\"password\"}."},
	[HTTP_ERR_LOGIN_UTF8] = {400, "invalid_utf8",
				 "Tên đăng nhập và mật khẩu phải là văn bản UTF-8 hợp lệ, không có "
				 "ký tự NUL. / The username and password must be valid UTF-8 "
				 "without NUL."},
	[HTTP_ERR_INVALID_CREDENTIALS] = {401, "invalid_credentials",
					  "Tên đăng nhập hoặc mật khẩu không đúng. / Wrong username "
					  "or password."},
	[HTTP_ERR_TOO_MANY_ATTEMPTS] = {429, "too_many_attempts",
					"Quá nhiều lần đăng nhập, vui lòng thử lại sau. / Too many "
					"sign-in attempts; please retry later."},
	[HTTP_ERR_SECOND_FACTOR_REQUIRED] = {401, "second_factor_required",
					     "Cần xác thực hai bước: nhập mã từ ứng dụng xác thực "
					     "(hoặc đăng ký nếu chưa có). / Two-step verification is "
					     "needed: enter the code from your authenticator app (or "
					     "enrol first)."},
	[HTTP_ERR_INVALID_CODE] = {401, "invalid_code",
				   "Mã xác thực không đúng hoặc đã được dùng. / The code is wrong or "
				   "was used already."},
	[HTTP_ERR_CODE_JSON] = {400, "invalid_json",
				"Cần {\"code\"} hoặc {\"recovery_code\"}. / Send {\"code\"} or "
				"{\"recovery_code\"}."},
	[HTTP_ERR_ALREADY_ENROLLED] = {409, "already_enrolled",
				       "Tài khoản đã có xác thực hai bước; quản trị viên có thể đặt "
				       "lại bằng paknctl. / Two-step verification is set up already; "
				       "an operator can reset it with paknctl."},
	[HTTP_ERR_NOT_ENROLLED] = {409, "not_enrolled",
				   "Chưa đăng ký xác thực hai bước. / Two-step verification is not "
				   "set up yet."},
	[HTTP_ERR_INVALID_TRANSITION] = {409, "invalid_transition",
					 "Không thể làm việc này ở trạng thái hiện tại. / This "
					 "action is not allowed in the current state."},
	[HTTP_ERR_NO_CONSENT] = {403, "no_consent",
				 "Người gửi không đồng ý được liên hệ. / The submitter did not "
				 "consent to be contacted."},
	[HTTP_ERR_NO_PUBLISH_CONSENT] = {409, "no_publish_consent",
					 "Người gửi không đồng ý công khai góp ý này. / The sender "
					 "did not agree to the publication of this feedback."},
	[HTTP_ERR_HAS_DUPLICATES] = {409, "has_duplicates",
				     "Góp ý này có góp ý trùng gắn vào nó; hãy gỡ liên kết của chúng "
				     "trước. / Other feedback is linked to this one as its duplicates; "
				     "unlink them first."},
	[HTTP_ERR_BULK_INVALID] = {400, "validation_failed",
				   "Yêu cầu chưa hợp lệ, chưa làm việc nào; xem từng trường. / The "
				   "request is not valid and nothing was done; see fields."},
	[HTTP_ERR_SUBMISSION_INVALID] = {422, "validation_failed",
					 "Góp ý chưa hợp lệ, xem từng trường. / The submission is "
					 "not valid; see fields."},
	[HTTP_ERR_ITEM_UNANSWERABLE] = {422, "item_unanswerable",
					"Chưa có cơ quan nào được giao trả lời góp ý về mục này nên góp ý "
					"chưa được lưu; hãy chọn mục khác. / No agency is assigned to "
					"answer feedback on this item, so it was not stored; choose "
					"another item."},
	[HTTP_ERR_IDEMPOTENCY_KEY_REUSED] = {409, "idempotency_key_reused",
					     "Khóa chống gửi trùng đã dùng cho một góp ý khác. / The "
					     "idempotency key was used for a different submission."},
	[HTTP_ERR_RATE_LIMITED] = {429, "rate_limited",
				   "Bạn gửi quá nhanh, vui lòng thử lại sau. / Too many "
				   "submissions; please retry later."},
	[HTTP_ERR_NO_SUCH_TRACKING_CODE] = {404, "not_found",
					    "Mã theo dõi không đúng (kiểm tra lại từng ký tự). / No "
					    "such tracking code (check each character)."},
	[HTTP_ERR_RATING_JSON] = {400, "invalid_json",
				  "Cần {\"secret\", \"rating\"}. / Send {\"secret\", \"rating\"}."},
	[HTTP_ERR_NO_ANSWER] = {409, "no_answer",
				"Chưa có câu trả lời để đánh giá. / There is no answer to rate yet."},
	[HTTP_ERR_ALREADY_RATED] = {409, "already_rated",
				    "Câu trả lời đã được đánh giá. / The answer was rated already."},
	[HTTP_ERR_WRONG_SECRET] = {404, "not_found",
				   "Sai mã theo dõi hoặc mã bí mật. / Wrong tracking code or secret."},
	[HTTP_ERR_NO_CHECKPOINT] = {404, "not_found",
				    "Nhật ký chưa có điểm kiểm tra nào; hãy thử lại sau một phút. / "
				    "No checkpoint has been signed yet; try again in a minute."},
	[HTTP_ERR_NO_SUCH_PLAN] = {404, "not_found",
				   "Không có kế hoạch với mã này. / There is no plan with this code."},
	[HTTP_ERR_TOO_MANY_CONNECTIONS] = {503, "too_many_connections",
					   "Máy chủ đang có quá nhiều kết nối; vui lòng thử lại sau ít "
					   "giây / The server has too many connections; try again in a "
					   "few seconds"},
	[HTTP_ERR_TOO_MANY_FROM_ADDRESS] = {503, "too_many_connections",
					    "Địa chỉ của bạn đang mở quá nhiều kết nối; hãy đóng bớt rồi "
					    "thử lại / Your address has too many connections open; close "
					    "some and try again"},
};

int http_error_status(enum http_error err)
{
	assert(err < HTTP_ERR_COUNT && errors[err].code);
	return errors[err].status;
}

const char *http_error_code(enum http_error err)
{
	assert(err < HTTP_ERR_COUNT && errors[err].code);
	return errors[err].code;
}

const char *http_error_message(enum http_error err)
{
	assert(err < HTTP_ERR_COUNT && errors[err].code);
	return errors[err].message;
}

json_object *http_error_doc(const char *code, const char *message, json_object *fields,
			    const char *request_id)
{
	json_object *err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "message", json_object_new_string(message));
	if (fields)
		json_object_object_add(err, "fields", fields);
	json_object_object_add(err, "request_id", json_object_new_string(request_id));
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "error", err);
	return doc;
}

const char *http_status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}
