/* hostile.c: hostile mail made to order and the cost measurements of the tests that feed it to skua. */
#include "skua.h"
#include "hostile.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_ASAN 1
#endif
#endif

#ifdef HOSTILE_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

double hostile_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t hostile_heap(void)
{
#ifdef HOSTILE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks + mallinfo2().hblkhd;
#endif
}

double hostile_cost(hostile_work_fn *fn, void *arg, size_t n, int runs)
{
	static bool tuned;
	double best = 1e30;

	if (!tuned) {
#ifndef HOSTILE_ASAN
		/* keep freed memory for the next run (no mmap for big blocks, no trimming): a run then
		 * reuses the pages of the one before instead of faulting in fresh ones, which costs the
		 * kernel more the more there are (a virtual machine's page faults are dear) and would make
		 * linear work on big inputs look worse than it is; the least of the runs is a warm one */
		mallopt(M_MMAP_THRESHOLD, 512 * 1024 * 1024);
		mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
		tuned = true;
	}

	for (int r = 0; r < runs; r++) {
		double t0 = hostile_cpu();
		fn(arg, n);
		double t = hostile_cpu() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

double hostile_ratio(const char *what, hostile_work_fn *fn, void *arg, size_t n0, size_t n_max,
		     double min_seconds, size_t *n_r)
{
	size_t n = n0;
	double small, big, ratio;

	if (n_max == 0 || n_max > n0 << 12)
		n_max = n0 << 12;
	/* grow n until one run is long enough to measure (a slower machine settles on a smaller n) */
	while ((small = hostile_cost(fn, arg, n, 1)) < min_seconds && n * 2 <= n_max)
		n *= 2;
	small = hostile_cost(fn, arg, n, 3);
	big = hostile_cost(fn, arg, 4 * n, 3);
	ratio = big / (small > 1e-9 ? small : 1e-9);
	if (ratio > HOSTILE_MAX_RATIO) {
		/* one more look before calling it quadratic: a busy machine can spoil a few runs */
		small = hostile_cost(fn, arg, n, 5);
		big = hostile_cost(fn, arg, 4 * n, 5);
		double again = big / (small > 1e-9 ? small : 1e-9);
		ratio = again < ratio ? again : ratio;
	}
	printf("# %s: n=%zu %.1f ms, 4n %.1f ms, ratio %.2f\n", what, n, small * 1e3, big * 1e3, ratio);
	if (n_r != NULL)
		*n_r = n;
	return ratio;
}

void hostile_html_lt(struct buf *out, size_t n)
{
	buf_append_str(out, "From: a@example.org\r\nSubject: stray\r\nMIME-Version: 1.0\r\n"
			    "Content-Type: text/html; charset=utf-8\r\n\r\n");
	buf_reserve(out, n + 2);
	memset(out->data + out->len, '<', n);
	out->len += n;
	out->data[out->len] = '\0';
	buf_append_str(out, "\r\n");
}

static const char *const hostile_charsets[] = {
	"iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-7", "iso-8859-9",
	"iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "koi8-r",
	"koi8-u", "windows-1250", "windows-1251", "windows-1253",
};

void hostile_ew_charsets(struct buf *out, size_t n, size_t ncharsets)
{
	if (ncharsets == 0 || ncharsets > N_ELEMENTS(hostile_charsets))
		ncharsets = N_ELEMENTS(hostile_charsets);
	for (size_t i = 0; i < n; i++)
		buf_appendf(out, "%s=?%s?Q?=E9?=", i > 0 ? " " : "", hostile_charsets[i % ncharsets]);
}

void hostile_p1_id(struct buf *out, size_t i)
{
	buf_append(out, "\xdb\x28\xb4\xa0\xd1\x7e\x03\xe7", 8);
	buf_appendf(out, "%08zx@hostile.example", i & 0xffffffffu);
}

void hostile_url_run(struct buf *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_append(out, "http://-", 8);
	buf_append_c(out, '\n');
}

#define FNV_PRIME 1099511628211ull
#define FNV_BASIS 1469598103934665603ull
#define FNV_BLOCK 3 /* characters a block */

static const char hostile_alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static void block_chars(unsigned k, char *dst)
{
	for (int j = 0; j < FNV_BLOCK; j++) {
		dst[j] = hostile_alnum[k % 36];
		k /= 36;
	}
}

void hostile_fnv_urls(struct buf *out, size_t n)
{
	/* FNV-1a's low 16 bits depend only on the low 16 bits before: find, for each of 16 blocks in turn,
	 * two 3-character blocks taking the state to the same value; the 2^16 ways of choosing one of each
	 * pair all end in the same state. */
	static const char prefix[] = "http://x.example/";
	enum { BLOCKS = 16 };
	char pair[BLOCKS][2][FNV_BLOCK];
	int *seen = malloc(65536 * sizeof(*seen));
	uint64_t h = FNV_BASIS;
	unsigned state;

	for (const char *p = prefix; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * FNV_PRIME;
	state = (unsigned)(h & 0xffff);
	for (int b = 0; b < BLOCKS; b++) {
		memset(seen, -1, 65536 * sizeof(*seen));
		for (unsigned k = 0;; k++) {
			char c[FNV_BLOCK];
			unsigned s = state;
			block_chars(k, c);
			for (int j = 0; j < FNV_BLOCK; j++)
				s = (unsigned)(((s ^ (unsigned char)c[j]) * FNV_PRIME) & 0xffff);
			if (seen[s] < 0) {
				seen[s] = (int)k;
				continue;
			}
			block_chars((unsigned)seen[s], pair[b][0]);
			memcpy(pair[b][1], c, FNV_BLOCK);
			state = s;
			break;
		}
	}
	free(seen);
	for (size_t i = 0; i < n && i < 65536; i++) {
		buf_append_str(out, prefix);
		for (int b = 0; b < BLOCKS; b++)
			buf_append(out, pair[b][(i >> b) & 1], FNV_BLOCK);
		buf_append_c(out, '\n');
	}
}

void hostile_nested(struct buf *out, size_t levels, size_t text_bytes, bool message_rfc822)
{
	buf_append_str(out, "From: a@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n");
	for (size_t l = 0; l < levels; l++) {
		if (message_rfc822)
			buf_appendf(out, "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: "
					 "quoted-printable\r\n\r\nSubject: level %zu\r\n", l + 1);
		else
			buf_appendf(out, "Content-Type: multipart/mixed; boundary=\"b%zu\"\r\n"
					 "Content-Transfer-Encoding: quoted-printable\r\n\r\n--b%zu\r\n", l, l);
	}
	static const char line[] = "the quick brown fox jumps over the lazy dog, again and again and again\r\n";

	buf_append_str(out, "Content-Type: text/plain\r\n\r\n");
	for (size_t done = 0; done < text_bytes; done += sizeof(line) - 1)
		buf_append(out, line, sizeof(line) - 1);
	for (size_t l = levels; l-- > 0;) {
		if (!message_rfc822)
			buf_appendf(out, "--b%zu--\r\n", l);
	}
}
