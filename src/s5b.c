/* s5b.c — see s5b.h */
#define _GNU_SOURCE /* accept4() */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "codec.h"
#include "net.h"
#include "resolve.h"
#include "s5b.h"

#define S5B_PENDING 4		/* handshakes in progress at the listener */
#define S5B_CHUNK (1 << 20)	/* bytes per read() */

void s5b_hash(const char *sid, const char *requester, const char *target,
	      char out[SOCKS5_HASH_LEN + 1])
{
	struct digest *d = digest_new(DIGEST_SHA1);
	char hex[65];

	out[0] = '\0';
	if (d == NULL)
		return;
	digest_update(d, sid, strlen(sid));
	digest_update(d, requester, strlen(requester));
	digest_update(d, target, strlen(target));
	digest_final_hex(d, hex);
	digest_free(d);
	memcpy(out, hex, SOCKS5_HASH_LEN);
	out[SOCKS5_HASH_LEN] = '\0';
}

/* ---- listener ---- */

struct pending {
	int fd;
	long long deadline;
	struct socks5 p;
};

struct s5b_listener {
	int fd;
	unsigned short port;
	char hash[SOCKS5_HASH_LEN + 1];
	long handshake_ms;
	struct pending pend[S5B_PENDING];
	int chosen;		/* the authenticated connection, or -1 */
	int refused;
};

enum xerr_code s5b_listener_open(struct s5b_listener **out, const char *addr,
				 unsigned short port, const char *hash, long handshake_ms,
				 struct xerr *err)
{
	struct s5b_listener *l = calloc(1, sizeof(*l));
	int i;

	*out = NULL;
	if (l == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	l->fd = net_listen(addr, port, &l->port, "s5b_listen", err);
	if (l->fd < 0) {
		free(l);
		return err->code;
	}
	snprintf(l->hash, sizeof(l->hash), "%s", hash);
	l->handshake_ms = handshake_ms;
	l->chosen = -1;
	for (i = 0; i < S5B_PENDING; i++)
		l->pend[i].fd = -1;
	*out = l;
	return XE_OK;
}

unsigned short s5b_listener_port(const struct s5b_listener *l)
{
	return l->port;
}

static void pend_drop(struct s5b_listener *l, struct pending *p, int refuse)
{
	if (refuse)
		l->refused++;
	close(p->fd);
	p->fd = -1;
}

/* Advances one handshake with what can be read now. */
static void pend_step(struct s5b_listener *l, struct pending *p)
{
	unsigned char in[SOCKS5_MSG_MAX], out[SOCKS5_MSG_MAX];
	size_t off = 0, used, n;
	ssize_t r;
	enum socks5_event ev;

	r = recv(p->fd, in, sizeof(in), 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (clock_ms() > p->deadline)
			pend_drop(l, p, 1);
		return;
	}
	if (r <= 0) {
		pend_drop(l, p, 1);
		return;
	}
	while (off < (size_t)r && p->fd >= 0) {
		ev = socks5_feed(&p->p, in + off, (size_t)r - off, &used);
		off += used;
		switch (ev) {
		case SOCKS5_NEED_MORE:
			return;
		case SOCKS5_GREETING:
			n = socks5_method(out, 1);
			if (send(p->fd, out, n, MSG_NOSIGNAL) != (ssize_t)n)
				pend_drop(l, p, 1);
			break;
		case SOCKS5_REQUEST:
			if (l->chosen < 0 && strcmp(p->p.hash, l->hash) == 0 && off == (size_t)r) {
				n = socks5_reply(out, SOCKS5_REP_OK, p->p.hash);
				if (send(p->fd, out, n, MSG_NOSIGNAL) == (ssize_t)n) {
					l->chosen = p->fd;
					p->fd = -1;
					return;
				}
			} else {
				n = socks5_reply(out, SOCKS5_REP_NOT_ALLOWED, p->p.hash);
				(void)!send(p->fd, out, n, MSG_NOSIGNAL);
			}
			pend_drop(l, p, 1);
			return;
		default:
			pend_drop(l, p, 1);
			return;
		}
	}
}

int s5b_listener_step(struct s5b_listener *l)
{
	int i, fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			break;
		for (i = 0; i < S5B_PENDING && l->pend[i].fd >= 0; i++)
			;
		if (i == S5B_PENDING || l->chosen >= 0) {
			/* Busy, or done: the slot is not for a newcomer. */
			l->refused++;
			close(fd);
			continue;
		}
		l->pend[i].fd = fd;
		l->pend[i].deadline = clock_ms() + l->handshake_ms;
		socks5_init(&l->pend[i].p, SOCKS5_SERVER);
	}
	for (i = 0; i < S5B_PENDING; i++)
		if (l->pend[i].fd >= 0)
			pend_step(l, &l->pend[i]);
	return l->chosen >= 0;
}

