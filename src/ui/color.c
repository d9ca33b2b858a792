/* color.c: the colour roles, their defaults and the configuration's "color" lines. */
#include "skua.h"
#include "ui-int.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#define UI_COLOR_MAX_WORDS 8 /* words of a color line */

static const char *const ui_color_roles[UI_C_COUNT] = {
	[UI_C_NORMAL] = "normal", [UI_C_INDICATOR] = "indicator", [UI_C_STATUS] = "status",
	[UI_C_ERROR] = "error", [UI_C_MESSAGE] = "message", [UI_C_NEW] = "index-new",
	[UI_C_FLAGGED] = "index-flagged", [UI_C_DELETED] = "index-deleted", [UI_C_TREE] = "tree",
	[UI_C_HEADER] = "header", [UI_C_HEADER_NAME] = "hdrdefault", [UI_C_QUOTED1] = "quoted",
	[UI_C_QUOTED2] = "quoted1", [UI_C_QUOTED3] = "quoted2", [UI_C_SIGNATURE] = "signature",
	[UI_C_URL] = "url", [UI_C_SEARCH] = "search", [UI_C_SIDEBAR] = "sidebar",
	[UI_C_SIDEBAR_ROLE] = "sidebar-role", [UI_C_MARKER] = "markers",
};

static short ui_color_number(const char *name)
{
	static const char *const names[] = { "black", "red", "green", "yellow", "blue", "magenta", "cyan",
					     "white" };
	char *end;

	if (strcmp(name, "default") == 0)
		return -1;
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(name, names[i]) == 0)
			return (short)i;
		if (strncmp(name, "bright", 6) == 0 && strcmp(name + 6, names[i]) == 0)
			return (short)(i + 8);
	}
	if (strncmp(name, "color", 5) == 0) {
		long n = strtol(name + 5, &end, 10);
		if (*end == '\0' && end != name + 5 && n >= 0 && n < 256)
			return (short)n;
	}
	return -2;
}

static void ui_color_set(struct ui_app *app, enum ui_color role, short fg, short bg, int extra)
{
	if (app->has_colors && COLOR_PAIRS > (int)role + 1 && fg < COLORS && bg < COLORS) {
		init_pair((short)(role + 1), fg, bg);
		app->attr[role] = (int)COLOR_PAIR(role + 1) | extra;
	} else {
		app->attr[role] = extra;
	}
}

void ui_color_defaults(struct ui_app *app)
{
	for (int i = 0; i < UI_C_COUNT; i++)
		app->attr[i] = A_NORMAL;
	ui_color_set(app, UI_C_NORMAL, -1, -1, 0);
	app->attr[UI_C_INDICATOR] = A_REVERSE;
	app->attr[UI_C_STATUS] = A_REVERSE;
	ui_color_set(app, UI_C_ERROR, COLOR_RED, -1, A_BOLD);
	ui_color_set(app, UI_C_MESSAGE, -1, -1, 0);
	app->attr[UI_C_NEW] = A_BOLD;
	ui_color_set(app, UI_C_FLAGGED, COLOR_RED, -1, A_BOLD);
	ui_color_set(app, UI_C_DELETED, COLOR_YELLOW, -1, 0);
	ui_color_set(app, UI_C_TREE, COLOR_MAGENTA, -1, 0);
	ui_color_set(app, UI_C_HEADER, -1, -1, 0);
	app->attr[UI_C_HEADER_NAME] = A_BOLD;
	ui_color_set(app, UI_C_QUOTED1, COLOR_CYAN, -1, 0);
	ui_color_set(app, UI_C_QUOTED2, COLOR_YELLOW, -1, 0);
	ui_color_set(app, UI_C_QUOTED3, COLOR_GREEN, -1, 0);
	app->attr[UI_C_SIGNATURE] = A_DIM;
	ui_color_set(app, UI_C_URL, COLOR_BLUE, -1, A_UNDERLINE);
	app->attr[UI_C_SEARCH] = A_REVERSE | A_BOLD;
	ui_color_set(app, UI_C_SIDEBAR, -1, -1, 0);
	ui_color_set(app, UI_C_SIDEBAR_ROLE, COLOR_CYAN, -1, 0);
	ui_color_set(app, UI_C_MARKER, COLOR_CYAN, -1, A_BOLD);
}

int ui_color_line(struct ui_app *app, const char *line, const char **error_r)
{
	char *copy = xstrdup(line), *save = NULL, *word[UI_COLOR_MAX_WORDS];
	size_t n = 0;
	int extra = 0, role = -1, ret = -1;
	short fg = -1, bg = -1;

	for (char *w = strtok_r(copy, " \t", &save); w != NULL && n < N_ELEMENTS(word); w = strtok_r(NULL, " \t", &save))
		word[n++] = w;
	if (n < 3) {
		*error_r = _("color needs a role and a colour");
		goto out;
	}
	for (int i = 0; i < UI_C_COUNT; i++) {
		if (strcmp(word[1], ui_color_roles[i]) == 0)
			role = i;
	}
	if (role < 0) {
		*error_r = errstr(_("unknown colour role \"%s\""), word[1]);
		goto out;
	}
	for (size_t i = 2; i < n; i++) {
		short c;
		if (strcmp(word[i], "bold") == 0) {
			extra |= A_BOLD;
		} else if (strcmp(word[i], "underline") == 0) {
			extra |= A_UNDERLINE;
		} else if (strcmp(word[i], "reverse") == 0) {
			extra |= A_REVERSE;
		} else if (strcmp(word[i], "dim") == 0) {
			extra |= A_DIM;
		} else if ((c = ui_color_number(word[i])) >= -1 && i <= 3) {
			if (i == 2)
				fg = c;
			else
				bg = c;
		} else {
			*error_r = errstr(_("unknown colour \"%s\""), word[i]);
			goto out;
		}
	}
	ui_color_set(app, (enum ui_color)role, fg, bg, extra);
	ret = 0;
out:
	free(copy);
	return ret;
}
