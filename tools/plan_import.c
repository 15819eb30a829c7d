/* plan_import.c - owns the plan text format: rows and cells, sections and groups, column
 * headers, cell clean-up, footnotes, agency lists, item codes. */
#include "plan_import.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "plan_deadline.h"
#include "core/xalloc.h"

#define MAX_CELLS 12     /* widest table of the seeds has 6 columns */
#define MAX_CELL_LINES 64

enum column {
	COL_NUMBER, COL_TITLE, COL_LEAD, COL_COORD, COL_RESULT, COL_DEADLINE,
	COL_UNIT, COL_BASELINE, COL_TARGET, COL_IGNORED, NCOLUMNS
};

/* Header cells, matched on folded text by prefix, most specific first. */
static const struct {
	const char *folded_prefix;
	enum column col;
} header_names[] = {
	{"ten nhiem vu", COL_TITLE},       {"muc tieu nam", COL_TARGET},
	{"muc tieu", COL_TITLE},           {"co quan chu tri", COL_LEAD},
	{"co quan phoi hop", COL_COORD},   {"ket qua nam", COL_BASELINE},
	{"ket qua", COL_RESULT},           {"thoi gian", COL_DEADLINE},
	{"don vi tinh", COL_UNIT},         {"tt", COL_NUMBER},
	{"stt", COL_NUMBER},
};

/* Agency names that contain ", " followed by a capital letter, which the comma rule would
 * otherwise split. */
static const char *const comma_names[] = {
	"Sở Văn hóa, Thể thao và Du lịch",
};

struct cell {
	const char *lines[MAX_CELL_LINES];
	int nlines;
};

struct row {
	struct cell cells[MAX_CELLS];
	int ncells;
	int lineno;
};

struct parser {
	const char *prefix;
	int columns[MAX_CELLS]; /* enum column of each cell index; header not seen: ncols 0 */
	int ncols;
	bool indicators;        /* the current table has a unit column */
	char section[16];
	char group[16];
	char *group_title;
	int section_pos, item_pos;
	json_object *sections, *items;
	char *err;
	size_t errlen;
};

/* --- cell text ------------------------------------------------------------------------ */

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Removes "[bookmark: …]" and "[footnoteRef:N]" markers and moves "[N: text]" footnote
 * bodies to footnotes (if not NULL); collapses white space; trims. Returns a new string. */
static char *clean_line(const char *line, json_object *footnotes)
{
	struct sbuf b = {0};
	const char *p = line;
	bool space = false;
	while (*p) {
		if (*p == '[') {
			const char *close = strchr(p, ']');
			const char *q = p + 1;
			while (isdigit((unsigned char)*q))
				q++;
			if (close && (starts_with(p, "[bookmark:") || starts_with(p, "[footnoteRef:"))) {
				p = close + 1;
				continue;
			}
			if (close && q > p + 1 && *q == ':') {
				char *note = xstrndup(q + 1, (size_t)(close - q - 1));
				char *clean = clean_line(note, NULL);
				if (footnotes && *clean)
					json_object_array_add(footnotes, json_object_new_string(clean));
				free(clean);
				free(note);
				p = close + 1;
				continue;
			}
		}
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			space = b.len > 0;
			p++;
			continue;
		}
		if (space)
			sbuf_append(&b, " ", 1);
		space = false;
		sbuf_append(&b, p, 1);
		p++;
	}
	return sbuf_take(&b);
}

/* The cell's cleaned lines joined with sep; NULL when nothing is left. */
static char *cell_text(const struct cell *c, const char *sep, json_object *footnotes)
{
	struct sbuf b = {0};
	for (int i = 0; c && i < c->nlines; i++) {
		char *line = clean_line(c->lines[i], footnotes);
		if (*line) {
			if (b.len)
				sbuf_puts(&b, sep);
			sbuf_puts(&b, line);
		}
		free(line);
	}
	if (b.len == 0) {
		sbuf_free(&b);
		return NULL;
	}
	return sbuf_take(&b);
}

