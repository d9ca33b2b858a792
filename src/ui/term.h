/* term.h: handing the terminal to another program and taking it back: a viewer run in the foreground
 * (later $EDITOR for compose, pinentry for OpenPGP), ^Z. UI thread. */
#ifndef UI_TERM_H
#define UI_TERM_H

#include "skua.h"

struct ui_app;

/* Runs argv (no shell unless argv says so) in the foreground: the screen is handed back to the
 * terminal (endwin) until it exits, SIGINT/SIGQUIT are ignored meanwhile, then the screen is
 * restored and redrawn. stdin_path: a file for its standard input, or NULL for the terminal.
 * Returns the exit status (0..255), or -1 with *error_r. */
int ui_term_run(struct ui_app *app, const char *const *argv, const char *stdin_path, const char **error_r);
/* As ui_term_run, then says on the message line when it failed or exited non-zero. */
void ui_term_run_report(struct ui_app *app, const char *const *argv, const char *stdin_path);
/* ^Z: leaves the screen, stops the process, and takes the screen back when continued. */
void ui_term_suspend(struct ui_app *app);

#endif
