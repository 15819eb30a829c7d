/* test_plan_import.c - tests tools/plan_import.c: the two seed plans against the
 * hand-written expectations in tests/data/catalog_expected.jsonl, agency lists, agency
 * codes, the import document and the errors of malformed plans. Run from the repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/text.h"
#include "core/util.h"
#include "plan_import.h"

#define EXPECTED_PATH "tests/data/catalog_expected.jsonl"

/* Reads and parses a plan file; fails the test if it does not parse. */
static json_object *parse_plan_file(const char *path, const char *prefix)
{
	size_t len;
	char *text = file_read(path, &len);
	if (!text)
		fail_msg("cannot read %s (run from the repository root)", path);
	char err[256] = "";
	json_object *doc = plan_parse(text, len, prefix, err, sizeof(err));
	free(text);
	if (!doc)
		fail_msg("%s: %s", path, err);
	return doc;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v ? json_object_get_string(v) : NULL;
}

/* Parses a plan given inline; NULL on failure with err filled. */
static json_object *parse_text(const char *text, const char *prefix, char *err, size_t errlen)
{
	err[0] = '\0';
	return plan_parse(text, strlen(text), prefix, err, errlen);
}

/* --- the seed plans against the expectation file --------------------------------------- */

struct plans {
	json_object *lc, *db;
};

static int load_plans(void **state)
{
	struct plans *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	size_t len;
	char *text = file_read("data/plans/LC-2026.txt", &len);
	char err[256] = "";
	if (text)
		p->lc = plan_parse(text, len, "LC", err, sizeof(err));
	free(text);
	text = file_read("data/plans/DB-2026.txt", &len);
	if (text)
		p->db = plan_parse(text, len, "DB", err, sizeof(err));
	free(text);
	if (!p->lc || !p->db) {
		fprintf(stderr, "cannot load the seed plans (run from the repository root): %s\n",
			err);
		json_object_put(p->lc);
		json_object_put(p->db);
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static int free_plans(void **state)
{
	struct plans *p = *state;
	json_object_put(p->lc);
	json_object_put(p->db);
	free(p);
	return 0;
}

static void test_item_counts(void **state)
{
	struct plans *p = *state;
	assert_int_equal(json_object_array_length(get(p->lc, "items")), 40);
	assert_int_equal(json_object_array_length(get(p->db, "items")), 80);
}

/* Every expected line, in order, against the item at the same position of LC then DB:
 * same code, and an equal value for every key the expectation gives. */
static void test_items_match_expectations(void **state)
{
	struct plans *p = *state;
	size_t len;
	char *text = file_read(EXPECTED_PATH, &len);
	if (!text)
		fail_msg("cannot read %s", EXPECTED_PATH);
	json_object *lc_items = get(p->lc, "items"), *db_items = get(p->db, "items");
	size_t nlc = json_object_array_length(lc_items);
	size_t ndb = json_object_array_length(db_items);

	int lineno = 0, mismatches = 0;
	size_t pos = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		json_object *want = json_tokener_parse(line);
		if (!want || !json_object_is_type(want, json_type_object)) {
			json_object_put(want);
			free(text);
			fail_msg("%s:%d: not a JSON object", EXPECTED_PATH, lineno);
		}
		json_object *got = pos < nlc ? json_object_array_get_idx(lc_items, pos)
			       : pos - nlc < ndb ? json_object_array_get_idx(db_items, pos - nlc)
						 : NULL;
		pos++;
		const char *want_code = get_str(want, "code");
		if (!got) {
			print_error("%s:%d: %s expected, but the plans have no item there\n",
				    EXPECTED_PATH, lineno, want_code);
			mismatches++;
			json_object_put(want);
			continue;
		}
		const char *got_code = get_str(got, "code");
		if (!want_code || !got_code || strcmp(want_code, got_code) != 0) {
			print_error("%s:%d: item code %s, want %s\n", EXPECTED_PATH, lineno,
				    got_code ? got_code : "(none)", want_code ? want_code : "(none)");
			mismatches++;
			json_object_put(want);
			continue;
		}
		json_object_object_foreach(want, key, want_value) {
			json_object *got_value = NULL;
			bool present = json_object_object_get_ex(got, key, &got_value);
			if (!present || !json_object_equal(got_value, want_value)) {
				print_error("%s:%d: %s \"%s\": got %s, want %s\n", EXPECTED_PATH, lineno,
					    want_code, key,
					    present ? json_object_to_json_string(got_value) : "(absent)",
					    json_object_to_json_string(want_value));
				mismatches++;
			}
		}
		json_object_put(want);
	}
	free(text);
	assert_int_equal(lineno, 120);
	assert_int_equal(pos, nlc + ndb);
	assert_int_equal(mismatches, 0);
}

struct section_want {
	const char *kind, *code;
};

static void check_sections(json_object *doc, const char *plan, const struct section_want *want,
			   size_t n)
{
	json_object *sections = get(doc, "sections");
	int mismatches = 0;
	if (json_object_array_length(sections) != n) {
		print_error("%s: %zu sections, want %zu\n", plan, json_object_array_length(sections),
			    n);
		fail();
	}
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(sections, i);
		const char *kind = get_str(s, "kind"), *code = get_str(s, "code");
		const char *title = get_str(s, "title");
		if (!kind || !code || strcmp(kind, want[i].kind) != 0 ||
		    strcmp(code, want[i].code) != 0 ||
		    json_object_get_int(get(s, "position")) != (int)i + 1 || !title || !*title) {
			print_error("%s: section %zu is %s %s \"%s\" at %d, want %s %s at %zu\n", plan,
				    i, kind, code, title ? title : "(no title)",
				    json_object_get_int(get(s, "position")), want[i].kind,
				    want[i].code, i + 1);
			mismatches++;
		}
	}
	assert_int_equal(mismatches, 0);
}

