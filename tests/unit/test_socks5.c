/* Unit tests for socks5.c: both roles, every fragmentation, every refusal,
 * and bytes after the handshake left for the data stream. */
#include <string.h>

#include "../../src/socks5.h"
#include "tap.h"

static const char HASH[] = "0123456789abcdef0123456789abcdef01234567";

/* Feeds msg in pieces of `step` bytes (0: all at once); returns the first
 * event that is not NEED_MORE, and the bytes consumed in total. */
static enum socks5_event feed_split(struct socks5 *p, const unsigned char *msg, size_t len,
				    size_t step, size_t *total)
{
	size_t off = 0, used;
	enum socks5_event ev = SOCKS5_NEED_MORE;

	*total = 0;
	while (off < len) {
		size_t n = step == 0 || step > len - off ? len - off : step;
		ev = socks5_feed(p, msg + off, n, &used);
		off += used;
		*total += used;
		if (ev != SOCKS5_NEED_MORE)
			break;
	}
	return ev;
}

static void test_roundtrip(void)
{
	static const size_t steps[] = { 0, 1, 2, 3, 5, 7, 46 };
	unsigned char greet[SOCKS5_MSG_MAX], method[SOCKS5_MSG_MAX], req[SOCKS5_MSG_MAX + 8],
		reply[SOCKS5_MSG_MAX + 8];
	size_t glen = socks5_greeting(greet), mlen = socks5_method(method, 1);
	size_t rlen = socks5_request(req, HASH), plen = socks5_reply(reply, SOCKS5_REP_OK, HASH);
	size_t i, used;

	/* data that follows each last message must not be consumed */
	memcpy(req + rlen, "DATA", 4);
	memcpy(reply + plen, "DATA", 4);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct socks5 srv, cli;

		socks5_init(&srv, SOCKS5_SERVER);
		socks5_init(&cli, SOCKS5_CLIENT);
		ok(feed_split(&srv, greet, glen, steps[i], &used) == SOCKS5_GREETING && used == glen,
		   "server: greeting in steps of %zu", steps[i]);
		ok(feed_split(&cli, method, mlen, steps[i], &used) == SOCKS5_METHOD_OK && used == mlen,
		   "client: method choice in steps of %zu", steps[i]);
		ok(feed_split(&srv, req, rlen + 4, steps[i], &used) == SOCKS5_REQUEST && used == rlen,
		   "server: request in steps of %zu, data after it left alone", steps[i]);
		is_str(srv.hash, HASH, "  the requested hash");
		ok(feed_split(&cli, reply, plen + 4, steps[i], &used) == SOCKS5_CONNECTED && used == plen,
		   "client: reply in steps of %zu, data after it left alone", steps[i]);
		ok(socks5_feed(&cli, (const unsigned char *)"DATA", 4, &used) == SOCKS5_NEED_MORE &&
		   used == 0, "  after the handshake nothing more is consumed");
	}
}

