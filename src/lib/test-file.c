/* test-file.c: unit tests for opening files to write: links, FIFOs, owners and modes; the debug log. */
#include "skua.h"
#include "file.h"
#include "log.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static char dir[64];

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/skua-test-file-XXXXXX", tmp != NULL && strlen(tmp) < 30 ? tmp : "/tmp");
	TEST_ASSERT(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	TEST_INTEQ(system(cmd), 0);
}

static char *path_in(const char *name)
{
	static char p[4][128];
	static unsigned k;
	char *r = p[k++ % 4];

	snprintf(r, sizeof(p[0]), "%s/%s", dir, name);
	return r;
}

static void put(const char *path, const char *content, mode_t mode)
{
	FILE *f = fopen(path, "w");

	TEST_ASSERT(f != NULL);
	if (f == NULL)
		return;
	fputs(content, f);
	fclose(f);
	TEST_INTEQ(chmod(path, mode), 0);
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void write_str(int fd, const char *s)
{
	TEST_INTEQ(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

struct open_case {
	const char *name;
	unsigned flags;
	const char *before;     /* the existing file's content, NULL: none (see kind) */
	mode_t before_mode;
	char kind;              /* 'f' regular, 'l' symlink to "target", 'p' FIFO, 'h' hard link to "target",
				   'o' owned by someone else (root only), 'd' directory */
	int err;                /* expected errno, 0: success */
	const char *after;      /* content after writing "new" (success) or untouched (failure) */
	const char *err_sub;    /* expected substring of the error */
};

static const struct open_case open_cases[] = {
	{ "create", FILE_EXCL, NULL, 0, 'f', 0, "new", NULL },
	{ "create, name exists", FILE_EXCL, "old", 0644, 'f', EEXIST, "old", "File exists" },
	{ "overwrite", FILE_TRUNCATE, "old content", 0600, 'f', 0, "new", NULL },
	{ "overwrite narrows the mode", FILE_TRUNCATE, "old content", 0644, 'f', 0, "new", NULL },
	{ "append", FILE_APPEND, "old ", 0664, 'f', 0, "old new", NULL },
	{ "overwrite through a symlink", FILE_TRUNCATE, "secret", 0644, 'l', ELOOP, "secret", "symbolic link" },
	{ "append through a symlink", FILE_APPEND, "secret", 0644, 'l', ELOOP, "secret", "symbolic link" },
	{ "create over a symlink", FILE_EXCL, "secret", 0644, 'l', EEXIST, "secret", NULL },
	{ "a FIFO", FILE_TRUNCATE, NULL, 0, 'p', EINVAL, NULL, "not a regular file" },
	{ "a directory", FILE_APPEND, NULL, 0, 'd', EISDIR, NULL, NULL },
	{ "a hard link", FILE_TRUNCATE, "shared", 0600, 'h', EMLINK, "shared", "hard links" },
	{ "another user's file", FILE_APPEND, "theirs", 0666, 'o', EPERM, "theirs", "another user" },
};

static void test_open_write(void)
{
	for (size_t i = 0; i < N_ELEMENTS(open_cases); i++) {
		const struct open_case *c = &open_cases[i];
		const char *path, *target, *error = NULL;
		int fd;

		setup();
		path = path_in("file");
		target = path_in("target");
		switch (c->kind) {
		case 'f':
			if (c->before != NULL)
				put(path, c->before, c->before_mode);
			break;
		case 'l':
			put(target, c->before, c->before_mode);
			TEST_INTEQ(symlink(target, path), 0);
			break;
		case 'h':
			put(target, c->before, c->before_mode);
			TEST_INTEQ(link(target, path), 0);
			break;
		case 'p':
			TEST_INTEQ(mkfifo(path, 0600), 0);
			break;
		case 'd':
			TEST_INTEQ(mkdir(path, 0700), 0);
			break;
		case 'o':
			put(path, c->before, c->before_mode);
			if (geteuid() != 0 || chown(path, 65534, 65534) != 0) {
				printf("# %s: skipped (needs root)\n", c->name);
				teardown();
				continue;
			}
			break;
		}
		fd = file_open_write(path, c->flags, &error);
		if (c->err == 0) {
			TEST_ASSERT(fd >= 0);
			if (fd >= 0) {
				TEST_ASSERT((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
				TEST_ASSERT((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
				write_str(fd, "new");
				close(fd);
			}
			TEST_STREQ(get(path), c->after);
			TEST_INTEQ(mode_of(path), 0600);
		} else {
			if (fd >= 0)
				close(fd);
			if (fd >= 0 || errno != c->err)
				fprintf(stderr, "case \"%s\": fd %d errno %d (%s)\n", c->name, fd, errno, strerror(errno));
			TEST_ASSERT(fd < 0);
			TEST_INTEQ(errno, c->err);
			TEST_ASSERT(error != NULL && strstr(error, path) != NULL);
			if (c->err_sub != NULL)
				TEST_ASSERT(error != NULL && strstr(error, c->err_sub) != NULL);
			if (c->after != NULL)
				TEST_STREQ(get(c->kind == 'l' || c->kind == 'h' ? target : path), c->after);
			if (c->kind == 'l' || c->kind == 'h' || c->kind == 'o')
				TEST_INTEQ(mode_of(c->kind == 'o' ? path : target), c->before_mode);
		}
		teardown();
	}
}

/* skua -d FILE: an existing log keeps no group or other access; a symlink is never followed */
static void test_log(void)
{
	const char *path, *target, *error = NULL;
	char *s;

	setup();
	path = path_in("log");
	target = path_in("target");
	put(path, "earlier\n", 0644);
	TEST_INTEQ(log_open(path, LOG_DEBUG, &error), 0);
	log_debug("hello %d", 42);
	log_close();
	TEST_INTEQ(mode_of(path), 0600);
	s = get(path);
	TEST_ASSERT(s != NULL && strncmp(s, "earlier\n", 8) == 0 && strstr(s, "debug: hello 42\n") != NULL);

	TEST_INTEQ(unlink(path), 0);
	put(target, "precious\n", 0644);
	TEST_INTEQ(symlink(target, path), 0);
	TEST_INTEQ(log_open(path, LOG_DEBUG, &error), -1);
	TEST_ASSERT(error != NULL && strstr(error, "symbolic link") != NULL);
	log_debug("must not land anywhere");
	TEST_STREQ(get(target), "precious\n");
	TEST_INTEQ(mode_of(target), 0644);

	TEST_INTEQ(unlink(path), 0);
	TEST_INTEQ(log_open(path, LOG_DEBUG, &error), 0); /* a new log */
	log_close();
	TEST_INTEQ(mode_of(path), 0600);
	teardown();
}

static const struct test_case cases[] = {
	{ "file_open_write: links, FIFOs, owners, modes", test_open_write },
	{ "log_open: mode and symlinks", test_log },
};

TEST_MAIN(cases)
