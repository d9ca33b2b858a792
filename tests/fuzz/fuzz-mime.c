/* fuzz-mime.c: libFuzzer target for the MIME parser and renderer (output must stay clean UTF-8). */
#include "skua.h"
#include "mime/mime.h"
#include "lib/charset.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const struct buf *out)
{
	if (!charset_utf8_valid(out->data, out->len))
		abort();
	for (size_t i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
			abort();
		if (c == 0xC2 && i + 1 < out->len && (unsigned char)out->data[i + 1] < 0xA0)
			abort(); /* a C1 control */
		if (c == 0xE2 && i + 2 < out->len) {
			unsigned char c1 = (unsigned char)out->data[i + 1], c2 = (unsigned char)out->data[i + 2];
			if (c1 == 0x80 && ((c2 >= 0xAA && c2 <= 0xAE) || c2 == 0x8E || c2 == 0x8F))
				abort(); /* bidi embedding/override/mark */
			if (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9)
				abort(); /* bidi isolate */
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct mime_message *msg = mime_message_parse(p, size);
	struct mime_render_opts opts = { NULL, NULL, 0 };
	struct buf out = BUF_INIT;

	mime_message_render(msg, &opts, &out);
	check_clean(&out);
	if (out.len == 0 || out.data[out.len - 1] != '\n')
		abort();
	struct mime_attachment *list = NULL;
	size_t n = mime_message_attachments(msg, &list);
	for (size_t i = 0; i < n; i++) {
		if (list[i].file_name[0] == '\0' || list[i].file_name[0] == '.' ||
		    list[i].file_name[0] == '-' || strchr(list[i].file_name, '/') != NULL)
			abort();
		const char *error;
		buf_reset(&out);
		if (mime_message_attachment_data(msg, list[i].index, &out, &error) != 0 ||
		    out.len != list[i].size)
			abort();
	}
	mime_attachments_free(&list, n);
	mime_message_free(&msg);
	buf_free(&out);

	/* the hot-path helpers on the same bytes taken as a header block */
	static const char *const names[] = { "From", "To", "Subject", "Date", "Content-Type" };
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		char *v = mime_header_get(p, size, names[i]);
		if (v != NULL) {
			char *a = mime_address_display(v, strlen(v), i == 0);
			char *t = mime_decode_text(v, strlen(v));
			(void)mime_date_parse(v, strlen(v));
			free(a);
			free(t);
			free(v);
		}
	}
	return 0;
}
