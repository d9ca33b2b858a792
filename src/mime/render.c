/* render.c: the pager's text rendering of a parsed message (headers, chosen parts, attachments). */
#include "skua.h"
#include "mime-int.h"
#include "lib/charset.h"
#include "lib/errstr.h"
#include "lib/proc.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTML_COMMAND_MAX_OUT (16 * 1024 * 1024)
#define HTML_COMMAND_TIMEOUT_MS 10000
#define HTML_META_SCAN 2048 /* bytes of an HTML part searched for a <meta> charset */

struct render_ctx {
	const struct mime_render_opts *opts;
	struct buf *out;
	size_t start; /* where the message's text begins in out */
	struct mime_stop stop;
};

void mime_stop_init(struct mime_stop *s, const struct mime_render_opts *opts)
{
	memset(s, 0, sizeof(*s));
	if (opts == NULL)
		return;
	s->flag = opts->stop;
	if (opts->max_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &s->deadline);
		s->deadline.tv_sec += opts->max_ms / 1000;
		s->deadline.tv_nsec += (long)(opts->max_ms % 1000) * 1000000L;
		if (s->deadline.tv_nsec >= 1000000000L) {
			s->deadline.tv_sec++;
			s->deadline.tv_nsec -= 1000000000L;
		}
		s->has_deadline = true;
	}
}

bool mime_stop_check(struct mime_stop *s)
{
	struct timespec now;

	if (s->why != 0)
		return true;
	if (s->flag != NULL && atomic_load_explicit(s->flag, memory_order_relaxed)) {
		s->why = MIME_STOP_CANCELLED;
		return true;
	}
	if (!s->has_deadline || s->calls++ % MIME_STOP_CLOCK_EVERY != 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > s->deadline.tv_sec ||
	    (now.tv_sec == s->deadline.tv_sec && now.tv_nsec >= s->deadline.tv_nsec))
		s->why = MIME_STOP_BUDGET;
	return s->why != 0;
}

/* Starts a new block: a blank line after whatever came before. */
static void block_sep(struct render_ctx *rc)
{
	struct buf *o = rc->out;

	if (o->len == rc->start)
		return;
	if (o->data[o->len - 1] != '\n')
		buf_append_c(o, '\n');
	if (o->len - rc->start >= 2 && o->data[o->len - 2] == '\n')
		return;
	buf_append_c(o, '\n');
}

static void emit_note(struct render_ctx *rc, const char *note)
{
	struct buf *o = rc->out;

	if (o->len > rc->start && o->data[o->len - 1] != '\n')
		buf_append_c(o, '\n');
	buf_append_str(o, "[-- ");
	buf_append_str(o, _("note: "));
	sanitize_append(o, note, strlen(note), false);
	buf_append_str(o, " --]\n");
}

static void emit_notes(struct render_ctx *rc, char *const *notes, size_t n)
{
	if (n == 0)
		return;
	block_sep(rc);
	for (size_t i = 0; i < n; i++)
		emit_note(rc, notes[i]);
}

static void header_line(struct buf *out, const char *label, const char *value)
{
	buf_append_str(out, label);
	buf_append_c(out, ':');
	if (value != NULL && value[0] != '\0') {
		buf_append_c(out, ' ');
		buf_append_str(out, value);
	}
	buf_append_c(out, '\n');
}

static void render_headers(const char *hdr, size_t len, struct buf *out)
{
	static const char *const addr_fields[] = { "From", "To", "Cc" };
	struct mime_header_budget budget = MIME_HEADER_BUDGET_INIT; /* one for the message's fields */
	char *v, *d;

	for (size_t i = 0; i < N_ELEMENTS(addr_fields); i++) {
		v = mime_header_get(hdr, len, addr_fields[i]);
		if (v == NULL && i == 2)
			continue;
		d = v != NULL ? mime_address_display_budget(v, strlen(v), false, &budget) : NULL;
		header_line(out, addr_fields[i], d);
		free(d);
		free(v);
	}
	v = mime_header_get(hdr, len, "Date");
	d = v != NULL ? sanitize_line(v, strlen(v)) : NULL;
	header_line(out, "Date", d);
	free(d);
	free(v);
	v = mime_header_get(hdr, len, "Subject");
	d = v != NULL ? mime_decode_text_budget(v, strlen(v), &budget) : NULL;
	header_line(out, "Subject", d);
	free(d);
	free(v);
}

static void format_size(size_t n, char *dst, size_t size)
{
	if (n < 1024)
		snprintf(dst, size, "%zu B", n);
	else if (n < 1024 * 1024)
		snprintf(dst, size, "%.1f KiB", (double)n / 1024.0);
	else if (n < (size_t)1024 * 1024 * 1024)
		snprintf(dst, size, "%.1f MiB", (double)n / (1024.0 * 1024.0));
	else
		snprintf(dst, size, "%.1f GiB", (double)n / (1024.0 * 1024.0 * 1024.0));
}

