/* daemon.h — `xfer daemon`: stay online and receive into a drop directory.
 *
 * The daemon's life around the shared receiver (recv.h): the checks at
 * start, detaching (the starting process exits with the daemon's start-up
 * result), the pidfile and drop-directory locks, the log target, logins
 * with capped and jittered back-off, a keep-alive ping, SIGHUP reloads,
 * SIGTERM/SIGINT with a grace period, and on_receive commands. */
#ifndef XFER_DAEMON_H
#define XFER_DAEMON_H

#include "config.h"
#include "opts.h"
#include "xerr.h"

/* Runs until SIGTERM/SIGINT (XE_OK) or a failure that retrying cannot fix
 * (bad password, untrusted certificate, lock held, bad configuration).
 * cfg_path is the configuration file acct came from, read again on SIGHUP.
 * Without o->foreground the calling process returns with the start-up
 * result of the daemon it forked; the daemon itself returns only at its
 * end, like the foreground case. */
enum xerr_code daemon_run(struct account *acct, const char *cfg_path,
			  const struct xfer_opts *o, struct xerr *err);

/* Back-off before login attempt n (0, 1, ...), in ms: 1, 2, 4 ... s, at
 * most 60 s, scaled by rnd in [0, 1] to between half and all of it. */
long daemon_backoff_ms(int n, double rnd);

#endif
