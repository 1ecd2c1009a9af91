/* signals.h — SIGINT, SIGTERM and SIGHUP end xfer cleanly.
 *
 * The handlers only record the signal; loops that wait on the network
 * check signals_caught() and end their transfers properly (temp files
 * removed, the peer told), then xfer exits with 128 + the signal. */
#ifndef XFER_SIGNALS_H
#define XFER_SIGNALS_H

void signals_init(void);
/* The first signal caught, or 0. */
int signals_caught(void);

#endif
