/* test-imap-uidset.c: UID sets against a bitmap model, their text form, chunking and strict parsing. */
#include "skua.h"
#include "imap-uidset.h"
#include "lib/buf.h"
#include "test.h"

#include <stdlib.h>

static char *format(const struct imap_uidset *set)
{
	struct buf b = BUF_INIT;

	imap_uidset_format(set, &b);
	buf_append_str(&b, "");
	return buf_steal(&b);
}

#define EXPECT_SET(set, str) do { char *f_ = format(set); TEST_STREQ(f_, str); free(f_); } while (0)

/* Checks the invariants: sorted, disjoint, not adjacent, no 0. */
static bool well_formed(const struct imap_uidset *set)
{
	for (size_t i = 0; i < set->count; i++) {
		if (set->ranges[i].lo == 0 || set->ranges[i].lo > set->ranges[i].hi)
			return false;
		if (i > 0 && (uint64_t)set->ranges[i - 1].hi + 1 >= set->ranges[i].lo)
			return false;
	}
	return true;
}

static void test_add_merge(void)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;

	TEST_ASSERT(imap_uidset_is_empty(&set));
	TEST_INTEQ(imap_uidset_min(&set), 0);
	TEST_INTEQ(imap_uidset_max(&set), 0);
	EXPECT_SET(&set, "");
	TEST_ASSERT(!imap_uidset_add(&set, 0));
	TEST_ASSERT(!imap_uidset_add_range(&set, 0, 5));
	TEST_ASSERT(imap_uidset_is_empty(&set));
	/* any order, merging and touching */
	imap_uidset_add_range(&set, 510, 900);
	imap_uidset_add(&set, 502);
	imap_uidset_add_range(&set, 300, 1);
	imap_uidset_add_range(&set, 301, 500);
	EXPECT_SET(&set, "1:500,502,510:900");
	imap_uidset_add(&set, 501);
	EXPECT_SET(&set, "1:502,510:900");
	imap_uidset_add_range(&set, 505, 509);
	EXPECT_SET(&set, "1:502,505:900");
	imap_uidset_add_range(&set, 400, 1000);
	EXPECT_SET(&set, "1:1000");
	imap_uidset_add(&set, UINT32_MAX);
	imap_uidset_add(&set, UINT32_MAX - 1);
	EXPECT_SET(&set, "1:1000,4294967294:4294967295");
	TEST_INTEQ(imap_uidset_count(&set), 1002);
	TEST_INTEQ(imap_uidset_min(&set), 1);
	TEST_INTEQ(imap_uidset_max(&set), UINT32_MAX);
	imap_uidset_add_range(&set, 1, UINT32_MAX);
	EXPECT_SET(&set, "1:4294967295");
	TEST_INTEQ(imap_uidset_count(&set), UINT32_MAX);
	TEST_ASSERT(imap_uidset_contains(&set, UINT32_MAX));
	TEST_ASSERT(!imap_uidset_contains(&set, 0));
	imap_uidset_clear(&set);
	TEST_ASSERT(set.ranges == NULL && set.count == 0);
	imap_uidset_clear(&set); /* twice is fine */
}

static void test_remove(void)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;

	imap_uidset_add_range(&set, 1, 100);
	imap_uidset_remove(&set, 50);
	EXPECT_SET(&set, "1:49,51:100");
	imap_uidset_remove_range(&set, 10, 1);
	EXPECT_SET(&set, "11:49,51:100");
	imap_uidset_remove_range(&set, 40, 60);
	EXPECT_SET(&set, "11:39,61:100");
	imap_uidset_remove(&set, 100);
	imap_uidset_remove(&set, 5000);
	imap_uidset_remove_range(&set, 0, 0);
	EXPECT_SET(&set, "11:39,61:99");
	imap_uidset_remove_range(&set, 0, UINT32_MAX);
	EXPECT_SET(&set, "");
	imap_uidset_remove(&set, 1);
	imap_uidset_clear(&set);
}

