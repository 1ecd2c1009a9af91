/* daemon_proc.h — the daemon as a process: detaching with a start-up
 * verdict, and the locks that keep it alone.
 *
 * Detaching forks; the starting process waits (at most 2 minutes) on a
 * pipe for one "CODE TEXT" line from the daemon and returns with it, so
 * `xfer daemon` exits with the daemon's start-up result. The locks are
 * flock(2)s: a pidfile per account and DIR/.xfer-daemon.lock per drop
 * directory, each holding the pid of its owner. No network, no
 * libstrophe; messages come back in a struct xerr, except what the
 * starter logs about a daemon that runs. */
#ifndef XFER_DAEMON_PROC_H
#define XFER_DAEMON_PROC_H

#include <limits.h>

#include "xerr.h"

/* The caller sets the three descriptors to -1 before the first call. */
struct daemon_proc {
	int notify_fd;		/* to the starting process, until it knows; else -1 */
	int pid_fd, dir_fd;	/* the locks held, or -1 */
	char pidfile[PATH_MAX];	/* the pidfile; "" when not ours to remove */
};

/* Descriptors 0-2 open (on /dev/null if closed), so that no lock or log
 * file opened later becomes stdin or stderr. */
void daemon_proc_stdio(void);

/* Closes every descriptor from first up (async-signal-safe: for a child
 * after fork, too). */
void daemon_proc_close_from(int first);

/* Forks: the parent waits for the child's start-up verdict and returns
 * 1 with err set from it; the child returns 0 in a new session, with
 * stdio on /dev/null (stderr on the log file when there is one), every
 * other descriptor closed but p->notify_fd (3), and / as its directory. */
int daemon_proc_detach(struct daemon_proc *p, struct xerr *err);

/* Tells the starting process how the start went (once), as "CODE TEXT",
 * and closes the pipe: XE_OK and "" for online, XE_OK and a text for
 * "runs, but TEXT; it keeps trying", else the failure. Does nothing when
 * no starter waits (foreground, or told already). */
void daemon_proc_notify(struct daemon_proc *p, enum xerr_code code, const char *msg);

/* Both locks: one daemon per account (the pidfile: pidfile, or when NULL
 * a name after bare in $XDG_RUNTIME_DIR, else in the private
 * /tmp/xfer-UID) and per directory (dir/.xfer-daemon.lock). XE_OK with
 * both held; XE_TEMPFAIL when another daemon holds one (its pid in the
 * message when known); else XE_CANTCREAT, XE_NOPERM or XE_IO. */
enum xerr_code daemon_proc_lock(struct daemon_proc *p, const char *pidfile, const char *bare,
				const char *dir, struct xerr *err);

/* Releases the locks held: removes the pidfile if ours; the directory's
 * lock file stays (a lock, not a record). */
void daemon_proc_unlock(struct daemon_proc *p);

#endif
