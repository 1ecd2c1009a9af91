/* log.c — see log.h */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logsys.h"
#include "utf8.h"

static const char *log_prog = "xfer";
static int log_verbosity;
static int log_status_open;
enum log_to { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_FILE };
static enum log_to log_to = LOG_TO_STDERR;
static int log_fd = -1;
static char *log_path;
/* Workers (job.c) may log in rare paths; one line at a time. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_file_line(const char *prefix, const char *text);

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
	if (log_to == LOG_TO_SYSLOG) {
		logsys_write((int)level, text); /* syslog has its own levels */
	} else if (log_to == LOG_TO_FILE) {
		log_file_line(prefix[level], text);
	} else {
		log_status_end();
		fprintf(stderr, "%s: %s%s\n", log_prog, prefix[level], text);
	}
	pthread_mutex_unlock(&log_lock);
	free(text);
}

/* One write() per line: with O_APPEND, lines from other writers of the
 * file (on_receive commands) never land inside ours. */
static void log_file_line(const char *prefix, const char *text)
{
	char stamp[32], *line;
	struct tm tm;
	time_t now = time(NULL);
	int n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(NULL, 0, "%s %s[%ld]: %s%s\n", stamp, log_prog, (long)getpid(), prefix, text);
	if (n < 0 || (line = malloc((size_t)n + 1)) == NULL)
		return;
	snprintf(line, (size_t)n + 1, "%s %s[%ld]: %s%s\n", stamp, log_prog, (long)getpid(),
		 prefix, text);
	if (write(log_fd, line, (size_t)n) < 0) {
		/* Nowhere else to say it; the next line tries again. */
	}
	free(line);
}

static int log_open_file(const char *path, struct xerr *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

	if (fd < 0)
		xerr_set(err, XE_CANTCREAT, "cannot open the log file %s: %s", path,
			 strerror(errno));
	return fd;
}

int log_spec_ok(const char *spec)
{
	return strcmp(spec, "syslog") == 0 || strcmp(spec, "stderr") == 0 || spec[0] == '/';
}

enum xerr_code log_target(const char *spec, struct xerr *err)
{
	enum log_to to;
	char *path = NULL;
	int fd = -1;

	if (strcmp(spec, "stderr") == 0) {
		to = LOG_TO_STDERR;
	} else if (strcmp(spec, "syslog") == 0) {
		to = LOG_TO_SYSLOG;
	} else if (spec[0] == '/') {
		to = LOG_TO_FILE;
		if ((path = strdup(spec)) == NULL)
			return xerr_set(err, XE_SOFTWARE, "out of memory");
		if ((fd = log_open_file(spec, err)) < 0) {
			free(path);
			return err->code;
		}
	} else {
		return xerr_set(err, XE_CONFIG, "log '%s': use syslog, stderr or an absolute "
				"file name", spec);
	}
	pthread_mutex_lock(&log_lock);
	if (log_to == LOG_TO_SYSLOG && to != LOG_TO_SYSLOG)
		logsys_close();
	if (log_fd >= 0)
		close(log_fd);
	free(log_path);
	if (to == LOG_TO_SYSLOG && log_to != LOG_TO_SYSLOG)
		logsys_open(log_prog);
	log_to = to;
	log_fd = fd;
	log_path = path;
	pthread_mutex_unlock(&log_lock);
	return XE_OK;
}

enum xerr_code log_reopen(struct xerr *err)
{
	int fd;

	if (log_to != LOG_TO_FILE)
		return XE_OK;
	if ((fd = log_open_file(log_path, err)) < 0)
		return XE_CANTCREAT;
	pthread_mutex_lock(&log_lock);
	close(log_fd);
	log_fd = fd;
	pthread_mutex_unlock(&log_lock);
	return XE_OK;
}

int log_file_fd(void)
{
	return log_to == LOG_TO_FILE ? log_fd : -1;
}

const char *log_printable(const char *s, char *buf, size_t len)
{
	size_t i = 0, n;
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;

	if (len == 0)
		return buf;
	while (*p != '\0' && i + 1 < len) {
		n = utf8_decode(p, &cp);
		if (n == 0) {
			buf[i++] = '?'; /* not UTF-8: a bare 0x9b is CSI to an 8-bit terminal */
			p++;
		} else if (utf8_disguising(cp)) {
			buf[i++] = '?';
			p += n;
		} else if (i + n < len) {
			memmove(buf + i, p, n); /* buf may be s: i never passes p */
			i += n;
			p += n;
		} else {
			break; /* cut at a character boundary */
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
