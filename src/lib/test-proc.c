/* test-proc.c: unit tests for running helper commands and splitting command lines. */
#include "skua.h"
#include "proc.h"
#include "buf.h"
#include "xmalloc.h"
#include "test.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct run_case {
	const char *argv[5];
	const char *in;
	size_t max_out;
	int timeout_ms;
	int ret;             /* expected return */
	const char *out;     /* expected output when ret >= 0 */
	const char *err_sub; /* expected substring of the error when ret < 0 */
};

static const struct run_case run_cases[] = {
	{ { "echo", "hello", NULL }, NULL, 100, 5000, 0, "hello\n", NULL },
	{ { "sh", "-c", "exit 3", NULL }, NULL, 100, 5000, 3, "", NULL },
	{ { "sh", "-c", "echo err >&2; echo out", NULL }, NULL, 100, 5000, 0, "out\n", NULL },
	{ { "cat", NULL }, "abc\ndef", 100, 5000, 0, "abc\ndef", NULL },
	{ { "cat", NULL }, NULL, 100, 5000, 0, "", NULL },
	{ { "tr", "a-z", "A-Z", NULL }, "shout", 100, 5000, 0, "SHOUT", NULL },
	{ { "true", NULL }, "ignored input", 100, 5000, 0, "", NULL },
	{ { "printf", "12345", NULL }, NULL, 5, 5000, 0, "12345", NULL },
	{ { "printf", "123456", NULL }, NULL, 5, 5000, -1, NULL, "exceeds" },
	{ { "skua-no-such-command-xyz", NULL }, NULL, 100, 5000, -1, NULL, "cannot run" },
	{ { "/nonexistent/bin/x", NULL }, NULL, 100, 5000, -1, NULL, "cannot run" },
	{ { "sleep", "10", NULL }, NULL, 100, 200, -1, NULL, "timed out" },
	{ { "sh", "-c", "kill -9 $$", NULL }, NULL, 100, 5000, -1, NULL, "signal 9" },
	{ { "", NULL }, NULL, 100, 5000, -1, NULL, "empty" },
};

static void test_proc_run_table(void)
{
	for (size_t i = 0; i < N_ELEMENTS(run_cases); i++) {
		const struct run_case *c = &run_cases[i];
		struct buf out = BUF_INIT;
		const char *error = NULL;
		int64_t start = now_ms();
		int ret = proc_run(c->argv, c->in, c->in ? strlen(c->in) : 0, &out, c->max_out,
				   c->timeout_ms, &error);
		TEST_INTEQ(ret, c->ret);
		if (c->ret >= 0) {
			TEST_STREQ(out.data ? out.data : "", c->out);
		} else {
			TEST_ASSERT(error != NULL && strstr(error, c->err_sub) != NULL);
			if (error == NULL || strstr(error, c->err_sub) == NULL)
				fprintf(stderr, "case %zu: error \"%s\"\n", i, error ? error : "(null)");
		}
		/* time-outs are prompt */
		TEST_ASSERT(now_ms() - start < 3000);
		buf_free(&out);
	}
}

/* Large input and output at once: a naive write-all-then-read would deadlock on the pipe buffers. */
static void test_proc_run_large(void)
{
	size_t len = 4 * 1024 * 1024;
	char *in = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		in[i] = (char)('a' + i % 26);
	const char *argv[] = { "cat", NULL };
	struct buf out = BUF_INIT;
	const char *error = NULL;
	int ret = proc_run(argv, in, len, &out, len, 20000, &error);
	TEST_INTEQ(ret, 0);
	TEST_INTEQ(out.len, len);
	TEST_ASSERT(out.len == len && memcmp(out.data, in, len) == 0);
	buf_free(&out);

	/* output appended to what is already there */
	buf_append_str(&out, "x");
	const char *argv2[] = { "head", "-c", "3", NULL };
	ret = proc_run(argv2, in, len, &out, 10, 20000, &error);
	TEST_INTEQ(ret, 0);
	TEST_STREQ(out.data, "xabc");
	buf_free(&out);

	/* head closed its stdin early: we got EPIPE, survived, and left SIGPIPE as it was */
	struct sigaction sa;
	sigset_t pending;
	sigaction(SIGPIPE, NULL, &sa);
	TEST_ASSERT(sa.sa_handler == SIG_DFL);
	sigpending(&pending);
	TEST_ASSERT(sigismember(&pending, SIGPIPE) == 0);
	free(in);
}

