/* fuzz_moderation.c - an official's action body (server/officials/moderation.c,
 * moderation_action_parse: the parse-and-check step of POST /api/v1/moderation/{id}/actions).
 * Any body gives 400, 422 with its problems listed, or an action from the transition table
 * with exactly the fields that action takes; the problems list serialises, and the whole
 * is freed once (the release-build crash of issue 19 was a list released twice). */
#include <string.h>

#include "core/text.h"
#include "officials/moderation.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	FUZZ_CHECK(body);
	memcpy(body, data, size);
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	int status = moderation_action_parse(body, size, &in, fields);
	FUZZ_CHECK(status == 0 || status == 400 || status == 422);
	FUZZ_CHECK((status == 422) == (json_object_array_length(fields) > 0));
	if (status == 0) {
		FUZZ_CHECK(in.t != NULL);
		if (in.text)
			FUZZ_CHECK(utf8_is_valid((const uint8_t *)in.text, strlen(in.text)));
		FUZZ_CHECK(!(in.text && in.template_id)); /* an answer is one or the other */
		if (in.note)
			FUZZ_CHECK(!strchr(in.note, '\n') && !strchr(in.note, '\r'));
		if (in.agency)
			FUZZ_CHECK(*in.agency && strlen(in.agency) <= 160);
		FUZZ_CHECK(in.of >= 0);
	}
	const char *text = json_object_to_json_string_ext(fields, JSON_C_TO_STRING_PLAIN);
	FUZZ_CHECK(utf8_is_valid((const uint8_t *)text, strlen(text)));
	json_object_put(fields);
	moderation_input_free(&in);
	free(body);
	return 0;
}