static void test_sections(void **state)
{
	struct plans *p = *state;
	static const struct section_want lc[] = {
		{"task", "I"},   {"task", "II"},  {"task", "III"}, {"task", "IV"},
		{"task", "V"},   {"task", "VI"},  {"task", "VII"}, {"task", "VIII"},
		{"task", "IX"},  {"task", "X"},
	};
	static const struct section_want db[] = {
		{"indicator", "I"}, {"indicator", "II"}, {"indicator", "III"},
		{"indicator", "IV"}, {"indicator", "V"},
		{"task", "I"}, {"task", "II"}, {"task", "III"}, {"task", "IV"},
		{"task", "V"}, {"task", "VI"}, {"task", "VII"},
	};
	check_sections(p->lc, "LC", lc, sizeof(lc) / sizeof(lc[0]));
	check_sections(p->db, "DB", db, sizeof(db) / sizeof(db[0]));
	/* the first section's title, as a reader sees it */
	json_object *first = json_object_array_get_idx(get(p->lc, "sections"), 0);
	assert_string_equal(get_str(first, "title"), "Đóng góp cho phát triển kinh tế");
}

/* Items are numbered 1.. in document order and every code is unique. */
static void test_positions_and_unique_codes(void **state)
{
	struct plans *p = *state;
	json_object *docs[] = {p->lc, p->db};
	for (int d = 0; d < 2; d++) {
		json_object *items = get(docs[d], "items");
		size_t n = json_object_array_length(items);
		for (size_t i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(items, i);
			assert_int_equal(json_object_get_int(get(it, "position")), (int)i + 1);
			for (size_t j = 0; j < i; j++)
				assert_string_not_equal(get_str(it, "code"),
							get_str(json_object_array_get_idx(items, j),
								"code"));
		}
	}
}

/* --- agencies -------------------------------------------------------------------------- */

struct split_case {
	const char *cell;
	int n;
	const char *names[6];
};

static const struct split_case split_cases[] = {
	{"Đảng ủy\nUBND tỉnh; Đảng ủy MTTQ tỉnh; Văn phòng Tỉnh ủy.", 3,
	 {"Đảng ủy UBND tỉnh", "Đảng ủy MTTQ tỉnh", "Văn phòng Tỉnh ủy"}},
	{"Các ban đảng tỉnh, Văn phòng Tỉnh ủy, các đảng ủy trực thuộc, các sở, ban, ngành, "
	 "đoàn thể tỉnh", 4,
	 {"Các ban đảng tỉnh", "Văn phòng Tỉnh ủy", "Các đảng ủy trực thuộc",
	  "Các sở, ban, ngành, đoàn thể tỉnh"}},
	{"Ban Tuyên giáo và Dân vận Tỉnh ủy; Sở Văn hóa, Thể thao và Du lịch", 2,
	 {"Ban Tuyên giáo và Dân vận Tỉnh ủy", "Sở Văn hóa, Thể thao và Du lịch"}},
	{"- A hướng dẫn x\n- B", 2, {"A", "B"}},
	{"- Sở Tài chính hướng dẫn các đơn vị lập dự toán\n- UBND các xã, phường", 2,
	 {"Sở Tài chính", "UBND các xã, phường"}},
	{"Sở Nội vụ; Sở Nội vụ.", 1, {"Sở Nội vụ"}},
	{"Sở Tư pháp\n- Sở Tư pháp", 1, {"Sở Tư pháp"}},
	{"  Công an tỉnh  ", 1, {"Công an tỉnh"}},
	{"sở Y tế", 1, {"Sở Y tế"}},  /* first letter capitalised */
	{"đài Phát thanh", 1, {"Đài Phát thanh"}},
	{"", 0, {NULL}},
	{NULL, 0, {NULL}},
	{" ; ;\n", 0, {NULL}},
};