int s5b_listener_take(struct s5b_listener *l)
{
	int fd = l->chosen;

	l->chosen = -1;
	return fd;
}

int s5b_listener_refused(const struct s5b_listener *l)
{
	return l->refused;
}

void s5b_listener_close(struct s5b_listener *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < S5B_PENDING; i++)
		if (l->pend[i].fd >= 0)
			close(l->pend[i].fd);
	if (l->chosen >= 0)
		close(l->chosen);
	close(l->fd);
	free(l);
}

/* ---- connecting ---- */

/* Writes a SOCKS5 message within the deadline. 0, or -1 with why set. */
static int send_msg(struct job *j, int fd, const unsigned char *buf, size_t n,
		    long long deadline, char *why, size_t wlen)
{
	struct xerr e;
	enum net_rc rc;

	xerr_clear(&e);
	rc = net_send_all(fd, buf, n, j->cancel_fd, (long)(deadline - clock_ms()), &e);
	if (rc == NET_OK)
		return 0;
	/* A failing socket: e holds the strerror() text alone. */
	snprintf(why, wlen, "%.*s", (int)wlen - 1, rc == NET_TIMEOUT ? "timed out"
		 : rc == NET_EPEER ? e.msg : "cancelled");
	return -1;
}

/* The SOCKS5 client side on a connected socket. 0, or -1 with why. */
static int client_handshake(struct job *j, int fd, const char *hash, long long deadline,
			    char *why, size_t wlen)
{
	unsigned char out[SOCKS5_MSG_MAX], in[SOCKS5_MSG_MAX];
	struct socks5 p;
	size_t n, used, off;
	ssize_t r;
	enum net_rc rc;
	enum socks5_event ev;

	socks5_init(&p, SOCKS5_CLIENT);
	n = socks5_greeting(out);
	if (send_msg(j, fd, out, n, deadline, why, wlen) < 0)
		return -1;
	for (;;) {
		rc = net_wait(fd, POLLIN, j->cancel_fd, (long)(deadline - clock_ms()));
		if (rc != NET_OK) {
			snprintf(why, wlen, "%s", rc == NET_TIMEOUT ? "no SOCKS5 answer in time"
				 : "cancelled");
			return -1;
		}
		/* Read no further than the handshake: data may follow it. */
		r = recv(fd, in, p.role == SOCKS5_CLIENT && p.phase == 0 ? 2 - p.have : 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			snprintf(why, wlen, "%s", r == 0 ? "closed during the SOCKS5 handshake"
				 : strerror(errno));
			return -1;
		}
		for (off = 0; off < (size_t)r; off += used) {
			ev = socks5_feed(&p, in + off, (size_t)r - off, &used);
			if (ev == SOCKS5_NEED_MORE)
				break;
			if (ev == SOCKS5_METHOD_OK) {
				n = socks5_request(out, hash);
				if (send_msg(j, fd, out, n, deadline, why, wlen) < 0)
					return -1;
			} else if (ev == SOCKS5_CONNECTED) {
				return 0;
			} else {
				snprintf(why, wlen, "SOCKS5: %s", p.error != NULL ? p.error
					 : "unexpected message");
				return -1;
			}
		}
	}
}

