/* log.c: debug logging to a file, thread-safe, never to the terminal. */
#include "skua.h"
#include "log.h"
#include "errstr.h"
#include "file.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static FILE *log_file;
static enum log_level log_min = LOG_ERROR;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int log_open(const char *path, enum log_level min_level, const char **error_r)
{
	int fd = file_open_write(path, FILE_APPEND, error_r);
	if (fd < 0)
		return -1;
	log_file = fdopen(fd, "a");
	if (log_file == NULL) {
		close(fd);
		*error_r = errstr("%s: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	log_min = min_level;
	return 0;
}

bool log_enabled(enum log_level level)
{
	return log_file != NULL && level >= log_min;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	struct timespec ts;
	va_list ap;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&log_lock);
	fprintf(log_file, "%lld.%03ld %s: ", (long long)ts.tv_sec, ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	pthread_mutex_unlock(&log_lock);
}

void log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}
