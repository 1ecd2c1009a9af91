/* job.c — see job.h */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "job.h"

static void *job_main(void *p)
{
	struct job *j = p;

	j->fn(j);
	atomic_store(&j->done, 1);
	return NULL;
}

enum xerr_code job_start(struct job *j, void (*fn)(struct job *j), void *arg, struct xerr *err)
{
	int pfd[2], rc;
	sigset_t all, old;

	j->fn = fn;
	j->arg = arg;
	j->started = 0;
	atomic_store(&j->done, 0);
	atomic_store(&j->bytes, 0);
	atomic_store(&j->total, -1);
	xerr_clear(&j->err);
	if (pipe(pfd) < 0)
		return xerr_set(err, XE_SOFTWARE, "pipe: %s", strerror(errno));
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	j->cancel_fd = pfd[0];
	j->pipe_w = pfd[1];
	/* The thread inherits this mask: signals go to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&j->th, NULL, job_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(pfd[0]);
		close(pfd[1]);
		j->cancel_fd = j->pipe_w = -1;
		return xerr_set(err, XE_SOFTWARE, "cannot start a thread: %s", strerror(rc));
	}
	j->started = 1;
	return XE_OK;
}

int job_done(struct job *j)
{
	return j->started && atomic_load(&j->done);
}

void job_cancel(struct job *j)
{
	if (j->started && j->pipe_w >= 0) {
		(void)!write(j->pipe_w, "x", 1);
		close(j->pipe_w); /* readable for good */
		j->pipe_w = -1;
	}
}

void job_finish(struct job *j)
{
	if (!j->started)
		return;
	if (!atomic_load(&j->done))
		job_cancel(j);
	pthread_join(j->th, NULL);
	if (j->pipe_w >= 0)
		close(j->pipe_w);
	close(j->cancel_fd);
	j->pipe_w = j->cancel_fd = -1;
	j->started = 0;
}
