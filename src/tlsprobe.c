/* tlsprobe.c — see tlsprobe.h */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "session.h"
#include "tlsprobe.h"

#define PROBE_BUF 16384

static int probe_wait(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int rc;

	do {
		left = deadline - session_now_ms();
		if (left <= 0)
			return 0;
		rc = poll(&p, 1, (int)left);
	} while (rc < 0 && errno == EINTR);
	return rc;
}

static int probe_send(int fd, const char *s, long long deadline)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (probe_wait(fd, POLLOUT, deadline) <= 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Reads until buf holds one of the markers; returns its index or -1. */
static int probe_read_until(int fd, char *buf, size_t *len, long long deadline,
			    const char *const *markers)
{
	for (;;) {
		int i;
		ssize_t n;

		for (i = 0; markers[i] != NULL; i++)
			if (strstr(buf, markers[i]) != NULL)
				return i;
		if (*len + 1 >= PROBE_BUF || probe_wait(fd, POLLIN, deadline) <= 0)
			return -1;
		n = recv(fd, buf + *len, PROBE_BUF - 1 - *len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
		buf[*len] = '\0';
	}
}

int tlsprobe(int sfd, const char *domain, long timeout_ms,
	     char *version, size_t vlen, char *cipher, size_t clen,
	     char *why, size_t wlen)
{
	static const char *const features_end[] = { "</stream:features>", "<stream:error", NULL };
	static const char *const proceed[] = { "<proceed", "<failure", "<stream:error", NULL };
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	long long deadline = session_now_ms() + timeout_ms;
	char buf[PROBE_BUF];
	char header[1200];
	size_t len = 0;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd = -1, rc = -1, r;

	buf[0] = '\0';
	if (getpeername(sfd, (struct sockaddr *)&ss, &sslen) < 0) {
		snprintf(why, wlen, "no server address: %s", strerror(errno));
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, sslen) < 0 && errno != EINPROGRESS)) {
		snprintf(why, wlen, "connect: %s", strerror(errno));
		goto out;
	}
	snprintf(header, sizeof(header), "<?xml version='1.0'?><stream:stream to='%s' "
		 "version='1.0' xmlns='jabber:client' "
		 "xmlns:stream='http://etherx.jabber.org/streams'>", domain);
	if (probe_wait(fd, POLLOUT, deadline) <= 0 || probe_send(fd, header, deadline) < 0 ||
	    probe_read_until(fd, buf, &len, deadline, features_end) != 0) {
		snprintf(why, wlen, "no stream features from the server");
		goto out;
	}
	if (strstr(buf, "urn:ietf:params:xml:ns:xmpp-tls") == NULL) {
		snprintf(why, wlen, "the server does not offer STARTTLS");
		goto out;
	}
	len = 0;
	buf[0] = '\0';
	if (probe_send(fd, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", deadline) < 0 ||
	    probe_read_until(fd, buf, &len, deadline, proceed) != 0) {
		snprintf(why, wlen, "the server did not proceed with STARTTLS");
		goto out;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	ssl = ctx != NULL ? SSL_new(ctx) : NULL;
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, domain) != 1) {
		snprintf(why, wlen, "cannot set up OpenSSL");
		goto out;
	}
	while ((r = SSL_connect(ssl)) != 1) {
		int e = SSL_get_error(ssl, r);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    probe_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) <= 0) {
			snprintf(why, wlen, "TLS handshake failed");
			goto out;
		}
	}
	snprintf(version, vlen, "%s", SSL_get_version(ssl));
	snprintf(cipher, clen, "%s", SSL_get_cipher_name(ssl));
	rc = 0;
	/* Leave politely; the answer does not depend on it. */
	SSL_write(ssl, "</stream:stream>", 16);
	SSL_shutdown(ssl);
out:
	if (ssl != NULL)
		SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	if (fd >= 0)
		close(fd);
	return rc;
}
