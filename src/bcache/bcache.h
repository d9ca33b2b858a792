/* bcache.h: the body cache: one file per message, written to a temporary name and renamed. */
#ifndef BCACHE_BCACHE_H
#define BCACHE_BCACHE_H

#include "skua.h"
#include "lib/buf.h"

/* Largest message kept (and read back). */
#define BCACHE_MAX_SIZE (256u * 1024 * 1024)

struct bcache;

/* Opens the body cache rooted at dir (created with mode 0700 when missing). Returns 0 and a handle
 * the caller owns, or -1 with *error_r. Any thread. */
int bcache_open(const char *dir, struct bcache **bc_r, const char **error_r);
void bcache_close(struct bcache **bc);
/* Returns the default directory ($XDG_CACHE_HOME/skua/bodies or ~/.cache/skua/bodies), malloc'd, or
 * NULL without a home directory. */
char *bcache_default_dir(void);

/* Reads the cached message (account, mailbox, uidvalidity, uid) into out when the file exists and has
 * exactly `size` bytes (the server's RFC822.SIZE; -1 skips the check). Returns 1 when read, 0 when
 * absent or of another size (the caller fetches it again), -1 on an I/O error with *error_r. The bytes
 * are untrusted input for the caller. Worker thread (disk). */
int bcache_get(struct bcache *bc, const char *account, const char *mailbox, uint32_t uidvalidity,
	       uint32_t uid, int64_t size, struct buf *out, const char **error_r);
/* Stores a message: written and synced to a temporary file in the same directory, then renamed over
 * the final name, so a reader sees the old file, the new one, or none. Returns 0, or -1 with *error_r
 * (nothing is left behind). Worker thread (disk). */
int bcache_put(struct bcache *bc, const char *account, const char *mailbox, uint32_t uidvalidity,
	       uint32_t uid, const void *data, size_t len, const char **error_r);

#endif
