/* log.c — see log.h */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static const char *log_prog = "xfer";
static int log_verbosity;

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
	va_list ap;

	if (!log_enabled(level))
		return;
	fprintf(stderr, "%s: %s", log_prog, prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
