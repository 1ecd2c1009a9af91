/* net.h — the socket helpers every transport uses (S5B, OOB).
 *
 * Addresses: HOST[:PORT] parsing, loopback and address-literal checks, the
 * local addresses a listener advertises. Listening: one non-blocking TCP
 * listener for S5B and OOB. I/O for the workers' loops: one poll() that
 * includes a cancel fd (job.h: no job blocks where its cancel cannot end
 * it), one send of a whole buffer and one of a whole file (sendfile()) on
 * a non-blocking socket, which loop over short writes, retry EINTR and
 * give up on a peer that takes nothing. send() never raises SIGPIPE
 * (MSG_NOSIGNAL); sendfile() can, so the process ignores SIGPIPE, as
 * signals_init() does.
 *
 * Nothing here logs; workers (job.h) may call every function. errno
 * becomes text here: net_wait() leaves errno for its caller to read at
 * once; the others fill a struct xerr with plain words (the strerror()
 * text alone for a failing socket) that a caller passes on, or replaces by
 * its own after looking at the result code. */
#ifndef XFER_NET_H
#define XFER_NET_H

#include <poll.h>
#include <stddef.h>

#include "xerr.h"

#define NET_MAX_ADDRS 12	/* local addresses net_advertised() considers */

/* What a wait or a send came to. */
enum net_rc {
	NET_OK,		/* net_wait(): fd has one of the events (or an error or
			 * hangup to read); a send: all of it went out */
	NET_TIMEOUT,	/* net_wait(): ms passed; a send: the peer took no byte
			 * for idle_ms */
	NET_CANCELLED,	/* cancel_fd is readable, hung up or not open; wins over fd */
	NET_EPOLL,	/* poll() failed; errno says why (net_wait()), or err */
	NET_EPEER,	/* a send: the socket failed (a reset, the peer is gone);
			 * err: XE_UNAVAILABLE for a reset or broken pipe, else
			 * XE_IO, and the strerror() text */
	NET_EFILE,	/* net_sendfile_all(): reading the file failed; err as
			 * for NET_EPEER */
	NET_SHORT,	/* net_sendfile_all(): the file ended before size bytes;
			 * err: XE_IO */
};

#define NET_CHUNK (1 << 20)	/* bytes per sendfile() call */

/* "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address into
 * host and *port (left as is when absent). 0, or -1 if malformed. */
int net_hostport_parse(const char *s, char *host, size_t hlen, unsigned short *port);

/* 1 if host is a loopback name or address (localhost, 127/8, ::1). */
int net_host_is_loopback(const char *host);

/* 1 if host is an IPv4 or IPv6 address (not a name). */
int net_is_address(const char *host);

/* The addresses to advertise for a listener bound to every address: the
 * local address of the XMPP connection first (the one most likely to be
 * reachable by peers of the same server), then each up interface address;
 * loopback only when the XMPP connection itself is over loopback (the
 * server, and so perhaps the peer, is on this host); no IPv6 link-local.
 * Returns the count written to out (max entries of 64 bytes). */
int net_local_addrs(int xmpp_fd, char (*out)[64], int max);

/* A listening TCP socket (non-blocking) on addr (NULL or "": every
 * address, IPv6 and IPv4) and port (0: ephemeral); *bound gets the port.
 * key names the config key in messages. Returns the fd, or -1 with err. */
int net_listen(const char *addr, unsigned short port, unsigned short *bound, const char *key,
	       struct xerr *err);

/* What peers are told to connect to for a listener: address (HOST[:PORT],
 * an override whose port replaces *port), else a specific listen address
 * (ADDR[:PORT]), else net_local_addrs() (at most NET_MAX_ADDRS). *port
 * starts as the listener's. Returns the count written to out (max
 * entries). Used by S5B and OOB. */
int net_advertised(int xmpp_fd, const char *listen, const char *address, char (*out)[256],
		   int max, unsigned short *port);

/* Waits until fd (-1: none) has events (POLLIN, POLLOUT), ms pass (below
 * 0: no wait; above INT_MAX: INT_MAX) or cancel_fd (-1: none) is
 * readable. Signals do not end it early: an interrupted poll() is resumed
 * for what is left of ms. */
enum net_rc net_wait(int fd, short events, int cancel_fd, long ms);

/* Sends the n bytes of buf on the non-blocking socket fd, waiting with
 * net_wait() when it would block; gives up when the peer takes no byte
 * for idle_ms (counted from the start and from each bit of progress).
 * Every result but NET_OK fills err (XE_TEMPFAIL, XE_SIGNAL, XE_SOFTWARE
 * "poll: ..." or as NET_EPEER says); an err already set keeps its first
 * failure (xerr_set()), so pass a cleared one. */
enum net_rc net_send_all(int fd, const void *buf, size_t n, int cancel_fd, long idle_ms,
			 struct xerr *err);

/* Sends size bytes of file_fd from offset 0 (its file offset does not
 * move) on the non-blocking socket sock with sendfile(), NET_CHUNK at a
 * time, waiting and giving up as net_send_all() does. *progress (may be
 * NULL; another thread may read it) is 0 at the start and the bytes sent
 * after each call; *sent (may be NULL) gets the bytes sent, whatever the
 * result. Errors of sendfile() that are about the file (EIO, EBADF,
 * EINVAL, ENOMEM, EOVERFLOW, ESPIPE, ENOSYS) are NET_EFILE, the others
 * NET_EPEER. Every result but NET_OK fills err. */
enum net_rc net_sendfile_all(int sock, int file_fd, long long size, int cancel_fd,
			     long idle_ms, _Atomic long long *progress, long long *sent,
			     struct xerr *err);

#endif