/* Resolves and connects to one host:port within the deadline. fd, or -1
 * with why. */
static int connect_one(struct job *j, const struct s5b_host *h, long long deadline, char *why,
		       size_t wlen)
{
	struct addrinfo *ai = NULL, *a;
	char gave[96];
	int fd = -1, soerr;
	enum net_rc rc = NET_OK;
	socklen_t sl;

	/* The name is the peer's: the lookup counts against the deadline. */
	if (resolve_tcp(h->host, h->port, deadline, j->cancel_fd, &ai, gave, sizeof(gave)) !=
	    RESOLVE_OK) {
		snprintf(why, wlen, "cannot resolve the host: %s", gave);
		return -1;
	}
	snprintf(why, wlen, "no address");
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			snprintf(why, wlen, "%s", strerror(errno));
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
			rc = net_wait(fd, POLLOUT, j->cancel_fd, (long)(deadline - clock_ms()));
			soerr = 0;
			sl = sizeof(soerr);
			if (rc == NET_OK &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
			snprintf(why, wlen, "%s", rc == NET_TIMEOUT ? "connect timed out"
				 : rc != NET_OK ? "cancelled" : strerror(soerr));
		} else {
			snprintf(why, wlen, "%s", strerror(errno));
		}
		close(fd);
		fd = -1;
		if (rc == NET_CANCELLED || rc == NET_EPOLL || clock_ms() >= deadline)
			break;
	}
	freeaddrinfo(ai);
	return fd;
}

void s5b_connect_job(struct job *j)
{
	struct s5b_connect *c = j->arg;
	enum net_rc rc;
	int i, fd;

	c->used = -1;
	c->fd = -1;
	for (i = 0; i < c->n && i < S5B_MAX_HOSTS; i++) {
		long long deadline = clock_ms() + c->budget_ms;
		fd = connect_one(j, &c->hosts[i], deadline, c->why[i], sizeof(c->why[i]));
		if (fd >= 0 && client_handshake(j, fd, c->hash, deadline, c->why[i],
						sizeof(c->why[i])) == 0) {
			c->used = i;
			c->fd = fd;
			return;
		}
		if (fd >= 0)
			close(fd);
		rc = net_wait(-1, 0, j->cancel_fd, 0);
		if (rc == NET_CANCELLED || rc == NET_EPOLL)
			break;
	}
	xerr_set(&j->err, XE_UNAVAILABLE, "no streamhost could be reached");
}

/* ---- data ---- */

void s5b_send_job(struct job *j)
{
	struct s5b_send *d = j->arg;
	struct xerr e;
	ssize_t w;
	char c;
	enum net_rc rc;

	atomic_store(&j->total, d->size);
	xerr_clear(&e);
	rc = net_sendfile_all(d->sock, d->file_fd, d->size, j->cancel_fd, d->idle_ms, &j->bytes,
			      NULL, &e);
	switch (rc) {
	case NET_OK:
		break;
	case NET_SHORT:
		xerr_set(&j->err, XE_IO, "the file became shorter while it was sent");
		return;
	case NET_EPEER:
	case NET_EFILE:
		xerr_set(&j->err, e.code, "sending: %s", e.msg);
		return;
	case NET_TIMEOUT:
		xerr_set(&j->err, XE_TEMPFAIL, "the receiver took no data for %ld s",
			 d->idle_ms / 1000);
		return;
	default:
		xerr_set(&j->err, XE_SIGNAL, "cancelled");
		return;
	}
	/* All sent: half-close, and wait for the receiver to close after
	 * storing the file (a reset: it refused the file). */
	shutdown(d->sock, SHUT_WR);
	for (;;) {
		rc = net_wait(d->sock, POLLIN, j->cancel_fd, d->idle_ms);
		if (rc == NET_TIMEOUT) {
			xerr_set(&j->err, XE_TEMPFAIL, "the receiver did not confirm the end of "
				 "the file within %ld s", d->idle_ms / 1000);
			return;
		}
		if (rc != NET_OK) {
			xerr_set(&j->err, XE_SIGNAL, "cancelled");
			return;
		}
		w = recv(d->sock, &c, 1, 0);
		if (w == 0)
			return; /* delivered */
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) {
			d->rejected = errno == ECONNRESET;
			xerr_set(&j->err, XE_UNAVAILABLE, "%s", d->rejected ? "the receiver "
				 "rejected the file (it did not match the offer)" : strerror(errno));
			return;
		}
		/* A receiver has nothing to say on this stream. */
		xerr_set(&j->err, XE_PROTOCOL, "the receiver sent data on the bytestream");
		return;
	}
}

