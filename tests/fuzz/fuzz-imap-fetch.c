/* fuzz-imap-fetch.c: libFuzzer target for the ENVELOPE and BODYSTRUCTURE parsers on arbitrary token trees. */
#include "skua.h"
#include "imap/imap-fetch.h"
#include "imap/imap-parser.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "* 1 FETCH (X ";
	struct imap_parser *p = imap_parser_new();
	const struct imap_arg *args;
	size_t count;
	const char *text, *error;

	imap_parser_input(p, prefix, sizeof(prefix) - 1);
	imap_parser_input(p, data, size);
	imap_parser_input(p, ")\r\n", 3);
	if (imap_parser_next(p, &args, &count, &text, &error) == 1 && count >= 4 &&
	    args[3].type == IMAP_ARG_LIST && args[3].count >= 2) {
		const struct imap_arg *v = &args[3].u.list[1];
		struct imap_envelope env;
		struct imap_body *body = NULL;

		if (imap_envelope_parse(v, &env, &error) == 0)
			imap_envelope_clear(&env);
		if (imap_bodystructure_parse(v, &body, &error) == 0) {
			if (body->type == NULL)
				abort();
			imap_body_free(&body);
		}
	}
	imap_parser_free(&p);
	return 0;
}
