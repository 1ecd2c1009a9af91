/* tlsprobe.h — which TLS version and cipher a server negotiates.
 *
 * libstrophe does not expose its TLS session, so `xfer check` learns the
 * version by a second, short connection to the very address the session
 * uses: stream header, STARTTLS, handshake with the same OpenSSL defaults,
 * then close. No credentials are sent on it. */
#ifndef XFER_TLSPROBE_H
#define XFER_TLSPROBE_H

#include <stddef.h>

/* fd: the session's connected socket (its peer address is reused).
 * domain: the stream's 'to' and the SNI name. On success writes e.g.
 * "TLSv1.3" and "TLS_AES_256_GCM_SHA384" and returns 0; on failure writes a
 * reason into why and returns -1. */
int tlsprobe(int fd, const char *domain, long timeout_ms,
	     char *version, size_t vlen, char *cipher, size_t clen,
	     char *why, size_t wlen);

#endif