/* --- agencies ------------------------------------------------------------------------- */

/* Lower-case Latin letters that the plans can start a name with: ASCII, Latin-1, Latin
 * Extended-A (ă đ ĩ ũ and the rest), ơ ư, and Latin Extended Additional (ạ … ỹ). In
 * Extended-A the capitals are the even code points except in U+0139..U+0148 and
 * U+0179..U+017E, where they are the odd ones. */
static bool cp_is_lower(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'a' && cp <= 'z';
	if (cp >= 0xDF && cp <= 0xFF)
		return cp != 0xF7;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
		return !(cp & 1);
	if (cp >= 0x100 && cp <= 0x17F)
		return (cp & 1) || cp == 0x138;
	if (cp == 0x1A1 || cp == 0x1B0)
		return true;
	if (cp >= 0x1E00 && cp <= 0x1EFF)
		return cp & 1;
	return false;
}

static uint32_t cp_to_upper(uint32_t cp)
{
	if (!cp_is_lower(cp) || cp == 0xDF || cp == 0xFF || cp == 0x138 || cp == 0x149 ||
	    cp == 0x17F)
		return cp; /* no capital of its own in the same block */
	if (cp < 0x80 || (cp >= 0xE0 && cp <= 0xFE))
		return cp - 0x20;
	if (cp == 0x1A1)
		return 0x1A0;
	if (cp == 0x1B0)
		return 0x1AF;
	return cp - 1; /* Extended-A and Extended Additional pair each capital before it */
}

static uint32_t first_cp(const char *s)
{
	uint32_t cp = 0;
	if (!utf8_decode((const uint8_t *)s, strlen(s), &cp))
		return 0;
	return cp;
}

/* Trims, drops a final '.', capitalises the first letter; adds to list unless present. */
static void agency_add(json_object *list, const char *raw)
{
	char *name = clean_line(raw, NULL);
	size_t n = strlen(name);
	while (n > 0 && (name[n - 1] == '.' || name[n - 1] == ' '))
		name[--n] = '\0';
	if (n > 0) {
		uint32_t cp;
		size_t used = utf8_decode((const uint8_t *)name, n, &cp);
		struct sbuf b = {0};
		if (used) {
			char up[4];
			sbuf_append(&b, up, utf8_encode(cp_to_upper(cp), up));
			sbuf_puts(&b, name + used);
		} else {
			sbuf_puts(&b, name);
		}
		char *fixed = sbuf_take(&b);
		bool seen = false;
		for (size_t i = 0; i < json_object_array_length(list); i++)
			seen |= strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
				       fixed) == 0;
		if (!seen)
			json_object_array_add(list, json_object_new_string(fixed));
		free(fixed);
	}
	free(name);
}

static bool glues_to_previous(const char *prev, const char *frag)
{
	if (cp_is_lower(first_cp(frag)) && !starts_with(frag, "các "))
		return true;
	for (size_t i = 0; i < sizeof(comma_names) / sizeof(comma_names[0]); i++) {
		size_t pl = strlen(prev);
		if (strncmp(comma_names[i], prev, pl) == 0 &&
		    strncmp(comma_names[i] + pl, ", ", 2) == 0 &&
		    starts_with(comma_names[i] + pl + 2, frag))
			return true;
	}
	return false;
}

/* One entry: cut at a role verb, split on ';' and ',' with the glue rule. */
static void agency_split_entry(json_object *list, char *entry)
{
	char *verb = strstr(entry, " hướng dẫn ");
	if (verb)
		*verb = '\0';
	char *save1 = NULL;
	for (char *part = strtok_r(entry, ";", &save1); part; part = strtok_r(NULL, ";", &save1)) {
		struct sbuf cur = {0};
		char *save2 = NULL;
		for (char *frag = strtok_r(part, ",", &save2); frag;
		     frag = strtok_r(NULL, ",", &save2)) {
			char *f = clean_line(frag, NULL);
			if (cur.len && glues_to_previous(cur.data, f)) {
				sbuf_puts(&cur, ", ");
				sbuf_puts(&cur, f);
			} else {
				if (cur.len)
					agency_add(list, cur.data);
				cur.len = 0;
				sbuf_puts(&cur, f);
			}
			free(f);
		}
		if (cur.len)
			agency_add(list, cur.data);
		sbuf_free(&cur);
	}
}

