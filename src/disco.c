/* disco.c — see disco.h */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disco.h"
#include "log.h"

const char *disco_error_condition(xmpp_stanza_t *reply)
{
	xmpp_stanza_t *e, *c;

	if (reply == NULL)
		return "no answer";
	e = xmpp_stanza_get_child_by_name(reply, "error");
	for (c = e != NULL ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	     c = xmpp_stanza_get_next(c)) {
		const char *ns = xmpp_stanza_get_ns(c);
		if (xmpp_stanza_is_tag(c) && ns != NULL &&
		    strcmp(ns, "urn:ietf:params:xml:ns:xmpp-stanzas") == 0)
			return xmpp_stanza_get_name(c);
	}
	return "error";
}

static int is_result(xmpp_stanza_t *reply)
{
	const char *type = xmpp_stanza_get_type(reply);

	return type != NULL && strcmp(type, "result") == 0;
}

static int attr_is(xmpp_stanza_t *st, const char *name, const char *value)
{
	const char *v = xmpp_stanza_get_attribute(st, name);

	return v != NULL && strcmp(v, value) == 0;
}

/* The value of field var in a jabber:x:data form, or NULL. */
static char *form_field(xmpp_stanza_t *form, const char *var)
{
	xmpp_stanza_t *f, *v;

	for (f = xmpp_stanza_get_children(form); f != NULL; f = xmpp_stanza_get_next(f)) {
		if (!xmpp_stanza_is_tag(f) || strcmp(xmpp_stanza_get_name(f), "field") != 0 ||
		    !attr_is(f, "var", var))
			continue;
		v = xmpp_stanza_get_child_by_name(f, "value");
		return v != NULL ? xmpp_stanza_get_text(v) : NULL;
	}
	return NULL;
}

int disco_parse_info(xmpp_stanza_t *reply, struct disco_service *svc)
{
	xmpp_stanza_t *q, *c;
	xmpp_ctx_t *ctx = xmpp_stanza_get_context(reply);

	if (!is_result(reply))
		return -1;
	q = xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_DISCO_INFO);
	if (q == NULL)
		return -1;
	svc->upload_max = -1;
	for (c = xmpp_stanza_get_children(q); c != NULL; c = xmpp_stanza_get_next(c)) {
		const char *name = xmpp_stanza_get_name(c);
		const char *ns;

		if (!xmpp_stanza_is_tag(c))
			continue;
		if (strcmp(name, "identity") == 0 && attr_is(c, "category", "proxy") &&
		    attr_is(c, "type", "bytestreams"))
			svc->proxy = 1;
		else if (strcmp(name, "feature") == 0 && attr_is(c, "var", NS_HTTP_UPLOAD))
			svc->upload = 1;
		else if (strcmp(name, "x") == 0 && (ns = xmpp_stanza_get_ns(c)) != NULL &&
			 strcmp(ns, "jabber:x:data") == 0) {
			char *form_type = form_field(c, "FORM_TYPE");
			if (form_type != NULL && strcmp(form_type, NS_HTTP_UPLOAD) == 0) {
				char *max = form_field(c, "max-file-size");
				char *end;
				long long v;
				if (max != NULL) {
					errno = 0;
					v = strtoll(max, &end, 10);
					if (errno == 0 && end != max && *end == '\0' && v >= 0)
						svc->upload_max = v;
					xmpp_free(ctx, max);
				}
			}
			if (form_type != NULL)
				xmpp_free(ctx, form_type);
		}
	}
	return 0;
}

int disco_parse_streamhost(xmpp_stanza_t *reply, struct disco_service *svc)
{
	xmpp_stanza_t *q, *sh;
	const char *jid, *host, *port;
	char *end;
	long p;

	if (!is_result(reply))
		return -1;
	q = xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_BYTESTREAMS);
	sh = q != NULL ? xmpp_stanza_get_child_by_name(q, "streamhost") : NULL;
	if (sh == NULL)
		return -1;
	jid = xmpp_stanza_get_attribute(sh, "jid");
	host = xmpp_stanza_get_attribute(sh, "host");
	port = xmpp_stanza_get_attribute(sh, "port");
	if (jid == NULL || host == NULL || *host == '\0')
		return -1;
	p = 1080; /* XEP-0065: the port defaults to 1080 */
	if (port != NULL) {
		errno = 0;
		p = strtol(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0' || p < 1 || p > 65535)
			return -1;
	}
	svc->sh_jid = strdup(jid);
	svc->sh_host = strdup(host);
	svc->sh_port = (unsigned short)p;
	return svc->sh_jid != NULL && svc->sh_host != NULL ? 0 : -1;
}

