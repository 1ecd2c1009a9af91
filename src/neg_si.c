/* neg_si.c — Stream Initiation file transfer (XEP-0095/0096) with the
 * si-multiple extension, as a negotiation, both roles.
 *
 * Sending: the offer lists our stream methods; the answer lists the
 * receiver's, in its order (several with si-multiple, on one stream id).
 * S5B is announced in a XEP-0065 query whose answer names the streamhost
 * used. Receiving: an offer passes the receiver's admission, is answered
 * with our methods in our order, and the XEP-0065 query starts tr_s5b. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytestreams.h"
#include "jid.h"
#include "log.h"
#include "negotiation.h"
#include "peer.h"
#include "recv.h"
#include "si.h"
#include "transport.h"

/* --- sending ------------------------------------------------------------ */

/* The server's spelling of the peer's JID from an answer: the S5B hash
 * and presence matching compare exact strings, and a user may have typed
 * Bob@Example.org/box. */
static void si_peer_spelling(struct transfer *t, xmpp_stanza_t *r)
{
	const char *from = xmpp_stanza_get_from(r);
	struct jid j;

	if (from != NULL && strlen(from) < sizeof(t->p->jid) && jid_parse(from, &j, NULL) == 0 &&
	    jid_same_bare(&j, &t->p->target) && j.resource[0] != '\0') {
		snprintf(t->p->jid, sizeof(t->p->jid), "%s", from);
		snprintf(t->peer, sizeof(t->peer), "%s", from);
	}
}

static enum outcome si_offer(struct transfer *t)
{
	const struct xfer_opts *o = t->p->o;
	struct si_offer so;
	xmpp_stanza_t *r;
	int offered[METHODS_MAX], n = t->nmethods, i, k;

	memcpy(offered, t->methods, sizeof(offered));
	memset(&so, 0, sizeof(so));
	snprintf(so.sid, sizeof(so.sid), "%s", t->sid);
	snprintf(so.name, sizeof(so.name), "%s", t->src->name);
	so.size = t->src->size;
	source_date(t->src, so.date);
	snprintf(so.md5, sizeof(so.md5), "%s", t->src->md5);
	if (o->desc != NULL)
		snprintf(so.desc, sizeof(so.desc), "%s", o->desc);
	r = transfer_iq(t, si_offer_build(session_ctx(t->s), t->peer, &so, offered, n),
			(long)o->timeout * 1000);
	if (r == NULL) {
		if (t->err.code == XE_TEMPFAIL)
			snprintf(t->err.msg, sizeof(t->err.msg), "%.300s did not answer the offer "
				 "within %d s", t->peer, o->timeout);
		return OUT_FAIL;
	}
	if (strcmp(xmpp_stanza_get_type(r), "result") != 0) {
		enum outcome out = transfer_refusal(t, r, "the receiver accepts none of the "
						    "offered stream methods", 0);
		for (i = 0; out == OUT_NEXT && i < n; i++) {
			t->tried |= (unsigned)offered[i];
			transfer_attempt(t, offered[i], t->err.msg);
		}
		return out;
	}
	si_peer_spelling(t, r);
	t->nmethods = si_accept_parse(r, t->methods, METHODS_MAX - 1, &t->multiple);
	xmpp_stanza_release(r);
	for (k = 0; k < t->nmethods; k++) {
		for (i = 0; i < n && offered[i] != t->methods[k]; i++)
			;
		if (i == n)
			t->nmethods = 0;
	}
	if (t->nmethods == 0) {
		xerr_set(&t->err, XE_PROTOCOL, "%s chose a stream method that was not offered",
			 t->peer);
		return OUT_FAIL;
	}
	return OUT_OK;
}

/* si-multiple: the next method runs on the same stream id, unannounced. */
static enum outcome si_fall_back(struct transfer *t, int m)
{
	(void)t;
	(void)m;
	return OUT_OK;
}

static int si_reply_done(struct transfer *t, void *arg)
{
	(void)t;
	return ((struct session_reply *)arg)->done;
}

/* The reply to our XEP-0065 query, which failed: why, for the log. */
static void si_s5b_refused(struct transfer *t, xmpp_stanza_t *reply)
{
	char cond[64], text[256], why[600];
	int n = t->params.nhosts, refused = t->params.refused;

	session_error_of(reply, cond, sizeof(cond), text, sizeof(text));
	snprintf(why, sizeof(why), "the receiver could not connect to any of %d streamhost%s "
		 "(%s%s%s)%s", n, n == 1 ? "" : "s", cond, text[0] ? ": " : "", text,
		 t->p->proxy.jid[0] == '\0' ? "; a firewall or NAT may be in the way: see "
		 "s5b_address and s5b_proxy" : "");
	if (refused > 0)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "; %d connection%s with a "
			 "wrong hash refused", refused, refused == 1 ? "" : "s");
	xerr_set(&t->err, XE_UNAVAILABLE, "%s", why);
}

