/* peer.c — see peer.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "disco.h"
#include "jingle.h"
#include "log.h"
#include "peer.h"
#include "si.h"
#include "signals.h"
#include "transport.h"

int peer_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct peer *p = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	struct jid j;
	int i;

	if (from == NULL || jid_parse(from, &j, NULL) < 0 || !jid_same_bare(&j, &p->target))
		return 0;
	if (type != NULL && strcmp(type, "unsubscribed") == 0) {
		p->refused = 1;
		return 1;
	}
	if (type != NULL && strcmp(type, "unavailable") == 0) {
		if (p->jid[0] != '\0' && strcmp(from, p->jid) == 0) {
			p->gone = 1; /* the transport in progress sees it */
		}
		for (i = 0; i < p->nres; i++) {
			if (strcmp(p->res[i].jid, from) == 0) {
				p->res[i] = p->res[--p->nres];
				break;
			}
		}
		return 1;
	}
	if (type != NULL || j.resource[0] == '\0')
		return 1;
	for (i = 0; i < p->nres && strcmp(p->res[i].jid, from) != 0; i++)
		;
	if (i == p->nres) {
		if (p->nres == PEER_RESOURCES)
			return 1;
		p->nres++;
	}
	snprintf(p->res[i].jid, sizeof(p->res[i].jid), "%s", from);
	{
		xmpp_stanza_t *prio = xmpp_stanza_get_child_by_name(st, "priority");
		char *t = prio != NULL ? xmpp_stanza_get_text(prio) : NULL;
		/* RFC 6121 4.7.2.3: -128..127; clamp hostile values. */
		long v = t != NULL ? strtol(t, NULL, 10) : 0;
		p->res[i].priority = v < -128 ? -128 : v > 127 ? 127 : (int)v;
		if (t != NULL)
			xmpp_free(session_ctx(s), t);
	}
	return 1;
}

/* 1 if our roster says we receive the contact's presence. */
static int peer_subscribed(struct peer *p, long timeout_ms, struct xerr *err)
{
	xmpp_stanza_t *r = session_iq_wait(p->s, session_query(p->s, "get", NULL, "jabber:iq:roster"),
					   timeout_ms, err);
	xmpp_stanza_t *q, *item;
	int sub = 0;

	if (r == NULL)
		return -1;
	q = xmpp_stanza_get_child_by_name_and_ns(r, "query", "jabber:iq:roster");
	for (item = q != NULL ? xmpp_stanza_get_children(q) : NULL; item != NULL;
	     item = xmpp_stanza_get_next(item)) {
		const char *jid = xmpp_stanza_get_attribute(item, "jid");
		const char *s = xmpp_stanza_get_attribute(item, "subscription");
		if (jid != NULL && strcasecmp(jid, p->target_bare) == 0 && s != NULL)
			sub = strcmp(s, "to") == 0 || strcmp(s, "both") == 0;
	}
	xmpp_stanza_release(r);
	return sub;
}

/* 1 if jid's disco#info lists a method we may use: SI file transfer with
 * one of our stream methods, or OOB. Records what the peer supports. */
