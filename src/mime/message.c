/* message.c: parsing a whole message into a MIME tree (limits enforced, broken structure noted). */
#include "skua.h"
#include "mime-int.h"
#include "lib/xmalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct parse_ctx {
	size_t nparts;
	bool parts_noted;
	size_t decoded; /* bytes decode_container produced */
	size_t budget;  /* how many it may (MIME_MAX_DECODED_RATIO, MIME_MAX_DECODED_BYTES) */
};

static void part_note(struct mime_part *part, const char *fmt, ...) SKUA_PRINTF(2, 3);

static void part_note(struct mime_part *part, const char *fmt, ...)
{
	va_list ap;

	if (part->nnotes >= 16)
		return;
	part->notes = xrealloc(part->notes, (part->nnotes + 1) * sizeof(*part->notes));
	va_start(ap, fmt);
	part->notes[part->nnotes++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static void part_add_child(struct mime_part *part, struct mime_part *child)
{
	part->children = xgrow(part->children, &part->children_cap, part->nchildren + 1,
			       sizeof(*part->children));
	part->children[part->nchildren++] = child;
}

static void part_free(struct mime_part *part)
{
	if (part == NULL)
		return;
	for (size_t i = 0; i < part->nchildren; i++)
		part_free(part->children[i]);
	for (size_t i = 0; i < part->nnotes; i++)
		free(part->notes[i]);
	free(part->notes);
	free(part->children);
	free(part->type);
	free(part->subtype);
	free(part->charset);
	free(part->filename);
	free(part->owned);
	free(part);
}

/* A header field line: a name of printable characters but ':' followed by optional blanks and ':'. */
static bool is_field_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (unsigned char)p[i] > ' ' && (unsigned char)p[i] < 0x7F && p[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

enum split_result { SPLIT_OK, SPLIT_TOO_MANY_LINES, SPLIT_TOO_BIG };

/* Splits data into the header block and the body. The block is cut (the rest taken as body) after
 * MIME_MAX_HEADER_FIELDS lines or at the first line that would take it past MIME_MAX_HEADER_SIZE. */
static enum split_result split_header(const char *data, size_t len, bool top, const char **body_r,
				      size_t *hdr_len_r)
{
	const char *p = data, *end = data + len;
	size_t lines = 0;

	while (p < end) {
		if (++lines > MIME_MAX_HEADER_FIELDS) {
			*hdr_len_r = (size_t)(p - data);
			*body_r = p;
			return SPLIT_TOO_MANY_LINES;
		}
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol != NULL ? eol + 1 : end;
		size_t n = (size_t)((eol != NULL ? eol : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			*hdr_len_r = (size_t)(p - data);
			*body_r = next;
			return SPLIT_OK;
		}
		if (p[0] != ' ' && p[0] != '\t' && !is_field_line(p, n) &&
		    !(top && p == data && n >= 5 && memcmp(p, "From ", 5) == 0)) {
			/* not a header line: the body starts here (the empty line is missing) */
			*hdr_len_r = (size_t)(p - data);
			*body_r = p;
			return SPLIT_OK;
		}
		if ((size_t)(next - data) > MIME_MAX_HEADER_SIZE) {
			*hdr_len_r = (size_t)(p - data);
			*body_r = p;
			return SPLIT_TOO_BIG;
		}
		p = next;
	}
	*hdr_len_r = len;
	*body_r = end;
	return SPLIT_OK;
}

static bool line_is_delimiter(const char *p, size_t n, const char *b, size_t blen, bool *close_r)
{
	if (n < blen + 2 || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b, blen) != 0)
		return false;
	p += blen + 2;
	n -= blen + 2;
	if (n >= 2 && p[0] == '-' && p[1] == '-') {
		*close_r = true;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] != ' ' && p[i] != '\t')
			return false; /* "--boundaryX": another (longer) boundary */
	}
	*close_r = false;
	return true;
}

static struct mime_part *part_parse(struct parse_ctx *ctx, const char *data, size_t len,
				    unsigned depth, bool digest_child, bool top);

/* Returns the first line at or after p (a line start) that begins with "--", or NULL. By '-' with
 * memchr: text without dashes goes by at its speed. */
static const char *next_dash_line(const char *p, const char *end)
{
	const char *q = p;

	if (end - p >= 2 && p[0] == '-' && p[1] == '-')
		return p;
	while (q < end && (q = memchr(q, '-', (size_t)(end - q))) != NULL) {
		if (q > p && q[-1] == '\n' && end - q >= 2 && q[1] == '-')
			return q;
		q++;
	}
	return NULL;
}

static void parse_multipart(struct parse_ctx *ctx, struct mime_part *part, const char *boundary)
{
	const char *p = part->body, *end = part->body + part->body_len;
	const char *part_start = NULL;
	size_t blen = strlen(boundary);
	bool closed = false, found = false;
	bool digest = strcmp(part->subtype, "digest") == 0;

	while (p < end) {
		/* only a line that starts with "--" can be a delimiter: go from one to the next (each
		 * level of nested multiparts reads what is inside it, so this is done up to MIME_MAX_DEPTH
		 * times over) */
		if ((p = next_dash_line(p, end)) == NULL)
			break;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol != NULL ? eol + 1 : end;
		size_t n = (size_t)((eol != NULL ? eol : end) - p);
		bool close;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= 2 && p[0] == '-' && line_is_delimiter(p, n, boundary, blen, &close)) {
			if (part_start != NULL) {
				/* the line break before the delimiter belongs to it */
				const char *pe = p;
				if (pe > part_start && pe[-1] == '\n')
					pe--;
				if (pe > part_start && pe[-1] == '\r')
					pe--;
				if (ctx->nparts >= MIME_MAX_PARTS) {
					if (!ctx->parts_noted)
						part_note(part, _("more than %d MIME parts; the rest is not shown"),
							  MIME_MAX_PARTS);
					ctx->parts_noted = true;
					return;
				}
				part_add_child(part, part_parse(ctx, part_start, (size_t)(pe - part_start),
								part->depth + 1, digest, false));
			}
			found = true;
			if (close) {
				closed = true;
				break;
			}
			part_start = next;
		}
		p = next;
	}
	if (!closed && part_start != NULL) {
		if (ctx->nparts >= MIME_MAX_PARTS) {
			if (!ctx->parts_noted)
				part_note(part, _("more than %d MIME parts; the rest is not shown"), MIME_MAX_PARTS);
			ctx->parts_noted = true;
		} else {
			part_add_child(part, part_parse(ctx, part_start, (size_t)(end - part_start),
							part->depth + 1, digest, false));
		}
	}
	if (!found) {
		part_note(part, _("multipart boundary not found; shown as text"));
		free(part->type);
		free(part->subtype);
		part->type = xstrdup("text");
		part->subtype = xstrdup("plain");
	} else if (!closed) {
		part_note(part, _("multipart has no closing boundary"));
	}
}