json_object *plan_split_agencies(const char *cell)
{
	json_object *list = json_object_new_array();
	if (!cell)
		return list;
	/* Lines starting "- " are separate entries; other lines continue the entry. */
	struct sbuf entry = {0};
	const char *p = cell;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *piece = xstrndup(p, n);
		char *line = clean_line(piece, NULL);
		char *raw = line;
		free(piece);
		bool bullet = starts_with(line, "- ");
		if (bullet && entry.len) {
			agency_split_entry(list, entry.data);
			entry.len = 0;
		}
		if (bullet)
			line += 2;
		if (entry.len && *line)
			sbuf_puts(&entry, " ");
		sbuf_puts(&entry, line);
		free(raw);
		p += n + (nl ? 1 : 0);
	}
	if (entry.len)
		agency_split_entry(list, entry.data);
	sbuf_free(&entry);
	return list;
}

/* --- rows ----------------------------------------------------------------------------- */

static bool is_roman(const char *s)
{
	if (!s || !*s || strlen(s) > 6)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("IVX", *p))
			return false;
	return true;
}

static bool is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return *s == '\0';
}

static const struct cell *cell_of(const struct parser *ps, const struct row *r, enum column col)
{
	for (int i = 0; i < r->ncells && i < ps->ncols; i++)
		if (ps->columns[i] == (int)col)
			return &r->cells[i];
	return NULL;
}

static bool is_header_row(const struct row *r)
{
	char *first = cell_text(&r->cells[0], " ", NULL);
	bool yes = first && (strcmp(first, "TT") == 0 || strcmp(first, "STT") == 0);
	free(first);
	return yes;
}

static int read_header(struct parser *ps, const struct row *r)
{
	ps->ncols = r->ncells;
	ps->indicators = false;
	for (int i = 0; i < r->ncells; i++) {
		char *t = cell_text(&r->cells[i], " ", NULL);
		char *f = t ? text_fold(t, strlen(t)) : NULL;
		ps->columns[i] = COL_IGNORED;
		for (size_t k = 0; f && k < sizeof(header_names) / sizeof(header_names[0]); k++) {
			if (starts_with(f, header_names[k].folded_prefix)) {
				ps->columns[i] = header_names[k].col;
				break;
			}
		}
		if (ps->columns[i] == COL_UNIT)
			ps->indicators = true;
		free(f);
		free(t);
	}
	if (ps->columns[0] != COL_NUMBER) {
		snprintf(ps->err, ps->errlen, "header row: first column is not TT/STT");
		return -1;
	}
	ps->section[0] = ps->group[0] = '\0';
	return 0;
}

/* A row is finished at a blank line unless it is an item row with fewer cells than the
 * header has columns: a footnote in a cell is followed by a stray blank line. */
static bool row_is_complete(const struct parser *ps, const struct row *r)
{
	if (ps->ncols == 0 || r->ncells >= ps->ncols)
		return true;
	char *first = cell_text(&r->cells[0], " ", NULL);
	bool roman = is_roman(first);
	free(first);
	return roman;
}