static int peer_capable(struct peer *p, const char *jid, long timeout_ms)
{
	struct xerr err;
	xmpp_stanza_t *r, *q, *f;
	int si = 0, ft = 0, jingle = 0, jft = 0, i;
	unsigned m = 0, jm = 0, ours = 0, alone = 0;
	char said[128];
	size_t len;

	xerr_clear(&err);
	p->peer_disco = 0;
	p->peer_methods = 0;
	p->peer_jingle = 0;
	p->peer_jmethods = 0;
	r = session_iq_wait(p->s, session_query(p->s, "get", jid, NS_DISCO_INFO), timeout_ms, &err);
	if (r == NULL || strcmp(xmpp_stanza_get_type(r), "result") != 0) {
		/* No answer to disco: assume every method; offers will tell. */
		if (r != NULL)
			xmpp_stanza_release(r);
		for (i = 0; transport_all[i] != NULL; i++) {
			p->peer_methods |= (unsigned)transport_all[i]->method;
			if (transport_all[i]->jingle_feature != NULL) /* with --protocol jingle */
				p->peer_jmethods |= (unsigned)transport_all[i]->method;
		}
		log_debug("%s does not answer disco#info; trying every method", jid);
		return 0;
	}
	p->peer_disco = 1;
	q = xmpp_stanza_get_child_by_name_and_ns(r, "query", NS_DISCO_INFO);
	for (f = q != NULL ? xmpp_stanza_get_children(q) : NULL; f != NULL; f = xmpp_stanza_get_next(f)) {
		const char *var = xmpp_stanza_get_attribute(f, "var");
		if (var == NULL || strcmp(xmpp_stanza_get_name(f), "feature") != 0)
			continue;
		si |= strcmp(var, NS_SI) == 0;
		ft |= strcmp(var, NS_SI_FT) == 0;
		jingle |= strcmp(var, NS_JINGLE) == 0;
		jft |= strcmp(var, NS_JINGLE_FT) == 0;
		for (i = 0; transport_all[i] != NULL; i++) {
			const struct transport *tr = transport_all[i];
			if (strcmp(var, tr->feature) == 0)
				m |= (unsigned)tr->method;
			if (tr->jingle_feature != NULL && strcmp(var, tr->jingle_feature) == 0)
				jm |= (unsigned)tr->method;
		}
	}
	{
		/* The server's spelling of a JID the user typed: the S5B hash
		 * compares exact strings. */
		const char *from = xmpp_stanza_get_from(r);
		if (jid == p->jid && from != NULL && strcasecmp(from, p->jid) == 0)
			snprintf(p->jid, sizeof(p->jid), "%s", from);
	}
	xmpp_stanza_release(r);
	for (i = 0; !(si && ft) && transport_all[i] != NULL; i++)
		if (!transport_all[i]->alone) /* carried by SI */
			m &= ~(unsigned)transport_all[i]->method;
	p->peer_jingle = jingle && jft && jm != 0;
	p->peer_jmethods = p->peer_jingle ? jm : 0;
	for (i = 0; p->methods[i] != 0; i++)
		ours |= (unsigned)p->methods[i];
	for (i = 0, len = 0; transport_all[i] != NULL && len < sizeof(said); i++) {
		len += (size_t)snprintf(said + len, sizeof(said) - len, ", %s %d",
					transport_all[i]->name,
					!!(m & (unsigned)transport_all[i]->method));
		if (transport_all[i]->alone)
			alone |= (unsigned)transport_all[i]->method;
	}
	log_debug("%s: si %d, file transfer %d, jingle file transfer %d%s", jid, si, ft,
		  p->peer_jingle, said);
	p->peer_methods = m;
	/* By SI or by Jingle, as --protocol allows. */
	return (((p->protocol != PROTO_JINGLE ? m : m & alone) |
		 (p->protocol != PROTO_SI ? p->peer_jmethods : 0)) & ours) != 0;
}

/* When --protocol narrowed the choice, error messages say so. */
const char *peer_protocol_said(const struct peer *p)
{
	return p->protocol == PROTO_JINGLE ? " with Jingle (--protocol jingle)"
	     : p->protocol == PROTO_SI ? " with SI (--protocol si)" : "";
}

static int by_priority(const void *a, const void *b)
{
	int pa = ((const struct peer_resource *)a)->priority;
	int pb = ((const struct peer_resource *)b)->priority;

	return (pa < pb) - (pa > pb); /* highest first */
}

/* Finds the full JID to send to. */
enum xerr_code peer_find(struct peer *p, long long deadline, struct xerr *err)
{
	long long first = 0;
	int sub, i;