static void test_split_agencies(void **state)
{
	(void)state;
	int mismatches = 0;
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		json_object *list = plan_split_agencies(c->cell);
		assert_non_null(list);
		assert_true(json_object_is_type(list, json_type_array));
		bool ok = (int)json_object_array_length(list) == c->n;
		for (int k = 0; ok && k < c->n; k++)
			ok = strcmp(json_object_get_string(json_object_array_get_idx(list, k)),
				    c->names[k]) == 0;
		if (!ok) {
			print_error("plan_split_agencies(\"%s\") = %s\n", c->cell ? c->cell : "NULL",
				    json_object_to_json_string(list));
			mismatches++;
		}
		json_object_put(list);
	}
	assert_int_equal(mismatches, 0);
}

static void test_agency_code(void **state)
{
	(void)state;
	static const struct {
		const char *prefix, *name, *code;
	} cases[] = {
		{"LC", "Sở Khoa học và Công nghệ", "lc-so-khoa-hoc-va-cong-nghe"},
		{"DB", "Đảng ủy UBND tỉnh", "db-dang-uy-ubnd-tinh"},
		{"LC", "Sở Văn hóa, Thể thao và Du lịch", "lc-so-van-hoa-the-thao-va-du-lich"},
		{"LC", "  Công an  tỉnh. ", "lc-cong-an-tinh"},
		{"QN", "Ban Chỉ đạo 57", "qn-ban-chi-dao-57"},
		{"LC", "", "lc"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *code = plan_agency_code(cases[i].prefix, cases[i].name);
		assert_non_null(code);
		if (strcmp(code, cases[i].code) != 0) {
			print_error("plan_agency_code(%s, \"%s\") = \"%s\", want \"%s\"\n",
				    cases[i].prefix, cases[i].name, code, cases[i].code);
			free(code);
			fail();
		}
		free(code);
	}
}

/* A name that starts with a character outside the Basic Multilingual Plane is kept as is:
 * there is nothing to capitalise, and the name must stay valid UTF-8. */
static void test_split_agencies_four_byte_first_char(void **state)
{
	(void)state;
	json_object *list = plan_split_agencies("\xf0\x9f\x98\x80 Sở A");
	assert_int_equal(json_object_array_length(list), 1);
	const char *name = json_object_get_string(json_object_array_get_idx(list, 0));
	bool valid = utf8_is_valid((const uint8_t *)name, strlen(name));
	bool same = strcmp(name, "\xf0\x9f\x98\x80 Sở A") == 0;
	json_object_put(list);
	assert_true(valid);
	assert_true(same);
}

/* Capitalising the first letter only changes a lower-case letter, into its own capital. */
static void test_split_agencies_latin_extended_a(void **state)
{
	(void)state;
	static const struct {
		const char *cell;
		const char *first;
		size_t n;
	} cases[] = {
		{"Łódź University", "Łódź University", 1},
		{"Źródło", "Źródło", 1},
		{"ĺ", "Ĺ", 1},
		{"Sở A, Łódź University", "Sở A", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *list = plan_split_agencies(cases[i].cell);
		size_t n = json_object_array_length(list);
		bool ok = n == cases[i].n &&
			  strcmp(json_object_get_string(json_object_array_get_idx(list, 0)),
				 cases[i].first) == 0;
		if (!ok)
			print_error("plan_split_agencies(\"%s\") = %s\n", cases[i].cell,
				    json_object_to_json_string(list));
		json_object_put(list);
		assert_true(ok);
	}
}

static void test_meta_read(void **state)
{
	(void)state;
	struct plan_meta meta;
	char *storage = NULL;
	char err[256] = "";
	assert_int_equal(plan_meta_read("data/plans/LC-2026.meta", &meta, &storage, err,
					sizeof(err)),
			 0);
	assert_string_equal(meta.code, "LC-2026");
	assert_string_equal(meta.prefix, "LC");
	assert_string_equal(meta.province, "Lai Châu");
	assert_true(strncmp(meta.title, "Kế hoạch số 32-KH/TU", strlen("Kế hoạch số 32-KH/TU")) == 0);
	free(storage);

	assert_int_equal(plan_meta_read("data/plans/DB-2026.meta", &meta, &storage, err,
					sizeof(err)),
			 0);
	assert_string_equal(meta.prefix, "DB");
	assert_string_equal(meta.province, "Điện Biên");
	free(storage);

	assert_int_equal(plan_meta_read("data/plans/none.meta", &meta, &storage, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "none.meta"));
	free(storage);
}

/* Writes text to a temporary .meta file and reads it; returns plan_meta_read's result. */
static int read_meta_text(const char *text, struct plan_meta *meta, char **storage, char *err,
			  size_t errlen)
{
	char path[] = "/tmp/pakn-meta-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	int rc = plan_meta_read(path, meta, storage, err, errlen);
	unlink(path);
	return rc;
}

/* Both seed plans name the standing body that owns them as the default agency; a plan may
 * name none; a name without letters is refused (its code would be the bare province). */
static void test_meta_default_agency(void **state)
{
	(void)state;
	struct plan_meta meta;
	char *storage = NULL;
	char err[256] = "";
	assert_int_equal(plan_meta_read("data/plans/DB-2026.meta", &meta, &storage, err,
					sizeof(err)),
			 0);
	assert_string_equal(meta.default_agency, "Văn phòng Tỉnh ủy");
	free(storage);
	assert_int_equal(plan_meta_read("data/plans/LC-2026.meta", &meta, &storage, err,
					sizeof(err)),
			 0);
	assert_string_equal(meta.default_agency, "Ban Chỉ đạo tỉnh");
	free(storage);

	static const char base[] = "code = QN-2026\nprefix = QN\nprovince = Quảng Ninh\ntitle = T\n";
	assert_int_equal(read_meta_text(base, &meta, &storage, err, sizeof(err)), 0);
	assert_null(meta.default_agency);
	free(storage);
	char text[256];
	snprintf(text, sizeof(text), "%sdefault_agency =  Sở Nội vụ  \n", base);
	assert_int_equal(read_meta_text(text, &meta, &storage, err, sizeof(err)), 0);
	assert_string_equal(meta.default_agency, "Sở Nội vụ");
	free(storage);
	snprintf(text, sizeof(text), "%sdefault_agency = — …\n", base);
	assert_int_equal(read_meta_text(text, &meta, &storage, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "default_agency"));
	free(storage);
}

/* --- a plan of another province, in the same text format ------------------------------- */

/* Two tables as the seeds have them: indicators (with a unit column) and tasks numbered
 * through the table, one with a footnote, one group heading with sub-tasks. */
static const char tiny_plan[] =
	"PHỤ LỤC I\n"
	"Chỉ tiêu năm 2026\n"
	"\tSTT\n"
	"\tMục tiêu\n"
	"\tĐơn vị tính\n"
	"\tKết quả năm 2025\n"
	"\tMục tiêu năm 2026\n"
	"\n"
	"\tI\n"
	"\tHạ tầng số\n"
	"\t\n"
	"\t\n"
	"\t\n"
	"\n"
	"\t1\n"
	"\tTỷ lệ hộ gia đình có cáp quang\n"
	"\t%\n"
	"\t80\n"
	"\t90\n"
	"\n"
	"\t2.\n"
	"\tSố xã có điểm Wi-Fi công cộng\n"
	"\txã\n"
	"\t10\n"
	"\t≥ 20\n"
	"\n"
	"Phụ lục II\n"
	"\tTT\n"
	"\tTên nhiệm vụ\n"
	"\tCơ quan chủ trì\n"
	"\tCơ quan phối hợp\n"
	"\tKết quả/sản phẩm\n"
	"\tThời gian hoàn thành\n"
	"\n"
	"\tI\n"
	"\tChuyển đổi số\n"
	"\n"
	"\t1\n"
	"\tSố hóa hồ sơ thủ tục hành chính[footnoteRef:1]\n"
	"[1: Theo Nghị định 45/2020.]\n"
	"\tSở Nội vụ\n"
	"\tCác sở, ban, ngành; UBND các xã\n"
	"\tHồ sơ được số hóa\n"
	"\tQuý II/2026\n"
	"\n"
	"\t2\n"
	"\tPhát triển hạ tầng\n"
	"\t\n"
	"\t\n"
	"\t\n"
	"\t\n"
	"\n"
	"\t2.1\n"
	"\tMở rộng mạng 5G\n"
	"\tSở Khoa học và Công nghệ\n"
	"\t\n"
	"\tTrạm 5G\n"
	"\tNăm 2026\n"
	"\n"
	"\tII\n"
	"\tĐổi mới sáng tạo\n"
	"\n"
	"\t3\n"
	"\tTổ chức ngày hội khởi nghiệp\n"
	"\tSở Khoa học và Công nghệ\n"
	"\t\n"
	"\tNgày hội\n"
	"\tThường xuyên\n"
	"\n";

static void test_tiny_plan_parses(void **state)
{
	(void)state;
	char err[256];
	json_object *doc = parse_text(tiny_plan, "QN", err, sizeof(err));
	if (!doc)
		fail_msg("tiny plan: %s", err);
	static const struct {
		const char *code, *kind, *section, *title;
	} want[] = {
		{"QN-I01", "indicator", "I", "Tỷ lệ hộ gia đình có cáp quang"},
		{"QN-I02", "indicator", "I", "Số xã có điểm Wi-Fi công cộng"},
		{"QN-T1", "task", "I", "Số hóa hồ sơ thủ tục hành chính"},
		{"QN-T2.1", "task", "I", "Mở rộng mạng 5G"},
		{"QN-T3", "task", "II", "Tổ chức ngày hội khởi nghiệp"},
	};
	json_object *items = get(doc, "items");
	size_t n = sizeof(want) / sizeof(want[0]);
	if (json_object_array_length(items) != n) {
		print_error("items: %s\n", json_object_to_json_string(items));
		json_object_put(doc);
		fail();
	}
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i);
		assert_string_equal(get_str(it, "code"), want[i].code);
		assert_string_equal(get_str(it, "kind"), want[i].kind);
		assert_string_equal(get_str(it, "section"), want[i].section);
		assert_string_equal(get_str(it, "title"), want[i].title);
	}
	json_object *ind = json_object_array_get_idx(items, 1);
	assert_string_equal(get_str(ind, "unit"), "xã");
	assert_string_equal(get_str(ind, "baseline"), "10");
	assert_string_equal(get_str(ind, "target"), "≥ 20");
	assert_string_equal(get_str(ind, "number"), "2");

	json_object *t1 = json_object_array_get_idx(items, 2);
	json_object *lead = get(t1, "lead"), *coord = get(t1, "coordinating");
	assert_int_equal(json_object_array_length(lead), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(lead, 0)),
			    "Sở Nội vụ");
	assert_int_equal(json_object_array_length(coord), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(coord, 0)),
			    "Các sở, ban, ngành");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(coord, 1)),
			    "UBND các xã");
	assert_string_equal(get_str(t1, "deadline_kind"), "quarter");
	assert_string_equal(get_str(t1, "period_start"), "2026-04-01");
	assert_string_equal(get_str(t1, "period_end"), "2026-06-30");
	json_object *notes = get(t1, "footnotes");
	assert_int_equal(json_object_array_length(notes), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(notes, 0)),
			    "Theo Nghị định 45/2020.");

	json_object *t21 = json_object_array_get_idx(items, 3);
	assert_string_equal(get_str(t21, "group"), "2");
	assert_string_equal(get_str(t21, "group_title"), "Phát triển hạ tầng");
	assert_string_equal(get_str(t21, "deadline_kind"), "year");
	assert_int_equal(json_object_array_length(get(t21, "coordinating")), 0);

	json_object *t3 = json_object_array_get_idx(items, 4);
	assert_null(get(t3, "group"));
	assert_string_equal(get_str(t3, "deadline_kind"), "ongoing");

	json_object *sections = get(doc, "sections");
	assert_int_equal(json_object_array_length(sections), 3);
	assert_string_equal(get_str(json_object_array_get_idx(sections, 0), "kind"), "indicator");
	assert_string_equal(get_str(json_object_array_get_idx(sections, 2), "title"),
			    "Đổi mới sáng tạo");
	json_object_put(doc);
}

