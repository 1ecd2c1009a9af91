/* httpreq.c — see httpreq.h */
#include <string.h>

#include "httpreq.h"

enum {
	ST_START,	/* before the request line (empty lines are skipped) */
	ST_METHOD,
	ST_TARGET,
	ST_VERSION,
	ST_FIELD_START,	/* first byte of a field line, or the empty line */
	ST_FIELD_NAME,
	ST_FIELD_VALUE,
	ST_DONE,
	ST_ERROR,
};

void httpreq_init(struct httpreq *r)
{
	memset(r, 0, sizeof(*r));
	r->state = ST_START;
}

/* RFC 9110 tchar: what methods and field names are made of. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Whether the field name just read is "Host", in any case. */
static int is_host(const struct httpreq *r)
{
	size_t i;

	if (r->name_len != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if ((r->name[i] | 0x20) != "host"[i])
			return 0;
	return 1;
}

static enum httpreq_event fail(struct httpreq *r, int status)
{
	r->state = ST_ERROR;
	r->status = status;
	return HTTPREQ_ERROR;
}

/* The version is checked byte by byte against "HTTP/D.D" so that junk is
 * refused as it arrives; which major version it is waits for the line end,
 * so that "HTTP/2x" is malformed (400) rather than unsupported (505). */
static int version_byte_ok(size_t i, unsigned char c)
{
	static const char pattern[] = "HTTP/0.0";

	if (i >= 8)
		return 0;
	if (pattern[i] == '0')
		return c >= '0' && c <= '9';
	return c == (unsigned char)pattern[i];
}

/* The end of a line (CRLF or bare LF) in the current state. */
static enum httpreq_event line_end(struct httpreq *r)
{
	switch (r->state) {
	case ST_START:
		return HTTPREQ_NEED_MORE;	/* an empty line before the request */
	case ST_VERSION:
		if (r->name_len != 8)
			return fail(r, 400);
		if (r->name[5] != '1')
			return fail(r, 505);
		r->version = r->name[7] == '0' ? 10 : 11;
		r->state = ST_FIELD_START;
		return HTTPREQ_NEED_MORE;
	case ST_FIELD_VALUE:
		r->state = ST_FIELD_START;
		return HTTPREQ_NEED_MORE;
	case ST_FIELD_START:		/* the empty line: the head is complete */
		if (r->version == 11 && r->hosts == 0)
			return fail(r, 400);	/* RFC 9112 3.2: Host is required */
		r->state = ST_DONE;
		return HTTPREQ_DONE;
	default:			/* a request line without version, a field without colon */
		return fail(r, 400);
	}
}

static enum httpreq_event method_end(struct httpreq *r)
{
	if (r->name_len == 3 && memcmp(r->name, "GET", 3) == 0)
		r->method = HTTPREQ_GET;
	else if (r->name_len == 4 && memcmp(r->name, "HEAD", 4) == 0)
		r->method = HTTPREQ_HEAD;
	else
		return fail(r, 405);
	r->state = ST_TARGET;
	return HTTPREQ_NEED_MORE;
}

static enum httpreq_event byte(struct httpreq *r, unsigned char c)
{
	if (++r->head_len > HTTPREQ_HEAD_MAX)
		return fail(r, 431);
	if (r->cr && c != '\n')
		return fail(r, 400);	/* a CR that does not end a line */
	if (c == '\n') {
		r->cr = 0;
		r->line_len = 0;
		return line_end(r);
	}
	if (c == '\r') {
		r->cr = 1;
		return HTTPREQ_NEED_MORE;
	}
	if (r->state <= ST_VERSION && ++r->line_len > HTTPREQ_LINE_MAX)
		return fail(r, 414);

	switch (r->state) {
	case ST_START:
		r->state = ST_METHOD;
		/* fall through */
	case ST_METHOD:
		if (c == ' ' && r->name_len > 0)
			return method_end(r);
		if (!is_tchar(c))
			return fail(r, 400);
		if (r->name_len == 4)
			return fail(r, 405);	/* longer than any method we serve */
		r->name[r->name_len++] = (char)c;
		return HTTPREQ_NEED_MORE;
	case ST_TARGET:
		if (c == ' ' && r->target_len > 0) {
			r->target[r->target_len] = '\0';
			r->name_len = 0;
			r->state = ST_VERSION;
			return HTTPREQ_NEED_MORE;
		}
		if (c <= 0x20 || c >= 0x7f)
			return fail(r, 400);
		if (r->target_len + 1 >= sizeof(r->target))
			return fail(r, 414);
		r->target[r->target_len++] = (char)c;
		return HTTPREQ_NEED_MORE;
	case ST_VERSION:
		if (!version_byte_ok(r->name_len, c))
			return fail(r, 400);
		r->name[r->name_len++] = (char)c;
		return HTTPREQ_NEED_MORE;
	case ST_FIELD_START:
		/* Whitespace here is obsolete line folding, or space between
		 * the request line and the first field: both are refused. */
		if (!is_tchar(c))
			return fail(r, 400);
		r->name_len = 0;
		r->state = ST_FIELD_NAME;
		/* fall through */
	case ST_FIELD_NAME:
		if (c == ':' && r->name_len > 0) {
			/* name holds the first bytes of the name, name_len counts all */
			if (is_host(r) && ++r->hosts > 1)
				return fail(r, 400);
			r->state = ST_FIELD_VALUE;
			return HTTPREQ_NEED_MORE;
		}
		if (!is_tchar(c))
			return fail(r, 400);
		if (r->name_len < sizeof(r->name))
			r->name[r->name_len] = (char)c;
		if (r->name_len < 5)	/* enough to tell "host" from longer names */
			r->name_len++;
		return HTTPREQ_NEED_MORE;
	case ST_FIELD_VALUE:
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(r, 400);
		return HTTPREQ_NEED_MORE;
	}
	return fail(r, 400);
}

enum httpreq_event httpreq_feed(struct httpreq *r, const char *data, size_t len, size_t *used)
{
	*used = 0;
	if (r->state == ST_DONE)
		return HTTPREQ_DONE;
	if (r->state == ST_ERROR)
		return HTTPREQ_ERROR;
	while (*used < len) {
		enum httpreq_event ev = byte(r, (unsigned char)data[(*used)++]);

		if (ev != HTTPREQ_NEED_MORE)
			return ev;
	}
	return HTTPREQ_NEED_MORE;
}

/* Appends s percent-encoded as one path segment; returns the new length
 * or -1 if it does not fit (with the NUL) in outlen. */
static int path_segment(char *out, size_t outlen, size_t o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	/* "." and ".." are removed by URL parsers; any all-dots name is encoded */
	int all_dots = strspn(s, ".") == strlen(s);

	for (; *p != '\0'; p++) {
		int keep = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '~' ||
			    *p == '.') && !(*p == '.' && all_dots);

		if (o + (keep ? 1 : 3) >= outlen)
			return -1;
		if (keep) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return (int)o;
}

int httpreq_path(char *out, size_t outlen, const char *token, const char *name)
{
	int o;

	if (outlen < 2 || outlen > (size_t)1 << 30)
		return -1;
	out[0] = '/';
	o = path_segment(out, outlen, 1, token);
	if (o < 0 || (size_t)o + 1 >= outlen)
		return -1;
	out[o++] = '/';
	return path_segment(out, outlen, (size_t)o, name);
}