static void add_string_or_null(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static void add_owned(json_object *o, const char *key, char *value)
{
	add_string_or_null(o, key, value);
	free(value);
}

static int add_section(struct parser *ps, const char *code, const struct row *r)
{
	char *title = cell_text(cell_of(ps, r, COL_TITLE), " ", NULL);
	snprintf(ps->section, sizeof(ps->section), "%s", code);
	ps->group[0] = '\0';
	json_object *s = json_object_new_object();
	json_object_object_add(s, "kind",
			       json_object_new_string(ps->indicators ? "indicator" : "task"));
	json_object_object_add(s, "code", json_object_new_string(code));
	add_owned(s, "title", title);
	json_object_object_add(s, "position", json_object_new_int(++ps->section_pos));
	json_object_array_add(ps->sections, s);
	return 0;
}

static int add_item(struct parser *ps, char *number, const struct row *r)
{
	json_object *footnotes = json_object_new_array();
	char *title = cell_text(cell_of(ps, r, COL_TITLE), "\n", footnotes);
	char *lead = cell_text(cell_of(ps, r, COL_LEAD), "\n", NULL);
	char *coord = cell_text(cell_of(ps, r, COL_COORD), "\n", NULL);
	char *result = cell_text(cell_of(ps, r, COL_RESULT), "\n", footnotes);
	char *deadline = cell_text(cell_of(ps, r, COL_DEADLINE), " ", NULL);
	char *unit = cell_text(cell_of(ps, r, COL_UNIT), "\n", footnotes);
	char *baseline = cell_text(cell_of(ps, r, COL_BASELINE), "\n", footnotes);
	char *target = cell_text(cell_of(ps, r, COL_TARGET), "\n", footnotes);
	int rc = 0;

	if (!ps->indicators && !lead && !coord && !result && !deadline && *number &&
	    strspn(number, "0123456789") == strlen(number)) {
		/* A numbered task row with nothing but a title heads a group of tasks. */
		snprintf(ps->group, sizeof(ps->group), "%s", number);
		free(ps->group_title);
		ps->group_title = title;
		title = NULL;
		json_object_put(footnotes);
		goto out;
	}
	if (!*number) {
		if (!ps->group[0]) {
			snprintf(ps->err, ps->errlen, "line %d: item row without a number",
				 r->lineno);
			rc = -1;
			json_object_put(footnotes);
			goto out;
		}
		/* The one task under a group heading that has no number of its own. */
		snprintf(number, 16, "%s", ps->group);
	}
	if (!title || !ps->section[0]) {
		snprintf(ps->err, ps->errlen, "line %d: item %s has no %s", r->lineno, number,
			 title ? "section" : "title");
		rc = -1;
		json_object_put(footnotes);
		goto out;
	}
	if (ps->group[0] && !(starts_with(number, ps->group) &&
			      (number[strlen(ps->group)] == '.' || !number[strlen(ps->group)])))
		ps->group[0] = '\0';

	struct deadline d;
	plan_deadline_parse(deadline, &d);
	json_object *it = json_object_new_object();
	json_object_object_add(it, "code", NULL); /* set once numbering is known */
	json_object_object_add(it, "kind",
			       json_object_new_string(ps->indicators ? "indicator" : "task"));
	json_object_object_add(it, "section", json_object_new_string(ps->section));
	add_string_or_null(it, "group", ps->group[0] ? ps->group : NULL);
	add_string_or_null(it, "group_title", ps->group[0] ? ps->group_title : NULL);
	json_object_object_add(it, "number", json_object_new_string(number));
	add_owned(it, "title", title);
	json_object_object_add(it, "lead", plan_split_agencies(lead));
	json_object_object_add(it, "coordinating", plan_split_agencies(coord));
	add_owned(it, "result", result);
	add_owned(it, "deadline_text", deadline);
	json_object_object_add(it, "deadline_kind",
			       json_object_new_string(plan_deadline_kind_name(d.kind)));
	add_string_or_null(it, "period_start", d.start[0] ? d.start : NULL);
	add_string_or_null(it, "period_end", d.end[0] ? d.end : NULL);
	add_owned(it, "unit", unit);
	add_owned(it, "baseline", baseline);
	add_owned(it, "target", target);
	json_object_object_add(it, "footnotes", footnotes);
	json_object_object_add(it, "lead_text", lead ? json_object_new_string(lead) : NULL);
	json_object_object_add(it, "coordinating_text",
			       coord ? json_object_new_string(coord) : NULL);
	json_object_object_add(it, "position", json_object_new_int(++ps->item_pos));
	json_object_array_add(ps->items, it);
	title = unit = baseline = target = result = deadline = NULL;
out:
	free(title);
	free(lead);
	free(coord);
	free(result);
	free(deadline);
	free(unit);
	free(baseline);
	free(target);
	return rc;
}

static int process_row(struct parser *ps, const struct row *r)
{
	if (r->ncells == 0)
		return 0;
	if (ps->ncols == 0)
		return is_header_row(r) ? read_header(ps, r) : 0; /* prose before a table */
	char *first = cell_text(&r->cells[0], " ", NULL);
	char number[16] = "";
	if (first) {
		size_t n = strlen(first);
		while (n > 0 && (first[n - 1] == '.' || first[n - 1] == ' '))
			n--;
		if (n >= sizeof(number)) {
			snprintf(ps->err, ps->errlen, "line %d: number '%s' too long", r->lineno,
				 first);
			free(first);
			return -1;
		}
		memcpy(number, first, n);
		number[n] = '\0';
	}
	free(first);
	if (is_roman(number))
		return add_section(ps, number, r);
	return add_item(ps, number, r);
}

/* --- codes ---------------------------------------------------------------------------- */

static const char *item_str(json_object *it, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(it, key, &v) ? json_object_get_string(v) : NULL;
}

/* Plans number tasks either through the whole table (LC-T25) or again in each section
 * (DB-T-V.3.2); numbers that repeat tell which. */
static bool tasks_numbered_per_section(json_object *items)
{
	size_t n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(items, i);
		if (strcmp(item_str(a, "kind"), "task") != 0)
			continue;
		for (size_t j = i + 1; j < n; j++) {
			json_object *b = json_object_array_get_idx(items, j);
			if (strcmp(item_str(b, "kind"), "task") == 0 &&
			    strcmp(item_str(a, "number"), item_str(b, "number")) == 0)
				return true;
		}
	}
	return false;
}