/* Closes with a reset: tells a direct sender the file was refused. */
static void close_reset(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

void s5b_recv_job(struct job *j)
{
	struct s5b_recv *d = j->arg;
	unsigned char *buf = malloc(S5B_CHUNK);
	long long got = 0;
	ssize_t r;
	enum net_rc rc;

	atomic_store(&j->total, d->size);
	if (buf == NULL) {
		xerr_set(&j->err, XE_SOFTWARE, "out of memory");
		goto fail;
	}
	while (got < d->size) {
		size_t want = d->size - got > S5B_CHUNK ? S5B_CHUNK : (size_t)(d->size - got);
		r = recv(d->sock, buf, want, 0);
		if (r > 0) {
			if (sink_write(d->sink, buf, (size_t)r, &j->err) != XE_OK)
				goto fail;
			got += r;
			atomic_store(&j->bytes, got);
			continue;
		}
		if (r == 0) {
			xerr_set(&j->err, XE_PROTOCOL, "the sender closed the bytestream after "
				 "%lld of %lld bytes", got, d->size);
			goto fail;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			xerr_set(&j->err, XE_UNAVAILABLE, "receiving: %s", strerror(errno));
			goto fail;
		}
		rc = net_wait(d->sock, POLLIN, j->cancel_fd, d->idle_ms);
		if (rc == NET_TIMEOUT) {
			xerr_set(&j->err, XE_TEMPFAIL, "no data for %ld s (--idle-timeout)",
				 d->idle_ms / 1000);
			goto fail;
		}
		if (rc != NET_OK) {
			xerr_set(&j->err, XE_SIGNAL, "cancelled");
			goto fail;
		}
	}
	free(buf);
	buf = NULL;
	{
		/* The hash may follow the data: wait for it, a while. */
		long waited = 0;
		while (!atomic_load(&d->hash_posted) && waited < d->hash_wait_ms) {
			if (net_wait(-1, 0, j->cancel_fd, 20) == NET_CANCELLED) {
				xerr_set(&j->err, XE_SIGNAL, "cancelled");
				goto fail;
			}
			waited += 20;
		}
	}
	d->verified = atomic_load(&d->hash_posted);
	if (sink_commit(d->sink, d->verified ? d->hash : NULL, d->path, sizeof(d->path),
			&j->err) != XE_OK) {
		d->sink = NULL;
		close_reset(d->sock);
		d->sock = -1;
		return;
	}
	d->sink = NULL;
	close(d->sock);
	d->sock = -1;
	return;
fail:
	free(buf);
	sink_abort(d->sink);
	d->sink = NULL;
	close_reset(d->sock);
	d->sock = -1;
}

void s5b_recv_post_hash(struct s5b_recv *d, const char *hex)
{
	if (atomic_load(&d->hash_posted))
		return; /* the main thread is the only writer */
	snprintf(d->hash, sizeof(d->hash), "%s", hex);
	atomic_store(&d->hash_posted, 1); /* releases the hash to the worker */
}
