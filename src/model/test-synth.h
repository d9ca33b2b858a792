/* test-synth.h: a deterministic synthetic folder (threads, senders, lists) for the model's unit tests. */
#ifndef MODEL_TEST_SYNTH_H
#define MODEL_TEST_SYNTH_H

#include "skua.h"
#include "hcache/hcache.h"

/* Shape of the folder: a few thousand senders (a few of them frequent), 20 mailing lists, threads of 1
 * to 30 messages (mostly short) whose replies carry In-Reply-To and References (the whole chain), ~5%
 * of threads with their root missing, ~2% of replies with "Re:" but no References (mail clients that
 * drop them), subjects of 40-80 bytes, message ids of ~50 bytes. UIDs follow arrival. */
struct synth_folder;

/* Returns a folder of n messages made from seed (the same seed, the same folder); the caller frees it
 * with synth_free. */
struct synth_folder *synth_new(size_t n, uint32_t seed);
void synth_free(struct synth_folder **sf);
/* Fills *m_r with message i (0 <= i < n, UID i + 1); its strings stay valid until the next call. */
void synth_msg(struct synth_folder *sf, size_t i, struct hcache_msg *m_r);
/* Returns whether message i replies without References or In-Reply-To (threaded by subject only). */
bool synth_subject_only(const struct synth_folder *sf, size_t i);

/* Fills *m_r with one hand-made message (strings borrowed; NULL: the field is absent): the given date,
 * arrival 1000 s later, size 100 * uid. */
void synth_fill(struct hcache_msg *m_r, uint32_t uid, int64_t date, const char *from, const char *subject,
		const char *id, const char *irt, const char *refs);
void synth_set(struct hcache_msg *m, enum hcache_field f, const char *v);

#endif
