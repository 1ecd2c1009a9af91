/* httpreq.h — the head of an HTTP/1.x request, as a pure parser.
 *
 * No I/O and no other xfer module: bytes go in through httpreq_feed() in
 * any fragmentation, down to a byte at a time, and the parser stops at
 * the end of the head (an empty line; CRLF or a bare LF ends each line).
 * It never consumes a byte past the head, so a body or a pipelined
 * request stays with the caller. The server built on it (httpd.c) offers
 * one file, so the parser keeps only what that needs: the method (GET or
 * HEAD), the request target and the version; header values are checked
 * for syntax and dropped, except that HTTP/1.1 requires one Host field.
 *
 * It is strict where leniency has caused request smuggling: one space
 * between the parts of the request line, no whitespace before a field's
 * colon, no obsolete line folding, no control characters. */
#ifndef XFER_HTTPREQ_H
#define XFER_HTTPREQ_H

#include <stddef.h>

#define HTTPREQ_HEAD_MAX 16384	/* the whole head, line ends included; more -> 431 */
#define HTTPREQ_LINE_MAX 8192	/* the request line, line end excluded; more -> 414 */

enum httpreq_event {
	HTTPREQ_NEED_MORE,	/* feed more bytes */
	HTTPREQ_DONE,		/* a whole head: method, target, version are set */
	HTTPREQ_ERROR,		/* status says how to answer; then close */
};

enum httpreq_method { HTTPREQ_GET = 1, HTTPREQ_HEAD };

struct httpreq {
	int state;		/* where in the head the next byte belongs */
	int cr;			/* a CR was the previous byte of this line */
	size_t head_len;	/* bytes consumed so far */
	size_t line_len;	/* bytes of the current line, its end excluded */
	char name[8];		/* the method while it is read; then a field name prefix */
	size_t name_len;
	int hosts;		/* Host fields seen */
	int method;		/* enum httpreq_method, once DONE */
	int version;		/* 10 or 11 (any HTTP/1.x above 1 counts as 11) */
	char target[HTTPREQ_LINE_MAX];	/* NUL-terminated, exactly as sent */
	size_t target_len;
	int status;		/* on HTTPREQ_ERROR: 400, 405, 414, 431 or 505 */
};

void httpreq_init(struct httpreq *r);

/* Consumes bytes of data up to the end of the head (setting *used) and
 * says whether the head is complete, needs more, or is refused. Once DONE
 * or ERROR it stays so and consumes nothing more. An error is reported at
 * the byte that shows it, before the rest of the head has arrived: a
 * method other than GET or HEAD gives 405, a request line longer than
 * HTTPREQ_LINE_MAX 414, a head longer than HTTPREQ_HEAD_MAX 431, an HTTP
 * major version other than 1 505, anything malformed 400. */
enum httpreq_event httpreq_feed(struct httpreq *r, const char *data, size_t len, size_t *used);

/* Writes "/TOKEN/NAME" into out, both percent-encoded as one path segment
 * each (RFC 3986: only unreserved characters are kept, and a name made of
 * dots alone has them encoded, so no URL parser takes it for "." or "..").
 * Returns the length, or -1 if out (outlen bytes, NUL included) is too
 * small. The result is what the server compares request targets with. */
int httpreq_path(char *out, size_t outlen, const char *token, const char *name);

#endif
