/* httpd.c — see httpd.h */
#define _GNU_SOURCE /* accept4() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "httpd.h"
#include "httpreq.h"
#include "net.h"

#define HTTPD_LINGER_MS 1000		/* reading what a client still sends before close */
#define HTTPD_LINGER_BYTES (1 << 20)
#define HTTPD_FOREVER 1000000000	/* ms: the longest poll; waiting for clients loops */

/* How a step with one client ended: go on with it, drop it (it is gone,
 * too slow or answered), or stop serving. */
enum conn { CONN_NEXT, CONN_DROP, CONN_CANCELLED, CONN_FAILED };

/* Waits until fd has events, ms pass or cancel_fd is readable. The
 * caller retries its I/O and checks its own deadline after every return,
 * so a timeout is not a case of its own. Returns CONN_NEXT to go on, or
 * CONN_CANCELLED / CONN_FAILED. */
static enum conn wait_fd(const struct httpd_args *a, int fd, short events, long long ms,
			 struct xerr *err)
{
	enum net_rc rc = net_wait(fd, events, a->cancel_fd,
				  ms > HTTPD_FOREVER ? HTTPD_FOREVER : (long)ms);

	if (rc == NET_EPOLL) {
		xerr_set(err, XE_SOFTWARE, "HTTP server: poll: %s", strerror(errno));
		return CONN_FAILED;
	}
	return rc == NET_CANCELLED ? CONN_CANCELLED : CONN_NEXT;
}

static int would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* What the end of a send means for the connection: a client that is
 * gone or takes nothing is dropped; a failing poll() stops the server. */
static enum conn send_result(enum net_rc rc, const struct xerr *e, struct xerr *err)
{
	switch (rc) {
	case NET_OK:
		return CONN_NEXT;
	case NET_CANCELLED:
		return CONN_CANCELLED;
	case NET_EPOLL:
		xerr_set(err, XE_SOFTWARE, "HTTP server: %s", e->msg);
		return CONN_FAILED;
	default:
		return CONN_DROP;	/* the client went away, or takes nothing */
	}
}

/* Sends the response head, giving the client idle_ms for each bit of
 * progress. */
static enum conn send_head(const struct httpd_args *a, int fd, const char *buf, size_t len,
			   struct xerr *err)
{
	struct xerr e;

	xerr_clear(&e);
	return send_result(net_send_all(fd, buf, len, a->cancel_fd, a->idle_ms, &e), &e, err);
}

/* Sends the file, giving the client idle_ms for each bit of progress. */
static enum conn send_body(const struct httpd_args *a, int fd, struct xerr *err)
{
	struct xerr e;
	long long off = 0;
	enum net_rc rc;

	xerr_clear(&e);
	rc = net_sendfile_all(fd, a->file_fd, a->size, a->cancel_fd, a->idle_ms, a->sent, &off,
			      &e);
	if (rc == NET_SHORT) {
		xerr_set(err, XE_IO, "the file being offered shrank to %lld of %lld bytes", off,
			 a->size);
		return CONN_FAILED;
	}
	if (rc == NET_EFILE) {
		xerr_set(err, XE_IO, "cannot read the file being offered: %s", e.msg);
		return CONN_FAILED;
	}
	if (rc == NET_OK && a->served != NULL)
		(*a->served)++;
	return send_result(rc, &e, err);
}

/* Reads the request head within head_ms, until the parser says DONE or
 * ERROR; a client that closes or is too slow is dropped unanswered. */
static enum conn read_head(const struct httpd_args *a, int fd, struct httpreq *r,
			   struct xerr *err)
{
	long long deadline = clock_ms() + a->head_ms;
	char buf[4096];

	httpreq_init(r);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		enum conn c;
		size_t used;

		if (n > 0) {
			if (httpreq_feed(r, buf, (size_t)n, &used) != HTTPREQ_NEED_MORE)
				return CONN_NEXT;
			continue;
		}
		if (n == 0 || !would_block() || clock_ms() >= deadline)
			return CONN_DROP;
		c = wait_fd(a, fd, POLLIN, deadline - clock_ms(), err);
		if (c != CONN_NEXT)
			return c;
	}
}

/* Before close, reads (and drops) what the client still sends, for a
 * while: closing with unread bytes makes the kernel send a reset, which
 * can destroy the response before the client has read it. */
static enum conn linger(const struct httpd_args *a, int fd, struct xerr *err)
{
	long long deadline = clock_ms() + HTTPD_LINGER_MS;
	size_t total = 0;
	char buf[4096];

	shutdown(fd, SHUT_WR);
	while (total < HTTPD_LINGER_BYTES) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		enum conn c;

		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0 || !would_block() || clock_ms() >= deadline)
			break;
		c = wait_fd(a, fd, POLLIN, deadline - clock_ms(), err);
		if (c != CONN_NEXT)
			return c;
	}
	return CONN_DROP;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

static enum conn serve_client(const struct httpd_args *a, int fd, struct xerr *err)
{
	struct httpreq r;
	char head[256];
	int status, len;
	enum conn c;

	c = read_head(a, fd, &r, err);
	if (c != CONN_NEXT)
		return c;
	if (r.status != 0)
		status = r.status;
	else
		status = strcmp(r.target, a->path) == 0 ? 200 : 404;
	if (status == 200)
		len = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
			       "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
			       a->size);
	else
		len = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n"
			       "%sConnection: close\r\n\r\n", status, reason(status),
			       status == 405 ? "Allow: GET, HEAD\r\n" : "");
	c = send_head(a, fd, head, (size_t)len, err);
	if (c == CONN_NEXT && status == 200 && r.method == HTTPREQ_GET)
		c = send_body(a, fd, err);
	if (c != CONN_NEXT)
		return c;
	return linger(a, fd, err);
}

enum xerr_code httpd_serve(const struct httpd_args *a, struct xerr *err)
{
	int flags = fcntl(a->listen_fd, F_GETFL);
	struct xerr local;

	if (err == NULL) {	/* the code of a failure is kept in err */
		xerr_clear(&local);
		err = &local;
	}
	/* A connection reset between poll() and accept() must not block us. */
	if (flags < 0 || fcntl(a->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return xerr_set(err, XE_SOFTWARE, "HTTP server: fcntl: %s", strerror(errno));
	for (;;) {
		enum conn c = wait_fd(a, a->listen_fd, POLLIN, HTTPD_FOREVER, err);
		int fd;

		if (c == CONN_CANCELLED)
			return XE_OK;
		if (c == CONN_FAILED)
			return err->code;
		fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM || errno == EBADF || errno == EINVAL ||
			    errno == ENOTSOCK)
				return xerr_set(err, XE_IO, "HTTP server: cannot accept a "
						"connection: %s", strerror(errno));
			continue;	/* nothing pending, or that client is gone */
		}
		c = serve_client(a, fd, err);
		close(fd);
		if (c == CONN_CANCELLED)
			return XE_OK;
		if (c == CONN_FAILED)
			return err->code;
	}
}