/* Tasks numbered again in each section get the section in their code. */
static void test_per_section_numbering(void **state)
{
	(void)state;
	static const char plan[] =
		"\tTT\n\tTên nhiệm vụ\n\tCơ quan chủ trì\n\tThời gian\n\n"
		"\tI\n\tMột\n\n"
		"\t1\n\tViệc một\n\tSở A\n\tNăm 2026\n\n"
		"\tII\n\tHai\n\n"
		"\t1\n\tViệc hai\n\tSở B\n\tNăm 2026\n\n";
	char err[256];
	json_object *doc = parse_text(plan, "XY", err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	json_object *items = get(doc, "items");
	assert_int_equal(json_object_array_length(items), 2);
	assert_string_equal(get_str(json_object_array_get_idx(items, 0), "code"), "XY-T-I.1");
	assert_string_equal(get_str(json_object_array_get_idx(items, 1), "code"), "XY-T-II.1");
	json_object_put(doc);
}

/* --- errors ---------------------------------------------------------------------------- */

static void test_error_cases(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *text;
		const char *mention;
	} cases[] = {
		{"invalid UTF-8", "\tTT\n\tT\xean nhi\xe1\xbb\x87m v\xe1\xbb\xa5\n\n", "UTF-8"},
		{"no header", "Kế hoạch\n\tI\n\tMột\n\n\t1\n\tViệc\n\n", "no items"},
		{"empty", "", "no items"},
		{"header, no rows", "\tTT\n\tTên nhiệm vụ\n\n", "no items"},
		{"number twice in a section",
		 "\tTT\n\tTên nhiệm vụ\n\tCơ quan chủ trì\n\n"
		 "\tI\n\tMột\n\n"
		 "\t1\n\tViệc một\n\tSở A\n\n"
		 "\t1\n\tViệc khác\n\tSở B\n\n",
		 "twice"},
		{"item before any section",
		 "\tTT\n\tTên nhiệm vụ\n\tCơ quan chủ trì\n\n\t1\n\tViệc\n\tSở A\n\n", "section"},
		{"row without a number",
		 "\tTT\n\tTên nhiệm vụ\n\tCơ quan chủ trì\n\n\tI\n\tMột\n\n\t\n\tViệc\n\tSở A\n\n",
		 "without a number"},
		{"indicator number not a number",
		 "\tSTT\n\tMục tiêu\n\tĐơn vị tính\n\n\tI\n\tMột\n\n\ta\n\tX\n\t%\n\n", "'a'"},
	};
	int mismatches = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256];
		json_object *doc = parse_text(cases[i].text, "ER", err, sizeof(err));
		if (doc || !strstr(err, cases[i].mention)) {
			print_error("%s: %s, err \"%s\", want NULL mentioning \"%s\"\n", cases[i].name,
				    doc ? json_object_to_json_string(doc) : "NULL", err,
				    cases[i].mention);
			mismatches++;
		}
		json_object_put(doc);
	}
	assert_int_equal(mismatches, 0);
}

