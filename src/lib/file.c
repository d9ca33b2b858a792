/* file.c: opening files skua writes (saved attachments, the debug log) without following links. */
#include "skua.h"
#include "file.h"
#include "errstr.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

int file_open_write(const char *path, unsigned flags, const char **error_r)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a reader (it is refused below anyway) */
	int oflags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
	const char *why = NULL;
	struct stat st;
	int fd, err;

	if ((flags & FILE_EXCL) != 0)
		oflags |= O_EXCL;
	if ((flags & FILE_APPEND) != 0)
		oflags |= O_APPEND;
	fd = open(path, oflags, 0600);
	if (fd < 0) {
		err = errno;
		if (err == ENXIO) /* a FIFO without a reader, a device without its driver */
			err = EINVAL;
		*error_r = errstr("%s: %s", path, err == ELOOP ? _("is a symbolic link") :
				  err == EINVAL ? _("not a regular file") : strerror(err));
		errno = err;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		why = strerror(err);
	} else if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		why = _("not a regular file");
	} else if (st.st_uid != geteuid()) {
		err = EPERM;
		why = _("owned by another user");
	} else if (st.st_nlink > 1) {
		err = EMLINK;
		why = _("has other hard links");
	} else if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) < 0) {
		err = errno;
		why = strerror(err);
	} else if ((flags & FILE_TRUNCATE) != 0 && st.st_size > 0 && ftruncate(fd, 0) < 0) {
		err = errno;
		why = strerror(err);
	} else if (fcntl(fd, F_SETFL, (flags & FILE_APPEND) != 0 ? O_APPEND : 0) < 0) {
		err = errno;
		why = strerror(err);
	} else {
		return fd;
	}
	close(fd);
	*error_r = errstr("%s: %s", path, why);
	errno = err;
	return -1;
}
