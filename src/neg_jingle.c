/* neg_jingle.c — Jingle File Transfer (XEP-0166/0234, with the XEP-0260
 * and XEP-0261 transports) as a negotiation: the initiator (sending).
 * The responder is neg_jingle_recv.c; jingle.c holds the codec and the
 * one table between Jingle reasons and the error space.
 *
 * The peer's Jingle IQs reach the transfer in progress through
 * jingle_on_send_iq(); each kind of action the initiator waits for has
 * one slot (the latest one counts), and the waits are transfer_wait(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ibb.h"
#include "jingle.h"
#include "log.h"
#include "neg_jingle.h"
#include "negotiation.h"
#include "peer.h"
#include "si.h"
#include "transport.h"

/* The initiator's session. */
struct jingle_np {
	char sid[40];
	struct jingle offer;		/* what we offered (its candidates) */
	int acked;			/* the session exists on the other side */
	/* The peer's actions, one slot per kind awaited (freed here). */
	struct jingle *accept;		/* session-accept */
	struct jingle *info;		/* transport-info: candidate-used/-error */
	struct jingle *answer;		/* transport-accept or -reject */
	struct jingle *ended;		/* session-terminate */
};

static struct jingle_np *jingle_np(struct transfer *t)
{
	return t->neg == &neg_jingle && t->role == ROLE_SEND ? t->np : NULL;
}

/* The session's fields of every IQ we send. */
static void jingle_head(struct transfer *t, struct jingle *j, enum jingle_action a)
{
	jingle_init(j, a, jingle_np(t)->sid, session_jid(t->s), "a-file-offer", "initiator", 5);
}

static void jingle_keep(struct jingle **slot, struct jingle *j)
{
	free(*slot);
	*slot = j;
}

static int jingle_on_send_iq(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct transfer *t = *(struct transfer **)arg;
	struct jingle_np *np = t != NULL ? jingle_np(t) : NULL;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *cond, *app, *why;
	struct jingle *j = calloc(1, sizeof(*j));

	if (j == NULL || type == NULL || strcmp(type, "set") != 0) {
		session_reply_error(s, st, "cancel", j == NULL ? "resource-constraint" : "bad-request",
				    NULL, NULL, NULL);
		free(j);
		return 1;
	}
	if (jingle_parse(st, j, &cond, &app, &why) < 0) {
		session_reply_error(s, st, "cancel", cond, app, app ? NS_JINGLE_ERRORS : NULL, why);
		free(j);
		return 1;
	}
	if (np == NULL || from == NULL || strcmp(from, t->peer) != 0 || strcmp(j->sid, np->sid) != 0) {
		session_reply_error(s, st, "cancel", "item-not-found", "unknown-session",
				    NS_JINGLE_ERRORS, NULL);
		free(j);
		return 1;
	}
	switch (j->action) {
	case JA_SESSION_ACCEPT:
		session_reply_result(s, st, NULL);
		jingle_keep(&np->accept, j);
		return 1;
	case JA_SESSION_TERMINATE:
		session_reply_result(s, st, NULL);
		jingle_keep(&np->ended, j);
		return 1;
	case JA_TRANSPORT_INFO:
		session_reply_result(s, st, NULL);
		if (j->s5b_info == JS_NONE || j->s5b_info == JS_ACTIVATED)
			break; /* nothing a step waits for */
		jingle_keep(&np->info, j);
		return 1;
	case JA_TRANSPORT_ACCEPT:
	case JA_TRANSPORT_REJECT:
		session_reply_result(s, st, NULL);
		jingle_keep(&np->answer, j);
		return 1;
	case JA_SESSION_INFO:
		if (j->info == JI_OTHER)
			session_reply_error(s, st, "modify", "feature-not-implemented",
					    "unsupported-info", NS_JINGLE_ERRORS, NULL);
		else
			session_reply_result(s, st, NULL); /* <received/>, or a ping */
		break;
	case JA_SESSION_INITIATE:
	case JA_TRANSPORT_REPLACE:
		/* The initiator replaces transports here; a responder may not. */
		session_reply_error(s, st, "cancel", "unexpected-request", "out-of-order",
				    NS_JINGLE_ERRORS, NULL);
		break;
	default:
		session_reply_error(s, st, "cancel", "feature-not-implemented", NULL, NULL, NULL);
		break;
	}
	free(j);
	return 1;
}

