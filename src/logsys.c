/* logsys.c — see logsys.h */
#include <syslog.h>

#include "logsys.h"

void logsys_open(const char *ident)
{
	openlog(ident, LOG_PID, LOG_DAEMON);
}

void logsys_write(int level, const char *text)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	syslog(prio[level < 0 ? 0 : level > 3 ? 3 : level], "%s", text);
}

void logsys_close(void)
{
	closelog();
}
