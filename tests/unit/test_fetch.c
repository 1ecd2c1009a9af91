/* Unit tests for fetch_head_line(): how the OOB fetch reads a response
 * head from a server an allowed sender names. A Content-Length is one
 * number of at most 18 digits (so that no sum or comparison with it can
 * overflow); anything else, or two that differ, marks the size bad. */
#include <string.h>

#include "../../src/fetch.h"
#include "tap.h"

static const struct {
	const char *name;
	const char *lines[4];	/* after "HTTP/1.1 200 OK\r\n" */
	long long size;
	int bad;
} heads[] = {
	{ "no length", { NULL }, -1, 0 },
	{ "a length", { "Content-Length: 1234\r\n" }, 1234, 0 },
	{ "case and spaces", { "content-LENGTH:\t 77 \r\n" }, 77, 0 },
	{ "zero", { "Content-Length: 0\r\n" }, 0, 0 },
	{ "18 digits", { "Content-Length: 999999999999999999\r\n" }, 999999999999999999LL, 0 },
	{ "19 digits", { "Content-Length: 9223372036854775807\r\n" }, -1, 1 },
	{ "past 2^64", { "Content-Length: 99999999999999999999999\r\n" }, -1, 1 },
	{ "negative", { "Content-Length: -1\r\n" }, -1, 1 },
	{ "a list", { "Content-Length: 5, 5\r\n" }, -1, 1 },
	{ "a suffix", { "Content-Length: 5k\r\n" }, -1, 1 },
	{ "empty", { "Content-Length:\r\n" }, -1, 1 },
	{ "two that agree", { "Content-Length: 9\r\n", "Content-Length: 9\r\n" }, 9, 0 },
	{ "two that differ", { "Content-Length: 9\r\n", "Content-Length: 10\r\n" }, 10, 1 },
	{ "other fields", { "Content-Type: x\r\n", "Content-Length: 3\r\n", "X: 4\r\n" }, 3, 0 },
};

static void feed(struct fetch_head *h, const char *line, enum fetch_line want, const char *name)
{
	ok(fetch_head_line(h, line, strlen(line)) == want, "%s: '%.*s' read as a %s", name,
	   (int)strcspn(line, "\r\n"), line, want == FETCH_LINE_STATUS ? "status line"
	   : want == FETCH_LINE_END ? "head's end" : "field");
}

int main(void)
{
	struct fetch_head h;
	size_t i, k;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.size = -1;
		feed(&h, "HTTP/1.1 200 OK\r\n", FETCH_LINE_STATUS, heads[i].name);
		for (k = 0; k < 4 && heads[i].lines[k] != NULL; k++)
			feed(&h, heads[i].lines[k], FETCH_LINE_FIELD, heads[i].name);
		feed(&h, "\r\n", FETCH_LINE_END, heads[i].name);
		ok(h.size == heads[i].size && h.bad_size == heads[i].bad,
		   "%s: size %lld, bad %d (want %lld, %d)", heads[i].name, h.size, h.bad_size,
		   heads[i].size, heads[i].bad);
	}

	/* A new status line (after a 1xx head) starts afresh; the reason
	 * and Location are kept printable. */
	memset(&h, 0, sizeof(h));
	h.size = -1;
	fetch_head_line(&h, "HTTP/1.1 100 Continue\r\n", 23);
	fetch_head_line(&h, "Content-Length: x\r\n", 19);
	feed(&h, "HTTP/1.1 302 Found \x1b[2J\r\n", FETCH_LINE_STATUS, "redirect");
	feed(&h, "Location:  http://e.test/\x07x \r\n", FETCH_LINE_FIELD, "redirect");
	is_str(h.reason, "Found ?[2J", "the reason phrase, escaped");
	is_str(h.location, "http://e.test/?x", "the Location, escaped and trimmed");
	ok(h.size == -1 && h.bad_size == 0, "a new head forgets the last one's size");
	feed(&h, "\n", FETCH_LINE_END, "a bare LF ends the head");
	return tap_done();
}