/* Random adds and removes over 1..300, checked against a bitmap after every step. */
static void test_model(void)
{
	struct imap_uidset set = IMAP_UIDSET_INIT, copy = IMAP_UIDSET_INIT, other = IMAP_UIDSET_INIT;
	bool model[302] = { false };
	unsigned int seed = 12345;
	int bad = 0;

	for (int step = 0; step < 20000 && bad == 0; step++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t lo = (seed >> 8) % 300 + 1;
		seed = seed * 1103515245u + 12345u;
		uint32_t hi = (seed >> 8) % 12 == 0 ? (seed >> 4) % 300 + 1 : lo + (seed >> 12) % 4;
		bool add = (seed >> 20) % 3 != 0;
		if (hi > 300)
			hi = 300;
		if (add)
			imap_uidset_add_range(&set, lo, hi);
		else
			imap_uidset_remove_range(&set, lo, hi);
		for (uint32_t u = lo < hi ? lo : hi; u <= (lo < hi ? hi : lo); u++)
			model[u] = add;
		uint64_t n = 0;
		for (uint32_t u = 0; u <= 301; u++) {
			if (imap_uidset_contains(&set, u) != model[u])
				bad++;
			n += model[u];
		}
		if (!well_formed(&set) || imap_uidset_count(&set) != n)
			bad++;
		if (step % 97 == 0) {
			/* the iterator, the text and a parse agree with the set */
			struct imap_uidset_iter it;
			uint32_t uid, prev = 0;
			uint64_t seen = 0;
			const char *error;

			imap_uidset_iter_init(&it, &set);
			while (imap_uidset_iter_next(&it, &uid)) {
				if (uid <= prev || !model[uid])
					bad++;
				prev = uid;
				seen++;
			}
			if (seen != n)
				bad++;
			char *text = format(&set);
			if (n > 0 && (imap_uidset_parse(&copy, text, strlen(text), 0, 0, &error) < 0 ||
				      !imap_uidset_equal(&copy, &set)))
				bad++;
			free(text);
			/* union: the other half of the model merged back */
			imap_uidset_clear(&other);
			for (uint32_t u = 1; u <= 300; u++) {
				if (!model[u] && u % 3 == 0)
					imap_uidset_add(&other, u);
			}
			imap_uidset_copy(&copy, &set);
			imap_uidset_add_set(&copy, &other);
			for (uint32_t u = 1; u <= 300; u++) {
				if (imap_uidset_contains(&copy, u) != (model[u] || (u % 3 == 0)))
					bad++;
			}
			if (!well_formed(&copy))
				bad++;
		}
	}
	TEST_INTEQ(bad, 0);
	imap_uidset_clear(&set);
	imap_uidset_clear(&copy);
	imap_uidset_clear(&other);
}

static void test_copy_move_union(void)
{
	struct imap_uidset a = IMAP_UIDSET_INIT, b = IMAP_UIDSET_INIT, c;

	imap_uidset_init(&c);
	imap_uidset_add_range(&a, 1, 5);
	imap_uidset_copy(&b, &a);
	imap_uidset_add(&a, 7);
	EXPECT_SET(&b, "1:5");
	EXPECT_SET(&a, "1:5,7");
	TEST_ASSERT(!imap_uidset_equal(&a, &b));
	imap_uidset_move(&c, &a);
	TEST_ASSERT(a.ranges == NULL && a.count == 0);
	EXPECT_SET(&c, "1:5,7");
	/* union: appending above, interleaved, touching */
	imap_uidset_clear(&b);
	imap_uidset_add_range(&b, 9, 10);
	imap_uidset_add_set(&c, &b);
	EXPECT_SET(&c, "1:5,7,9:10");
	imap_uidset_clear(&b);
	imap_uidset_add(&b, 6);
	imap_uidset_add(&b, 8);
	imap_uidset_add(&b, 20);
	imap_uidset_add_set(&c, &b);
	EXPECT_SET(&c, "1:10,20");
	imap_uidset_add_set(&c, &c);
	EXPECT_SET(&c, "1:10,20");
	imap_uidset_add_set(&a, &c);
	TEST_ASSERT(imap_uidset_equal(&a, &c));
	imap_uidset_clear(&a);
	imap_uidset_clear(&b);
	imap_uidset_clear(&c);
}

static void test_chunks(void)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct buf b = BUF_INIT, all = BUF_INIT;
	size_t pos = 0, chunks = 0;

	for (uint32_t u = 1; u <= 4001; u += 2)
		imap_uidset_add(&set, u);
	imap_uidset_add_range(&set, 4294967290u, 4294967295u);
	while (imap_uidset_format_chunk(&set, &pos, 100, &b)) {
		struct imap_uidset part = IMAP_UIDSET_INIT;
		const char *error;

		TEST_ASSERT(b.len <= 100);
		TEST_ASSERT(b.len > 100 - IMAP_UIDSET_RANGE_TEXT_MAX - 1 || pos == set.count);
		TEST_INTEQ(imap_uidset_parse(&part, b.data, b.len, 0, 0, &error), 0);
		if (all.len > 0)
			buf_append_c(&all, ',');
		buf_append(&all, b.data, b.len);
		buf_reset(&b);
		imap_uidset_clear(&part);
		chunks++;
	}
	TEST_ASSERT(chunks > 80);
	{
		char *whole = format(&set);
		TEST_STREQ(all.data, whole);
		free(whole);
	}
	TEST_ASSERT(!imap_uidset_format_chunk(&set, &pos, 100, &b));
	/* a limit below one range's text still makes progress, one range a chunk */
	pos = set.count - 1;
	TEST_ASSERT(imap_uidset_format_chunk(&set, &pos, 3, &b));
	TEST_STREQ(b.data, "4294967290:4294967295");
	TEST_INTEQ(pos, set.count);
	buf_free(&b);
	buf_free(&all);
	imap_uidset_clear(&set);
}