/* Only len bytes are read, so a NUL or junk beyond it does not matter. */
static void test_parse_respects_len(void **state)
{
	(void)state;
	char err[256];
	static const char text[] = "\tTT\n\tTên nhiệm vụ\n\tCơ quan chủ trì\n\n\tI\n\tMột\n\n"
				   "\t1\n\tViệc\n\tSở A\n\n\xff\xff";
	json_object *doc = plan_parse(text, sizeof(text) - 3, "LN", err, sizeof(err));
	if (!doc)
		fail_msg("%s", err);
	assert_int_equal(json_object_array_length(get(doc, "items")), 1);
	json_object_put(doc);
	assert_null(plan_parse(text, sizeof(text) - 1, "LN", err, sizeof(err)));
	assert_non_null(strstr(err, "UTF-8"));
}

/* --- the import document --------------------------------------------------------------- */

static void test_plan_document(void **state)
{
	(void)state;
	char err[256];
	json_object *parsed = parse_text(tiny_plan, "QN", err, sizeof(err));
	if (!parsed)
		fail_msg("%s", err);
	const struct plan_meta meta = {
		.code = "QN-2026",
		.prefix = "QN",
		.province = "Quảng Ninh",
		.title = "Kế hoạch thử",
		.source = NULL,
	};
	json_object *doc = plan_document(parsed, &meta);
	assert_non_null(doc);
	json_object *plan = get(doc, "plan");
	assert_non_null(plan);
	assert_string_equal(get_str(plan, "code"), "QN-2026");
	assert_string_equal(get_str(plan, "prefix"), "QN");
	assert_string_equal(get_str(plan, "province"), "Quảng Ninh");
	assert_string_equal(get_str(plan, "title"), "Kế hoạch thử");
	assert_true(json_object_object_get_ex(plan, "source", NULL));
	assert_null(get(plan, "source"));

	json_object *items = get(doc, "items");
	json_object *t1 = json_object_array_get_idx(items, 2);
	assert_string_equal(get_str(t1, "code"), "QN-T1");
	json_object *lead = get(t1, "lead");
	assert_int_equal(json_object_array_length(lead), 1);
	json_object *a = json_object_array_get_idx(lead, 0);
	assert_true(json_object_is_type(a, json_type_object));
	assert_string_equal(get_str(a, "code"), "qn-so-noi-vu");
	assert_string_equal(get_str(a, "name"), "Sở Nội vụ");
	json_object *coord = get(t1, "coordinating");
	assert_int_equal(json_object_array_length(coord), 2);
	assert_string_equal(get_str(json_object_array_get_idx(coord, 1), "code"), "qn-ubnd-cac-xa");

	/* "Số hóa" in the title is found by "so hoa" */
	const char *search = get_str(t1, "search_text");
	assert_non_null(search);
	assert_non_null(strstr(search, "so hoa"));
	assert_non_null(strstr(search, "qn t1")); /* punctuation becomes a space */
	assert_non_null(strstr(search, "so noi vu"));
	assert_null(strstr(search, "Số"));
	assert_true(utf8_is_valid((const uint8_t *)search, strlen(search)));

	/* every item gets one */
	for (size_t i = 0; i < json_object_array_length(items); i++)
		assert_non_null(get_str(json_object_array_get_idx(items, i), "search_text"));
	/* no default agency named: null, so pakn_import_plan links none */
	assert_true(json_object_object_get_ex(plan, "default_agency", NULL));
	assert_null(get(plan, "default_agency"));
	json_object_put(doc);
}

