/* signals.h — SIGINT, SIGTERM and SIGHUP end xfer cleanly.
 *
 * The handlers only record the signal; loops that wait on the network
 * check signals_caught() and end their transfers properly (temp files
 * removed, the peer told), then xfer exits with 128 + the signal.
 *
 * In daemon mode (signals_daemon()) SIGHUP does not stop: it is a request
 * to reload the configuration, taken with signals_reload(). */
#ifndef XFER_SIGNALS_H
#define XFER_SIGNALS_H

void signals_init(void);
/* The first stopping signal caught, or 0. */
int signals_caught(void);
/* How many stopping signals were caught (a second one hurries a stop). */
int signals_count(void);

/* SIGHUP becomes a reload request from now on. */
void signals_daemon(void);
/* 1 once per SIGHUP received since the last call (daemon mode). */
int signals_reload(void);
/* 1 if a SIGHUP waits to be taken by signals_reload(). */
int signals_reload_pending(void);

#endif
