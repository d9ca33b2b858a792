/* ui.h: the full-screen terminal UI (folder, index and pager views). */
#ifndef UI_UI_H
#define UI_UI_H

#include "skua.h"
#include "cfg/cfg.h"
#include "hcache/hcache.h"

struct ui_start {
	const char *account;       /* the account shown at start (NULL: default-account, else the first) */
	const char *folder;        /* opened at start (NULL: INBOX) */
	char **commands;           /* run one after the other once the start folder is loaded and drawn */
	size_t n_commands;
};

/* Runs the UI on the terminal until the user quits, over every account of cfg (one worker per
 * account, started when first needed; start->account's at once). cfg and start are borrowed; hc (may
 * be NULL) is shared with the workers and stays the caller's. Returns 0, or -1 with *error_r (no
 * terminal, an unknown start account, bad key or colour lines in the configuration, the start
 * account's worker could not start). Main thread, which becomes the UI thread. */
int ui_main(struct cfg *cfg, struct hcache *hc, const struct ui_start *start, const char **error_r);

#endif
