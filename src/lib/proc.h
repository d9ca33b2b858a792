/* proc.h: running helper commands (password-command, HTML converters) without a shell unless asked. */
#ifndef LIB_PROC_H
#define LIB_PROC_H

#include "skua.h"
#include "buf.h"

/* Runs argv[0] (looked up in PATH) with argv, no shell. Writes in_len bytes of `in` to its stdin (may be
 * NULL: stdin is /dev/null), captures at most max_out bytes of its stdout into *out (appended),
 * discards stderr, kills it after timeout_ms (<= 0: never). Never deadlocks on large input/output.
 * Leaves signal dispositions alone: a SIGPIPE it causes is blocked in the calling thread and discarded.
 * Returns the exit status (0..255), or -1 with *error_r when it could not be run, was killed, timed
 * out or exceeded max_out. Worker thread. */
int proc_run(const char *const *argv, const void *in, size_t in_len, struct buf *out, size_t max_out,
	     int timeout_ms, const char **error_r);

/* Splits a command line into a NULL-terminated argv honouring "double", 'single' quotes and
 * backslashes (as sh: literal inside 'single'; inside "double" a backslash escapes only \ " $ `),
 * no other shell syntax. Returns the argv (free with proc_argv_free), or NULL with *error_r
 * on unbalanced quotes. Any thread. */
char **proc_split(const char *cmdline, const char **error_r);
void proc_argv_free(char ***argv);

#endif
