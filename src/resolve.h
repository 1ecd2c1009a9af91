/* resolve.h — a host name lookup that its caller can abandon.
 *
 * getaddrinfo() cannot be cancelled and keeps only the resolver's own
 * timeouts (resolv.conf: 5 s times 2 attempts by default, per name). A
 * name supplied by a peer (a streamhost, an out-of-band URL) would hold a
 * worker that long, and with it the main thread joining that worker.
 * resolve_tcp() runs the lookup in a detached thread and waits for its
 * answer within a deadline, watching a cancel descriptor; when it gives up
 * it returns at once, and the thread frees everything whenever
 * getaddrinfo() returns. A numeric address (IPv4 or IPv6) is converted in
 * place, without a thread.
 *
 * At most RESOLVE_MAX_PENDING lookup threads exist at a time, abandoned
 * ones included, so a peer that offers name after name to a silent
 * resolver cannot pile up threads. Safe from any thread; nothing here
 * logs. */
#ifndef XFER_RESOLVE_H
#define XFER_RESOLVE_H

#include <netdb.h>
#include <stddef.h>

#define RESOLVE_MAX_PENDING 16

enum resolve_rc {
	RESOLVE_OK,
	RESOLVE_FAILED,		/* the resolver answered no, or no thread */
	RESOLVE_TIMEDOUT,	/* the deadline passed first */
	RESOLVE_CANCELLED,	/* cancel_fd became readable first */
};

/* The addresses of host (a name, or a numeric address without brackets)
 * for a TCP connection to port, by deadline (clock_ms()) unless cancel_fd
 * (-1: none) becomes readable. On RESOLVE_OK *out holds the list (free it
 * with freeaddrinfo()); otherwise *out is NULL and why (wlen bytes) says
 * what happened: "timed out", "cancelled", the resolver's answer, or
 * "too many name lookups in progress". */
enum resolve_rc resolve_tcp(const char *host, unsigned short port, long long deadline,
			    int cancel_fd, struct addrinfo **out, char *why, size_t wlen);

/* Lookup threads that have not ended yet (for tests). */
int resolve_pending(void);

#endif
