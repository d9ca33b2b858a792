/* fuzz-pattern.c: libFuzzer target for mutt's patterns: any input parses to a pattern or a one-line
 * error naming a position inside it, and a pattern that parses matches a small index without fault. */
#include "skua.h"
#include "model/pattern.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mindex *idx;

static void add(uint32_t uid, const char *from, const char *subject, const char *id, const char *refs,
		uint32_t flags)
{
	struct hcache_msg m;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.date = 1700000000 + (int64_t)uid * 86400;
	m.internaldate = m.date + 60;
	m.size = 1000 * (int64_t)uid;
	m.flags = flags;
	m.field[HCACHE_FROM] = from;
	m.field_len[HCACHE_FROM] = strlen(from);
	m.field[HCACHE_SUBJECT] = subject;
	m.field_len[HCACHE_SUBJECT] = strlen(subject);
	m.field[HCACHE_MESSAGE_ID] = id;
	m.field_len[HCACHE_MESSAGE_ID] = strlen(id);
	if (refs != NULL) {
		m.field[HCACHE_REFERENCES] = refs;
		m.field_len[HCACHE_REFERENCES] = strlen(refs);
	}
	mindex_add(idx, &m);
}

static bool tagged(uint32_t uid, void *ctx)
{
	(void)ctx;
	return uid % 2 == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pattern_env env = { tagged, NULL, NULL };
	const char *error = NULL;
	struct pattern *p;
	char *text;
	bool match[4];

	if (idx == NULL) {
		idx = mindex_new();
		add(1, "Alice <alice@example.org>", "hello", "<a@x>", NULL, IMAP_FLAG_SEEN);
		add(2, "=?UTF-8?Q?J=C3=BCrgen?= <j@example.de>", "=?UTF-8?B?R3LDvMOfZQ==?=", "<b@x>", "<a@x>", 0);
		add(3, "bob@example.org", "Re: hello", "<c@x>", "<a@x> <b@x>", IMAP_FLAG_FLAGGED);
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	p = pattern_parse(text, &error);
	if (p == NULL) {
		if (error == NULL || strchr(error, '\n') != NULL)
			abort(); /* a refusal always says why, on one line */
	} else {
		pattern_match_index(p, idx, &env, match);
		pattern_free(&p);
	}
	free(text);
	return 0;
}
