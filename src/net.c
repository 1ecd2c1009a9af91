/* net.c — see net.h */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

int net_hostport_parse(const char *s, char *host, size_t hlen, unsigned short *port)
{
	const char *colon, *end;
	size_t n;
	char *e;
	long p;

	if (s == NULL || *s == '\0')
		return -1;
	if (*s == '[') {
		end = strchr(s, ']');
		if (end == NULL || end == s + 1 || (end[1] != '\0' && end[1] != ':'))
			return -1;
		n = (size_t)(end - s - 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL; /* a bare IPv6 address */
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != n)
		return -1;
	if (colon != NULL) {
		errno = 0;
		p = strtol(colon + 1, &e, 10);
		if (colon[1] < '0' || colon[1] > '9' || *e != '\0' || errno != 0 || p < 1 ||
		    p > 65535)
			return -1;
		*port = (unsigned short)p;
	}
	return 0;
}

int net_host_is_loopback(const char *host)
{
	unsigned char addr[16];

	if (host == NULL)
		return 0;
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	if (inet_pton(AF_INET6, host, addr) == 1) {
		static const unsigned char v6_loopback[16] = { [15] = 1 };
		return memcmp(addr, v6_loopback, 16) == 0;
	}
	return 0;
}

int net_is_address(const char *host)
{
	unsigned char bin[16];

	return inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1;
}

/* Text form of an address; IPv4-mapped IPv6 as IPv4. */
static int addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
				 (socklen_t)len) != NULL ? 0 : -1;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			return inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)len) != NULL
			       ? 0 : -1;
		return inet_ntop(AF_INET6, a, out, (socklen_t)len) != NULL ? 0 : -1;
	}
	return -1;
}

static int addr_loopback(const char *txt)
{
	return strncmp(txt, "127.", 4) == 0 || strcmp(txt, "::1") == 0;
}

static int add_addr(char (*out)[64], int n, int max, const char *a)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(out[i], a) == 0)
			return n;
	if (n < max)
		snprintf(out[n++], 64, "%s", a);
	return n;
}

int net_local_addrs(int xmpp_fd, char (*out)[64], int max)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ifaddrs *ifs, *i;
	char txt[64];
	int n = 0, loop = 0;

	if (xmpp_fd >= 0 && getsockname(xmpp_fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    addr_text((struct sockaddr *)&ss, txt, sizeof(txt)) == 0) {
		loop = addr_loopback(txt);
		n = add_addr(out, n, max, txt);
	}
	if (getifaddrs(&ifs) < 0)
		return n;
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (i->ifa_addr->sa_family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			continue;
		if (addr_text(i->ifa_addr, txt, sizeof(txt)) < 0 || (addr_loopback(txt) && !loop))
			continue;
		n = add_addr(out, n, max, txt);
	}
	freeifaddrs(ifs);
	return n;
}

int net_advertised(int xmpp_fd, const char *listen, const char *address, char (*out)[256],
		   int max, unsigned short *port)
{
	char addrs[NET_MAX_ADDRS][64];
	unsigned short ignored = 0;
	int n, i;

	if (max < 1)
		return 0;
	if (address != NULL)
		return net_hostport_parse(address, out[0], sizeof(out[0]), port) == 0;
	if (listen != NULL && net_hostport_parse(listen, out[0], sizeof(out[0]), &ignored) == 0 &&
	    strcmp(out[0], "0.0.0.0") != 0 && strcmp(out[0], "::") != 0)
		return 1;
	n = net_local_addrs(xmpp_fd, addrs, max < NET_MAX_ADDRS ? max : NET_MAX_ADDRS);
	for (i = 0; i < n; i++)
		snprintf(out[i], sizeof(out[i]), "%.63s", addrs[i]);
	return n;
}