/* The streamhosts in a XEP-0065 query; the answer names the one used. */
static enum outcome si_s5b_announce(struct transfer *t, long ms)
{
	struct transfer_params *pa = &t->params;
	struct session_reply slot = { 0, NULL };
	char used[3100];
	int i;

	session_iq(t->s, bytestreams_request(session_ctx(t->s), t->peer, t->sid, pa->hosts,
					     pa->nhosts), ms, session_iq_keep, &slot);
	if (transfer_wait(t, si_reply_done, &slot, -1, 0, NULL) < 0) {
		session_iq_forget(t->s, &slot);
		return OUT_FAIL;
	}
	if (slot.reply == NULL) {
		xerr_set(&t->err, XE_TEMPFAIL, "the receiver did not say which streamhost it used");
		return OUT_NEXT;
	}
	if (strcmp(xmpp_stanza_get_type(slot.reply), "result") != 0) {
		si_s5b_refused(t, slot.reply);
		xmpp_stanza_release(slot.reply);
		return OUT_NEXT;
	}
	i = bytestreams_used_parse(slot.reply, used, sizeof(used));
	xmpp_stanza_release(slot.reply);
	pa->used = -1;
	for (i = i == 0 ? 0 : pa->nhosts; i < pa->nhosts && pa->used < 0; i++)
		if (strcmp(used, pa->hosts[i].jid) == 0)
			pa->used = i;
	if (pa->used < 0) {
		xerr_set(&t->err, XE_PROTOCOL, "%s named a streamhost that was not offered",
			 t->peer);
		return OUT_FAIL;
	}
	return OUT_OK;
}

/* --- receiving ---------------------------------------------------------- */

/* A plain-SI sender whose bytestream failed before any data makes a new
 * offer: it replaces that sender's streams with no method left, which
 * are dropped without counting as handled files. Concurrent offers of
 * other files are not touched. */
static void si_drop_unused(struct receiver *r, const char *from)
{
	struct transfer *t, *next;

	for (t = r->rxs; t != NULL; t = next) {
		next = t->next;
		if (t->neg == &neg_si && strcmp(t->peer, from) == 0 && t->state == TS_OFFERED &&
		    t->nmethods == 0) {
			log_debug("a new offer from %s replaces stream %s", from, t->sid);
			receiver_forget(r, t); /* not counted as handled */
		}
	}
}

/* Our methods, in our order, that the sender offered; with si-multiple
 * the sender may fall back through all of them. */
static void si_accept(struct receiver *r, struct transfer *t, xmpp_stanza_t *st,
		      unsigned offered)
{
	xmpp_stanza_t *si;
	int i;

	for (i = 0; r->order[i] != 0; i++)
		if (offered & (unsigned)r->order[i])
			t->methods[t->nmethods++] = r->order[i];
	si = si_accept_build(session_ctx(r->s), t->methods, t->nmethods, t->multiple);
	session_reply_result(r->s, st, si);
	xmpp_stanza_release(si);
	if (!t->multiple)
		t->nmethods = 1;
}

/* The offer's checks: parsed, a method we take, size, space, temp file.
 * 0, or -1 after answering st and failing t. */
static int si_check(struct receiver *r, struct transfer *t, xmpp_stanza_t *st,
		    long long reserved, struct si_offer *so)
{
	const char *cond, *app, *why;
	struct xerr err;

	if (si_offer_parse(st, so, &cond, &app, &why) < 0) {
		int no_method = app != NULL && strcmp(app, "no-valid-streams") == 0;
		session_reply_error(r->s, st, "cancel", cond, app, NS_SI, why);
		snprintf(t->safe, sizeof(t->safe), "an offer");
		receiver_fail_with(r, t, no_method ? XE_UNAVAILABLE : XE_PROTOCOL,
				   no_method ? "no offered method is accepted here" : why, 0);
		return -1;
	}
	receiver_add(r, t);
	snprintf(t->sid, sizeof(t->sid), "%s", so->sid);
	snprintf(t->name, sizeof(t->name), "%s", so->name);
	t->size = so->size;
	snprintf(t->hash, sizeof(t->hash), "%s", so->md5);
	t->halg = t->hash[0] != '\0' ? SINK_HASH_MD5 : SINK_HASH_NONE;
	t->multiple = so->multiple;
	receiver_name(t, so->name);
	if ((so->methods & r->methods) == 0) {
		session_reply_error(r->s, st, "cancel", "bad-request", "no-valid-streams", NS_SI, NULL);
		receiver_fail_with(r, t, XE_UNAVAILABLE, "no offered method is accepted here", 0);
		return -1;
	}
	xerr_clear(&err);
	if (receiver_open_sink(r, t, reserved, &err) != XE_OK) {
		session_reply_error(r->s, st, "cancel", "not-acceptable", NULL, NULL,
				    receiver_peer_text(&err));
		receiver_fail(r, t, &err, 0);
		return -1;
	}
	return 0;
}

