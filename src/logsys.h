/* logsys.h — syslog(3) for log.c, kept apart because <syslog.h> defines
 * LOG_INFO and LOG_DEBUG, which log.h's levels also name.
 * level: 0 error, 1 warning, 2 info, 3 debug and trace. */
#ifndef XFER_LOGSYS_H
#define XFER_LOGSYS_H

void logsys_open(const char *ident);
void logsys_write(int level, const char *text);
void logsys_close(void);

#endif
