/* log.c — see log.h */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static const char *log_prog = "xfer";
static int log_verbosity;
static int log_status_open;
/* Workers (job.c) may log in rare paths; one line at a time. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_init(const char *progname, int verbosity)
{
	log_prog = progname;
	log_verbosity = verbosity;
}

int log_enabled(enum log_level level)
{
	switch (level) {
	case LOG_ERROR: return 1;
	case LOG_WARN:  return log_verbosity >= 0;
	case LOG_INFO:  return log_verbosity >= 1;
	case LOG_DEBUG: return log_verbosity >= 2;
	case LOG_TRACE: return log_verbosity >= 3;
	}
	return 0;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOG_ERROR] = "", [LOG_WARN] = "warning: ",
		[LOG_INFO] = "", [LOG_DEBUG] = "debug: ", [LOG_TRACE] = "trace: ",
	};
	va_list ap, ap2;
	char *text = NULL;
	int n;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && (text = malloc((size_t)n + 1)) != NULL)
		vsnprintf(text, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	if (text == NULL) {
		fprintf(stderr, "%s: %s(message lost: out of memory)\n", log_prog, prefix[level]);
		return;
	}
	/* Messages quote servers and peers: never let them drive the terminal. */
	log_printable(text, text, (size_t)n + 1);
	pthread_mutex_lock(&log_lock);
	log_status_end();
	fprintf(stderr, "%s: %s%s\n", log_prog, prefix[level], text);
	pthread_mutex_unlock(&log_lock);
	free(text);
}

const char *log_printable(const char *s, char *buf, size_t len)
{
	size_t i = 0;
	const unsigned char *p = (const unsigned char *)s;

	if (len == 0)
		return buf;
	for (; *p != '\0' && i + 1 < len; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			buf[i++] = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf[i++] = '?'; /* U+0080..U+009F, e.g. CSI */
			p++;
		} else {
			buf[i++] = (char)*p;
		}
	}
	buf[i] = '\0';
	return buf;
}

void log_status(const char *line)
{
	/* \r, the line, then erase whatever a longer previous line left. */
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	log_status_open = 1;
	pthread_mutex_unlock(&log_lock);
}

void log_status_end(void)
{
	if (log_status_open) {
		fputc('\n', stderr);
		log_status_open = 0;
	}
}
