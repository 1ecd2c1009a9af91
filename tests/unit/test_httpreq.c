/* Unit tests for httpreq.c: heads whole and in every fragmentation, the
 * bytes after a head left alone, each refusal with its status (the size
 * limits exactly at their boundary), and path encoding. */
#include <stdlib.h>
#include <string.h>

#include "../../src/httpreq.h"
#include "tap.h"

/* Feeds msg in pieces of `step` bytes (0: all at once); returns the first
 * event that is not NEED_MORE, and the bytes consumed in total. */
static enum httpreq_event feed_split(struct httpreq *r, const char *msg, size_t len, size_t step,
				     size_t *total)
{
	size_t off = 0, used;
	enum httpreq_event ev = HTTPREQ_NEED_MORE;

	*total = 0;
	while (off < len) {
		size_t n = step == 0 || step > len - off ? len - off : step;

		ev = httpreq_feed(r, msg + off, n, &used);
		off += used;
		*total += used;
		if (ev != HTTPREQ_NEED_MORE)
			break;
	}
	return ev;
}

static void test_good(void)
{
	static const char get[] = "GET /tok/a%20b.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
				  "User-Agent: x\r\nAccept: */*\r\n\r\n";
	static const char head[] = "HEAD /x HTTP/1.0\n\n";
	static const size_t steps[] = { 0, 1, 2, 3, 7, 64 };
	char buf[256];
	size_t i, used;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct httpreq r;

		/* a body or a pipelined request follows: it must not be consumed */
		snprintf(buf, sizeof(buf), "%sGET /next HTTP/1.1\r\n", get);
		httpreq_init(&r);
		ok(feed_split(&r, buf, strlen(buf), steps[i], &used) == HTTPREQ_DONE &&
		   used == strlen(get), "GET in steps of %zu, bytes after the head left alone",
		   steps[i]);
		ok(r.method == HTTPREQ_GET && r.version == 11, "  method GET, HTTP/1.1");
		is_str(r.target, "/tok/a%20b.txt", "  target");

		snprintf(buf, sizeof(buf), "%sBODY", head);
		httpreq_init(&r);
		ok(feed_split(&r, buf, strlen(buf), steps[i], &used) == HTTPREQ_DONE &&
		   used == strlen(head), "HEAD with bare LF in steps of %zu", steps[i]);
		ok(r.method == HTTPREQ_HEAD && r.version == 10, "  method HEAD, HTTP/1.0");
		is_str(r.target, "/x", "  target");
		ok(httpreq_feed(&r, "more", 4, &used) == HTTPREQ_DONE && used == 0,
		   "  after DONE nothing more is consumed");
	}
}

struct head {
	const char *name;
	const char *text;
	enum httpreq_event ev;
	int status;	/* for HTTPREQ_ERROR */
	int version;	/* for HTTPREQ_DONE */
};

