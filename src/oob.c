/* oob.c — see oob.h */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oob.h"
#include "si.h"
#include "stanza.h"

xmpp_stanza_t *oob_request_build(xmpp_ctx_t *ctx, const char *to, const char *url,
				 const char *desc)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_t *q;

	xmpp_stanza_set_to(iq, to);
	q = stanza_child(ctx, iq, "query", NS_OOB, NULL);
	stanza_child(ctx, q, "url", NULL, url);
	if (desc != NULL && *desc != '\0')
		stanza_child(ctx, q, "desc", NULL, desc);
	return iq;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int oob_parse(xmpp_stanza_t *iq, char *url, size_t ulen, char *name, size_t nlen)
{
	xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(iq, "query", NS_OOB);
	xmpp_stanza_t *u = q != NULL ? xmpp_stanza_get_child_by_name(q, "url") : NULL;
	char *t = u != NULL ? xmpp_stanza_get_text(u) : NULL;
	const char *p, *seg, *end;
	size_t n = 0;
	int rc = -1;

	if (t == NULL)
		return -1;
	p = t + strspn(t, " \t\r\n");
	end = p + strcspn(p, " \t\r\n");
	if ((strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) &&
	    (size_t)(end - p) < ulen && p + strcspn(p, "/") + 2 < end) { /* a host after "//" */
		memcpy(url, p, (size_t)(end - p));
		url[end - p] = '\0';
		/* The last segment of the path, without query or fragment. */
		end = url + strcspn(url, "?#");
		seg = url + strcspn(url, "/") + 2;
		seg += strcspn(seg, "/");
		for (p = seg; p < end; p++)
			if (*p == '/')
				seg = p + 1;
		for (p = seg; p < end && n + 1 < nlen; p++) {
			if (*p == '%' && p + 2 < end && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
				name[n++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
			} else {
				name[n++] = *p;
			}
		}
		name[n] = '\0';
		if (n == 0 || strlen(name) != n)
			snprintf(name, nlen, "download");
		rc = 0;
	}
	xmpp_free(xmpp_stanza_get_context(iq), t);
	return rc;
}
