/* fuzz_plan_import.c - the plan text parser (tools/plan_import.c), as `paknctl
 * import-plan` runs it on a province's text: plan_parse, then plan_document. Either gives
 * a document with items or a reason; neither crashes, leaks or reads past the text. */
#include <string.h>

#include "fuzz.h"
#include "plan_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	FUZZ_CHECK(text);
	memcpy(text, data, size);
	char err[256] = "";
	json_object *parsed = plan_parse(text, size, "LC", err, sizeof(err));
	if (!parsed) {
		FUZZ_CHECK(err[0]);
	} else {
		json_object *items = json_object_object_get(parsed, "items");
		FUZZ_CHECK(json_object_is_type(items, json_type_array) &&
			   json_object_array_length(items) > 0);
		static const struct plan_meta meta = {
			.code = "LC-2026", .prefix = "LC", .province = "Lai Châu",
			.title = "Kế hoạch", .province_code = "LC", .source = "fuzz.txt"};
		json_object *doc = plan_document(parsed, &meta);
		if (doc)
			(void)json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		json_object_put(doc);
	}
	free(text);
	return 0;
}
