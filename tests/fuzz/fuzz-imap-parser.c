/* fuzz-imap-parser.c: libFuzzer target for the IMAP tokenizer, fed in input-chosen chunk sizes. */
#include "skua.h"
#include "imap/imap-parser.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct imap_arg *args, size_t count, unsigned int depth)
{
	size_t sum = 0;
	for (size_t i = 0; i < count; i++) {
		if (depth > IMAP_PARSER_MAX_DEPTH + 1)
			abort();
		if (args[i].type == IMAP_ARG_LIST)
			sum += walk(args[i].u.list, args[i].count, depth + 1);
		else if (args[i].type != IMAP_ARG_NIL && args[i].type != IMAP_ARG_STREAMED)
			sum += args[i].len + (size_t)(unsigned char)args[i].u.str[args[i].len]; /* NUL-terminated */
	}
	return sum;
}

static void sink(void *ctx, const char *d, size_t len, bool final)
{
	(void)ctx; (void)d; (void)len; (void)final;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_parser *p;
	size_t pos = 1, chunk;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] % 16) + 1;
	p = imap_parser_new();
	if (data[0] & 0x80)
		imap_parser_set_sink(p, sink, NULL);
	for (;;) {
		const struct imap_arg *args, *code;
		size_t count, ncode;
		const char *text, *error, *rest;
		int ret = imap_parser_next(p, &args, &count, &text, &error);

		if (ret < 0)
			break;
		if (ret > 0) {
			walk(args, count, 0);
			if (text != NULL && imap_parser_resp_code(p, text, &code, &ncode, &rest) > 0)
				walk(code, ncode, 0);
			continue;
		}
		if (pos >= size)
			break;
		size_t n = chunk < size - pos ? chunk : size - pos;
		imap_parser_input(p, data + pos, n);
		pos += n;
	}
	imap_parser_free(&p);
	return 0;
}
