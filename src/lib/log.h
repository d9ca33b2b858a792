/* log.h: debug logging to a file (never the terminal); off unless log_open() was called. */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include "skua.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Opens (appends to) path with mode 0600: an existing file must be a regular file of the user's with
 * no other link, never a symbolic link, and is narrowed to 0600 (see file_open_write). Returns 0, or
 * -1 with *error_r set. Main thread, once. */
int log_open(const char *path, enum log_level min_level, const char **error_r);
/* Thread-safe; a no-op when no log is open. Never pass secrets. */
void log_msg(enum log_level level, const char *fmt, ...) SKUA_PRINTF(2, 3);
bool log_enabled(enum log_level level);
void log_close(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
