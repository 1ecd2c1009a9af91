/* bytestreams.c — see bytestreams.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytestreams.h"
#include "jid.h"
#include "si.h"
#include "stanza.h"

static xmpp_stanza_t *child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *name,
			    const char *ns)
{
	return stanza_child(ctx, parent, name, ns, NULL);
}

xmpp_stanza_t *bytestreams_request(xmpp_ctx_t *ctx, const char *to, const char *sid,
				   const struct s5b_host *hosts, int n)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_t *q, *sh;
	char port[8];
	int i;

	xmpp_stanza_set_to(iq, to);
	q = child(ctx, iq, "query", NS_S5B);
	xmpp_stanza_set_attribute(q, "sid", sid);
	xmpp_stanza_set_attribute(q, "mode", "tcp");
	for (i = 0; i < n; i++) {
		sh = child(ctx, q, "streamhost", NULL);
		snprintf(port, sizeof(port), "%u", hosts[i].port);
		xmpp_stanza_set_attribute(sh, "jid", hosts[i].jid);
		xmpp_stanza_set_attribute(sh, "host", hosts[i].host);
		xmpp_stanza_set_attribute(sh, "port", port);
	}
	return iq;
}

static int valid_sid(const char *sid)
{
	size_t i;

	if (sid == NULL || *sid == '\0' || strlen(sid) >= 128)
		return 0;
	for (i = 0; sid[i] != '\0'; i++)
		if ((unsigned char)sid[i] <= 0x20 || strchr("<>&'\"", sid[i]) != NULL)
			return 0;
	return 1;
}

int bytestreams_parse(xmpp_stanza_t *iq, char *sid, struct s5b_host *hosts,
		      const char **cond, const char **why)
{
	xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(iq, "query", NS_S5B);
	xmpp_stanza_t *sh;
	const char *s, *mode;
	int n = 0;

	*cond = "bad-request";
	if (q == NULL || !valid_sid(s = xmpp_stanza_get_attribute(q, "sid"))) {
		*why = "no query with a valid sid";
		return -1;
	}
	strcpy(sid, s);
	mode = xmpp_stanza_get_attribute(q, "mode");
	if (mode != NULL && strcmp(mode, "tcp") != 0) {
		*cond = "not-acceptable";
		*why = "only mode='tcp' is supported";
		return -1;
	}
	for (sh = xmpp_stanza_get_children(q); sh != NULL && n < S5B_MAX_HOSTS;
	     sh = xmpp_stanza_get_next(sh)) {
		const char *jid = xmpp_stanza_get_attribute(sh, "jid");
		const char *host = xmpp_stanza_get_attribute(sh, "host");
		const char *port = xmpp_stanza_get_attribute(sh, "port");
		struct jid j;
		char *end;
		long p = 1080; /* XEP-0065: the default port */
		size_t i;

		if (!xmpp_stanza_is_tag(sh) || strcmp(xmpp_stanza_get_name(sh), "streamhost") != 0 ||
		    jid == NULL || jid_parse(jid, &j, NULL) < 0 || strlen(jid) >= sizeof(hosts->jid) ||
		    host == NULL || *host == '\0' || strlen(host) >= sizeof(hosts->host))
			continue;
		for (i = 0; host[i] != '\0'; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:",
				   host[i]) == NULL)
				break;
		if (host[i] != '\0')
			continue;
		if (port != NULL) {
			errno = 0;
			p = strtol(port, &end, 10);
			if (*port < '0' || *port > '9' || errno != 0 || *end != '\0' || p < 1 ||
			    p > 65535)
				continue;
		}
		strcpy(hosts[n].jid, jid);
		strcpy(hosts[n].host, host);
		hosts[n].port = (unsigned short)p;
		n++;
	}
	if (n == 0) {
		*why = "no usable streamhost";
		return -1;
	}
	*cond = NULL;
	return n;
}

xmpp_stanza_t *bytestreams_used(xmpp_ctx_t *ctx, const char *sid, const char *jid)
{
	xmpp_stanza_t *q = xmpp_stanza_new(ctx);

	xmpp_stanza_set_name(q, "query");
	xmpp_stanza_set_ns(q, NS_S5B);
	xmpp_stanza_set_attribute(q, "sid", sid);
	xmpp_stanza_set_attribute(child(ctx, q, "streamhost-used", NULL), "jid", jid);
	return q;
}

int bytestreams_used_parse(xmpp_stanza_t *reply, char *jid, size_t len)
{
	xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_S5B);
	xmpp_stanza_t *u = q != NULL ? xmpp_stanza_get_child_by_name(q, "streamhost-used") : NULL;
	const char *j = u != NULL ? xmpp_stanza_get_attribute(u, "jid") : NULL;

	if (j == NULL || strlen(j) >= len)
		return -1;
	strcpy(jid, j);
	return 0;
}

xmpp_stanza_t *bytestreams_activate(xmpp_ctx_t *ctx, const char *proxy, const char *sid,
				    const char *target)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_t *q;

	xmpp_stanza_set_to(iq, proxy);
	q = child(ctx, iq, "query", NS_S5B);
	xmpp_stanza_set_attribute(q, "sid", sid);
	stanza_child(ctx, q, "activate", NULL, target);
	return iq;
}
