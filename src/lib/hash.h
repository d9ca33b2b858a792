/* hash.h: keyed hashing for tables that hold strings or numbers from mail or servers (no flooding). */
#ifndef LIB_HASH_H
#define LIB_HASH_H

#include "skua.h"

/* A 128-bit key. Whoever does not know it cannot choose inputs that collide: hash_bytes is
 * SipHash-1-3, a keyed pseudo-random function, so a table keyed with a secret key stays flat whatever
 * strings a message or a server sends. */
struct hash_key {
	uint64_t k0, k1;
};

/* Named limits. A table that hashes data from the network bounds its probe runs: an insert or lookup
 * that walks more than HASH_MAX_PROBE slots makes the table grow or draw a new key (with a secret key
 * this never happens by chance at the load factors used here: it means the key leaked, or a bug). */
#define HASH_MAX_PROBE 64

/* Returns the process's key: drawn with getrandom() on first use (falling back to time, pid and
 * addresses when the kernel has none), the same afterwards. Any thread. */
const struct hash_key *hash_key_process(void);
/* Fills *key_r with fresh random bits (for a table that rekeys). Any thread. */
void hash_key_random(struct hash_key *key_r);

/* SipHash-1-3 of data[0..len) under key. Any thread. */
uint64_t hash_bytes(const struct hash_key *key, const void *data, size_t len);
/* hash_bytes of a NUL-terminated string under the process's key. Any thread. */
uint64_t hash_str(const char *s);

/* A keyed mix of a 64-bit integer (a bijection for a given key; two multiply-xorshift rounds with the
 * key folded in before and between them). Not a pseudo-random function like hash_bytes but cheap:
 * for integer keys that the network only influences (ids a program assigns, UIDs), where it makes
 * collisions impossible to aim without the key. Any thread. */
static inline uint64_t hash_u64(const struct hash_key *key, uint64_t x)
{
	x ^= key->k0;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= key->k1;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

#endif