static int assign_codes(struct parser *ps)
{
	size_t n = json_object_array_length(ps->items);
	if (n == 0) {
		snprintf(ps->err, ps->errlen, "no items found (is there a TT/STT header row?)");
		return -1;
	}
	bool per_section = tasks_numbered_per_section(ps->items);
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(ps->items, i);
		const char *number = item_str(it, "number");
		char code[64];
		if (strcmp(item_str(it, "kind"), "indicator") == 0) {
			char *end;
			long v = strtol(number, &end, 10);
			if (*end || v < 1) {
				snprintf(ps->err, ps->errlen, "indicator number '%s' is not a whole number",
					 number);
				return -1;
			}
			snprintf(code, sizeof(code), "%s-I%02ld", ps->prefix, v);
		} else if (per_section) {
			snprintf(code, sizeof(code), "%s-T-%s.%s", ps->prefix, item_str(it, "section"),
				 number);
		} else {
			snprintf(code, sizeof(code), "%s-T%s", ps->prefix, number);
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(item_str(json_object_array_get_idx(ps->items, j), "code"), code) == 0) {
				snprintf(ps->err, ps->errlen, "item code %s appears twice", code);
				return -1;
			}
		}
		json_object_object_add(it, "code", json_object_new_string(code));
	}
	return 0;
}

/* --- the document --------------------------------------------------------------------- */

static bool is_appendix_heading(const char *line)
{
	char *clean = clean_line(line, NULL);
	char *f = text_fold(clean, strlen(clean));
	bool yes = f && starts_with(f, "phu luc");
	free(f);
	free(clean);
	return yes;
}

static int finish_row(struct parser *ps, struct row *r)
{
	int rc = process_row(ps, r);
	r->ncells = 0;
	return rc;
}

