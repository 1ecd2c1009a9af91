/* fetch.h — the receiver's side of Out-of-Band Data (XEP-0066): one file
 * fetched with libcurl into the sink, blocking, for a worker thread.
 *
 * The URL comes from the peer, so it is held tightly: http and https only
 * (redirects are not followed; a 3xx is a failure), a direct connection
 * whatever the environment's proxy variables say, HTTP/1.1, no content
 * decoding. The answer must be 200 with a Content-Length; the size is
 * checked against max_size and the free space before a file is created,
 * and the body must be exactly that long: a short body, a longer one or
 * a broken connection leaves no file. Messages name the server as
 * host:port and pass nothing the server sent through unfiltered.
 *
 * The host name is resolved here with resolve_tcp() and handed to curl as
 * addresses, never resolved by curl: a silent resolver cannot outlast
 * connect_ms or a cancel.
 *
 * Nothing here logs (log.c is not thread-safe). */
#ifndef XFER_FETCH_H
#define XFER_FETCH_H

#include <stdatomic.h>
#include <stddef.h>

#include "xerr.h"

/* What fetch.c reads itself from a response head; curl parses the
 * status code. */
struct fetch_head {
	char reason[64];	/* the reason phrase of the status line, printable */
	char location[256];	/* the Location field, printable; "" when none */
	long long size;		/* Content-Length; -1 when none (or not a number) */
	int bad_size;		/* a Content-Length that is not one number, or two that differ */
};

enum fetch_line { FETCH_LINE_STATUS, FETCH_LINE_FIELD, FETCH_LINE_END };

/* Reads one line of a head (n bytes, its line end included; not a C
 * string) into h: a status line starts h afresh, a field may set part
 * of it, and the empty line ends the head. Pure (no curl, no I/O), for
 * tests and tests/fuzz; h starts zeroed with size -1. */
enum fetch_line fetch_head_line(struct fetch_head *h, const char *buf, size_t n);

/* curl_global_init(); call once from main() before any thread starts. */
void fetch_global_init(void);

struct fetch_args {
	const char *url;
	const char *dir;		/* destination directory */
	const char *name;		/* a safe base name (sink_sanitize_name) */
	long long max_size;		/* -1: no limit */
	long connect_ms;		/* budget for resolving the host name and
					 * connecting (TCP and TLS) */
	long idle_ms;			/* abort when no byte arrives for this long */
	int cancel_fd;			/* readable: abort; -1: never */
	_Atomic long long *got;		/* body bytes received so far; may be NULL */
	_Atomic long long *total;	/* the Content-Length once known; may be NULL */
	/* Admission, when want is not NULL: the owner decides whether the
	 * file's size can be reserved. Once the head is accepted (and the size
	 * is within max_size) the worker stores the Content-Length in *want
	 * (which the owner set to -1) and waits, creating no file, until the
	 * owner stores 1 in *admitted (the size now counts as reserved) or
	 * cancels the job (refused). After FETCH_ADMIT_MS without either the
	 * fetch fails with XE_TEMPFAIL. An empty file is not waited for. */
	_Atomic long long *want;
	atomic_int *admitted;
};

#define FETCH_ADMIT_MS 10000

/* Fetches a->url into a new file in a->dir through the sink and writes
 * its path into path (len bytes). Errors, each with a message in err:
 *   XE_UNAVAILABLE  cannot resolve or connect, the connection broke, an
 *                   HTTP status other than 200 (a redirect says so)
 *   XE_TEMPFAIL     connect_ms (the lookup included) or idle_ms ran out,
 *                   or no admission came within FETCH_ADMIT_MS
 *   XE_PROTOCOL     not an http(s) URL, no or a bad Content-Length, a
 *                   body shorter or longer than announced, a broken reply
 *   XE_NOPERM       the server's certificate is not trusted
 *   XE_CANTCREAT    larger than max_size, or not enough free space
 *   XE_SIGNAL       cancel_fd became readable (a caller that cancels for
 *                   another reason replaces the error)
 *   other           from the sink (XE_IO, XE_CANTCREAT), or XE_SOFTWARE
 * On any error no file is left in dir. */
enum xerr_code fetch_to_sink(const struct fetch_args *a, char *path, size_t len,
			     struct xerr *err);

#endif