/* Sends j and waits for its answer: 0 on a result; -1 with t->err set
 * (an error answer is in *reply unless reply is NULL). */
static int jingle_set(struct transfer *t, struct jingle *j, xmpp_stanza_t **reply)
{
	const struct xfer_opts *o = t->p->o;
	xmpp_stanza_t *r;

	if (reply != NULL)
		*reply = NULL;
	r = transfer_iq(t, jingle_build(session_ctx(t->s), t->peer, j), (long)o->timeout * 1000);
	if (r == NULL) {
		if (t->err.code == XE_TEMPFAIL)
			snprintf(t->err.msg, sizeof(t->err.msg), "%.300s did not answer the Jingle %s "
				 "within %d s", t->peer, jingle_action_name(j->action), o->timeout);
		return -1;
	}
	if (strcmp(xmpp_stanza_get_type(r), "result") == 0) {
		xmpp_stanza_release(r);
		return 0;
	}
	if (reply != NULL) {
		*reply = r;
	} else {
		char cond[64], text[256];
		session_error_of(r, cond, sizeof(cond), text, sizeof(text));
		xmpp_stanza_release(r);
		xerr_set(&t->err, XE_PROTOCOL, "%s answered the Jingle %s with %s%s%s", t->peer,
			 jingle_action_name(j->action), cond, text[0] ? ": " : "", text);
	}
	return -1;
}

static void jingle_answer_ignored(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	(void)s;
	(void)reply;
	(void)arg;
}

/* Sends a Jingle IQ whose answer does not matter. */
static void jingle_tell(struct transfer *t, struct jingle *j)
{
	if (session_connected(t->s))
		session_iq(t->s, jingle_build(session_ctx(t->s), t->peer, j),
			   (long)t->p->o->timeout * 1000, jingle_answer_ignored, NULL);
}

static int jingle_slot_done(struct transfer *t, void *arg)
{
	return *(struct jingle **)arg != NULL || jingle_np(t)->ended != NULL;
}

/* Waits up to ms for the slot's action or the end of the session: the
 * action (the caller frees it), or NULL: ended (in np->ended, t->over
 * set, t->err from its reason) or t->err set (timeout: XE_TEMPFAIL). *out
 * says what follows. */
static struct jingle *jingle_wait(struct transfer *t, struct jingle **slot, long ms,
				  const char *what, enum outcome *out)
{
	struct jingle_np *np = jingle_np(t);
	struct jingle *j;

	*out = OUT_FAIL;
	if (transfer_wait(t, jingle_slot_done, slot, ms, 0, what) <= 0)
		return NULL;
	if (*slot != NULL) {
		j = *slot;
		*slot = NULL;
		*out = OUT_OK;
		return j;
	}
	t->over = 1;
	*out = jingle_reason_error(np->ended->reason, np->ended->reason_text, t->peer, &t->err)
	       ? OUT_NEXT : OUT_FAIL;
	return NULL;
}

/* Our candidates for the offer: t->params, prepared by tr_s5b. */
static void jingle_candidates(struct transfer *t, struct jingle *offer)
{
	struct transfer_params *pa = &t->params;
	int i, n = pa->nhosts;

	for (i = 0; i < n; i++) {
		struct jingle_candidate *c = &offer->cand[i];
		c->h = pa->hosts[i];
		c->proxy = pa->proxy[i];
		c->priority = (c->proxy ? JINGLE_PRIO_PROXY : JINGLE_PRIO_DIRECT) + (n - i);
		random_hex(c->cid, 8);
		snprintf(pa->cids[i], sizeof(pa->cids[i]), "%s", c->cid);
	}
	offer->ncand = n;
	snprintf(offer->dstaddr, sizeof(offer->dstaddr), "%s", pa->hash);
}