void disco_result_free(struct disco_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].jid);
		free(r->v[i].error);
		free(r->v[i].sh_jid);
		free(r->v[i].sh_host);
		free(r->v[i].sh_error);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

struct disco_round {
	struct disco_service *svc;
	int *outstanding;
	int streamhost;		/* 0: disco#info round, 1: streamhost round */
};

static void disco_reply(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct disco_round *r = arg;
	struct disco_service *svc = r->svc;
	int rc;

	(*r->outstanding)--;
	rc = reply == NULL ? -1
	   : r->streamhost ? disco_parse_streamhost(reply, svc)
	   : disco_parse_info(reply, svc);
	if (rc < 0) {
		const char *why = reply == NULL || !is_result(reply)
				? disco_error_condition(reply) : "malformed reply";
		if (r->streamhost)
			svc->sh_error = strdup(why);
		else
			svc->error = strdup(why);
		log_debug("%s of %s: %s", r->streamhost ? "streamhost query" : "disco#info",
			  svc->jid, why);
	}
	free(r);
	(void)s;
}

/* Sends one query per service (all of them for info, proxies for
 * streamhost) and waits until every one is answered or timed out. */
static void disco_round(struct session *s, struct disco_result *res, int streamhost,
			long timeout_ms)
{
	int outstanding = 0;
	size_t i;

	for (i = 0; i < res->n; i++) {
		struct disco_round *r;

		if (streamhost && (!res->v[i].proxy || res->v[i].error != NULL))
			continue;
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			break;
		r->svc = &res->v[i];
		r->outstanding = &outstanding;
		r->streamhost = streamhost;
		outstanding++;
		session_iq(s, session_query(s, "get", res->v[i].jid,
					  streamhost ? NS_BYTESTREAMS : NS_DISCO_INFO),
			   timeout_ms, disco_reply, r);
	}
	while (outstanding > 0)
		session_run(s, 100);
}

static long disco_left(long long deadline)
{
	long long left = deadline - session_now_ms();

	return left > 0 ? (long)left : 0;
}

enum xerr_code disco_server(struct session *s, long long deadline, struct disco_result *out,
			    struct xerr *err)
{
	xmpp_stanza_t *reply, *q, *c;
	size_t cap;

	memset(out, 0, sizeof(*out));
	reply = session_iq_wait(s, session_query(s, "get", session_domain(s), NS_DISCO_ITEMS),
				disco_left(deadline), err);
	if (reply == NULL)
		return err->code;
	q = is_result(reply) ? xmpp_stanza_get_child_by_name_and_ns(reply, "query",
								      NS_DISCO_ITEMS) : NULL;
	if (q == NULL) {
		enum xerr_code rc = xerr_set(err, XE_PROTOCOL, "%s refused service discovery: %s",
					     session_domain(s), disco_error_condition(reply));
		xmpp_stanza_release(reply);
		return rc;
	}
	cap = 1 + DISCO_MAX_ITEMS;
	out->v = calloc(cap, sizeof(*out->v));
	if (out->v == NULL) {
		xmpp_stanza_release(reply);
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	}
	out->v[out->n++].jid = strdup(session_domain(s));
	for (c = xmpp_stanza_get_children(q); c != NULL; c = xmpp_stanza_get_next(c)) {
		const char *jid = xmpp_stanza_get_attribute(c, "jid");
		if (!xmpp_stanza_is_tag(c) || strcmp(xmpp_stanza_get_name(c), "item") != 0 ||
		    jid == NULL || xmpp_stanza_get_attribute(c, "node") != NULL)
			continue;
		if (out->n == cap) {
			log_info("%s lists more than %d services; the rest are not queried",
				 session_domain(s), DISCO_MAX_ITEMS);
			break;
		}
		out->v[out->n++].jid = strdup(jid);
	}
	xmpp_stanza_release(reply);
	for (cap = 0; cap < out->n; cap++) {
		if (out->v[cap].jid == NULL) {
			disco_result_free(out);
			return xerr_set(err, XE_SOFTWARE, "out of memory");
		}
	}
	disco_round(s, out, 0, disco_left(deadline));
	if (disco_left(deadline) > 0)
		disco_round(s, out, 1, disco_left(deadline));
	return XE_OK;
}
