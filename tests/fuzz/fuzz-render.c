/* fuzz-render.c: libFuzzer target for a whole message as the pager shows it: MIME parse, render
 * (built-in HTML converter), pager layout at two widths with link finding, and a search. Run with a
 * tight -timeout: every step is meant to be linear, so a slow input is a finding. */
#include "skua.h"
#include "mime/mime.h"
#include "lib/buf.h"
#include "lib/charset.h"
#include "ui/pager-text.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setlocale(LC_ALL, "C.UTF-8"); /* as the pager runs: wide characters and their widths */
	return 0;
}

/* A display line is sanitised UTF-8: no controls (tabs are expanded), no newline. */
static void check_line(const struct pager_text_line *l)
{
	if (strlen(l->text) != l->len || !charset_utf8_valid(l->text, l->len))
		abort();
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->text[i];
		if (c < 0x20 || c == 0x7F)
			abort();
	}
	for (size_t k = 0; k < l->n_urls; k++) {
		if (l->urls[k].start >= l->urls[k].end || l->urls[k].end > l->len)
			abort();
	}
}

static void layout(const char *hdr, size_t hdr_len, const char *body, size_t body_len, size_t width,
		   bool all_headers)
{
	struct pager_text_opts opts = { .width = width, .all_headers = all_headers };
	struct pager_text *pt = pager_text_layout(hdr, hdr_len, body, body_len, &opts);
	const char *const *urls;
	size_t n = pager_text_urls(pt, &urls);
	struct pager_text_match m;

	if (n > PAGER_TEXT_MAX_URLS)
		abort();
	for (size_t i = 0; i < n; i++) {
		/* one safe argv word: printable ASCII, no blanks, quotes, backslash or angle brackets */
		if (urls[i][0] == '-' || urls[i][0] == '\0')
			abort();
		for (const char *p = urls[i]; *p != '\0'; p++) {
			if (*p <= 0x20 || *p >= 0x7F || strchr("\"'`\\<>", *p) != NULL)
				abort();
		}
	}
	for (size_t i = 0; i < pager_text_count(pt); i++) {
		const struct pager_text_line *l = pager_text_line(pt, i);
		check_line(l);
		for (size_t k = 0; k < l->n_urls; k++) {
			if (l->urls[k].url >= n)
				abort();
		}
	}
	if (pager_text_count(pt) > 0) {
		(void)pager_text_search(pt, "http", 0, 0, false, true, &m, NULL);
		(void)pager_text_search(pt, "\xc3\xa9t\xc3\xa9", pager_text_count(pt) - 1, 0, true, true, &m, NULL);
		(void)pager_text_find_source(pt, pager_text_count(pt) / 2);
	}
	pager_text_free(&pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct mime_message *msg = mime_message_parse(p, size);
	struct mime_render_opts opts = { NULL, NULL, 0 };
	struct buf out = BUF_INIT;
	size_t hdr_len = pager_text_body_start(p, size), start;

	mime_message_render(msg, &opts, &out);
	if (out.data == NULL || !charset_utf8_valid(out.data, out.len))
		abort();
	start = pager_text_body_start(out.data, out.len);
	/* as the pager shows it: the raw header block weeded, then the rendered text */
	layout(p, hdr_len, out.data + start, out.len - start, 80, false);
	layout(p, hdr_len, out.data + start, out.len - start, 17, true);
	/* and the raw bytes as a body (what a "show raw message" would lay out) */
	layout(NULL, 0, p, size, 0, false);
	mime_message_free(&msg);
	buf_free(&out);
	return 0;
}