/* The session-initiate for t's file, with its first transport. */
static void jingle_offer_build(struct transfer *t, struct jingle *offer)
{
	const struct xfer_opts *o = t->p->o;

	jingle_head(t, offer, JA_SESSION_INITIATE);
	snprintf(offer->senders, sizeof(offer->senders), "initiator");
	offer->has_file = 1;
	snprintf(offer->name, sizeof(offer->name), "%s", t->src->name);
	offer->size = t->src->size;
	source_date(t->src, offer->date);
	snprintf(offer->media_type, sizeof(offer->media_type), "application/octet-stream");
	if (o->desc != NULL)
		snprintf(offer->desc, sizeof(offer->desc), "%s", o->desc);
	snprintf(offer->sha256, sizeof(offer->sha256), "%s", t->src->sha256);
	snprintf(offer->tsid, sizeof(offer->tsid), "%s", t->sid);
	offer->block = t->block;
}

/* What the session-accept agreed to: the methods to run, in order. */
static enum outcome jingle_accepted(struct transfer *t, struct jingle *a, int s5b, int ibb)
{
	log_debug("%s accepted %s over Jingle", t->peer, t->src->name);
	if (a->transport != (s5b ? JT_S5B : JT_IBB)) {
		xerr_set(&t->err, XE_PROTOCOL, "%s accepted with another transport", t->peer);
		return OUT_FAIL;
	}
	t->nmethods = 0;
	if (s5b)
		t->methods[t->nmethods++] = METHOD_S5B;
	if (ibb)
		t->methods[t->nmethods++] = METHOD_IBB; /* by transport-replace after S5B */
	t->multiple = 1;
	if (!s5b && a->block < t->block)
		t->block = a->block;
	if (!s5b && t->block < IBB_BLOCK_MIN)
		t->block = IBB_BLOCK_MIN;
	return OUT_OK;
}

static enum outcome jingle_offer(struct transfer *t)
{
	struct jingle_np *np = calloc(1, sizeof(*np));
	unsigned plan = 0;
	enum outcome out;
	xmpp_stanza_t *r;
	struct jingle *a;
	int i, s5b = 0;

	if (np == NULL)
		return xerr_set(&t->err, XE_SOFTWARE, "out of memory"), OUT_FAIL;
	t->np = np;
	for (i = 0; i < t->nmethods; i++)
		plan |= (unsigned)t->methods[i];
	if (random_hex(np->sid, 16) < 0)
		return xerr_set(&t->err, XE_SOFTWARE, "no randomness from OpenSSL"), OUT_FAIL;
	jingle_offer_build(t, &np->offer);
	/* The first transport in our order; IBB is reached by transport-replace. */
	if (t->methods[0] == METHOD_S5B) {
		t->tr = &tr_s5b;
		s5b = tr_s5b.prepare(t) == XE_OK;
		if (s5b) {
			jingle_candidates(t, &np->offer);
		} else {
			transfer_attempt(t, METHOD_S5B, t->err.msg);
			t->tried |= METHOD_S5B;
		}
	}
	np->offer.transport = s5b ? JT_S5B : (plan & METHOD_IBB) ? JT_IBB : JT_NONE;
	if (np->offer.transport == JT_NONE)
		return OUT_NEXT;
	xerr_clear(&t->err); /* S5B's failure is an attempt; the offer says its own */
	log_debug("Jingle session %s with %s: %s transport %s", np->sid, t->peer,
		  s5b ? "s5b" : "ibb", t->sid);
	if (jingle_set(t, &np->offer, &r) < 0) {
		/* No answer: the session may exist on the other side. */
		np->acked = r == NULL && !t->p->gone && t->err.code == XE_TEMPFAIL;
		return r != NULL ? transfer_refusal(t, r, "the receiver refused the Jingle offer", 1)
		     : OUT_FAIL; /* OUT_NEXT with nothing tried: SI may do */
	}
	np->acked = 1; /* from here on the session exists: a failure ends it */
	/* It acknowledged the offer: a receiver silent from here on may have
	 * stopped, and the message says what it did and did not do. */
	a = jingle_wait(t, &np->accept, (long)t->p->o->timeout * 1000,
			"accept or decline the offer it acknowledged", &out);
	if (a == NULL) {
		if (out == OUT_NEXT)
			t->tried |= s5b ? METHOD_S5B : METHOD_IBB;
		return out;
	}
	out = jingle_accepted(t, a, s5b, (plan & METHOD_IBB) != 0);
	free(a);
	return out;
}