static int si_on_recv_iq(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	xmpp_stanza_t *si = xmpp_stanza_get_child_by_name_and_ns(st, "si", NS_SI);
	xmpp_stanza_t *file = si != NULL ? xmpp_stanza_get_child_by_name(si, "file") : NULL;
	const char *sid = si != NULL ? xmpp_stanza_get_attribute(si, "id") : NULL;
	struct si_offer so;
	struct transfer *t;
	long long reserved;

	if (!receiver_allowed(r, from)) {
		log_info("refused an offer from %s (not allowed; see --from, accept_from)",
			 from != NULL ? from : "?");
		session_reply_error(s, st, "cancel", "forbidden", NULL, NULL, "Offer declined");
		return 1;
	}
	if (sid != NULL && receiver_find(r, from, sid) != NULL) {
		/* A second offer naming a running stream: refused, not counted. */
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
				    "stream id already in use");
		return 1;
	}
	si_drop_unused(r, from);
	t = receiver_admit(r, st, from, file != NULL ? xmpp_stanza_get_attribute(file, "name")
			   : NULL, &reserved);
	if (t == NULL)
		return 1;
	t->neg = &neg_si;
	memset(&so, 0, sizeof(so));
	if (si_check(r, t, st, reserved, &so) < 0)
		return 1;
	si_accept(r, t, st, so.methods);
	/* Directed presence: when we go offline, the server tells this sender
	 * even if it has no subscription to us. */
	session_presence(s, from, NULL);
	t->last_ms = session_now_ms();
	log_info("accepted %s (%lld bytes) from %s", t->safe, t->size, t->peer);
	log_debug("%s from %s: stream %s", t->safe, t->peer, t->sid);
	return 1;
}

/* The answer to the sender's XEP-0065 query. */
static void si_recv_s5b_report(struct receiver *r, struct transfer *t, enum s5b_report what,
			       int host, const char *why)
{
	xmpp_stanza_t *q;

	if (t->iq == NULL)
		return;
	if (what == S5B_USED) {
		q = bytestreams_used(session_ctx(r->s), t->sid, t->params.hosts[host].jid);
		session_reply_result(r->s, t->iq, q);
		xmpp_stanza_release(q);
	} else {
		session_reply_error(r->s, t->iq, "cancel", "item-not-found", NULL, NULL,
				    what == S5B_ABANDONED ? "no streamhost could be reached in time"
				    : "no streamhost could be reached");
	}
	xmpp_stanza_release(t->iq);
	t->iq = NULL;
	if (what != S5B_NONE)
		return;
	if (t->multiple && t->nmethods > 1)
		log_info("%s: no streamhost of %s worked (%s); waiting for the next method",
			 t->safe, t->peer, why);
	else /* plain SI: the sender may offer the file again another way */
		log_info("%s from %s: no streamhost worked (%s)", t->safe, t->peer, why);
}

static void si_s5b_report(struct receiver *r, struct transfer *t, enum s5b_report what,
			  int host, const char *why)
{
	/* Sending: the proxy's activation is between us and the proxy. */
	if (t->role == ROLE_RECV)
		si_recv_s5b_report(r, t, what, host, why);
}

/* A request we still owe an answer (the XEP-0065 query) is refused. */
static void si_refuse(struct receiver *r, struct transfer *t, const struct xerr *e)
{
	if (t->iq != NULL && session_connected(r->s))
		session_reply_error(r->s, t->iq, "cancel", "not-acceptable", NULL, NULL,
				    receiver_peer_text(e));
}

/* si-multiple: the methods of the offer that the answer left out were
 * refused too. */
static enum outcome si_end(struct transfer *t, enum outcome out)
{
	int i;

	for (i = 0; out == OUT_NEXT && t->multiple && i < t->noffered; i++) {
		if (!(t->tried & (unsigned)t->offered[i]))
			transfer_attempt(t, t->offered[i], "the receiver does not accept it");
		t->tried |= (unsigned)t->offered[i];
	}
	return out;
}

const struct negotiation neg_si = {
	.name = "si",
	.title = "SI",
	.via = "",
	.multiple_said = " (si-multiple)",
	.ns = NS_SI,
	.features = { NS_SI, NS_SI_FT, NULL },
	.offer = si_offer,
	.fall_back = si_fall_back,
	.s5b_announce = si_s5b_announce,
	.s5b_report = si_s5b_report,
	.end = si_end,
	.on_recv_iq = si_on_recv_iq,
	.refuse = si_refuse,
};
