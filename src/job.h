/* job.h — one blocking task in a worker thread, cancellable.
 *
 * Bulk data (S5B, HTTP) moves in a worker so that its loop can block in
 * poll()/sendfile()/read() while the main thread keeps the XMPP session
 * answering. libstrophe is used by the main thread only, and workers do
 * not log (the one rare exception, sink_abort()'s warning, is serialized
 * by log.c): a job reports through its fields, which the main thread reads after
 * job_done() says it ended (bytes and total may be read at any time).
 * A job blocks in poll() on cancel_fd next to its own descriptors, so
 * job_cancel() ends it promptly. Worker threads block every signal; the
 * main thread receives them.
 *
 * The rule every job keeps, because the main thread joins it in
 * job_finish() (on a fallback, a transport-replace, at shutdown) and
 * answers nobody meanwhile: a job never blocks in a call that cancel_fd
 * cannot end. Every wait is a poll() that includes cancel_fd (net_wait()
 * in net.h, or cancel_fd handed to httpd/fetch), sockets are non-blocking,
 * and a call that cannot be interrupted at all, a host name lookup, runs
 * apart with resolve_tcp() (resolve.h), which the job may abandon. Local
 * work that always ends by itself (a disk write, fsync) is allowed. */
#ifndef XFER_JOB_H
#define XFER_JOB_H

#include <pthread.h>
#include <stdatomic.h>

#include "xerr.h"

struct job {
	void (*fn)(struct job *j);
	void *arg;
	int cancel_fd;		/* readable once job_cancel() was called */
	_Atomic long long bytes;	/* progress, set by the worker */
	_Atomic long long total;	/* expected size when known, else -1 */
	struct xerr err;	/* the worker's verdict (XE_OK: it succeeded) */
	/* private */
	pthread_t th;
	int started;
	int pipe_w;
	atomic_int done;
};

/* Starts fn(j) in a new thread; j->arg is arg. */
enum xerr_code job_start(struct job *j, void (*fn)(struct job *j), void *arg, struct xerr *err);
int job_done(struct job *j);
void job_cancel(struct job *j);
/* Cancels if still running, waits for the worker and releases the pipe;
 * prompt by the rule above. Safe on a job that never started (zeroed). */
void job_finish(struct job *j);

#endif