/* transport-replace to IBB after the current transport failed untouched. */
static enum outcome jingle_fall_back(struct transfer *t, int m)
{
	struct jingle_np *np = jingle_np(t);
	struct jingle j, *ev;
	enum outcome out;
	xmpp_stanza_t *r;

	if (m != METHOD_IBB)
		return xerr_set(&t->err, XE_SOFTWARE, "no Jingle transport for %s",
				method_name(m)), OUT_FAIL;
	jingle_head(t, &j, JA_TRANSPORT_REPLACE);
	j.transport = JT_IBB;
	snprintf(j.tsid, sizeof(j.tsid), "%s", t->sid);
	j.block = t->block;
	log_info("falling back to ibb (transport-replace)");
	if (jingle_set(t, &j, &r) < 0)
		return r != NULL ? transfer_refusal(t, r, "the receiver refused the "
						    "transport-replace", 1) : OUT_FAIL;
	ev = jingle_wait(t, &np->answer, (long)t->p->o->timeout * 1000,
			 "answer the transport-replace", &out);
	if (ev == NULL)
		return out;
	if (ev->action == JA_TRANSPORT_REJECT || ev->transport != JT_IBB) {
		free(ev);
		xerr_set(&t->err, XE_UNAVAILABLE, "the receiver rejected the transport-replace to "
			 "ibb");
		return OUT_NEXT;
	}
	if (ev->block < t->block)
		t->block = ev->block;
	free(ev);
	if (t->block < IBB_BLOCK_MIN)
		t->block = IBB_BLOCK_MIN;
	return OUT_OK;
}

/* S5B after session-accept: our candidate-error (we do not connect to
 * the responder's candidates), then its candidate-used or -error. */
static enum outcome jingle_s5b_announce(struct transfer *t, long ms)
{
	struct jingle_np *np = jingle_np(t);
	int n = np->offer.ncand, i;
	enum outcome out;
	struct jingle j, *ev;

	jingle_head(t, &j, JA_TRANSPORT_INFO);
	j.transport = JT_S5B;
	snprintf(j.tsid, sizeof(j.tsid), "%s", t->sid);
	j.s5b_info = JS_CANDIDATE_ERROR;
	jingle_tell(t, &j);
	ev = jingle_wait(t, &np->info, ms, "say which candidate it used", &out);
	if (ev == NULL)
		return t->over ? out : t->err.code == XE_TEMPFAIL ? OUT_NEXT : OUT_FAIL;
	if (ev->s5b_info != JS_CANDIDATE_USED) {
		xerr_set(&t->err, XE_UNAVAILABLE, "the receiver could not connect to any of %d "
			 "candidate%s%s", n, n == 1 ? "" : "s", t->p->proxy.jid[0] == '\0'
			 ? "; a firewall or NAT may be in the way: see s5b_address and s5b_proxy"
			 : "");
		free(ev);
		return OUT_NEXT;
	}
	for (i = 0; i < n && strcmp(np->offer.cand[i].cid, ev->cid) != 0; i++)
		;
	free(ev);
	if (i == n) {
		xerr_set(&t->err, XE_PROTOCOL, "%s named a candidate that was not offered", t->peer);
		return OUT_FAIL;
	}
	t->params.used = i;
	return OUT_OK;
}