static bool is_type(const struct mime_part *p, const char *type, const char *subtype)
{
	return strcmp(p->type, type) == 0 && (subtype == NULL || strcmp(p->subtype, subtype) == 0);
}

/* Transfer-decodes a part, collecting notes about what was wrong. */
static void decode_noted(const struct mime_part *part, struct buf *out, struct buf *notes)
{
	unsigned flags = 0;

	mime_part_decode(part, out, &flags);
	if ((flags & MIME_DEC_B64_GARBAGE) != 0)
		buf_appendf(notes, "%s\n", _("invalid characters in base64 data skipped"));
	if ((flags & MIME_DEC_B64_TRUNCATED) != 0)
		buf_appendf(notes, "%s\n", _("base64 data is truncated"));
	if ((flags & MIME_DEC_QP_INVALID) != 0)
		buf_appendf(notes, "%s\n", _("invalid quoted-printable escapes kept as they are"));
}

static void emit_buf_notes(struct render_ctx *rc, struct buf *notes)
{
	if (notes->len == 0)
		return;
	block_sep(rc);
	for (char *p = notes->data, *nl; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		emit_note(rc, p);
	}
}

static void render_attachment(struct render_ctx *rc, const struct mime_part *part)
{
	struct buf dec = BUF_INIT, notes = BUF_INIT;
	char size[32];

	decode_noted(part, &dec, &notes);
	emit_buf_notes(rc, &notes);
	format_size(dec.len, size, sizeof(size));
	block_sep(rc);
	buf_append_str(rc->out, "[-- ");
	buf_append_str(rc->out, _("Attachment: "));
	if (part->filename != NULL && part->filename[0] != '\0')
		sanitize_append(rc->out, part->filename, strlen(part->filename), false);
	else
		buf_append_str(rc->out, _("(no name)"));
	buf_appendf(rc->out, " (%s/%s, %s) --]\n", part->type, part->subtype, size);
	buf_free(&dec);
	buf_free(&notes);
}

/* Runs the configured HTML converter; false (with a note) when it fails. */
static bool html_command(struct render_ctx *rc, const char *html, size_t len, struct buf *text,
			 struct buf *notes)
{
	const char *error;
	char **argv = proc_split(rc->opts->html_command, &error);
	int ret;

	if (argv == NULL) {
		buf_appendf(notes, _("HTML converter not run: %s"), error);
		buf_append_c(notes, '\n');
		return false;
	}
	ret = proc_run((const char *const *)argv, html, len, text, HTML_COMMAND_MAX_OUT,
		       HTML_COMMAND_TIMEOUT_MS, &error);
	proc_argv_free(&argv);
	if (ret == 0)
		return true;
	if (ret > 0)
		error = errstr(_("exit status %d"), ret);
	buf_appendf(notes, _("HTML converter failed (%s); using the built-in one"), error);
	buf_append_c(notes, '\n');
	buf_reset(text);
	return false;
}

/* The charset an HTML document declares in its first bytes (<meta charset=...> or
 * <meta http-equiv=... content="text/html; charset=...">), copied into cs; false when none. */
static bool html_meta_charset(const char *html, size_t len, char *cs, size_t cs_size)
{
	size_t end = len < HTML_META_SCAN ? len : HTML_META_SCAN;

	for (size_t i = 0; i + 8 < end; i++) {
		if (strncasecmp(html + i, "charset", 7) != 0)
			continue;
		size_t k = i + 7, n = 0;
		while (k < end && html[k] == ' ')
			k++;
		if (k >= end || html[k] != '=')
			continue;
		k++;
		while (k < end && (html[k] == ' ' || html[k] == '"' || html[k] == '\''))
			k++;
		while (k < end && n + 1 < cs_size &&
		       ((html[k] >= 'a' && html[k] <= 'z') || (html[k] >= 'A' && html[k] <= 'Z') ||
			(html[k] >= '0' && html[k] <= '9') || html[k] == '-' || html[k] == '_' ||
			html[k] == '.' || html[k] == ':'))
			cs[n++] = html[k++];
		cs[n] = '\0';
		return n > 0;
	}
	return false;
}

