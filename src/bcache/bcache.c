/* bcache.c: the body cache: one file per message, written to a temporary name and renamed. */
#include "skua.h"
#include "bcache.h"
#include "lib/errstr.h"
#include "lib/paths.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bcache {
	char *dir;
};

int bcache_open(const char *dir, struct bcache **bc_r, const char **error_r)
{
	struct stat st;
	int err = 0;

	if (paths_mkdirs(dir, true) < 0 || stat(dir, &st) < 0)
		err = errno;
	else if (!S_ISDIR(st.st_mode))
		err = ENOTDIR;
	if (err != 0) {
		*error_r = errstr(_("body cache: cannot use %s: %s"), dir, strerror(err));
		return -1;
	}
	*bc_r = xcalloc(1, sizeof(**bc_r));
	(*bc_r)->dir = xstrdup(dir);
	return 0;
}

void bcache_close(struct bcache **bc)
{
	if (*bc == NULL)
		return;
	free((*bc)->dir);
	free(*bc);
	*bc = NULL;
}

char *bcache_default_dir(void)
{
	return paths_cache("bodies");
}

/* The folder's directory: named by a hash of account and mailbox, so that nothing from the network
 * ever becomes part of a path. */
static char *folder_dir(const struct bcache *bc, const char *account, const char *mailbox, uint32_t uidvalidity)
{
	uint64_t h = paths_hash_pair(account, mailbox);

	return xasprintf("%s/%016llx/%u", bc->dir, (unsigned long long)h, uidvalidity);
}

int bcache_get(struct bcache *bc, const char *account, const char *mailbox, uint32_t uidvalidity,
	       uint32_t uid, int64_t size, struct buf *out, const char **error_r)
{
	char *dir = folder_dir(bc, account, mailbox, uidvalidity);
	char *path = xasprintf("%s/%u", dir, uid);
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT) {
			*error_r = errstr(_("body cache: %s: %s"), path, strerror(errno));
			ret = -1;
		}
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)BCACHE_MAX_SIZE ||
	    (size >= 0 && st.st_size != size))
		goto out; /* not ours, too big, or stale: fetch again */
	buf_reset(out);
	buf_reserve(out, (size_t)st.st_size);
	while (out->len < (size_t)st.st_size) {
		ssize_t n = read(fd, out->data + out->len, (size_t)st.st_size - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = errstr(_("body cache: %s: %s"), path, n < 0 ? strerror(errno) : "short read");
			buf_reset(out);
			ret = -1;
			goto out;
		}
		out->len += (size_t)n;
	}
	out->data[out->len] = '\0';
	ret = 1;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(dir);
	return ret;
}

int bcache_put(struct bcache *bc, const char *account, const char *mailbox, uint32_t uidvalidity,
	       uint32_t uid, const void *data, size_t len, const char **error_r)
{
	char *dir = folder_dir(bc, account, mailbox, uidvalidity);
	char *path = xasprintf("%s/%u", dir, uid);
	char *tmp = xasprintf("%s/.tmp.%u.XXXXXX", dir, uid);
	const char *p = data;
	size_t left = len;
	int fd = -1, ret = -1;

	if (len > BCACHE_MAX_SIZE) {
		*error_r = _("body cache: message too large to keep");
		goto out;
	}
	if (paths_mkdirs(dir, true) < 0 || (fd = mkstemp(tmp)) < 0) {
		*error_r = errstr(_("body cache: %s: %s"), dir, strerror(errno));
		goto out;
	}
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = errstr(_("body cache: %s: %s"), tmp, strerror(n < 0 ? errno : EIO));
			goto out;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		*error_r = errstr(_("body cache: %s: %s"), tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		*error_r = errstr(_("body cache: %s: %s"), path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	free(path);
	free(dir);
	return ret;
}