void mime_part_decode(const struct mime_part *part, struct buf *out, unsigned *flags_r)
{
	if (strcmp(part->cte, "base64") == 0) {
		struct mime_b64 st = { 0 };
		mime_b64_decode(&st, part->body, part->body_len, out);
		mime_b64_finish(&st, out);
		if (st.garbage)
			*flags_r |= MIME_DEC_B64_GARBAGE;
		if (st.truncated)
			*flags_r |= MIME_DEC_B64_TRUNCATED;
	} else if (strcmp(part->cte, "quoted-printable") == 0) {
		struct mime_qp st = { 0 };
		mime_qp_decode(&st, part->body, part->body_len, out);
		mime_qp_finish(&st, out);
		if (st.invalid)
			*flags_r |= MIME_DEC_QP_INVALID;
	} else {
		if (part->cte[0] != '\0' && strcmp(part->cte, "7bit") != 0 &&
		    strcmp(part->cte, "8bit") != 0 && strcmp(part->cte, "binary") != 0)
			*flags_r |= MIME_DEC_UNKNOWN_CTE;
		buf_append(out, part->body, part->body_len);
	}
	if (out->data == NULL)
		buf_append(out, "", 0);
}

/* A container that claims a transfer encoding. A multipart is not decoded (RFC 2045 allows it none,
 * and nested ones each keeping a decoded copy of all below would multiply the memory a message
 * takes): its parts are looked for in the body as it is. A message/rfc822 part is decoded, so its
 * parts can point into the decoded copy, while the message's decoding budget lasts. */
static void decode_container(struct parse_ctx *ctx, struct mime_part *part)
{
	if (strcmp(part->cte, "base64") != 0 && strcmp(part->cte, "quoted-printable") != 0)
		return;
	if (strcmp(part->type, "multipart") == 0) {
		part_note(part, _("multipart part with %s encoding read as it is (a multipart is never encoded)"),
			  part->cte);
		return;
	}
	/* decoding never makes a body longer */
	if (part->body_len > ctx->budget - ctx->decoded) {
		part_note(part, _("%s/%s part with %s encoding not decoded: the message has decoded %zu KiB "
				  "of containers, its limit"), part->type, part->subtype, part->cte, ctx->decoded / 1024);
		return;
	}
	struct buf b = BUF_INIT;
	unsigned flags = 0;
	mime_part_decode(part, &b, &flags);
	ctx->decoded += b.len;
	part->body_len = b.len;
	part->owned = xrealloc(buf_steal(&b), part->body_len + 1); /* no spare capacity kept */
	part->body = part->owned;
	part_note(part, _("%s/%s part with %s encoding decoded"), part->type, part->subtype, part->cte);
	part->cte[0] = '\0'; /* the body is plain now */
}

