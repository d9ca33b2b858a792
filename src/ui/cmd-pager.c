/* cmd-pager.c: the commands about a message's text: display-toggle-weed, view-attachments and
 * view-urls. The views that show a text run them their own way (view-pager.c, view-part.c); elsewhere
 * they are not available. */
#include "skua.h"
#include "ui-int.h"

const struct cmd_entry cmd_display_toggle_weed_entry = {
	"display-toggle-weed", NULL, N_("show all headers or only the chosen ones"), KEYMAP_V(KEYMAP_PAGER),
	{ 0, 0, false, { 0 } }, cmd_exec_unavailable
};
const struct cmd_entry cmd_view_attachments_entry = {
	"view-attachments", NULL, N_("list the message's attachments"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_exec_unavailable
};
const struct cmd_entry cmd_view_urls_entry = {
	"view-urls", NULL, N_("list the links in the message"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_exec_unavailable
};
