/* attach.c: listing a message's leaf parts for saving, with file names made safe. */
#include "skua.h"
#include "mime-int.h"
#include "lib/errstr.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILENAME_MAX_BYTES 200

char *mime_filename_safe(const char *name, size_t len, const char *fallback)
{
	char *clean = sanitize_line(name, len);
	const char *base = clean;
	struct buf b = BUF_INIT;

	/* only the last path component, Unix or Windows style */
	for (const char *p = clean; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	while (*base == '.' || *base == ' ' || *base == '-')
		base++;
	for (const char *p = base; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		/* characters that shells, Windows shares or our own prompts trip over */
		if (c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|' ||
		    c == '$' || c == '`')
			buf_append_c(&b, '_');
		else
			buf_append_c(&b, (char)c);
	}
	/* trailing blanks and dots, then the length limit on a character boundary */
	while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
		b.len--;
	if (b.len > FILENAME_MAX_BYTES) {
		size_t cut = FILENAME_MAX_BYTES;
		while (cut > 0 && ((unsigned char)b.data[cut] & 0xC0) == 0x80)
			cut--;
		b.len = cut;
	}
	if (b.data != NULL)
		b.data[b.len] = '\0';
	free(clean);
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup(fallback);
	}
	return buf_steal(&b);
}

struct walk {
	const struct mime_part *want_part;
	unsigned want;
	unsigned next;
	struct mime_attachment *list;
	size_t n, cap;
};

static bool is_leaf(const struct mime_part *p)
{
	return !p->is_message && p->nchildren == 0 && strcmp(p->type, "multipart") != 0;
}

static void walk(struct walk *w, const struct mime_part *p, bool listing)
{
	if (!is_leaf(p)) {
		for (size_t i = 0; i < p->nchildren && (listing || w->want_part == NULL); i++)
			walk(w, p->children[i], listing);
		return;
	}
	unsigned index = w->next++;
	if (!listing) {
		if (index == w->want)
			w->want_part = p;
		return;
	}
	struct mime_attachment *a;
	struct buf dec = BUF_INIT;
	unsigned flags = 0;
	char fallback[32];

	w->list = xgrow(w->list, &w->cap, w->n + 1, sizeof(*w->list));
	a = &w->list[w->n++];
	memset(a, 0, sizeof(*a));
	a->index = index;
	snprintf(fallback, sizeof(fallback), "attachment-%u", index + 1);
	if (p->filename != NULL) {
		a->display_name = sanitize_line(p->filename, strlen(p->filename));
		a->file_name = mime_filename_safe(p->filename, strlen(p->filename), fallback);
	} else {
		a->display_name = xstrdup("");
		a->file_name = xstrdup(fallback);
	}
	a->content_type = xasprintf("%s/%s", p->type, p->subtype);
	mime_part_decode(p, &dec, &flags);
	a->size = dec.len;
	buf_free(&dec);
	a->inline_text = strcmp(p->type, "text") == 0 && !p->attachment;
}

size_t mime_message_attachments(const struct mime_message *msg, struct mime_attachment **list_r)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	walk(&w, msg->root, true);
	*list_r = w.list;
	return w.n;
}

void mime_attachments_free(struct mime_attachment **list, size_t n)
{
	if (*list == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*list)[i].display_name);
		free((*list)[i].file_name);
		free((*list)[i].content_type);
	}
	free(*list);
	*list = NULL;
}

int mime_message_attachment_data(const struct mime_message *msg, unsigned index, struct buf *out,
				 const char **error_r)
{
	struct walk w;
	unsigned flags = 0;

	memset(&w, 0, sizeof(w));
	w.want = index;
	walk(&w, msg->root, false);
	if (w.want_part == NULL) {
		*error_r = errstr(_("no MIME part %u in this message"), index);
		return -1;
	}
	mime_part_decode(w.want_part, out, &flags);
	return 0;
}