/* The child inherits no descriptor besides 0, 1 and 2, even one opened without O_CLOEXEC. */
static void test_proc_run_closes_fds(void)
{
	int fd = open("/dev/null", O_RDONLY);
	TEST_ASSERT(fd >= 0);
	int high = dup2(fd, 57);
	TEST_INTEQ(high, 57);
	const char *argv[] = { "sh", "-c", "test -e /proc/self/fd/57 && echo open || echo closed", NULL };
	struct buf out = BUF_INIT;
	const char *error = NULL;
	TEST_INTEQ(proc_run(argv, NULL, 0, &out, 100, 5000, &error), 0);
	TEST_STREQ(out.data, "closed\n");
	buf_free(&out);
	close(57);
	close(fd);
}

/* Many runs leak neither descriptors nor zombies. */
static void test_proc_run_no_leak(void)
{
	int before = open("/dev/null", O_RDONLY);
	close(before);
	for (int i = 0; i < 50; i++) {
		const char *argv[] = { i % 2 ? "true" : "skua-no-such-command-xyz", NULL };
		struct buf out = BUF_INIT;
		const char *error = NULL;
		proc_run(argv, "x", 1, &out, 10, 5000, &error);
		buf_free(&out);
	}
	int after = open("/dev/null", O_RDONLY);
	close(after);
	TEST_INTEQ(after, before);
}

/* Several threads at once: a child that inherited another run's pipe would hold its stdout open and
 * stall it until the time-out. */
static void *proc_thread(void *arg)
{
	size_t len = 1024 * 1024;
	char *in = xmalloc(len);
	memset(in, 'a' + (int)(intptr_t)arg, len);
	long ok = 0;
	for (int i = 0; i < 5; i++) {
		const char *argv[] = { "cat", NULL };
		struct buf out = BUF_INIT;
		const char *error = NULL;
		if (proc_run(argv, in, len, &out, len, 10000, &error) == 0 && out.len == len &&
		    memcmp(out.data, in, len) == 0)
			ok++;
		buf_free(&out);
	}
	free(in);
	return (void *)ok;
}

static void test_proc_run_threads(void)
{
	pthread_t th[4];
	int64_t start = now_ms();
	for (size_t i = 0; i < N_ELEMENTS(th); i++)
		TEST_INTEQ(pthread_create(&th[i], NULL, proc_thread, (void *)(intptr_t)i), 0);
	for (size_t i = 0; i < N_ELEMENTS(th); i++) {
		void *ok;
		pthread_join(th[i], &ok);
		TEST_INTEQ((intptr_t)ok, 5);
	}
	TEST_ASSERT(now_ms() - start < 8000);
}

struct split_case {
	const char *in;
	const char *out[6]; /* NULL-terminated; out[0] == "!" means error */
};

static const struct split_case split_cases[] = {
	{ "", { NULL } },
	{ "   \t ", { NULL } },
	{ "w3m -dump -T text/html", { "w3m", "-dump", "-T", "text/html", NULL } },
	{ "  lynx   -stdin  ", { "lynx", "-stdin", NULL } },
	{ "a 'b c' \"d e\"", { "a", "b c", "d e", NULL } },
	{ "a'b'\"c\"d", { "abcd", NULL } },
	{ "'' \"\"", { "", "", NULL } },
	{ "a\\ b c", { "a b", "c", NULL } },
	{ "'a\\b'", { "a\\b", NULL } },
	{ "\"a\\\"b\\\\c\\d\"", { "a\"b\\c\\d", NULL } },
	{ "\"$HOME\" ; |", { "$HOME", ";", "|", NULL } },
	{ "'unbalanced", { "!" } },
	{ "\"unbalanced", { "!" } },
	{ "x \"a\\\"", { "!" } },
	{ "trailing\\", { "!" } },
};

static void test_proc_split_table(void)
{
	for (size_t i = 0; i < N_ELEMENTS(split_cases); i++) {
		const struct split_case *c = &split_cases[i];
		const char *error = NULL;
		char **argv = proc_split(c->in, &error);
		if (c->out[0] != NULL && strcmp(c->out[0], "!") == 0) {
			TEST_ASSERT(argv == NULL);
			TEST_ASSERT(error != NULL);
			proc_argv_free(&argv);
			continue;
		}
		TEST_ASSERT(argv != NULL);
		if (argv == NULL)
			continue;
		size_t j;
		for (j = 0; c->out[j] != NULL; j++) {
			TEST_STREQ(argv[j], c->out[j]);
			if (argv[j] == NULL)
				break;
		}
		if (c->out[j] == NULL)
			TEST_ASSERT(argv[j] == NULL);
		proc_argv_free(&argv);
		TEST_ASSERT(argv == NULL);
	}
}

static const struct test_case cases[] = {
	{ "proc_run table", test_proc_run_table },
	{ "proc_run large input and output", test_proc_run_large },
	{ "proc_run closes other descriptors", test_proc_run_closes_fds },
	{ "proc_run leaks nothing", test_proc_run_no_leak },
	{ "proc_run from several threads", test_proc_run_threads },
	{ "proc_split table", test_proc_split_table },
};

TEST_MAIN(cases)
