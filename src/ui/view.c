/* view.c: the stack of views and the calls every view answers (drawing, keys, movement, search,
 * replies), made through struct ui_view_type: no code asks which kind a view is. */
#include "skua.h"
#include "ui-int.h"
#include "ui/job.h"
#include "lib/xmalloc.h"

#include <stdlib.h>

static void ui_view_reply(struct ui_app *app, struct ui_client *client, struct ui_reply *reply)
{
	struct ui_view *view = (struct ui_view *)((char *)client - offsetof(struct ui_view, client));

	if (view->type->event != NULL)
		view->type->event(app, view, reply);
}

struct ui_view *ui_view_push(struct ui_app *app, const struct ui_view_type *type, void *data)
{
	struct ui_view *view = xcalloc(1, sizeof(*view));

	view->type = type;
	view->data = data;
	view->client.reply = ui_view_reply;
	view->below = app->top;
	app->top = view;
	ui_dirty(app);
	return view;
}

static void ui_view_free_top(struct ui_app *app)
{
	struct ui_view *view = app->top;

	app->top = view->below;
	ui_route_forget(app, &view->client);
	ui_job_cancel_owner(app, view);
	if (view->type->free != NULL)
		view->type->free(app, view);
	if (app->index == view)
		app->index = NULL;
	free(view);
}

void ui_view_pop_above(struct ui_app *app, struct ui_view *view)
{
	if (!ui_view_alive(app, view))
		return;
	while (app->top != view)
		ui_view_free_top(app);
	ui_dirty(app);
}

void ui_view_pop(struct ui_app *app, struct ui_view *view)
{
	if (!ui_view_alive(app, view))
		return;
	ui_view_pop_above(app, view);
	ui_view_free_top(app);
	ui_dirty(app);
}

void ui_view_free_all(struct ui_app *app)
{
	while (app->top != NULL)
		ui_view_free_top(app);
}

struct ui_view *ui_view_top(const struct ui_app *app)
{
	return app->top;
}

bool ui_view_alive(const struct ui_app *app, const struct ui_view *view)
{
	for (const struct ui_view *v = app->top; v != NULL; v = v->below)
		if (v == view)
			return true;
	return false;
}

struct ui_list *ui_view_list(struct ui_view *view)
{
	return view->type->list != NULL ? view->type->list(view) : NULL;
}

void ui_view_move(struct ui_app *app, struct ui_view *view, enum ui_move move)
{
	struct ui_list *l;

	ui_dirty(app);
	if (view->type->move != NULL && view->type->move(app, view, move))
		return;
	if ((l = ui_view_list(view)) == NULL)
		return;
	ui_list_move(l, move, ui_main_rows(app));
	if (l->ops != NULL && l->ops->moved != NULL)
		l->ops->moved(app, l);
}

void ui_view_search(struct ui_app *app, struct ui_view *view, const char *text, enum ui_search how)
{
	struct ui_list *l;

	ui_dirty(app);
	if (view->type->search != NULL)
		view->type->search(app, view, text, how);
	else if ((l = ui_view_list(view)) != NULL)
		ui_list_search(app, l, text, how, ui_main_rows(app));
}

bool ui_view_message(struct ui_app *app, struct ui_msgref *ref_r)
{
	for (struct ui_view *v = app->top; v != NULL; v = v->below)
		if (v->type->message != NULL && v->type->message(app, v, ref_r))
			return true;
	return false;
}

void ui_view_follow(struct ui_app *app, struct ui_view *from, const struct ui_msgref *ref)
{
	/* from the bottom up: a view that follows closes the ones above it */
	struct ui_view *v = from;

	while (v != NULL) {
		struct ui_view *above = NULL;
		for (struct ui_view *t = app->top; t != NULL && t != v; t = t->below)
			above = t;
		if (above == NULL)
			break;
		if (above->type->follow != NULL) {
			above->type->follow(app, above, ref);
			break;
		}
		v = above;
	}
}