static struct mime_part *part_parse(struct parse_ctx *ctx, const char *data, size_t len,
				    unsigned depth, bool digest_child, bool top)
{
	struct mime_part *part = xcalloc(1, sizeof(*part));
	char *v;

	ctx->nparts++;
	part->depth = depth;
	part->hdr = data;
	switch (split_header(data, len, top, &part->body, &part->hdr_len)) {
	case SPLIT_OK:
		break;
	case SPLIT_TOO_MANY_LINES:
		part_note(part, _("more than %d header lines; the rest is shown as body"),
			  MIME_MAX_HEADER_FIELDS);
		break;
	case SPLIT_TOO_BIG:
		part_note(part, _("a header of more than %d KiB; the rest is shown as body"),
			  MIME_MAX_HEADER_SIZE / 1024);
		break;
	}
	part->body_len = len - (size_t)(part->body - data);

	v = mime_header_get(part->hdr, part->hdr_len, "Content-Type");
	if (v != NULL && !mime_content_type_parse(v, strlen(v), &part->type, &part->subtype))
		part_note(part, _("invalid Content-Type; shown as text/plain"));
	if (part->type == NULL) {
		part->type = xstrdup(digest_child && v == NULL ? "message" : "text");
		part->subtype = xstrdup(digest_child && v == NULL ? "rfc822" : "plain");
	}
	if (v != NULL) {
		part->charset = mime_param_get(v, strlen(v), "charset", false);
		part->filename = mime_param_get(v, strlen(v), "name", true);
	}
	char *boundary = NULL;
	if (v != NULL && strcmp(part->type, "multipart") == 0)
		boundary = mime_param_get(v, strlen(v), "boundary", false);
	free(v);

	v = mime_header_get(part->hdr, part->hdr_len, "Content-Transfer-Encoding");
	if (v != NULL) {
		mime_first_token(v, strlen(v), part->cte, sizeof(part->cte));
		free(v);
	}
	v = mime_header_get(part->hdr, part->hdr_len, "Content-Disposition");
	if (v != NULL) {
		char disp[16];
		mime_first_token(v, strlen(v), disp, sizeof(disp));
		part->attachment = strcmp(disp, "attachment") == 0;
		char *fn = mime_param_get(v, strlen(v), "filename", true);
		if (fn != NULL && fn[0] != '\0') {
			free(part->filename);
			part->filename = fn;
		} else {
			free(fn);
		}
		free(v);
	}

	bool multipart = strcmp(part->type, "multipart") == 0;
	bool message = strcmp(part->type, "message") == 0 &&
		       (strcmp(part->subtype, "rfc822") == 0 || strcmp(part->subtype, "global") == 0);
	if ((multipart || message) && depth + 1 >= MIME_MAX_DEPTH) {
		part_note(part, _("MIME parts nested deeper than %d levels are not shown"), MIME_MAX_DEPTH);
	} else if (multipart) {
		if (boundary == NULL || boundary[0] == '\0') {
			part_note(part, _("multipart without a boundary; shown as text"));
			free(part->type);
			free(part->subtype);
			part->type = xstrdup("text");
			part->subtype = xstrdup("plain");
		} else {
			decode_container(ctx, part);
			parse_multipart(ctx, part, boundary);
		}
	} else if (message) {
		if (ctx->nparts >= MIME_MAX_PARTS) {
			if (!ctx->parts_noted)
				part_note(part, _("more than %d MIME parts; the rest is not shown"), MIME_MAX_PARTS);
			ctx->parts_noted = true;
		} else {
			decode_container(ctx, part);
			part->is_message = true;
			part_add_child(part, part_parse(ctx, part->body, part->body_len, depth + 1, false,
							false));
		}
	}
	free(boundary);
	return part;
}

struct mime_message *mime_message_parse(const char *data, size_t len)
{
	struct mime_message *msg = xcalloc(1, sizeof(*msg));
	struct parse_ctx ctx = { 0, false, 0, 0 };

	msg->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(msg->data, data, len);
	msg->data[len] = '\0';
	msg->len = len;
	ctx.budget = len < MIME_MAX_DECODED_BYTES / MIME_MAX_DECODED_RATIO ? len * MIME_MAX_DECODED_RATIO :
									      MIME_MAX_DECODED_BYTES;
	msg->root = part_parse(&ctx, msg->data, len, 0, false, true);
	msg->nparts = ctx.nparts;
	return msg;
}

void mime_message_free(struct mime_message **msg)
{
	if (*msg == NULL)
		return;
	part_free((*msg)->root);
	free((*msg)->data);
	free(*msg);
	*msg = NULL;
}
