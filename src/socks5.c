/* socks5.c — see socks5.h */
#include <string.h>

#include "socks5.h"

void socks5_init(struct socks5 *p, enum socks5_role role)
{
	memset(p, 0, sizeof(*p));
	p->role = role;
}

/* How long the message in p->buf is, as far as its header tells: 0 if
 * more header is needed first, or -1 if the header is invalid. */
static long socks5_needed(struct socks5 *p)
{
	const unsigned char *b = p->buf;

	if (p->have < 2)
		return 0;
	if (b[0] != 5) {
		p->error = "not SOCKS version 5";
		return -1;
	}
	if (p->role == SOCKS5_SERVER && p->phase == 0) /* VER NMETHODS METHODS */
		return 2 + (long)b[1];
	if (p->role == SOCKS5_CLIENT && p->phase == 0) /* VER METHOD */
		return 2;
	/* request (server) and reply (client): VER CMD/REP RSV ATYP ADDR PORT */
	if (p->have < 4)
		return 0;
	switch (b[3]) {
	case 1: return 4 + 4 + 2;
	case 4: return 4 + 16 + 2;
	case 3: return p->have < 5 ? 0 : 4 + 1 + (long)b[4] + 2;
	default:
		p->error = "unknown address type";
		return -1;
	}
}

static int is_hex_lower(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static enum socks5_event socks5_message(struct socks5 *p)
{
	const unsigned char *b = p->buf;
	size_t i;

	if (p->role == SOCKS5_SERVER && p->phase == 0) {
		for (i = 0; i < b[1]; i++)
			if (b[2 + i] == 0x00)
				return SOCKS5_GREETING;
		p->error = "the client offers no method without authentication";
		return SOCKS5_ERROR;
	}
	if (p->role == SOCKS5_CLIENT && p->phase == 0) {
		if (b[1] == 0x00)
			return SOCKS5_METHOD_OK;
		p->error = "the server accepts no method without authentication";
		return SOCKS5_ERROR;
	}
	if (p->role == SOCKS5_CLIENT) {
		if (b[1] != SOCKS5_REP_OK) {
			p->reply_code = b[1];
			p->error = "the SOCKS5 server refused the connection";
			return SOCKS5_ERROR;
		}
		return SOCKS5_CONNECTED; /* any bound address is fine */
	}
	/* server, request: XEP-0065 allows exactly one form */
	if (b[1] != 1) {
		p->error = "not a CONNECT request";
		return SOCKS5_ERROR;
	}
	if (b[2] != 0) {
		p->error = "reserved byte is not zero";
		return SOCKS5_ERROR;
	}
	if (b[3] != 3 || b[4] != SOCKS5_HASH_LEN || !is_hex_lower(b + 5, SOCKS5_HASH_LEN)) {
		p->error = "the address is not a SHA-1 hash in lowercase hex";
		return SOCKS5_ERROR;
	}
	if (b[5 + SOCKS5_HASH_LEN] != 0 || b[6 + SOCKS5_HASH_LEN] != 0) {
		p->error = "the port is not 0";
		return SOCKS5_ERROR;
	}
	memcpy(p->hash, b + 5, SOCKS5_HASH_LEN);
	p->hash[SOCKS5_HASH_LEN] = '\0';
	return SOCKS5_REQUEST;
}

enum socks5_event socks5_feed(struct socks5 *p, const unsigned char *data, size_t len,
			      size_t *used)
{
	*used = 0;
	if (p->error != NULL)
		return SOCKS5_ERROR;
	if (p->phase == 2)
		return SOCKS5_NEED_MORE; /* handshake over: nothing more to parse */
	while (*used < len) {
		long need;
		enum socks5_event ev;

		p->buf[p->have++] = data[(*used)++];
		need = socks5_needed(p);
		if (need < 0)
			return SOCKS5_ERROR;
		if (need == 0 || (size_t)need > p->have)
			continue;
		/* A whole message. */
		ev = socks5_message(p);
		p->have = 0;
		p->phase++;
		if (ev == SOCKS5_REQUEST || ev == SOCKS5_CONNECTED)
			p->phase = 2;
		return ev;
	}
	return SOCKS5_NEED_MORE;
}

size_t socks5_greeting(unsigned char *out)
{
	out[0] = 5;	/* VER */
	out[1] = 1;	/* NMETHODS */
	out[2] = 0;	/* no authentication */
	return 3;
}

size_t socks5_method(unsigned char *out, int accept)
{
	out[0] = 5;
	out[1] = accept ? 0x00 : 0xff;
	return 2;
}

static size_t socks5_hash_message(unsigned char *out, int second, const char *hash)
{
	out[0] = 5;
	out[1] = (unsigned char)second;	/* CMD (request) or REP (reply) */
	out[2] = 0;			/* RSV */
	out[3] = 3;			/* ATYP: domain name */
	out[4] = SOCKS5_HASH_LEN;
	memcpy(out + 5, hash, SOCKS5_HASH_LEN);
	out[5 + SOCKS5_HASH_LEN] = 0;	/* port 0 */
	out[6 + SOCKS5_HASH_LEN] = 0;
	return 7 + SOCKS5_HASH_LEN;
}

size_t socks5_request(unsigned char *out, const char *hash)
{
	return socks5_hash_message(out, 1, hash);
}

size_t socks5_reply(unsigned char *out, int rep, const char *hash)
{
	return socks5_hash_message(out, rep, hash);
}
