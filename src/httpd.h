/* httpd.h — the sender's side of Out-of-Band Data (XEP-0066): a blocking
 * HTTP/1.1 server that offers one file at one path, for a worker thread.
 *
 * One client at a time. GET of exactly the path answers 200 with
 * Content-Length, Content-Type application/octet-stream and Connection:
 * close, and the body through sendfile(); HEAD the same head without a
 * body. Any other target is 404, other methods 405, heads httpreq.c
 * refuses get its status (400, 414, 431, 505). Every connection is closed
 * after one response, so there is no keep-alive to get wrong.
 *
 * Every wait polls cancel_fd as well: once it is readable, httpd_serve()
 * returns within a poll interval, whatever clients are doing. A client
 * has head_ms to send its request head, and is dropped when it takes no
 * bytes for idle_ms.
 *
 * It never logs (log.c is not thread-safe) and never raises SIGPIPE for
 * the response head (MSG_NOSIGNAL); sendfile() can, so the process must
 * ignore SIGPIPE, as signals_init() does. */
#ifndef XFER_HTTPD_H
#define XFER_HTTPD_H

#include "xerr.h"

struct httpd_args {
	int listen_fd;		/* bound and listening; owned by the caller, made non-blocking */
	const char *path;	/* the one target served, compared exactly (httpreq_path) */
	int file_fd;		/* the file, read with sendfile() from offset 0; not moved */
	long long size;		/* its size; a file that turns out shorter is an XE_IO error */
	int cancel_fd;		/* when readable: stop and return XE_OK; -1: never */
	long head_ms;		/* budget for one request head, from accept (e.g. 10000) */
	long idle_ms;		/* a client that takes no bytes this long is dropped */
	_Atomic long long *sent; /* body bytes of the current GET sent so far; may be NULL */
	_Atomic int *served;	/* GET bodies handed to the kernel completely (the
				 * client may still fail: only its own word, the
				 * XEP-0066 IQ result, says it has the file); may be NULL */
};

/* Serves until cancel_fd is readable, then returns XE_OK. Client failures
 * (resets, stalls, bad requests) only end that client's connection. An
 * error comes back only for local failures: accept() running out of
 * descriptors or memory (XE_IO), the file unreadable or shorter than size
 * (XE_IO), poll() failing (XE_SOFTWARE); err says which. */
enum xerr_code httpd_serve(const struct httpd_args *a, struct xerr *err);

#endif