static void jingle_s5b_report(struct receiver *r, struct transfer *t, enum s5b_report what,
			      int host, const char *why)
{
	struct jingle j;

	if (t->role == ROLE_RECV) {
		jingle_recv_s5b_report(r, t, what, host, why);
		return;
	}
	jingle_head(t, &j, JA_TRANSPORT_INFO);
	j.transport = JT_S5B;
	snprintf(j.tsid, sizeof(j.tsid), "%s", t->sid);
	j.s5b_info = what == S5B_ACTIVATED ? JS_ACTIVATED : JS_PROXY_ERROR;
	snprintf(j.cid, sizeof(j.cid), "%s", jingle_np(t)->offer.cand[host].cid);
	jingle_tell(t, &j);
}

/* session-terminate from us (reason), unless the peer ended it. */
static void jingle_terminate(struct transfer *t, const char *reason, const char *text)
{
	struct jingle j;

	jingle_head(t, &j, JA_SESSION_TERMINATE);
	j.content[0] = '\0';
	snprintf(j.reason, sizeof(j.reason), "%s", reason);
	if (text != NULL)
		snprintf(j.reason_text, sizeof(j.reason_text), "%.255s", text);
	jingle_tell(t, &j);
}

static int jingle_ended(struct transfer *t, void *arg)
{
	(void)arg;
	return jingle_np(t)->ended != NULL;
}

/* The peer's session-terminate within ms (other actions are dropped). */
static struct jingle *jingle_wait_end(struct transfer *t, long ms)
{
	struct xerr saved = t->err;

	transfer_wait(t, jingle_ended, NULL, ms, 0, NULL);
	t->err = saved; /* a wait cut short changes nothing here */
	return jingle_np(t)->ended;
}

/* The file is over: the receiver ends the session once the file is stored
 * (and says so if its hash did not match); one that does not is told. */
static enum outcome jingle_end(struct transfer *t, enum outcome out)
{
	struct jingle_np *np = t->role == ROLE_SEND ? jingle_np(t) : NULL;
	struct jingle *ended;

	if (np == NULL)
		return out;
	/* t->over: a wait took the peer's session-terminate and said why. One
	 * that came while the data flowed is seen here. */
	if (!t->over && out == OUT_OK) {
		ended = jingle_wait_end(t, 10000);
		if (ended != NULL && strcmp(ended->reason, "success") != 0) {
			jingle_reason_error(ended->reason, ended->reason_text, t->peer, &t->err);
			out = OUT_FAIL;
		} else if (ended == NULL) {
			jingle_terminate(t, "success", NULL);
		}
	} else if (!t->over && out != OUT_OK && np->acked) {
		/* The receiver's reason says more than a broken stream (a hash
		 * that did not match): a moment for its session-terminate. */
		ended = NULL;
		if (t->err.code != XE_SIGNAL && session_connected(t->s) && !t->p->gone)
			ended = jingle_wait_end(t, 2000);
		if (ended != NULL && strcmp(ended->reason, "media-error") == 0)
			jingle_reason_error(ended->reason, ended->reason_text, t->peer, &t->err);
		else if (ended == NULL)
			jingle_terminate(t, jingle_reason_of(t->err.code, 0), t->err.msg);
	}
	free(np->accept);
	free(np->info);
	free(np->answer);
	free(np->ended);
	free(np);
	t->np = NULL;
	return out;
}

const struct negotiation neg_jingle = {
	.name = "jingle",
	.title = "Jingle",
	.via = " over Jingle",
	.ns = NS_JINGLE,
	.features = { NS_JINGLE, NS_JINGLE_FT, NS_HASHES, NS_HASH_SHA256, NULL },
	.offer = jingle_offer,
	.fall_back = jingle_fall_back,
	.s5b_announce = jingle_s5b_announce,
	.s5b_report = jingle_s5b_report,
	.end = jingle_end,
	.hash_wait_ms = 5000,
	.on_recv_iq = jingle_on_recv_iq,
	.on_send_iq = jingle_on_send_iq,
	.refuse = jingle_recv_refuse,
	.delivered = jingle_recv_delivered,
};
