/* socks5.h — SOCKS5 (RFC 1928) as XEP-0065 uses it, as a pure codec.
 *
 * No I/O: bytes go in through socks5_feed(), events come out. A message
 * may arrive in any fragmentation, down to a byte at a time; bytes after
 * the last handshake message are not consumed (they are the stream's
 * first data). XEP-0065 uses one form of the protocol: no authentication,
 * CONNECT to a domain name (ATYP 3) that is the 40-hex SHA-1 of
 * SID + requester JID + target JID, port 0. Anything else is refused. */
#ifndef XFER_SOCKS5_H
#define XFER_SOCKS5_H

#include <stddef.h>

#define SOCKS5_HASH_LEN 40
#define SOCKS5_MSG_MAX 262	/* the longest message: 4 + 1 + 255 + 2 */

enum socks5_role {
	SOCKS5_SERVER,	/* we listen (a streamhost): greeting, then request */
	SOCKS5_CLIENT,	/* we connect: method choice, then reply */
};

enum socks5_event {
	SOCKS5_NEED_MORE,	/* feed more bytes */
	SOCKS5_GREETING,	/* server: the client offers no-auth; send socks5_method() */
	SOCKS5_REQUEST,		/* server: CONNECT to p->hash; check it, send a reply */
	SOCKS5_METHOD_OK,	/* client: no-auth accepted; send socks5_request() */
	SOCKS5_CONNECTED,	/* client: the reply says success; data follows */
	SOCKS5_ERROR,		/* p->error says why; close the connection */
};

struct socks5 {
	enum socks5_role role;
	int phase;		/* 0: first message, 1: second, 2: done */
	unsigned char buf[SOCKS5_MSG_MAX];
	size_t have;
	char hash[SOCKS5_HASH_LEN + 1];	/* SOCKS5_REQUEST: the requested hash */
	int reply_code;		/* client, on error: the server's REP */
	const char *error;
};

void socks5_init(struct socks5 *p, enum socks5_role role);

/* Consumes bytes of data (setting *used) up to the end of the next
 * message, and returns what that message was. Call again with the rest
 * after answering; after SOCKS5_REQUEST (server) or SOCKS5_CONNECTED
 * (client) the handshake is over and further bytes are not consumed. */
enum socks5_event socks5_feed(struct socks5 *p, const unsigned char *data, size_t len,
			      size_t *used);

/* Messages to send; each returns its length. out has SOCKS5_MSG_MAX bytes. */
size_t socks5_greeting(unsigned char *out);			/* client */
size_t socks5_method(unsigned char *out, int accept);		/* server */
size_t socks5_request(unsigned char *out, const char *hash);	/* client */
size_t socks5_reply(unsigned char *out, int rep, const char *hash); /* server */

/* RFC 1928 reply codes used by xfer. */
#define SOCKS5_REP_OK 0x00
#define SOCKS5_REP_FAILURE 0x01
#define SOCKS5_REP_NOT_ALLOWED 0x02

#endif
