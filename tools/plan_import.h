/* plan_import.h - reads a provincial plan in the seed text format (Word tables exported as
 * text: a line starting with a tab opens a cell, other lines continue it, blank lines end a
 * row, a Roman-numeral row opens a section, "Phụ lục …" lines open an appendix) into the
 * catalog's JSON document. docs/catalog.md describes the format and the rules. */
#ifndef PAKN_PLAN_IMPORT_H
#define PAKN_PLAN_IMPORT_H

#include <json-c/json.h>
#include <stddef.h>

/* Parses the plan text (UTF-8, len bytes). prefix is the item code prefix ("LC" gives
 * LC-T1, LC-I01). Returns {"sections": [...], "items": [...]} (caller puts it), or NULL
 * with a message in err when the text is not valid UTF-8, a row cannot be read, a code
 * repeats or no item is found. */
json_object *plan_parse(const char *text, size_t len, const char *prefix, char *err,
			size_t errlen);

/* Splits the text of an agency cell (lines separated by '\n') into agency names by the
 * rules of docs/catalog.md. Returns a new JSON array of strings (possibly empty). */
json_object *plan_split_agencies(const char *cell);



struct plan_meta {
	const char *code;     /* LC-2026 */
	const char *prefix;   /* LC */
	const char *province; /* Lai Châu */
	const char *title;
	const char *province_code; /* agency code prefix, shared by a province's plans; NULL =
				    * prefix */
	const char *default_agency; /* the name of the agency that answers for items whose text
				     * names no lead agency; NULL = none */
	const char *source;        /* file name, for the record; may be NULL */
	int action_days; /* working days to forward or accept a feedback; 0 = the service's */
	int answer_days; /* working days to answer it; 0 = the service's */
};

/* Reads "key = value" lines (code, prefix, province, title, and optionally province_code
 * default_agency, action_days and answer_days) from a plan's .meta file into
 * meta; the strings live in *storage, which the caller frees. Returns 0, or -1 with err. */
int plan_meta_read(const char *path, struct plan_meta *meta, char **storage, char *err,
		   size_t errlen);

/* The agency's stable code: the province code in lower case, then the folded name with
 * every run of other characters made one '-': "lc-so-khoa-hoc-va-cong-nghe". The same for
 * every plan of the province. Caller frees. */
char *plan_agency_code(const char *province_code, const char *name);

/* Turns plan_parse's result (consumed) into the document pakn_import_plan() takes: adds the
 * plan object (with "default_agency": {"code", "name"} or null), agency codes and each
 * item's folded search text. Returns NULL on failure. */
json_object *plan_document(json_object *parsed, const struct plan_meta *meta);
#endif
