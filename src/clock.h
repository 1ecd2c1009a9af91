/* clock.h — the one clock for deadlines: monotonic milliseconds. */
#ifndef XFER_CLOCK_H
#define XFER_CLOCK_H

#include <time.h>

static inline long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
