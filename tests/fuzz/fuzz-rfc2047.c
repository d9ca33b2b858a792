/* fuzz-rfc2047.c: libFuzzer target for RFC 2047 words, RFC 2231 parameters, addresses and dates. */
#include "skua.h"
#include "mime/mime-int.h"
#include "lib/charset.h"
#include "lib/sanitize.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *s)
{
	size_t len = strlen(s);

	if (!charset_utf8_valid(s, len))
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			abort(); /* one line: not even LF or TAB */
		if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] < 0xA0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char *s;

	s = mime_decode_text(p, size);
	check_line(s);
	free(s);
	s = mime_address_display(p, size, false);
	check_line(s);
	free(s);
	s = mime_address_display(p, size, true);
	check_line(s);
	free(s);
	(void)mime_date_parse(p, size);

	static const char *const params[] = { "filename", "name", "boundary", "charset" };
	for (size_t i = 0; i < N_ELEMENTS(params); i++) {
		s = mime_param_get(p, size, params[i], i < 2);
		if (s != NULL && i < 2) {
			char *l = sanitize_line(s, strlen(s));
			check_line(l);
			free(l);
		}
		free(s);
	}

	/* any charset name the data starts with, applied to the rest */
	size_t n = 0;
	while (n < size && n < 40 && p[n] != '\n' && p[n] != '\0')
		n++;
	char cs[41];
	memcpy(cs, p, n);
	cs[n] = '\0';
	struct buf out = BUF_INIT;
	charset_to_utf8(cs, p + n, size - n, &out);
	if (out.len > 0 && !charset_utf8_valid(out.data, out.len))
		abort();
	buf_free(&out);
	return 0;
}
