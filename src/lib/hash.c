/* hash.c: keyed hashing (SipHash-1-3) with a random per-process key, for tables fed by the network. */
#include "skua.h"
#include "hash.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

static struct hash_key hash_process_key;
static pthread_once_t hash_process_once = PTHREAD_ONCE_INIT;

/* Fills buf with n random bytes: getrandom(), or (no entropy source at all) a mix of clocks, the pid
 * and addresses that ASLR moves: weak, but still not something a sender of mail can predict. */
static void hash_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t r = getrandom(p + done, n - done, 0);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	if (done == n)
		return;
	struct timespec ts[2];
	uint64_t v[4];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	clock_gettime(CLOCK_MONOTONIC, &ts[1]);
	v[0] = (uint64_t)ts[0].tv_sec << 30 ^ (uint64_t)ts[0].tv_nsec;
	v[1] = (uint64_t)ts[1].tv_sec << 30 ^ (uint64_t)ts[1].tv_nsec;
	v[2] = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&ts;
	v[3] = (uint64_t)(uintptr_t)buf ^ (uint64_t)(uintptr_t)&hash_random_bytes;
	struct hash_key k = { v[0] ^ v[2], v[1] ^ v[3] };
	for (size_t i = done; i < n; i += 8) {
		uint64_t x = hash_bytes(&k, v, sizeof(v));
		memcpy(p + i, &x, n - i < 8 ? n - i : 8);
		v[0]++;
	}
}

static void hash_process_init(void)
{
	hash_random_bytes(&hash_process_key, sizeof(hash_process_key));
}

const struct hash_key *hash_key_process(void)
{
	pthread_once(&hash_process_once, hash_process_init);
	return &hash_process_key;
}

void hash_key_random(struct hash_key *key_r)
{
	hash_random_bytes(key_r, sizeof(*key_r));
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND \
	do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static inline uint64_t hash_rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

uint64_t hash_bytes(const struct hash_key *key, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t v0 = 0x736f6d6570736575ull ^ key->k0, v1 = 0x646f72616e646f6dull ^ key->k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ key->k0, v3 = 0x7465646279746573ull ^ key->k1;
	uint64_t m, b = (uint64_t)len << 56;

	for (size_t i = len / 8; i > 0; i--, p += 8) {
		m = hash_rd64(p);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	switch (len & 7) {
	case 7: b |= (uint64_t)p[6] << 48; /* fall through */
	case 6: b |= (uint64_t)p[5] << 40; /* fall through */
	case 5: b |= (uint64_t)p[4] << 32; /* fall through */
	case 4: b |= (uint64_t)p[3] << 24; /* fall through */
	case 3: b |= (uint64_t)p[2] << 16; /* fall through */
	case 2: b |= (uint64_t)p[1] << 8; /* fall through */
	case 1: b |= (uint64_t)p[0]; break;
	case 0: break;
	}
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_str(const char *s)
{
	return hash_bytes(hash_key_process(), s, strlen(s));
}
