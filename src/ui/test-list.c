/* test-list.c: the generic list: movements at the edges and by pages, the window following the
 * cursor, search around the end through the match callback, select. */
#include "skua.h"
#include "ui-int.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
				     "iota", "kappa" };
static size_t selected = SIZE_MAX;
static int moved;

static bool match(struct ui_app *app, struct ui_list *l, size_t i, const char *needle)
{
	(void)app;
	(void)l;
	return strstr(names[i], needle) != NULL;
}

static void on_select(struct ui_app *app, struct ui_list *l, size_t i)
{
	(void)app;
	(void)l;
	selected = i;
}

static void on_moved(struct ui_app *app, struct ui_list *l)
{
	(void)app;
	(void)l;
	moved++;
}

static const struct ui_list_ops ops = { .match = match, .select = on_select, .moved = on_moved };

static const struct {
	enum ui_move move;
	size_t cur, top;    /* after it, from the state the previous case left (4 rows) */
} move_cases[] = {
	{ UI_MOVE_PREV, 0, 0 },       /* at the top: stays */
	{ UI_MOVE_NEXT, 1, 0 },
	{ UI_MOVE_NEXT_LINE, 2, 0 },
	{ UI_MOVE_BOTTOM_PAGE, 3, 0 },
	{ UI_MOVE_NEXT, 4, 1 },       /* the window follows */
	{ UI_MOVE_NEXT_PAGE, 8, 5 },
	{ UI_MOVE_NEXT_PAGE, 9, 6 },  /* not past the end */
	{ UI_MOVE_NEXT, 9, 6 },
	{ UI_MOVE_TOP_PAGE, 6, 6 },
	{ UI_MOVE_MIDDLE_PAGE, 8, 6 },
	{ UI_MOVE_HALF_UP, 6, 6 },
	{ UI_MOVE_PREV_PAGE, 2, 2 },
	{ UI_MOVE_LAST, 9, 6 },
	{ UI_MOVE_FIRST, 0, 0 },
	{ UI_MOVE_HALF_DOWN, 2, 0 },
	{ UI_MOVE_BOTTOM, 9, 6 },
	{ UI_MOVE_TOP, 0, 0 },
};

static void test_moves(void)
{
	struct ui_list l;

	ui_list_init(&l, &ops, NULL);
	l.count = N_ELEMENTS(names);
	for (size_t i = 0; i < N_ELEMENTS(move_cases); i++) {
		ui_list_move(&l, move_cases[i].move, 4);
		if (l.cur != move_cases[i].cur || l.top != move_cases[i].top)
			fprintf(stderr, "case %zu\n", i);
		TEST_INTEQ(l.cur, move_cases[i].cur);
		TEST_INTEQ(l.top, move_cases[i].top);
	}
	/* an empty list */
	l.count = 0;
	ui_list_move(&l, UI_MOVE_NEXT, 4);
	TEST_INTEQ(l.cur, 0);
	/* rows that went away */
	l.count = 3;
	l.cur = l.top = 7;
	ui_list_clamp(&l, 4);
	TEST_INTEQ(l.cur, 2);
	TEST_INTEQ(l.top, 0);
	ui_list_clear(&l);
}

static void test_search_select(void)
{
	struct ui_app app;
	struct ui_list l;

	memset(&app, 0, sizeof(app));
	ui_list_init(&l, &ops, NULL);
	l.count = N_ELEMENTS(names);
	ui_list_search(&app, &l, "eta", UI_SEARCH_FORWARD, 4);
	TEST_INTEQ(l.cur, 1); /* beta */
	TEST_INTEQ(moved, 1);
	ui_list_search(&app, &l, NULL, UI_SEARCH_NEXT, 4);
	TEST_INTEQ(l.cur, 5); /* zeta */
	ui_list_search(&app, &l, NULL, UI_SEARCH_NEXT, 4);
	TEST_INTEQ(l.cur, 6); /* eta */
	ui_list_search(&app, &l, NULL, UI_SEARCH_NEXT, 4);
	TEST_INTEQ(l.cur, 7); /* theta */
	ui_list_search(&app, &l, NULL, UI_SEARCH_NEXT, 4);
	TEST_INTEQ(l.cur, 1); /* around the end */
	TEST_STREQ(app.message, "Search wrapped to top.");
	ui_list_search(&app, &l, NULL, UI_SEARCH_OPPOSITE, 4);
	TEST_INTEQ(l.cur, 7);
	TEST_STREQ(app.message, "Search wrapped to bottom.");
	ui_list_search(&app, &l, "nothing", UI_SEARCH_BACKWARD, 4);
	TEST_INTEQ(l.cur, 7);
	TEST_STREQ(app.message, "Not found.");
	TEST_ASSERT(app.message_is_error);
	ui_list_search(&app, &l, "", UI_SEARCH_FORWARD, 4);
	TEST_STREQ(app.message, "No search pattern.");
	ui_list_select(&app, &l);
	TEST_INTEQ(selected, 7);
	l.count = 0;
	selected = SIZE_MAX;
	ui_list_select(&app, &l);
	TEST_INTEQ(selected, SIZE_MAX);
	ui_list_clear(&l);
	free(app.message);
}

static const struct test_case cases[] = {
	{ "moves", test_moves },
	{ "search_select", test_search_select },
};

TEST_MAIN(cases)
