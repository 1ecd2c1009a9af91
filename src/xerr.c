/* xerr.c — see xerr.h */
#include <stdarg.h>
#include <stdio.h>

#include "signals.h"
#include "xerr.h"

enum xerr_code xerr_set(struct xerr *err, enum xerr_code code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != XE_OK)
		return err != NULL ? err->code : code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void xerr_clear(struct xerr *err)
{
	err->code = XE_OK;
	err->flags = 0;
	err->msg[0] = '\0';
}

enum xerr_code xerr_flag(struct xerr *err, enum xerr_flag flag)
{
	err->flags |= (unsigned)flag;
	return err->code;
}

int xerr_exit_code(enum xerr_code code)
{
	switch (code) {
	case XE_OK:          return 0;
	case XE_USAGE:       return 64;
	case XE_NOINPUT:     return 66;
	case XE_UNAVAILABLE: return 69;
	case XE_SOFTWARE:    return 70;
	case XE_CANTCREAT:   return 73;
	case XE_IO:          return 74;
	case XE_TEMPFAIL:    return 75;
	case XE_PROTOCOL:    return 76;
	case XE_NOPERM:      return 77;
	case XE_CONFIG:      return 78;
	case XE_SIGNAL:      return 128 + signals_caught();
	}
	return 70;
}