/* The default agency gets its code as the plan's cells' agencies do (the province code, so
 * a plan sharing a province shares the agency row), and is the plan's, not any item's. */
/* A plan's own deadlines: whole working days, 1 to 365; unset, 0 (the service's); they
 * reach the document plan_import sends, null when unset. */
static void test_meta_deadlines(void **state)
{
	(void)state;
	struct plan_meta meta;
	char *storage = NULL;
	char err[256] = "", text[256];
	static const char base[] = "code = QN-2026\nprefix = QN\nprovince = Quảng Ninh\ntitle = T\n";
	assert_int_equal(read_meta_text(base, &meta, &storage, err, sizeof(err)), 0);
	assert_int_equal(meta.action_days, 0);
	assert_int_equal(meta.answer_days, 0);
	free(storage);
	snprintf(text, sizeof(text), "%saction_days = 3\nanswer_days = 10 \n", base);
	assert_int_equal(read_meta_text(text, &meta, &storage, err, sizeof(err)), 0);
	assert_int_equal(meta.action_days, 3);
	assert_int_equal(meta.answer_days, 10);
	free(storage);
	static const char *const bad[] = {"action_days = 0", "answer_days = 366", "action_days = -1",
					  "answer_days = 5d", "action_days =", "answer_days = 1000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", base, bad[i]);
		assert_int_equal(read_meta_text(text, &meta, &storage, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "_days"));
		free(storage);
	}

	char perr[256];
	json_object *parsed = parse_text(tiny_plan, "QN27", perr, sizeof(perr));
	if (!parsed)
		fail_msg("%s", perr);
	const struct plan_meta m = {.code = "QN-2027", .prefix = "QN27", .province = "Quảng Ninh",
				    .title = "Kế hoạch thử", .action_days = 4};
	json_object *doc = plan_document(parsed, &m);
	assert_int_equal(json_object_get_int(get(get(doc, "plan"), "action_days")), 4);
	assert_null(get(get(doc, "plan"), "answer_days"));
	json_object_put(doc);
}