static void test_client_replies(void)
{
	/* streamhosts may bind any address type */
	static const unsigned char v4[] = { 5, 0, 0, 1, 127, 0, 0, 1, 0x13, 0x88 };
	static const unsigned char v6[] = { 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	static const unsigned char refused[] = { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 };
	struct socks5 cli;
	size_t used;
	unsigned char m[2];

	socks5_method(m, 1);
	socks5_init(&cli, SOCKS5_CLIENT);
	feed_split(&cli, m, 2, 0, &used);
	ok(feed_split(&cli, v4, sizeof(v4), 1, &used) == SOCKS5_CONNECTED && used == sizeof(v4),
	   "client: IPv4 bound address accepted");
	socks5_init(&cli, SOCKS5_CLIENT);
	feed_split(&cli, m, 2, 0, &used);
	ok(feed_split(&cli, v6, sizeof(v6), 3, &used) == SOCKS5_CONNECTED && used == sizeof(v6),
	   "client: IPv6 bound address accepted");
	socks5_init(&cli, SOCKS5_CLIENT);
	feed_split(&cli, m, 2, 0, &used);
	ok(feed_split(&cli, refused, sizeof(refused), 0, &used) == SOCKS5_ERROR && cli.reply_code == 5,
	   "client: REP 5 (connection refused) is an error with its code");
	socks5_init(&cli, SOCKS5_CLIENT);
	socks5_method(m, 0);
	ok(feed_split(&cli, m, 2, 0, &used) == SOCKS5_ERROR, "client: method 0xFF refused");
	is_str(cli.error, "the server accepts no method without authentication", "  message");
	ok(socks5_feed(&cli, m, 2, &used) == SOCKS5_ERROR, "  stays in error");
}

struct bad {
	const char *name;
	enum socks5_role role;
	int after_first;	/* feed a valid first message first */
	unsigned char msg[64];
	size_t len;
	const char *error;
};

static const struct bad bad[] = {
	{ "version 4 greeting", SOCKS5_SERVER, 0, { 4, 1, 0 }, 3, "not SOCKS version 5" },
	{ "greeting without no-auth", SOCKS5_SERVER, 0, { 5, 2, 1, 2 }, 4,
	  "the client offers no method without authentication" },
	{ "greeting with no methods", SOCKS5_SERVER, 0, { 5, 0 }, 2,
	  "the client offers no method without authentication" },
	{ "BIND instead of CONNECT", SOCKS5_SERVER, 1, { 5, 2, 0, 3, 40 }, 47, "not a CONNECT request" },
	{ "reserved byte set", SOCKS5_SERVER, 1, { 5, 1, 1, 3, 40 }, 47, "reserved byte is not zero" },
	{ "IPv4 address", SOCKS5_SERVER, 1, { 5, 1, 0, 1, 127, 0, 0, 1, 0, 0 }, 10,
	  "the address is not a SHA-1 hash in lowercase hex" },
	{ "hash of 39 bytes", SOCKS5_SERVER, 1, { 5, 1, 0, 3, 39 }, 46,
	  "the address is not a SHA-1 hash in lowercase hex" },
	{ "unknown address type", SOCKS5_SERVER, 1, { 5, 1, 0, 7 }, 4, "unknown address type" },
	{ "version 4 reply", SOCKS5_CLIENT, 1, { 4, 0, 0, 1 }, 4, "not SOCKS version 5" },
};

static void test_bad(void)
{
	size_t i, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];
		struct socks5 p;
		unsigned char msg[64];
		unsigned char first[4];

		memcpy(msg, b->msg, sizeof(msg));
		if (b->len == 47 || b->len == 46)	/* fill the address with valid hex */
			memcpy(msg + 5, HASH, (size_t)msg[4]);
		socks5_init(&p, b->role);
		if (b->after_first) {
			size_t n = b->role == SOCKS5_SERVER ? socks5_greeting(first)
							    : socks5_method(first, 1);
			feed_split(&p, first, n, 0, &used);
		}
		ok(feed_split(&p, msg, b->len, 1, &used) == SOCKS5_ERROR, "refused: %s", b->name);
		is_str(p.error, b->error, "  message");
	}
}

static void test_request_details(void)
{
	unsigned char greet[4], req[SOCKS5_MSG_MAX];
	struct socks5 p;
	size_t used, n;
	char upper[41];

	n = socks5_request(req, HASH);
	req[n - 1] = 1; /* port 1 */
	socks5_init(&p, SOCKS5_SERVER);
	feed_split(&p, greet, socks5_greeting(greet), 0, &used);
	ok(feed_split(&p, req, n, 0, &used) == SOCKS5_ERROR, "refused: port other than 0");
	is_str(p.error, "the port is not 0", "  message");

	strcpy(upper, HASH);
	upper[10] = 'A';
	n = socks5_request(req, upper);
	socks5_init(&p, SOCKS5_SERVER);
	feed_split(&p, greet, socks5_greeting(greet), 0, &used);
	ok(feed_split(&p, req, n, 0, &used) == SOCKS5_ERROR, "refused: uppercase hex");

	n = socks5_request(req, HASH);
	req[20] = 'g';
	socks5_init(&p, SOCKS5_SERVER);
	feed_split(&p, greet, socks5_greeting(greet), 0, &used);
	ok(feed_split(&p, req, n, 0, &used) == SOCKS5_ERROR, "refused: a non-hex character");

	n = socks5_reply(req, SOCKS5_REP_NOT_ALLOWED, HASH);
	ok(n == 47 && req[1] == 2 && memcmp(req + 5, HASH, 40) == 0, "reply carries REP and hash");
}

int main(void)
{
	test_roundtrip();
	test_client_replies();
	test_bad();
	test_request_details();
	return tap_done();
}
