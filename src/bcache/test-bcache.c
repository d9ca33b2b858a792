/* test-bcache.c: the body cache: round trips, size checks, atomic replacement, hostile names. */
#include "skua.h"
#include "bcache.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/skua-test-bcache-XXXXXX";
static char *dir;

/* Counts regular files below path (recursively), and whether any is outside dir. */
static size_t count_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = xasprintf("%s/%s", path, de->d_name);
		struct stat st;
		if (lstat(sub, &st) == 0)
			n += S_ISDIR(st.st_mode) ? count_files(sub) : 1;
		free(sub);
	}
	closedir(d);
	return n;
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = xasprintf("%s/%s", path, de->d_name);
		remove_tree(sub);
		free(sub);
	}
	closedir(d);
	rmdir(path);
}

static void test_roundtrip(void)
{
	struct bcache *bc = NULL;
	struct buf out = BUF_INIT;
	const char *error;
	static const char msg[] = "Subject: hi\r\n\r\nbody\0with NUL\r\n";

	TEST_INTEQ(bcache_open(dir, &bc, &error), 0);
	TEST_INTEQ(bcache_get(bc, "a", "INBOX", 7, 1, -1, &out, &error), 0);
	TEST_INTEQ(bcache_put(bc, "a", "INBOX", 7, 1, msg, sizeof(msg) - 1, &error), 0);
	TEST_INTEQ(bcache_get(bc, "a", "INBOX", 7, 1, sizeof(msg) - 1, &out, &error), 1);
	TEST_INTEQ(out.len, sizeof(msg) - 1);
	TEST_ASSERT(memcmp(out.data, msg, sizeof(msg) - 1) == 0);
	/* another size (the server's RFC822.SIZE disagrees): fetch again */
	TEST_INTEQ(bcache_get(bc, "a", "INBOX", 7, 1, 5, &out, &error), 0);
	/* another UIDVALIDITY, mailbox or account is another message */
	TEST_INTEQ(bcache_get(bc, "a", "INBOX", 8, 1, -1, &out, &error), 0);
	TEST_INTEQ(bcache_get(bc, "a", "INBOX2", 7, 1, -1, &out, &error), 0);
	TEST_INTEQ(bcache_get(bc, "b", "INBOX", 7, 1, -1, &out, &error), 0);
	/* replacing is atomic and leaves no temporary file */
	TEST_INTEQ(bcache_put(bc, "a", "INBOX", 7, 1, "new", 3, &error), 0);
	TEST_INTEQ(bcache_get(bc, "a", "INBOX", 7, 1, 3, &out, &error), 1);
	TEST_STREQ(out.data, "new");
	TEST_INTEQ(count_files(dir), 1);
	bcache_close(&bc);
	TEST_ASSERT(bc == NULL);
	buf_free(&out);
}

static void test_hostile_names(void)
{
	struct bcache *bc = NULL;
	struct buf out = BUF_INIT;
	const char *error;
	static const char *const names[] = { "../../etc", "/etc/passwd", "a/../../b", "\x1b[2J", "" };

	TEST_INTEQ(bcache_open(dir, &bc, &error), 0);
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		TEST_INTEQ(bcache_put(bc, names[i], names[i], 1, 2, "x", 1, &error), 0);
		TEST_INTEQ(bcache_get(bc, names[i], names[i], 1, 2, 1, &out, &error), 1);
	}
	/* everything stayed inside the cache directory: one file per name, plus the first test's */
	TEST_INTEQ(count_files(dir), N_ELEMENTS(names) + 1);
	TEST_INTEQ(count_files(root), N_ELEMENTS(names) + 1);
	bcache_close(&bc);
	buf_free(&out);
}

static void test_unusable(void)
{
	struct bcache *bc = NULL;
	const char *error = NULL;
	char *file = xasprintf("%s/plainfile", root);
	FILE *f = fopen(file, "w");

	if (f != NULL)
		fclose(f);
	TEST_INTEQ(bcache_open(file, &bc, &error), -1);
	TEST_ASSERT(error != NULL && strstr(error, "body cache") != NULL);
	TEST_ASSERT(bc == NULL);
	unlink(file);
	free(file);
}

static void setup(void)
{
	TEST_ASSERT(mkdtemp(root) != NULL);
	dir = xasprintf("%s/cache/bodies", root);
}

static void teardown(void)
{
	remove_tree(root);
	free(dir);
}

static const struct test_case tests[] = {
	{ "set up", setup },
	{ "round trip, size check, atomic replace", test_roundtrip },
	{ "hostile account and mailbox names", test_hostile_names },
	{ "unusable directory", test_unusable },
	{ "tear down", teardown },
};

TEST_MAIN(tests)