static void test_plan_document_default_agency(void **state)
{
	(void)state;
	char err[256];
	json_object *parsed = parse_text(tiny_plan, "QN27", err, sizeof(err));
	if (!parsed)
		fail_msg("%s", err);
	const struct plan_meta meta = {.code = "QN-2027", .prefix = "QN27", .province = "Quảng Ninh",
				       .title = "Kế hoạch thử", .province_code = "QN",
				       .default_agency = "Sở Khoa học và Công nghệ"};
	json_object *doc = plan_document(parsed, &meta);
	assert_non_null(doc);
	json_object *def = get(get(doc, "plan"), "default_agency");
	assert_non_null(def);
	assert_string_equal(get_str(def, "code"), "qn-so-khoa-hoc-va-cong-nghe");
	assert_string_equal(get_str(def, "name"), "Sở Khoa học và Công nghệ");
	/* the indicators name no lead: their lead list stays empty (the database links them
	 * to the default), and the default is not in their search text */
	json_object *i1 = json_object_array_get_idx(get(doc, "items"), 0);
	assert_string_equal(get_str(i1, "code"), "QN27-I01");
	assert_int_equal(json_object_array_length(get(i1, "lead")), 0);
	assert_null(strstr(get_str(i1, "search_text"), "khoa hoc"));
	json_object_put(doc);
}