	p->not_online = 0;
	if (p->target.resource[0] != '\0') {
		long left = (long)(deadline - session_now_ms());
		snprintf(p->jid, sizeof(p->jid), "%s/%s", p->target_bare,
			 p->target.resource);
		session_presence(p->s, p->jid, NULL);
		if (peer_capable(p, p->jid, left > 1000 ? left : 1000) || !p->peer_disco)
			return XE_OK;
		return xerr_set(err, XE_UNAVAILABLE, "%s does not support a transfer method "
				"enabled here (%s)%s", p->jid, p->o->method != NULL
				? p->o->method : "see 'methods'", peer_protocol_said(p));
	}
	sub = peer_subscribed(p, (long)(deadline - session_now_ms()), err);
	if (sub < 0)
		return err->code;
	if (!sub) {
		log_info("asking %s for a presence subscription", p->target_bare);
		session_presence(p->s, p->target_bare, "subscribe");
	}
	/* Wait for the first resource, then a moment for the others. */
	while (session_now_ms() < deadline && session_connected(p->s) && !p->refused &&
	       !signals_caught()) {
		if (p->nres > 0 && first == 0)
			first = session_now_ms();
		if (first != 0 && session_now_ms() - first >= 500)
			break;
		session_run(p->s, 50);
	}
	if (signals_caught())
		return xerr_set(err, XE_SIGNAL, "stopped by signal %d", signals_caught());
	if (!session_connected(p->s))
		return xerr_set(err, XE_UNAVAILABLE, "connection to the server lost");
	if (p->refused)
		return xerr_set(err, XE_UNAVAILABLE, "%s refused the presence subscription; "
				"it must allow %s (accept_from)", p->target_bare,
				session_jid(p->s));
	if (p->nres == 0)
		return p->not_online = 1,
		       xerr_set(err, XE_UNAVAILABLE, "%s is not available (no online resource "
				"within %d s%s)", p->target_bare, p->o->timeout,
				sub ? "" : "; the subscription request may still be pending");
	qsort(p->res, (size_t)p->nres, sizeof(p->res[0]), by_priority);
	for (i = 0; i < p->nres; i++) {
		long left = (long)(deadline - session_now_ms());
		if (peer_capable(p, p->res[i].jid, left > 1000 ? left : 1000)) {
			snprintf(p->jid, sizeof(p->jid), "%s", p->res[i].jid);
			log_info("sending to %s", p->jid);
			session_presence(p->s, p->jid, NULL);
			return XE_OK;
		}
	}
	return xerr_set(err, XE_UNAVAILABLE, "%s is online, but none of its resources supports "
			"a transfer method enabled here (%s)%s", p->target_bare,
			p->o->method != NULL ? p->o->method : "see 'methods'",
			peer_protocol_said(p));
}


enum xerr_code peer_init(struct peer *p, const char *jid, const struct xfer_opts *o,
			 const struct account *acct, struct xerr *err)
{
	const char *why;
	char bad[64];

	memset(p, 0, sizeof(*p));
	p->o = o;
	p->acct = acct;
	if (jid_parse(jid, &p->target, &why) < 0)
		return xerr_set(err, XE_USAGE, "'%s' is not a JID: %s", jid, why);
	if (p->target.local[0] == '\0')
		return xerr_set(err, XE_USAGE, "'%s' is not a user's JID (user@domain)", jid);
	jid_bare(&p->target, p->target_bare, sizeof(p->target_bare));
	if (p->target.resource[0] != '\0')
		snprintf(p->jid, sizeof(p->jid), "%s/%s", p->target_bare, p->target.resource);
	if (o->method != NULL)
		config_parse_methods(o->method, p->methods, METHODS_MAX, bad);
	else if (acct->methods[0] != 0)
		memcpy(p->methods, acct->methods, sizeof(p->methods));
	else
		transport_order(p->methods);
	p->block = acct->ibb_block_size > 0 ? acct->ibb_block_size : IBB_DEFAULT_BLOCK;
	p->protocol = o->protocol == NULL || strcmp(o->protocol, "auto") == 0 ? PROTO_AUTO
		    : strcmp(o->protocol, "jingle") == 0 ? PROTO_JINGLE : PROTO_SI;
	p->window = acct->ibb_window > 0 ? acct->ibb_window : IBB_DEFAULT_WINDOW;
	return XE_OK;
}

void peer_attach(struct peer *p, struct session *s)
{
	p->s = s;
	p->nres = 0;
	p->refused = p->gone = 0;
	p->proxy_looked = 0;
	p->proxy.jid[0] = '\0';
	if (p->target.resource[0] == '\0')
		p->jid[0] = '\0';
}