json_object *plan_parse(const char *text, size_t len, const char *prefix, char *err,
			size_t errlen)
{
	if (!utf8_is_valid((const uint8_t *)text, len)) {
		snprintf(err, errlen, "the plan text is not valid UTF-8");
		return NULL;
	}
	struct parser ps = {.prefix = prefix, .err = err, .errlen = errlen};
	ps.sections = json_object_new_array();
	ps.items = json_object_new_array();
	char *copy = xstrndup(text, len);
	struct row *row = xcalloc(1, sizeof(*row));
	int rc = 0, lineno = 0;
	char *save = NULL;
	/* strtok_r would skip empty lines, which end rows; split by hand. */
	for (char *line = copy; rc == 0 && line; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (line[0] == '\t') {
			if (row->ncells == 0)
				row->lineno = lineno;
			if (row->ncells == MAX_CELLS) {
				snprintf(err, errlen, "line %d: more than %d cells in a row", lineno,
					 MAX_CELLS);
				rc = -1;
				break;
			}
			struct cell *c = &row->cells[row->ncells++];
			c->nlines = 0;
			c->lines[c->nlines++] = line + 1;
		} else if (is_blank(line)) {
			if (row->ncells && row_is_complete(&ps, row))
				rc = finish_row(&ps, row);
		} else if (is_appendix_heading(line)) {
			rc = finish_row(&ps, row);
			ps.ncols = 0; /* a new appendix has its own header row */
		} else if (row->ncells) {
			struct cell *c = &row->cells[row->ncells - 1];
			if (c->nlines == MAX_CELL_LINES) {
				snprintf(err, errlen, "line %d: more than %d lines in a cell", lineno,
					 MAX_CELL_LINES);
				rc = -1;
				break;
			}
			c->lines[c->nlines++] = line;
		}
	}
	if (rc == 0)
		rc = finish_row(&ps, row);
	if (rc == 0)
		rc = assign_codes(&ps);
	free(row);
	free(copy);
	free(ps.group_title);
	if (rc < 0) {
		json_object_put(ps.sections);
		json_object_put(ps.items);
		return NULL;
	}
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "sections", ps.sections);
	json_object_object_add(doc, "items", ps.items);
	return doc;
}

/* --- the import document -------------------------------------------------------------- */

/* Whether name has a letter or digit once folded: what an agency code is made of. */
static bool has_letter_or_digit(const char *name)
{
	char *folded = text_fold(name, strlen(name));
	bool yes = false;
	for (const char *p = folded ? folded : ""; *p && !yes; p++)
		yes = isalnum((unsigned char)*p) && !(*p & 0x80);
	free(folded);
	return yes;
}

/* A deadline in working days: 1 to 365. */
static bool meta_days(const char *v, int *days)
{
	if (!*v || strlen(v) > 3 || strspn(v, "0123456789") != strlen(v))
		return false;
	*days = atoi(v);
	return *days >= 1 && *days <= 365;
}

int plan_meta_read(const char *path, struct plan_meta *meta, char **storage, char *err,
		   size_t errlen)
{
	size_t len;
	char *text = file_read(path, &len);
	*storage = text;
	memset(meta, 0, sizeof(*meta));
	if (!text) {
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		char *eq = strchr(line, '=');
		if (!eq) {
			snprintf(err, errlen, "%s: expected key = value: %s", path, line);
			return -1;
		}
		char *v = eq + 1;
		char *k_end = eq;
		while (k_end > line && k_end[-1] == ' ')
			k_end--;
		*k_end = '\0';
		while (*v == ' ')
			v++;
		size_t n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\r'))
			v[--n] = '\0';
		if (strcmp(line, "code") == 0)
			meta->code = v;
		else if (strcmp(line, "prefix") == 0)
			meta->prefix = v;
		else if (strcmp(line, "province") == 0)
			meta->province = v;
		else if (strcmp(line, "title") == 0)
			meta->title = v;
		else if (strcmp(line, "province_code") == 0)
			meta->province_code = v;
		else if (strcmp(line, "default_agency") == 0)
			meta->default_agency = v;
		else if (strcmp(line, "action_days") == 0 || strcmp(line, "answer_days") == 0) {
			int *days = line[1] == 'c' ? &meta->action_days : &meta->answer_days;
			if (!meta_days(v, days)) {
				snprintf(err, errlen, "%s: %s must be a number of working days, 1 to 365",
					 path, line);
				return -1;
			}
		} else {
			snprintf(err, errlen, "%s: unknown key '%s'", path, line);
			return -1;
		}
	}
	if (!meta->code || !meta->prefix || !meta->province || !meta->title) {
		snprintf(err, errlen, "%s: needs code, prefix, province and title", path);
		return -1;
	}
	/* An agency code is made of the name's letters: a name without any would give every
	 * such plan the same bare province code. */
	if (meta->default_agency && !has_letter_or_digit(meta->default_agency)) {
		snprintf(err, errlen, "%s: default_agency must name an agency", path);
		return -1;
	}
	return 0;
}

