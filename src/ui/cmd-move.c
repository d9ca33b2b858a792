/* cmd-move.c: the movements (next-entry, next-page, half-down, top...), for lists and texts alike:
 * the view on top moves (ui_view_move). */
#include "skua.h"
#include "ui-int.h"

#define CMD_MOVE(var, name, description, views, move)                 \
	static int var##_exec(struct cmd_ctx *ctx)                     \
	{                                                              \
		ui_view_move(ctx->app, ctx->view, move);               \
		return 0;                                              \
	}                                                              \
	const struct cmd_entry var = { name, NULL, description, views, { 0, 0, false, { 0 } }, var##_exec }

CMD_MOVE(cmd_next_entry_entry, "next-entry", N_("move to the next entry"), KEYMAP_V_GENERIC, UI_MOVE_NEXT);
CMD_MOVE(cmd_previous_entry_entry, "previous-entry", N_("move to the previous entry"), KEYMAP_V_GENERIC,
	 UI_MOVE_PREV);
CMD_MOVE(cmd_first_entry_entry, "first-entry", N_("move to the first entry"), KEYMAP_V_GENERIC, UI_MOVE_FIRST);
CMD_MOVE(cmd_last_entry_entry, "last-entry", N_("move to the last entry"), KEYMAP_V_GENERIC, UI_MOVE_LAST);
CMD_MOVE(cmd_next_page_entry, "next-page", N_("move to the next page"), KEYMAP_V_GENERIC, UI_MOVE_NEXT_PAGE);
CMD_MOVE(cmd_previous_page_entry, "previous-page", N_("move to the previous page"), KEYMAP_V_GENERIC,
	 UI_MOVE_PREV_PAGE);
CMD_MOVE(cmd_half_down_entry, "half-down", N_("scroll down half a page"), KEYMAP_V_GENERIC, UI_MOVE_HALF_DOWN);
CMD_MOVE(cmd_half_up_entry, "half-up", N_("scroll up half a page"), KEYMAP_V_GENERIC, UI_MOVE_HALF_UP);
CMD_MOVE(cmd_next_line_entry, "next-line", N_("scroll down one line"), KEYMAP_V_GENERIC, UI_MOVE_NEXT_LINE);
CMD_MOVE(cmd_previous_line_entry, "previous-line", N_("scroll up one line"), KEYMAP_V_GENERIC, UI_MOVE_PREV_LINE);
CMD_MOVE(cmd_top_page_entry, "top-page", N_("move to the top of the page"), KEYMAP_V_GENERIC, UI_MOVE_TOP_PAGE);
CMD_MOVE(cmd_middle_page_entry, "middle-page", N_("move to the middle of the page"), KEYMAP_V_GENERIC,
	 UI_MOVE_MIDDLE_PAGE);
CMD_MOVE(cmd_bottom_page_entry, "bottom-page", N_("move to the bottom of the page"), KEYMAP_V_GENERIC,
	 UI_MOVE_BOTTOM_PAGE);
CMD_MOVE(cmd_top_entry, "top", N_("go to the top of the message"), KEYMAP_V(KEYMAP_PAGER), UI_MOVE_TOP);
CMD_MOVE(cmd_bottom_entry, "bottom", N_("go to the bottom of the message"), KEYMAP_V(KEYMAP_PAGER), UI_MOVE_BOTTOM);
