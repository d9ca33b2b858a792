/* populate.h: the pages of fresh big tables made resident by a helper thread, off the caller's. */
#ifndef LIB_POPULATE_H
#define LIB_POPULATE_H

#include "skua.h"

/* Blocks of at least this many bytes are worth a thread (smaller ones fault in as they are used). */
#define POPULATE_MIN_BYTES (1u << 20)

struct populate;

/* Starts a thread that makes the pages of [p, p + len) resident and writable (Linux
 * MADV_POPULATE_WRITE), as the first write to each would, without reading or writing their contents:
 * the caller goes on using the block meanwhile, and its first writes stop costing a page fault each
 * (zeroing a fresh page: about 0.35 ms per MB, tens of ms in one loop turn for a table of a million
 * messages). Up to two blocks; a NULL p or a len under POPULATE_MIN_BYTES is left out. Returns the
 * running helper (end it with populate_finish before the blocks are freed), or NULL when there is
 * nothing to do or the system cannot (then the pages fault in as they are used, as before). Any thread;
 * the helper belongs to the caller. */
struct populate *populate_start(void *p1, size_t len1, void *p2, size_t len2);

/* Waits for the helper to end and frees it; sets *pp to NULL. NULL-safe. Call before freeing or
 * moving the blocks it populates. The caller's thread. */
void populate_finish(struct populate **pp);

#endif