static const struct head heads[] = {
	{ "empty lines before the request line", "\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
	  HTTPREQ_DONE, 0, 11 },
	{ "HTTP/1.0 needs no Host", "GET / HTTP/1.0\r\n\r\n", HTTPREQ_DONE, 0, 10 },
	{ "HTTP/1.9 is served as 1.1", "GET / HTTP/1.9\r\nHost: h\r\n\r\n", HTTPREQ_DONE, 0, 11 },
	{ "lowercase host field", "GET / HTTP/1.1\r\nhOsT:h\r\n\r\n", HTTPREQ_DONE, 0, 11 },
	{ "empty field value, obs-text and tabs", "GET / HTTP/1.1\r\nHost:\r\nX: \t\xc3\xa9 \r\n\r\n",
	  HTTPREQ_DONE, 0, 11 },
	{ "Hostname is not Host", "GET / HTTP/1.1\r\nHostname: h\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "POST", "POST / HTTP/1.1\r\nHost: h\r\n\r\n", HTTPREQ_ERROR, 405, 0 },
	{ "lowercase get", "get / HTTP/1.1\r\n\r\n", HTTPREQ_ERROR, 405, 0 },
	{ "a long method", "PROPFIND / HTTP/1.1\r\n\r\n", HTTPREQ_ERROR, 405, 0 },
	{ "garbage", "\x16\x03\x01\x02\x00\x01\x00", HTTPREQ_ERROR, 400, 0 },
	{ "no version (HTTP/0.9)", "GET /\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "no target", "GET HTTP/1.1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "two spaces", "GET  / HTTP/1.1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "leading space", " GET / HTTP/1.1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "a control character in the target", "GET /a\tb HTTP/1.1\r\n\r\n", HTTPREQ_ERROR,
	  400, 0 },
	{ "a non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "lowercase http", "GET / http/1.1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "version without minor", "GET / HTTP/1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "two-digit major", "GET / HTTP/11.1\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "trailing space after the version", "GET / HTTP/1.1 \r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", HTTPREQ_ERROR, 505, 0 },
	{ "HTTP/0.9 with a version", "GET / HTTP/0.9\r\n\r\n", HTTPREQ_ERROR, 505, 0 },
	{ "HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "a field line without colon", "GET / HTTP/1.1\r\nHost: h\r\nBroken\r\n\r\n",
	  HTTPREQ_ERROR, 400, 0 },
	{ "space before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "empty field name", "GET / HTTP/1.1\r\n: h\r\n\r\n", HTTPREQ_ERROR, 400, 0 },
	{ "obsolete line folding", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
	  HTTPREQ_ERROR, 400, 0 },
	{ "a CR alone in a value", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", HTTPREQ_ERROR,
	  400, 0 },
	{ "DEL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: \x7f\r\n\r\n", HTTPREQ_ERROR,
	  400, 0 },
};

static void test_table(void)
{
	size_t i, used;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		const struct head *h = &heads[i];
		struct httpreq whole, bytes;
		size_t n = strlen(h->text);
		enum httpreq_event e1, e2;

		httpreq_init(&whole);
		httpreq_init(&bytes);
		e1 = feed_split(&whole, h->text, n, 0, &used);
		e2 = feed_split(&bytes, h->text, n, 1, &used);
		if (h->ev == HTTPREQ_DONE)
			ok(e1 == HTTPREQ_DONE && e2 == HTTPREQ_DONE && whole.version == h->version,
			   "accepted: %s", h->name);
		else
			ok(e1 == HTTPREQ_ERROR && e2 == HTTPREQ_ERROR && whole.status == h->status &&
			   bytes.status == h->status, "refused with %d: %s", h->status, h->name);
	}
}

static void test_nul(void)
{
	static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
	struct httpreq r;
	size_t used;

	httpreq_init(&r);
	ok(feed_split(&r, nul, sizeof(nul) - 1, 1, &used) == HTTPREQ_ERROR && r.status == 400 &&
	   used == 30, "refused with 400 at that byte: a NUL in a value");
}

/* A request whose line is n bytes long, end excluded. */
static char *request_line(size_t n)
{
	char *s = malloc(n + 32);

	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', n - 5 - 9);
	memcpy(s + n - 9, " HTTP/1.0\r\n\r\n", 14);
	return s;
}

/* A head of exactly n bytes: a request line, then one long field. */
static char *head_of(size_t n)
{
	static const char start[] = "GET / HTTP/1.1\r\nHost: h\r\nX-Fill: ";
	char *s = malloc(n + 1);

	memcpy(s, start, sizeof(start) - 1);
	memset(s + sizeof(start) - 1, 'f', n - (sizeof(start) - 1) - 4);
	memcpy(s + n - 4, "\r\n\r\n", 5);
	return s;
}

static void test_limits(void)
{
	struct httpreq r;
	size_t used;
	char *s;

	s = request_line(HTTPREQ_LINE_MAX);
	httpreq_init(&r);
	ok(feed_split(&r, s, strlen(s), 0, &used) == HTTPREQ_DONE,
	   "a request line of HTTPREQ_LINE_MAX bytes is accepted");
	ok(strlen(r.target) == HTTPREQ_LINE_MAX - 13, "  the whole target is kept");
	free(s);
	s = request_line(HTTPREQ_LINE_MAX + 1);
	httpreq_init(&r);
	ok(feed_split(&r, s, strlen(s), 1, &used) == HTTPREQ_ERROR && r.status == 414,
	   "one byte more: 414");
	free(s);

	s = head_of(HTTPREQ_HEAD_MAX);
	httpreq_init(&r);
	ok(feed_split(&r, s, strlen(s), 0, &used) == HTTPREQ_DONE && used == HTTPREQ_HEAD_MAX,
	   "a head of HTTPREQ_HEAD_MAX bytes is accepted");
	free(s);
	s = head_of(HTTPREQ_HEAD_MAX + 1);
	httpreq_init(&r);
	ok(feed_split(&r, s, strlen(s), 3, &used) == HTTPREQ_ERROR && r.status == 431 &&
	   used == HTTPREQ_HEAD_MAX + 1, "one byte more: 431, at that byte");
	ok(httpreq_feed(&r, "x", 1, &used) == HTTPREQ_ERROR && used == 0,
	   "  after an error nothing more is consumed");
	free(s);

	/* empty lines before the request count towards the head */
	s = malloc(HTTPREQ_HEAD_MAX + 2);
	memset(s, '\n', HTTPREQ_HEAD_MAX + 1);
	httpreq_init(&r);
	ok(feed_split(&r, s, HTTPREQ_HEAD_MAX + 1, 0, &used) == HTTPREQ_ERROR && r.status == 431,
	   "endless empty lines: 431");
	free(s);
}

static void test_path(void)
{
	char out[128];
	int n;

	n = httpreq_path(out, sizeof(out), "0f3a", "a b%c/d.txt");
	is_str(out, "/0f3a/a%20b%25c%2Fd.txt", "path: space, %, / encoded, dot kept");
	ok(n == (int)strlen(out), "  returns its length");
	httpreq_path(out, sizeof(out), "t", "Gr\xc3\xbc\xc3\x9f" "e-_~.pdf");
	is_str(out, "/t/Gr%C3%BC%C3%9Fe-_~.pdf", "path: UTF-8 as bytes, unreserved kept");
	httpreq_path(out, sizeof(out), "t", "..");
	is_str(out, "/t/%2E%2E", "path: \"..\" cannot become a dot segment");
	httpreq_path(out, sizeof(out), "t", "..a");
	is_str(out, "/t/..a", "path: \"..a\" keeps its dots");
	httpreq_path(out, sizeof(out), "t?#", "x");
	is_str(out, "/t%3F%23/x", "path: the token is encoded too");

	/* "/t/a%20" is 7 bytes: 8 fit with the NUL, 7 do not */
	ok(httpreq_path(out, 8, "t", "a ") == 7, "path: exactly big enough");
	ok(httpreq_path(out, 7, "t", "a ") == -1, "path: one byte short: -1");
	ok(httpreq_path(out, 3, "t", "a") == -1, "path: no room for the name: -1");
	ok(httpreq_path(out, 2, "t", "") == -1, "path: no room for the token: -1");
	ok(httpreq_path(out, 0, "t", "") == -1, "path: an empty buffer: -1");
}

int main(void)
{
	test_good();
	test_table();
	test_nul();
	test_limits();
	test_path();
	return tap_done();
}
