/* file.h: opening files skua writes (saved attachments, the debug log) without following links. */
#ifndef LIB_FILE_H
#define LIB_FILE_H

#include "skua.h"

/* file_open_write() flags. */
#define FILE_EXCL 0x1     /* create the file; fail with errno EEXIST when the name exists (any kind) */
#define FILE_TRUNCATE 0x2 /* an existing file is emptied (after the checks below) */
#define FILE_APPEND 0x4   /* writes go to the end (O_APPEND) */

/* Opens path for writing, creating it with mode 0600 when it does not exist. An existing name is
 * used only when it is a regular file (never through a symbolic link: O_NOFOLLOW; no FIFO, device or
 * directory) owned by the effective user and with no other hard link; its mode is narrowed to 0600
 * when group or others had any access (what skua writes may be private). The checks run on the open
 * descriptor before anything is truncated. Returns the descriptor (O_CLOEXEC, blocking), which the
 * caller closes, or -1 with errno set and *error_r ("PATH: reason"). Any thread. */
int file_open_write(const char *path, unsigned flags, const char **error_r);

#endif
