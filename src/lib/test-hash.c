/* test-hash.c: unit tests for keyed hashing: SipHash-1-3 vectors, keys, the integer mix. */
#include "skua.h"
#include "hash.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* SipHash-1-3 of the bytes 0, 1, ..., len - 1 under the key 00 01 ... 0f (from a reference
 * implementation that reproduces the SipHash-2-4 vectors of the paper with c=2, d=4). */
static const struct {
	size_t len;
	uint64_t want;
} sip13_vectors[] = {
	{ 0, 0xabac0158050fc4dcull },  { 1, 0xc9f49bf37d57ca93ull },  { 7, 0xd3927d989bb11140ull },
	{ 8, 0x369095118d299a8eull },  { 9, 0x25a48eb36c063de4ull },  { 15, 0xd320d86d2a519956ull },
	{ 16, 0xcc4fdd1a7d908b66ull }, { 17, 0x9cf2689063dbd80cull }, { 63, 0x9d199062b7bbb3a8ull },
};

static void test_vectors(void)
{
	struct hash_key key = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull }, zero = { 0, 0 };
	unsigned char in[64];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	for (size_t i = 0; i < N_ELEMENTS(sip13_vectors); i++)
		TEST_ASSERT(hash_bytes(&key, in, sip13_vectors[i].len) == sip13_vectors[i].want);
	/* published SipHash-1-3 values under the all-zero key */
	TEST_ASSERT(hash_bytes(&zero, "", 0) == 0xd1fba762150c532cull);
	TEST_ASSERT(hash_bytes(&zero, "siphash", 7) == 0x8264ceeccb16bcbeull);
	TEST_ASSERT(hash_bytes(&zero, "digest-sip_hash", 15) == 0xce31007e34130c0aull);
	TEST_ASSERT(hash_bytes(&zero, NULL, 0) == 0xd1fba762150c532cull);
}

static void test_keys(void)
{
	const struct hash_key *p = hash_key_process(), *q = hash_key_process();
	struct hash_key a, b;

	TEST_ASSERT(p == q);
	TEST_ASSERT(p->k0 != 0 || p->k1 != 0);
	hash_key_random(&a);
	hash_key_random(&b);
	TEST_ASSERT(a.k0 != b.k0 || a.k1 != b.k1);
	/* the same input hashes differently under different keys, the same under one */
	TEST_ASSERT(hash_bytes(&a, "id@example.org", 14) != hash_bytes(&b, "id@example.org", 14));
	TEST_ASSERT(hash_bytes(p, "id@example.org", 14) == hash_str("id@example.org"));
	TEST_ASSERT(hash_u64(&a, 42) != hash_u64(&b, 42));
}

/* Inputs that flood unkeyed hashes spread evenly under a random key: 65,536 strings in 1,024 buckets
 * (a flat table has about 64 in each; the fullest rarely more than 100). */
static void test_spread(void)
{
	struct hash_key key;
	unsigned *bucket = calloc(1024, sizeof(*bucket)), max = 0, max_u = 0;
	unsigned *bucket_u = calloc(1024, sizeof(*bucket_u));
	char s[32];

	hash_key_random(&key);
	for (unsigned i = 0; i < 65536; i++) {
		/* wyhash's zeroing block: the 8 bytes of its constant P1, then anything */
		memcpy(s, "\xdb\x28\xb4\xa0\xd1\x7e\x03\xe7", 8);
		memcpy(s + 8, &i, sizeof(i));
		memcpy(s + 12, "@hostile.example", 16);
		bucket[hash_bytes(&key, s, 28) & 1023]++;
		bucket_u[hash_u64(&key, (uint64_t)i << 10) & 1023]++; /* a stride that shares the low bits */
	}
	for (unsigned i = 0; i < 1024; i++) {
		max = bucket[i] > max ? bucket[i] : max;
		max_u = bucket_u[i] > max_u ? bucket_u[i] : max_u;
	}
	TEST_ASSERT(max < 120);
	TEST_ASSERT(max_u < 120);
	free(bucket);
	free(bucket_u);
}

static void test_u64_bijective(void)
{
	struct hash_key key;
	enum { N = 1 << 16 };
	uint64_t *seen = malloc(N * sizeof(*seen));
	size_t dup = 0;

	hash_key_random(&key);
	for (uint64_t i = 0; i < N; i++)
		seen[i] = hash_u64(&key, i);
	/* distinct inputs, distinct outputs (sort and look for neighbours) */
	for (size_t gap = N / 2; gap > 0; gap /= 2) { /* a shell sort: no callback needed */
		for (size_t i = gap; i < N; i++) {
			uint64_t v = seen[i];
			size_t j = i;
			for (; j >= gap && seen[j - gap] > v; j -= gap)
				seen[j] = seen[j - gap];
			seen[j] = v;
		}
	}
	for (size_t i = 1; i < N; i++)
		dup += seen[i] == seen[i - 1];
	TEST_INTEQ(dup, 0);
	free(seen);
}

static const struct test_case cases[] = {
	{ "SipHash-1-3 vectors", test_vectors },
	{ "process and random keys", test_keys },
	{ "crafted inputs spread", test_spread },
	{ "hash_u64 is a bijection", test_u64_bijective },
};

TEST_MAIN(cases)