int net_listen(const char *addr, unsigned short port, unsigned short *bound, const char *key,
	       struct xerr *err)
{
	struct addrinfo hints, *ai = NULL, *a;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char portstr[8];
	int fd = -1, one = 1, zero = 0, rc, any = addr == NULL || *addr == '\0';

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	/* Every address: one dual-stack socket; IPv4 alone where IPv6 is off. */
	hints.ai_family = any ? AF_INET6 : AF_UNSPEC;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(any ? "::" : addr, portstr, &hints, &ai);
	if (rc != 0 && !any) {
		xerr_set(err, XE_CONFIG, "%s: '%s' is not an IP address", key, addr);
		return -1;
	}
	errno = EAFNOSUPPORT;
	for (a = rc == 0 ? ai : NULL; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (any)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 8) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	if (ai != NULL)
		freeaddrinfo(ai);
	if (fd < 0 && any) {
		struct sockaddr_in sin;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 8) < 0) {
				rc = errno;
				close(fd);
				fd = -1;
				errno = rc;
			}
		}
	}
	if (fd < 0) {
		xerr_set(err, XE_UNAVAILABLE, "cannot listen on %s port %u: %s (see %s)",
			 any ? "every address" : addr, port, strerror(errno), key);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
		       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

enum net_rc net_wait(int fd, short events, int cancel_fd, long ms)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = cancel_fd, .events = POLLIN },
	};
	long long deadline = clock_ms() + (ms > 0 ? ms : 0), left;
	int n;

	do {
		left = deadline - clock_ms();
		n = poll(p, 2, left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return NET_EPOLL;
	if (p[1].revents != 0)
		return NET_CANCELLED;
	return n > 0 ? NET_OK : NET_TIMEOUT;
}

/* The failure of a call on a socket, from errno. */
static enum net_rc sys_failed(enum net_rc rc, struct xerr *err)
{
	xerr_set(err, errno == ECONNRESET || errno == EPIPE ? XE_UNAVAILABLE : XE_IO, "%s",
		 strerror(errno));
	return rc;
}

/* After a write that would block: waits for fd to take bytes, within
 * idle_ms of the last progress. NET_OK: try again (which tells whether
 * it still blocks); else err is set. */
static enum net_rc wait_writable(int fd, int cancel_fd, long idle_ms, long long last,
				 struct xerr *err)
{
	long long left = idle_ms - (clock_ms() - last);

	if (left <= 0) {
		xerr_set(err, XE_TEMPFAIL, "no byte taken for %ld ms", idle_ms);
		return NET_TIMEOUT;
	}
	switch (net_wait(fd, POLLOUT, cancel_fd, (long)left)) {
	case NET_CANCELLED:
		xerr_set(err, XE_SIGNAL, "cancelled");
		return NET_CANCELLED;
	case NET_EPOLL:
		xerr_set(err, XE_SOFTWARE, "poll: %s", strerror(errno));
		return NET_EPOLL;
	default:
		return NET_OK;
	}
}

enum net_rc net_send_all(int fd, const void *buf, size_t n, int cancel_fd, long idle_ms,
			 struct xerr *err)
{
	const char *p = buf;
	long long last = clock_ms();
	size_t off = 0;
	enum net_rc rc;

	while (off < n) {
		ssize_t w = send(fd, p + off, n - off, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
			last = clock_ms();
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return sys_failed(NET_EPEER, err);
		rc = wait_writable(fd, cancel_fd, idle_ms, last, err);
		if (rc != NET_OK)
			return rc;
	}
	return NET_OK;
}

/* The errors of sendfile() that are about the file, not the peer. */
static int file_error(int e)
{
	return e == EIO || e == EBADF || e == EINVAL || e == ENOMEM || e == EOVERFLOW ||
	       e == ESPIPE || e == ENOSYS;
}

enum net_rc net_sendfile_all(int sock, int file_fd, long long size, int cancel_fd,
			     long idle_ms, _Atomic long long *progress, long long *sent,
			     struct xerr *err)
{
	long long last = clock_ms();
	off_t off = 0;
	enum net_rc rc = NET_OK;

	if (progress != NULL)
		atomic_store(progress, 0);
	while (off < size) {
		long long left = size - (long long)off;
		size_t chunk = left < NET_CHUNK ? (size_t)left : NET_CHUNK;
		ssize_t w = sendfile(sock, file_fd, &off, chunk);

		if (w > 0) {
			if (progress != NULL)
				atomic_store(progress, (long long)off);
			last = clock_ms();
			continue;
		}
		if (w == 0) {
			xerr_set(err, XE_IO, "the file ended at %lld of %lld bytes",
				 (long long)off, size);
			rc = NET_SHORT;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			rc = sys_failed(file_error(errno) ? NET_EFILE : NET_EPEER, err);
			break;
		}
		rc = wait_writable(sock, cancel_fd, idle_ms, last, err);
		if (rc != NET_OK)
			break;
	}
	if (sent != NULL)
		*sent = (long long)off;
	return rc;
}