static void test_parse(void)
{
	static const struct {
		const char *text;
		uint32_t star;
		const char *want;   /* NULL: rejected */
	} cases[] = {
		{ "1", 0, "1" },
		{ "1:500,502,510:900", 0, "1:500,502,510:900" },
		{ "9:8,1:4,7", 0, "1:4,7:9" },
		{ "3,2,1", 0, "1:3" },
		{ "5,5,5:5", 0, "5" },
		{ "4294967295", 0, "4294967295" },
		{ "4294967295:1", 0, "1:4294967295" },
		{ "10:*", 20, "10:20" },
		{ "*", 7, "7" },
		{ "*:30", 20, "20:30" },
		{ "*", 0, NULL },
		{ "1:*", 0, NULL },
		{ "", 0, NULL },
		{ "0", 0, NULL },
		{ "0:5", 0, NULL },
		{ "01", 0, NULL },
		{ "4294967296", 0, NULL },
		{ "99999999999", 0, NULL },
		{ "1,", 0, NULL },
		{ ",1", 0, NULL },
		{ "1,,2", 0, NULL },
		{ "1:", 0, NULL },
		{ ":1", 0, NULL },
		{ "1::2", 0, NULL },
		{ "1:2:3", 0, NULL },
		{ " 1", 0, NULL },
		{ "1 ", 0, NULL },
		{ "-1", 0, NULL },
		{ "+1", 0, NULL },
		{ "1;2", 0, NULL },
		{ "1x", 0, NULL },
		{ "$", 0, NULL },
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct imap_uidset set = IMAP_UIDSET_INIT;
		const char *error = NULL;
		int ret = imap_uidset_parse(&set, cases[i].text, strlen(cases[i].text), cases[i].star, 0, &error);

		if (cases[i].want == NULL) {
			TEST_INTEQ(ret, -1);
			TEST_ASSERT(error != NULL);
			TEST_ASSERT(set.count == 0 && set.ranges == NULL);
		} else {
			TEST_INTEQ(ret, 0);
			EXPECT_SET(&set, cases[i].want);
		}
		imap_uidset_clear(&set);
	}
	/* the length bounds the text: no NUL needed, bytes after it ignored */
	{
		struct imap_uidset set = IMAP_UIDSET_INIT;
		const char *error;
		TEST_INTEQ(imap_uidset_parse(&set, "12,13junk", 5, 0, 0, &error), 0);
		EXPECT_SET(&set, "12:13");
		imap_uidset_clear(&set);
	}
}

/* Hostile input: a long descending list is sorted in O(n log n), and the range bound stops it early. */
static void test_parse_hostile(void)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct buf b = BUF_INIT;
	const char *error;

	for (uint32_t u = 200000; u >= 2; u -= 2)
		buf_appendf(&b, "%s%u", b.len > 0 ? "," : "", u);
	TEST_INTEQ(imap_uidset_parse(&set, b.data, b.len, 0, 0, &error), 0);
	TEST_INTEQ(set.count, 100000);
	TEST_INTEQ(imap_uidset_min(&set), 2);
	TEST_INTEQ(imap_uidset_max(&set), 200000);
	TEST_INTEQ(imap_uidset_parse(&set, b.data, b.len, 0, 1000, &error), -1);
	TEST_STREQ(error, "UID set too long");
	TEST_ASSERT(set.count == 0 && set.ranges == NULL);
	/* junk at the very end rejects the whole set */
	buf_append_c(&b, ',');
	TEST_INTEQ(imap_uidset_parse(&set, b.data, b.len, 0, 0, &error), -1);
	TEST_STREQ(error, "malformed UID set");
	buf_free(&b);
	imap_uidset_clear(&set);
}

/* Many ascending adds are amortised O(1) each; descending ones move the ranges above them. */
static void test_bulk(void)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;

	for (uint32_t u = 1; u <= 2000000; u += 2)
		imap_uidset_add(&set, u);
	TEST_INTEQ(set.count, 1000000);
	/* filling the gaps from the top moves little */
	for (uint32_t u = 2000000; u >= 2; u -= 2)
		imap_uidset_add(&set, u);
	TEST_INTEQ(set.count, 1);
	EXPECT_SET(&set, "1:2000000");
	imap_uidset_clear(&set);
	for (uint32_t u = 20000; u >= 1; u -= 2)
		imap_uidset_add(&set, u);
	TEST_INTEQ(set.count, 10000);
	TEST_ASSERT(well_formed(&set));
	imap_uidset_clear(&set);
}

static const struct test_case tests[] = {
	{ "add and merge", test_add_merge },
	{ "remove", test_remove },
	{ "random operations against a bitmap", test_model },
	{ "copy, move and union", test_copy_move_union },
	{ "format in chunks", test_chunks },
	{ "strict parsing", test_parse },
	{ "hostile parsing is bounded", test_parse_hostile },
	{ "bulk adds", test_bulk },
};

TEST_MAIN(tests)