/* The seed plans themselves go through plan_document; agency codes are the plan's. */
static void test_plan_document_seed(void **state)
{
	(void)state;
	json_object *parsed = parse_plan_file("data/plans/LC-2026.txt", "LC");
	const struct plan_meta meta = {.code = "LC-2026", .prefix = "LC", .province = "Lai Châu",
				       .title = "Kế hoạch", .source = "LC-2026.txt"};
	json_object *doc = plan_document(parsed, &meta);
	assert_non_null(doc);
	assert_string_equal(get_str(get(doc, "plan"), "source"), "LC-2026.txt");
	json_object *items = get(doc, "items");
	int found_so_hoa = 0;
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		/* "Số hóa" or "số hóa" */
		const char *title = get_str(it, "title");
		if (strstr(title, "ố hóa")) {
			assert_non_null(strstr(get_str(it, "search_text"), "so hoa"));
			found_so_hoa++;
		}
		json_object *lead = get(it, "lead");
		for (size_t k = 0; k < json_object_array_length(lead); k++)
			assert_true(strncmp(get_str(json_object_array_get_idx(lead, k), "code"),
					    "lc-", 3) == 0);
	}
	assert_true(found_so_hoa > 0);
	json_object_put(doc);
}

/* Mutated copies of a real plan (bytes changed, lines dropped or repeated, tabs and blank
 * lines inserted) are refused with a message or parsed into items that all have codes;
 * never a crash (the suite runs under ASan/UBSan). Fixed seed: the same cases every run. */
static void test_fuzz_mutated_plans(void **state)
{
	(void)state;
	size_t len;
	char *orig = file_read("data/plans/LC-2026.txt", &len);
	assert_non_null(orig);
	unsigned seed = 57;
	static const char inserts[] = "\t\n\n\t1.\tI\n[1: x]\xc3";
	int parsed = 0, refused = 0;
	for (int iter = 0; iter < 300; iter++) {
		char *text = malloc(len + 64);
		memcpy(text, orig, len);
		size_t n = len;
		int edits = 1 + rand_r(&seed) % 8;
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand_r(&seed) % n;
			switch (rand_r(&seed) % 4) {
			case 0: /* overwrite a byte with a structural one */
				text[at] = inserts[rand_r(&seed) % (sizeof(inserts) - 1)];
				break;
			case 1: { /* cut a stretch */
				size_t cut = 1 + (size_t)rand_r(&seed) % 200;
				if (at + cut > n)
					cut = n - at;
				memmove(text + at, text + at + cut, n - at - cut);
				n -= cut;
				break;
			}
			case 2: /* flip a bit */
				text[at] ^= (char)(1 << (rand_r(&seed) % 8));
				break;
			default: /* truncate */
				n = at;
				break;
			}
			if (n == 0)
				break;
		}
		char err[256] = "";
		json_object *doc = plan_parse(text, n, "LC", err, sizeof(err));
		if (doc) {
			json_object *items = get(doc, "items");
			for (size_t i = 0; i < json_object_array_length(items); i++)
				assert_non_null(get_str(json_object_array_get_idx(items, i), "code"));
			parsed++;
			json_object_put(doc);
		} else {
			assert_true(strlen(err) > 0);
			refused++;
		}
		free(text);
	}
	free(orig);
	assert_int_equal(parsed + refused, 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_item_counts),
		cmocka_unit_test(test_items_match_expectations),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_positions_and_unique_codes),
		cmocka_unit_test(test_split_agencies),
		cmocka_unit_test(test_agency_code),
		cmocka_unit_test(test_split_agencies_four_byte_first_char),
		cmocka_unit_test(test_split_agencies_latin_extended_a),
		cmocka_unit_test(test_meta_read),
		cmocka_unit_test(test_meta_default_agency),
		cmocka_unit_test(test_meta_deadlines),
		cmocka_unit_test(test_tiny_plan_parses),
		cmocka_unit_test(test_per_section_numbering),
		cmocka_unit_test(test_error_cases),
		cmocka_unit_test(test_parse_respects_len),
		cmocka_unit_test(test_plan_document),
		cmocka_unit_test(test_plan_document_default_agency),
		cmocka_unit_test(test_plan_document_seed),
		cmocka_unit_test(test_fuzz_mutated_plans),
	};
	/* The seed plans are parsed once for the tests that compare them (state). */
	return cmocka_run_group_tests(tests, load_plans, free_plans);
}
