/* test-mime-corpus.c: renders every tests/corpus/mime/NAME.eml and compares with NAME.expected. */
#include "skua.h"
#include "mime.h"
#include "lib/charset.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CORPUS_DIR SKUA_SRCDIR "/tests/corpus/mime"
#define CORPUS_MAX_FILES 256
#define PREFIX_CHECK_MAX 16384 /* every prefix of files up to this size is parsed too */

static bool read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char tmp[8192];
	size_t n;

	if (f == NULL)
		return false;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(out, tmp, n);
	fclose(f);
	if (out->data == NULL)
		buf_append(out, "", 0);
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Output rules that hold for every message: valid UTF-8, no controls but LF and TAB, no ESC, no
 * bidi overrides, a single newline at the end. */
static void check_clean(const char *name, const struct buf *out)
{
	bool ok = charset_utf8_valid(out->data, out->len) && out->len > 0 &&
		  out->data[out->len - 1] == '\n';
	for (size_t i = 0; i < out->len && ok; i++) {
		unsigned char c = (unsigned char)out->data[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
			ok = false;
		else if (c == 0xC2 && i + 1 < out->len && (unsigned char)out->data[i + 1] < 0xA0)
			ok = false; /* C1 */
		else if (c == 0xE2 && i + 2 < out->len && (unsigned char)out->data[i + 1] == 0x80 &&
			 (((unsigned char)out->data[i + 2] >= 0xAA && (unsigned char)out->data[i + 2] <= 0xAE) ||
			  (unsigned char)out->data[i + 2] == 0x8E || (unsigned char)out->data[i + 2] == 0x8F))
			ok = false;
		else if (c == 0xE2 && i + 2 < out->len && (unsigned char)out->data[i + 1] == 0x81 &&
			 (unsigned char)out->data[i + 2] >= 0xA6 && (unsigned char)out->data[i + 2] <= 0xA9)
			ok = false;
	}
	if (!ok)
		fprintf(stderr, "  %s: output is not clean\n", name);
	TEST_ASSERT(ok);
}

static void render_data(const char *data, size_t len, struct buf *out)
{
	struct mime_message *msg = mime_message_parse(data, len);
	mime_message_render(msg, NULL, out);
	mime_message_free(&msg);
}

static void test_corpus(void)
{
	DIR *dir = opendir(CORPUS_DIR);
	char *names[CORPUS_MAX_FILES];
	size_t n = 0;
	struct dirent *de;
	bool update = getenv("SKUA_UPDATE_EXPECTED") != NULL;

	TEST_ASSERT(dir != NULL);
	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && n < CORPUS_MAX_FILES) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".eml") == 0)
			names[n++] = xstrndup(de->d_name, l - 4);
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_names);
	TEST_ASSERT(n >= 10);

	for (size_t i = 0; i < n; i++) {
		char *eml = xasprintf("%s/%s.eml", CORPUS_DIR, names[i]);
		char *exp = xasprintf("%s/%s.expected", CORPUS_DIR, names[i]);
		struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;

		TEST_ASSERT(read_file(eml, &in));
		render_data(in.data, in.len, &got);
		check_clean(names[i], &got);
		if (update) {
			FILE *f = fopen(exp, "wb");
			TEST_ASSERT(f != NULL);
			if (f != NULL) {
				fwrite(got.data, 1, got.len, f);
				fclose(f);
			}
		} else if (!read_file(exp, &want)) {
			fprintf(stderr, "  %s: missing %s\n", names[i], exp);
			TEST_ASSERT(false);
		} else if (want.len != got.len || memcmp(want.data, got.data, got.len) != 0) {
			fprintf(stderr, "  %s: rendering differs from %s.expected; got:\n%s\n", names[i],
				names[i], got.data);
			TEST_ASSERT(false);
		}
		printf("# %s: %zu bytes rendered\n", names[i], got.len);
		buf_free(&in);
		buf_free(&want);
		buf_free(&got);
		free(eml);
		free(exp);
		free(names[i]);
	}
}

/* Every prefix of every (small) corpus message parses and renders cleanly: a connection cut
 * anywhere must never crash the pager or let controls through. */
static void test_corpus_prefixes(void)
{
	DIR *dir = opendir(CORPUS_DIR);
	struct dirent *de;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		char *eml = xasprintf("%s/%s", CORPUS_DIR, de->d_name);
		struct buf in = BUF_INIT;
		if (read_file(eml, &in) && in.len <= PREFIX_CHECK_MAX) {
			size_t step = in.len > 4096 ? 7 : 1;
			for (size_t k = 0; k <= in.len; k += step) {
				struct buf got = BUF_INIT;
				render_data(in.data, k, &got);
				check_clean(de->d_name, &got);
				buf_free(&got);
			}
		}
		buf_free(&in);
		free(eml);
	}
	closedir(dir);
}

/* Rendering is reentrant: the whole corpus rendered in several threads at once gives the same
 * text as rendered alone (charset conversion opens its own iconv descriptors). */
#define THREADS 4
#define THREAD_ROUNDS 5

struct thread_job {
	struct buf *inputs;
	struct buf *wants;
	size_t n;
	bool ok;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;

	job->ok = true;
	for (int r = 0; r < THREAD_ROUNDS; r++) {
		for (size_t i = 0; i < job->n; i++) {
			struct buf got = BUF_INIT;
			render_data(job->inputs[i].data, job->inputs[i].len, &got);
			if (got.len != job->wants[i].len || memcmp(got.data, job->wants[i].data, got.len) != 0)
				job->ok = false;
			buf_free(&got);
		}
	}
	return NULL;
}

static void test_corpus_threads(void)
{
	DIR *dir = opendir(CORPUS_DIR);
	struct buf inputs[CORPUS_MAX_FILES], wants[CORPUS_MAX_FILES];
	struct thread_job jobs[THREADS];
	pthread_t tids[THREADS];
	struct dirent *de;
	size_t n = 0;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && n < CORPUS_MAX_FILES) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		char *eml = xasprintf("%s/%s", CORPUS_DIR, de->d_name);
		struct buf in = BUF_INIT, want = BUF_INIT;
		if (read_file(eml, &in)) {
			render_data(in.data, in.len, &want);
			inputs[n] = in;
			wants[n] = want;
			n++;
		}
		free(eml);
	}
	closedir(dir);
	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (struct thread_job){ inputs, wants, n, false };
		TEST_ASSERT(pthread_create(&tids[t], NULL, thread_main, &jobs[t]) == 0);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(tids[t], NULL);
		TEST_ASSERT(jobs[t].ok);
	}
	for (size_t i = 0; i < n; i++) {
		buf_free(&inputs[i]);
		buf_free(&wants[i]);
	}
}

static const struct test_case cases[] = {
	{ "corpus renders as expected", test_corpus },
	{ "corpus prefixes render cleanly", test_corpus_prefixes },
	{ "corpus renders the same in parallel threads", test_corpus_threads },
};

TEST_MAIN(cases)
