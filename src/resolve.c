/* resolve.c — see resolve.h */
#define _GNU_SOURCE /* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "resolve.h"

/* One lookup, shared by the waiter and the lookup thread. Each holds a
 * reference; whoever drops the last one frees it, with an answer nobody
 * took. The thread writes rc and ai, then sets done, then writes a byte
 * to pipe_w: a waiter that saw done may take ai. */
struct lookup {
	atomic_int refs;
	atomic_int done;
	int rc;			/* getaddrinfo()'s result */
	int sys_errno;		/* with EAI_SYSTEM */
	struct addrinfo *ai;
	int pipe_r, pipe_w;
	char *host;
	char port[8];
};

static atomic_int pending;	/* lookup threads that have not ended */

static void lookup_unref(struct lookup *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	if (l->ai != NULL)
		freeaddrinfo(l->ai);
	close(l->pipe_r);
	close(l->pipe_w);
	free(l->host);
	free(l);
}

static void lookup_hints(struct addrinfo *hints, int flags)
{
	memset(hints, 0, sizeof(*hints));
	hints->ai_socktype = SOCK_STREAM;
	hints->ai_flags = AI_NUMERICSERV | flags;
}

static void *lookup_main(void *p)
{
	struct lookup *l = p;
	struct addrinfo hints;

	lookup_hints(&hints, 0);
	l->rc = getaddrinfo(l->host, l->port, &hints, &l->ai);
	l->sys_errno = errno;
	atomic_store(&l->done, 1);
	(void)!write(l->pipe_w, "x", 1);	/* the pipe is ours until the unref */
	atomic_fetch_sub(&pending, 1);
	lookup_unref(l);
	return NULL;
}

/* A new lookup holding two references (waiter and thread), or NULL. */
static struct lookup *lookup_new(const char *host, const char *port)
{
	struct lookup *l = calloc(1, sizeof(*l));
	int pfd[2];

	if (l == NULL)
		return NULL;
	l->host = strdup(host);
	if (l->host == NULL || pipe2(pfd, O_CLOEXEC) < 0) {
		free(l->host);
		free(l);
		return NULL;
	}
	l->pipe_r = pfd[0];
	l->pipe_w = pfd[1];
	snprintf(l->port, sizeof(l->port), "%s", port);
	atomic_init(&l->refs, 2);
	atomic_init(&l->done, 0);
	return l;
}

/* Starts the detached lookup thread, signals blocked (they are the main
 * thread's). 0, or an errno value. */
static int lookup_start(struct lookup *l)
{
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return ENOMEM;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&th, &attr, lookup_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

/* Waits for the lookup's byte: 1 it came, 0 the deadline passed, -1
 * cancel_fd is readable. */
static int lookup_wait(struct lookup *l, long long deadline, int cancel_fd)
{
	struct pollfd p[2] = { { l->pipe_r, POLLIN, 0 }, { cancel_fd, POLLIN, 0 } };
	long long left;
	int n;

	for (;;) {
		left = deadline - clock_ms();
		if (left < 0)
			left = 0;
		n = poll(p, cancel_fd >= 0 ? 2 : 1, left > 1000000 ? 1000000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;	/* cannot wait: as if out of time */
		if (cancel_fd >= 0 && p[1].revents != 0)
			return -1;
		if (p[0].revents != 0 && atomic_load(&l->done))
			return 1;
		if (n == 0 && left == 0)
			return 0;
	}
}

enum resolve_rc resolve_tcp(const char *host, unsigned short port, long long deadline,
			    int cancel_fd, struct addrinfo **out, char *why, size_t wlen)
{
	struct addrinfo hints;
	struct lookup *l;
	char portstr[8];
	int rc, sys_errno;

	*out = NULL;
	snprintf(portstr, sizeof(portstr), "%u", port);
	lookup_hints(&hints, AI_NUMERICHOST);
	if (getaddrinfo(host, portstr, &hints, out) == 0)
		return RESOLVE_OK;
	*out = NULL;
	if (clock_ms() >= deadline) {
		snprintf(why, wlen, "timed out");
		return RESOLVE_TIMEDOUT;
	}
	if (atomic_fetch_add(&pending, 1) >= RESOLVE_MAX_PENDING) {
		atomic_fetch_sub(&pending, 1);
		snprintf(why, wlen, "too many name lookups in progress");
		return RESOLVE_FAILED;
	}
	l = lookup_new(host, portstr);
	if (l == NULL) {
		atomic_fetch_sub(&pending, 1);
		snprintf(why, wlen, "%s", strerror(errno));
		return RESOLVE_FAILED;
	}
	rc = lookup_start(l);
	if (rc != 0) {
		atomic_fetch_sub(&pending, 1);
		lookup_unref(l);
		lookup_unref(l);
		snprintf(why, wlen, "cannot start a thread: %s", strerror(rc));
		return RESOLVE_FAILED;
	}
	rc = lookup_wait(l, deadline, cancel_fd);
	if (rc <= 0) {
		lookup_unref(l);	/* the thread frees the rest */
		snprintf(why, wlen, "%s", rc == 0 ? "timed out" : "cancelled");
		return rc == 0 ? RESOLVE_TIMEDOUT : RESOLVE_CANCELLED;
	}
	rc = l->rc;
	sys_errno = l->sys_errno;
	*out = l->ai;
	l->ai = NULL;
	lookup_unref(l);
	if (rc != 0) {
		*out = NULL;
		snprintf(why, wlen, "%s", rc == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(rc));
		return RESOLVE_FAILED;
	}
	return RESOLVE_OK;
}

int resolve_pending(void)
{
	return atomic_load(&pending);
}