char *plan_agency_code(const char *province_code, const char *name)
{
	char *folded = text_fold(name, strlen(name));
	struct sbuf b = {0};
	for (const char *p = province_code; *p; p++)
		sbuf_printf(&b, "%c", tolower((unsigned char)*p));
	bool dash = true;
	for (const char *p = folded ? folded : ""; *p; p++) {
		if (isalnum((unsigned char)*p) && !(*p & 0x80)) {
			if (dash)
				sbuf_append(&b, "-", 1);
			sbuf_append(&b, p, 1);
			dash = false;
		} else {
			dash = true;
		}
	}
	free(folded);
	return sbuf_take(&b);
}

/* {"code", "name"} of the agency called name in the province. */
static json_object *agency_object(const char *province_code, const char *name)
{
	char *code = plan_agency_code(province_code, name);
	json_object *a = json_object_new_object();
	json_object_object_add(a, "code", json_object_new_string(code));
	json_object_object_add(a, "name", json_object_new_string(name));
	free(code);
	return a;
}

static json_object *agency_objects(json_object *names, const char *prefix, struct sbuf *search)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, i));
		json_object_array_add(list, agency_object(prefix, name));
		sbuf_printf(search, " %s", name);
	}
	return list;
}

json_object *plan_document(json_object *parsed, const struct plan_meta *meta)
{
	json_object *plan = json_object_new_object();
	json_object_object_add(plan, "code", json_object_new_string(meta->code));
	json_object_object_add(plan, "prefix", json_object_new_string(meta->prefix));
	json_object_object_add(plan, "province", json_object_new_string(meta->province));
	json_object_object_add(plan, "title", json_object_new_string(meta->title));
	add_string_or_null(plan, "source", meta->source);
	const char *pc = meta->province_code ? meta->province_code : meta->prefix;
	json_object_object_add(plan, "default_agency",
			       meta->default_agency ? agency_object(pc, meta->default_agency)
						    : NULL);
	json_object_object_add(plan, "action_days",
			       meta->action_days ? json_object_new_int(meta->action_days) : NULL);
	json_object_object_add(plan, "answer_days",
			       meta->answer_days ? json_object_new_int(meta->answer_days) : NULL);
	json_object_object_add(parsed, "plan", plan);

	json_object *items = json_object_object_get(parsed, "items");
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		struct sbuf search = {0};
		static const char *const text_keys[] = {"code", "title", "result", "unit", "group_title"};
		for (size_t k = 0; k < sizeof(text_keys) / sizeof(text_keys[0]); k++) {
			const char *v = item_str(it, text_keys[k]);
			if (v)
				sbuf_printf(&search, " %s", v);
		}
		json_object_object_add(it, "lead", agency_objects(json_object_object_get(it, "lead"),
								  pc, &search));
		json_object_object_add(it, "coordinating",
				       agency_objects(json_object_object_get(it, "coordinating"), pc,
						      &search));
		char *folded = text_search_key(search.data, search.len);
		sbuf_free(&search);
		if (!folded) {
			json_object_put(parsed);
			return NULL;
		}
		json_object_object_add(it, "search_text", json_object_new_string(folded));
		free(folded);
	}
	return parsed;
}
