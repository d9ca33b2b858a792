/* test-sort.c: index ordering and reply threading. */
#include "skua.h"
#include "sort.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdlib.h>

struct spec {
	uint32_t uid;
	int64_t date, size;
	const char *from, *subject, *id, *irt, *refs;
};

static struct sort_msg *make(const struct spec *s, size_t n)
{
	struct sort_msg *m = xcalloc(n, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		m[i].uid = s[i].uid;
		m[i].date = s[i].date;
		m[i].size = s[i].size;
		m[i].from = s[i].from ? xstrdup(s[i].from) : NULL;
		m[i].subject = s[i].subject ? xstrdup(s[i].subject) : NULL;
		m[i].message_id = s[i].id ? xstrdup(s[i].id) : NULL;
		m[i].in_reply_to = s[i].irt ? xstrdup(s[i].irt) : NULL;
		m[i].references = s[i].refs ? xstrdup(s[i].refs) : NULL;
	}
	return m;
}

static void release(struct sort_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sort_msg_clear(&m[i]);
	free(m);
}

static const struct spec msgs[] = {
	{ 1, 100, 500, "Bob <bob@x>", "Plan", "<a@x>", NULL, NULL },
	{ 2, 200, 100, "alice <alice@x>", "Re: Plan", "<b@x>", "<a@x>", "<a@x>" },
	{ 3, 300, 900, "Carol <carol@x>", "Other", "<c@x>", NULL, NULL },
	{ 4, 400, 50, "Dave <dave@x>", "Re: Re: Plan", "<d@x>", NULL, "<a@x> <b@x>" },
	{ 5, 150, 70, "Eve <eve@x>", "Fwd: Alpha", "<e@x>", "<e@x>", NULL }, /* self reply */
	{ 6, 250, 70, "Cyc <c1@x>", "cycle 1", "<y1@x>", "<y2@x>", NULL },
	{ 7, 260, 70, "Cyc <c2@x>", "cycle 2", "<y2@x>", "<y1@x>", NULL },
};

static void test_date(void)
{
	struct sort_msg *m = make(msgs, N_ELEMENTS(msgs));
	struct sort_line *lines;
	size_t n = sort_messages(m, N_ELEMENTS(msgs), SORT_DATE, 3, &lines);
	TEST_INTEQ(n, 3);
	TEST_INTEQ(m[lines[0].index].uid, 4);
	TEST_INTEQ(m[lines[1].index].uid, 3);
	TEST_INTEQ(m[lines[2].index].uid, 7);
	free(lines);
	n = sort_messages(m, N_ELEMENTS(msgs), SORT_DATE, 0, &lines);
	TEST_INTEQ(n, 0);
	free(lines);
	release(m, N_ELEMENTS(msgs));
}

static void test_keys(void)
{
	struct sort_msg *m = make(msgs, N_ELEMENTS(msgs));
	struct sort_line *lines;
	size_t n = sort_messages(m, 4, SORT_FROM, 10, &lines);
	TEST_INTEQ(n, 4);
	TEST_INTEQ(m[lines[0].index].uid, 2); /* alice@x */
	TEST_INTEQ(m[lines[1].index].uid, 1); /* bob@x */
	free(lines);
	n = sort_messages(m, 5, SORT_SUBJECT, 10, &lines);
	TEST_INTEQ(m[lines[0].index].uid, 5); /* Alpha */
	TEST_INTEQ(m[lines[1].index].uid, 3); /* Other */
	TEST_INTEQ(m[lines[2].index].uid, 4); /* Plan, newest first */
	TEST_INTEQ(m[lines[3].index].uid, 2);
	TEST_INTEQ(m[lines[4].index].uid, 1);
	free(lines);
	n = sort_messages(m, 3, SORT_SIZE, 2, &lines); /* the 2 newest of 3, by size */
	TEST_INTEQ(n, 2);
	TEST_INTEQ(m[lines[0].index].uid, 2);
	TEST_INTEQ(m[lines[1].index].uid, 3);
	free(lines);
	release(m, N_ELEMENTS(msgs));
}

static void test_threads(void)
{
	struct sort_msg *m = make(msgs, N_ELEMENTS(msgs));
	struct sort_line *lines;
	size_t n = sort_messages(m, N_ELEMENTS(msgs), SORT_THREADS, 100, &lines);
	static const uint32_t uids[] = { 1, 2, 4, 3, 7, 6, 5 };
	static const unsigned int depths[] = { 0, 1, 2, 0, 0, 1, 0 };

	TEST_INTEQ(n, N_ELEMENTS(msgs));
	for (size_t i = 0; i < n && i < N_ELEMENTS(uids); i++) {
		TEST_INTEQ(m[lines[i].index].uid, uids[i]);
		TEST_INTEQ(lines[i].depth, depths[i]);
	}
	free(lines);
	n = sort_messages(m, N_ELEMENTS(msgs), SORT_THREADS, 2, &lines);
	TEST_INTEQ(n, 2);
	free(lines);
	release(m, N_ELEMENTS(msgs));
}

static void test_parse(void)
{
	enum sort_order o;
	TEST_INTEQ(sort_order_parse("threads", &o), 0);
	TEST_INTEQ(o, SORT_THREADS);
	TEST_INTEQ(sort_order_parse("bogus", &o), -1);
}

static const struct test_case tests[] = {
	{ "date order", test_date },
	{ "from, subject, size", test_keys },
	{ "threads, self replies and cycles", test_threads },
	{ "order names", test_parse },
};

TEST_MAIN(tests)
