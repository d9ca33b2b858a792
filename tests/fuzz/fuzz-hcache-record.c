/* fuzz-hcache-record.c: libFuzzer target for header cache records read back (hcache_msg_decode). */
#include "skua.h"
#include "hcache/hcache.h"
#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_field(const struct hcache_msg *a, const struct hcache_msg *b, int i)
{
	if ((a->field[i] == NULL) != (b->field[i] == NULL))
		return false;
	return a->field[i] == NULL ||
		(a->field_len[i] == b->field_len[i] && memcmp(a->field[i], b->field[i], a->field_len[i]) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exactly-sized copy: ASan sees any read past the record */
	uint8_t *copy = malloc(size > 0 ? size : 1);
	struct hcache_msg m, again;
	struct buf out = BUF_INIT;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (hcache_msg_decode(4242, copy, size, &m)) {
		/* what decodes encodes to a record that decodes to the same message */
		if (m.uid != 4242)
			abort();
		for (int i = 0; i < HCACHE_NFIELDS; i++) {
			if (m.field[i] != NULL && (m.field[i] < (const char *)copy ||
						   m.field[i] + m.field_len[i] > (const char *)copy + size))
				abort();
		}
		hcache_msg_encode(&m, &out);
		if (!hcache_msg_decode(4242, out.data, out.len, &again))
			abort();
		if (again.flags != m.flags || again.hints != m.hints || again.modseq != m.modseq ||
		    again.date != m.date || again.internaldate != m.internaldate || again.size != m.size)
			abort();
		for (int i = 0; i < HCACHE_NFIELDS; i++) {
			if (!same_field(&m, &again, i))
				abort();
		}
	}
	buf_free(&out);
	free(copy);
	return 0;
}