static void render_text(struct render_ctx *rc, const struct mime_part *part)
{
	struct buf dec = BUF_INIT, utf8 = BUF_INIT, notes = BUF_INIT, text = BUF_INIT;
	const char *charset = part->charset;
	char meta_cs[64];
	int ret;

	decode_noted(part, &dec, &notes);
	if (mime_stop_check(&rc->stop))
		goto out;
	if (charset == NULL && is_type(part, "text", "html") &&
	    html_meta_charset(dec.data, dec.len, meta_cs, sizeof(meta_cs)))
		charset = meta_cs;
	ret = charset_to_utf8(charset, dec.data, dec.len, &utf8);
	if (ret == CHARSET_UNKNOWN) {
		struct buf cs = BUF_INIT;
		sanitize_append(&cs, charset, strlen(charset), false);
		buf_appendf(&notes, _("unknown charset \"%s\"; non-ASCII characters replaced"), cs.data);
		buf_append_c(&notes, '\n');
		buf_free(&cs);
	} else if (ret == CHARSET_INVALID) {
		buf_appendf(&notes, "%s\n", _("invalid characters in the text replaced"));
	}
	if (utf8.data == NULL)
		buf_append(&utf8, "", 0);
	if (is_type(part, "text", "html")) {
		bool done = false;
		if (rc->opts != NULL && rc->opts->html_command != NULL && rc->opts->html_command[0] != '\0')
			done = html_command(rc, utf8.data, utf8.len, &text, &notes);
		if (!done)
			mime_html_strip(utf8.data, utf8.len, &text, &rc->stop);
	} else {
		buf_append(&text, utf8.data, utf8.len);
	}
	emit_buf_notes(rc, &notes);
	block_sep(rc);
	sanitize_append(rc->out, text.data != NULL ? text.data : "", text.len, true);
out:
	buf_free(&dec);
	buf_free(&utf8);
	buf_free(&notes);
	buf_free(&text);
}

static void render_part(struct render_ctx *rc, const struct mime_part *part);

static bool contains_type(const struct mime_part *part, const char *type, const char *subtype,
			  unsigned budget)
{
	if (is_type(part, type, subtype) && !part->attachment)
		return true;
	if (budget == 0 || !is_type(part, "multipart", NULL))
		return false;
	for (size_t i = 0; i < part->nchildren; i++) {
		if (contains_type(part->children[i], type, subtype, budget - 1))
			return true;
	}
	return false;
}

/* multipart/alternative: text/plain first, then anything containing it, then HTML, then the last. */
static const struct mime_part *choose_alternative(const struct mime_part *part)
{
	const struct mime_part *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < part->nchildren; i++) {
		const struct mime_part *c = part->children[i];
		int score = 0;
		if (is_type(c, "text", "plain") && !c->attachment)
			score = 4;
		else if (contains_type(c, "text", "plain", 4))
			score = 3;
		else if (is_type(c, "text", NULL) || contains_type(c, "text", "html", 4))
			score = 2;
		else if (is_type(c, "multipart", NULL))
			score = 1;
		if (score > 0 && score >= best_score) {
			best = c;
			best_score = score;
		}
	}
	return best != NULL ? best : (part->nchildren > 0 ? part->children[part->nchildren - 1] : NULL);
}

static void render_part(struct render_ctx *rc, const struct mime_part *part)
{
	if (mime_stop_check(&rc->stop))
		return;
	emit_notes(rc, part->notes, part->nnotes);
	if (part->is_message) {
		if (part->nchildren > 0) {
			const struct mime_part *inner = part->children[0];
			block_sep(rc);
			render_headers(inner->hdr, inner->hdr_len, rc->out);
			render_part(rc, inner);
		}
		return;
	}
	if (is_type(part, "multipart", NULL)) {
		if (is_type(part, "multipart", "alternative")) {
			const struct mime_part *c = choose_alternative(part);
			if (c != NULL)
				render_part(rc, c);
			return;
		}
		for (size_t i = 0; i < part->nchildren; i++)
			render_part(rc, part->children[i]);
		return;
	}
	bool unknown_cte = part->cte[0] != '\0' && strcmp(part->cte, "7bit") != 0 &&
			   strcmp(part->cte, "8bit") != 0 && strcmp(part->cte, "binary") != 0 &&
			   strcmp(part->cte, "base64") != 0 && strcmp(part->cte, "quoted-printable") != 0;
	if (unknown_cte) {
		block_sep(rc);
		struct buf n = BUF_INIT;
		buf_appendf(&n, _("unknown transfer encoding \"%s\""), part->cte);
		emit_note(rc, n.data);
		buf_free(&n);
		render_attachment(rc, part);
		return;
	}
	if (is_type(part, "text", NULL) && !part->attachment) {
		render_text(rc, part);
		return;
	}
	render_attachment(rc, part);
}

void mime_message_render(const struct mime_message *msg, const struct mime_render_opts *opts,
			 struct buf *out)
{
	struct render_ctx rc;

	render_headers(msg->root->hdr, msg->root->hdr_len, out);
	buf_append_c(out, '\n');
	rc.opts = opts;
	rc.out = out;
	rc.start = out->len;
	mime_stop_init(&rc.stop, opts);
	render_part(&rc, msg->root);
	if (rc.stop.why != 0) {
		char note[160];
		if (rc.stop.why == MIME_STOP_CANCELLED)
			snprintf(note, sizeof(note), "%s", _("rendering cancelled; the rest is not shown"));
		else
			snprintf(note, sizeof(note), _("rendering took more than %u ms; the rest is not shown"),
				 opts->max_ms);
		block_sep(&rc);
		emit_note(&rc, note);
	}
	/* exactly one newline at the end of the text */
	while (out->len > rc.start && (out->data[out->len - 1] == '\n'))
		out->len--;
	out->data[out->len] = '\0';
	if (out->len > rc.start)
		buf_append_c(out, '\n');
}
