/* log.h — the one path for messages to the user.
 *
 * Everything xfer tells a person goes through here, to stderr. The level is
 * set once from -q/-v: LOG_ERROR is always shown, LOG_WARN unless -q,
 * LOG_INFO from -v, LOG_DEBUG from -vv, LOG_TRACE (protocol traffic, with
 * secrets removed) from -vvv. Messages never contain passwords. */
#ifndef XFER_LOG_H
#define XFER_LOG_H

#include <stddef.h>

#include "xerr.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

/* verbosity: -1 for -q, 0 by default, +1 per -v. */
void log_init(const char *progname, int verbosity);

/* Where messages go (the daemon's `log`): "stderr" (the default),
 * "syslog" (ident progname, LOG_PID, facility daemon), or an absolute
 * path, appended to, each line stamped "YYYY-MM-DDTHH:MM:SSZ prog[PID]: ".
 * On failure the target is unchanged and err says why (XE_CONFIG for a
 * bad spec, XE_CANTCREAT for a file that cannot be opened). */
enum xerr_code log_target(const char *spec, struct xerr *err);
/* 1 if spec names a target log_target() takes: syslog, stderr or an
 * absolute file name (the one rule for --log and the `log` key). */
int log_spec_ok(const char *spec);
/* Opens the log file again by name (after logrotate moved it); a no-op
 * for stderr and syslog. On failure the old file stays in use (err may
 * be NULL). */
enum xerr_code log_reopen(struct xerr *err);
/* The descriptor of the log file, or -1 when the target is not a file. */
int log_file_fd(void);
int log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Copies s into buf (of len bytes) with control characters (C0, DEL, and
 * the C1 range as UTF-8) and the characters that reorder or hide text
 * (bidi controls, zero-width characters; utf8_disguising()) and bytes
 * that are not UTF-8 replaced by '?', so that text from a server or peer cannot move the cursor, rewrite
 * the terminal or show a name other than the one offered. Works in place
 * (buf == s). Returns buf. */
const char *log_printable(const char *s, char *buf, size_t len);

/* The progress line: log_status() draws line in place of the previous one
 * (stderr only); log_status_end() ends it with a newline. Any message that
 * comes while a status line is open first ends that line. */
void log_status(const char *line);
void log_status_end(void);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) log_msg(LOG_TRACE, __VA_ARGS__)

#endif
