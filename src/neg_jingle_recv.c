/* neg_jingle_recv.c — Jingle File Transfer, the responder (receiving):
 * neg_jingle's receiving members. The same admission, sink and
 * transports as SI; t->sid is the transport's sid (IBB opens and the S5B
 * hash use it), the session's is kept here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jingle.h"
#include "log.h"
#include "negotiation.h"
#include "neg_jingle.h"
#include "recv.h"
#include "si.h"
#include "transport.h"

/* The responder's session (freed with the transfer). */
struct jingle_rnp {
	char sid[128];
	char content[128];
	char creator[16];
	int ft_version;
	int terminated;		/* the session is over: say nothing more */
	int replaced;		/* took a transport-replace (one is allowed) */
	const char *reason;	/* the reason to end with, when not derived */
};

static struct jingle_rnp *rnp(struct transfer *t)
{
	return t->np;
}

static struct jingle *jingle_new(void)
{
	return calloc(1, sizeof(struct jingle)); /* candidates make it large */
}

/* The session's fields every IQ t sends carries. */
static void rx_head(struct receiver *r, struct transfer *t, struct jingle *j,
		    enum jingle_action a)
{
	struct jingle_rnp *np = rnp(t);

	jingle_init(j, a, np->sid, t->peer, np->content, np->creator, np->ft_version);
	if (a == JA_SESSION_ACCEPT)
		snprintf(j->responder, sizeof(j->responder), "%s", session_jid(r->s));
}

static void rx_send(struct receiver *r, struct transfer *t, struct jingle *j)
{
	xmpp_stanza_t *iq = jingle_build(session_ctx(r->s), t->peer, j);

	if (iq != NULL)
		session_send(r->s, iq); /* its answer is not needed */
}

/* session-terminate, once. */
static void rx_terminate(struct receiver *r, struct transfer *t, const char *reason,
			 const char *text)
{
	struct jingle *j;

	if (rnp(t)->terminated || !session_connected(r->s) || (j = jingle_new()) == NULL)
		return;
	rnp(t)->terminated = 1;
	rx_head(r, t, j, JA_SESSION_TERMINATE);
	j->content[0] = '\0';
	snprintf(j->reason, sizeof(j->reason), "%s", reason);
	if (text != NULL && strcmp(reason, "success") != 0)
		snprintf(j->reason_text, sizeof(j->reason_text), "%s", text);
	rx_send(r, t, j);
	free(j);
}

void jingle_recv_refuse(struct receiver *r, struct transfer *t, const struct xerr *e)
{
	const char *reason = rnp(t)->reason;

	if (reason == NULL)
		reason = e->flags & XF_MISMATCH ? "media-error" : jingle_reason_of(e->code, 1);
	rx_terminate(r, t, reason, receiver_peer_text(e));
}

void jingle_recv_delivered(struct receiver *r, struct transfer *t)
{
	rx_terminate(r, t, "success", NULL);
}

/* transport-info: the candidate we connected to, or that none worked. */
void jingle_recv_s5b_report(struct receiver *r, struct transfer *t, enum s5b_report what,
			    int host, const char *why)
{
	struct jingle *j;

	if (what == S5B_ABANDONED || (j = jingle_new()) == NULL)
		return;
	rx_head(r, t, j, JA_TRANSPORT_INFO);
	j->transport = JT_S5B;
	snprintf(j->tsid, sizeof(j->tsid), "%s", t->sid);
	j->s5b_info = what == S5B_USED ? JS_CANDIDATE_USED : JS_CANDIDATE_ERROR;
	if (what == S5B_USED)
		snprintf(j->cid, sizeof(j->cid), "%s", t->params.cids[host]);
	rx_send(r, t, j);
	free(j);
	if (what == S5B_NONE)
		log_info("%s: no candidate of %s worked (%s)%s", t->safe, t->peer, why,
			 r->methods & METHOD_IBB ? "; waiting for a transport-replace" : "");
}

static struct transfer *rx_find(struct receiver *r, const char *from, const char *sid)
{
	struct transfer *t;

	for (t = r->rxs; t != NULL; t = t->next)
		if (t->neg == &neg_jingle && from != NULL && strcmp(t->peer, from) == 0 &&
		    strcmp(rnp(t)->sid, sid) == 0)
			return t;
	return NULL;
}

static int by_priority(const void *a, const void *b)
{
	long pa = ((const struct jingle_candidate *)a)->priority;
	long pb = ((const struct jingle_candidate *)b)->priority;

	return (pa < pb) - (pa > pb); /* highest first */
}

/* The initiator's candidates, highest priority first, for tr_s5b. */
static void rx_connect(struct receiver *r, struct transfer *t, struct jingle *j)
{
	int i;

	qsort(j->cand, (size_t)j->ncand, sizeof(j->cand[0]), by_priority);
	for (i = 0; i < j->ncand; i++) {
		t->params.hosts[i] = j->cand[i].h;
		snprintf(t->params.cids[i], sizeof(t->params.cids[i]), "%s", j->cand[i].cid);
		log_debug("%s offers candidate %s (%s) at %s port %u, priority %ld", t->peer,
			  j->cand[i].cid, j->cand[i].proxy ? "proxy" : "direct", j->cand[i].h.host,
			  j->cand[i].h.port, j->cand[i].priority);
	}
	t->params.nhosts = j->ncand;
	tr_s5b.start(r, t);
}

/* The session-accept for the transport we take. */
static void rx_accept(struct receiver *r, struct transfer *t, const struct jingle *j, int s5b)
{
	struct jingle *a = jingle_new();

	if (a == NULL)
		return;
	rx_head(r, t, a, JA_SESSION_ACCEPT);
	a->has_file = 1;
	snprintf(a->name, sizeof(a->name), "%s", j->name);
	a->size = j->size;
	snprintf(a->sha256, sizeof(a->sha256), "%s", j->sha256);
	a->transport = s5b ? JT_S5B : JT_IBB;
	snprintf(a->tsid, sizeof(a->tsid), "%s", t->sid);
	a->block = t->block;
	rx_send(r, t, a); /* no candidates of ours: see xfer(1) */
	free(a);
}

/* A new transfer for the offer j (admitted), listed. NULL: refused. */
static struct transfer *rx_new(struct receiver *r, xmpp_stanza_t *st, const char *from,
			       const struct jingle *j, long long *reserved)
{
	struct transfer *t = receiver_admit(r, st, from, j->name, reserved);
	struct jingle_rnp *np;

	if (t == NULL)
		return NULL;
	if ((np = calloc(1, sizeof(*np))) == NULL) {
		session_reply_error(r->s, st, "wait", "resource-constraint", NULL, NULL, NULL);
		free(t);
		return NULL;
	}
	t->np = np;
	t->neg = &neg_jingle;
	t->halg = SINK_HASH_SHA256; /* a checksum may come later */
	snprintf(np->sid, sizeof(np->sid), "%s", j->sid);
	snprintf(np->content, sizeof(np->content), "%s", j->content);
	snprintf(np->creator, sizeof(np->creator), "%s", j->creator);
	np->ft_version = j->ft_version;
	snprintf(t->sid, sizeof(t->sid), "%s", j->tsid);
	snprintf(t->name, sizeof(t->name), "%s", j->name);
	t->size = j->size;
	snprintf(t->hash, sizeof(t->hash), "%s", j->sha256);
	receiver_add(r, t);
	receiver_name(t, j->name);
	return t;
}

/* session-initiate: the same checks as an SI offer. */
static void rx_offer(struct receiver *r, xmpp_stanza_t *st, const char *from, struct jingle *j)
{
	long long reserved;
	struct xerr err;
	struct transfer *t;
	int s5b;

	if (!receiver_allowed(r, from)) {
		log_info("refused an offer from %s (not allowed; see --from, accept_from)", from);
		session_reply_error(r->s, st, "cancel", "forbidden", NULL, NULL, "Offer declined");
		return;
	}
	if (!j->has_file || j->size < 0 || strcmp(j->creator, "initiator") != 0 ||
	    (j->senders[0] != '\0' && strcmp(j->senders, "initiator") != 0)) {
		/* A request for a file of ours (senders='responder') included. */
		session_reply_error(r->s, st, "cancel", "feature-not-implemented", NULL, NULL,
				    "xfer takes offered files of known size only");
		return;
	}
	if ((t = rx_new(r, st, from, j, &reserved)) == NULL)
		return;
	session_reply_result(r->s, st, NULL); /* XEP-0166: ack first, then answer */
	s5b = j->transport == JT_S5B && (r->methods & METHOD_S5B);
	if (!s5b && !(j->transport == JT_IBB && (r->methods & METHOD_IBB))) {
		rnp(t)->reason = "unsupported-transports";
		receiver_fail_with(r, t, XE_UNAVAILABLE, "no offered transport is accepted here", 0);
		return;
	}
	xerr_clear(&err);
	if (receiver_open_sink(r, t, reserved, &err) != XE_OK) {
		rnp(t)->reason = "decline";
		receiver_fail(r, t, &err, 0);
		return;
	}
	if (s5b) {
		t->methods[t->nmethods++] = METHOD_S5B;
		if (r->methods & METHOD_IBB)
			t->methods[t->nmethods++] = METHOD_IBB; /* by transport-replace */
	} else {
		t->methods[t->nmethods++] = METHOD_IBB;
		t->block = j->block < r->max_block ? j->block : r->max_block;
	}
	rx_accept(r, t, j, s5b);
	session_presence(r->s, from, NULL);
	t->last_ms = session_now_ms();
	log_info("accepted %s (%lld bytes) from %s over Jingle", t->safe, t->size, t->peer);
	log_debug("%s from %s: Jingle session %s, %s transport %s", t->safe, t->peer,
		  rnp(t)->sid, s5b ? "s5b" : "ibb", t->sid);
	if (s5b)
		rx_connect(r, t, j);
}

/* transport-replace: IBB after a failed (or unwanted) bytestream. */
static void rx_replace(struct receiver *r, struct transfer *t, xmpp_stanza_t *st,
		       struct jingle *j)
{
	int ok = j->transport == JT_IBB && (r->methods & METHOD_IBB);
	struct transfer *other;
	struct jingle *a;
	struct xerr err;

	if ((t->tr != NULL && !t->tr->untouched(t)) || t->tr == &tr_ibb || rnp(t)->replaced) {
		/* One replace per session: a sender may not keep a slot (and
		 * its reserved space) alive by replacing again and again. */
		session_reply_error(r->s, st, "cancel", "unexpected-request", "out-of-order",
				    NS_JINGLE_ERRORS, rnp(t)->replaced
				    ? "the transport was replaced already"
				    : "the data is already flowing");
		return;
	}
	other = receiver_find(r, t->peer, j->tsid);
	if (other != NULL && other != t) {
		/* IBB data names the transport's sid: another live stream's
		 * sid would steer its data into this file. */
		session_reply_error(r->s, st, "cancel", "conflict", NULL, NULL,
				    "stream id already in use");
		return;
	}
	rnp(t)->replaced = 1;
	session_reply_result(r->s, st, NULL);
	if ((a = jingle_new()) == NULL)
		return;
	rx_head(r, t, a, ok ? JA_TRANSPORT_ACCEPT : JA_TRANSPORT_REJECT);
	a->transport = j->transport == JT_IBB ? JT_IBB : JT_NONE;
	snprintf(a->tsid, sizeof(a->tsid), "%s", j->tsid);
	a->block = j->block < r->max_block ? j->block : r->max_block;
	xerr_clear(&err);
	if (ok && t->tr != NULL && receiver_switch(r, t, &err) != XE_OK) {
		free(a);
		receiver_fail(r, t, &err, 0);
		return;
	}
	rx_send(r, t, a);
	if (ok) {
		snprintf(t->sid, sizeof(t->sid), "%s", j->tsid);
		t->methods[0] = METHOD_IBB;
		t->nmethods = 1;
		t->block = a->block;
		t->state = TS_OFFERED;
		t->last_ms = session_now_ms();
		log_info("%s from %s: falling back to ibb (transport-replace)", t->safe, t->peer);
	} else {
		log_info("%s from %s: refused a transport-replace to a transport not accepted "
			 "here", t->safe, t->peer);
	}
	free(a);
}

/* session-info <checksum/>: the hash, if the file is not complete yet. */
static void rx_checksum(struct receiver *r, struct transfer *t, const char *hex)
{
	if (t->hash[0] != '\0' && strcmp(t->hash, hex) != 0) {
		rnp(t)->reason = "media-error";
		receiver_fail_with(r, t, XE_PROTOCOL, "the checksum differs from the hash in the "
				   "offer (SHA-256 mismatch)", 1);
		return;
	}
	snprintf(t->hash, sizeof(t->hash), "%s", hex);
	log_debug("%s from %s: checksum sha-256 %s", t->safe, t->peer, hex);
}

static void rx_error(struct session *s, xmpp_stanza_t *st, const char *cond, const char *app,
		     const char *text)
{
	session_reply_error(s, st, "cancel", cond, app, app != NULL ? NS_JINGLE_ERRORS : NULL,
			    text);
}

/* session-terminate from the sender. */
static void rx_ended(struct receiver *r, struct transfer *t, xmpp_stanza_t *st,
		     const struct jingle *j)
{
	char why[400];

	session_reply_result(r->s, st, NULL);
	rnp(t)->terminated = 1;
	if (strcmp(j->reason, "success") == 0 && t->job.started && t->state == TS_DATA) {
		/* XEP-0234: the sender may end a session whose data it has
		 * sent; the bytestream job decides. */
		log_debug("%s from %s: the sender ended the session (success)", t->safe, t->peer);
		return;
	}
	snprintf(why, sizeof(why), "the sender ended the session (%s%s%s)", j->reason,
		 j->reason_text[0] ? ": " : "", j->reason_text);
	receiver_fail_with(r, t, strcmp(j->reason, "cancel") == 0 ? XE_UNAVAILABLE : XE_PROTOCOL,
			   why, 0);
}

/* session-info and transport-info on a live session. */
static void rx_info(struct receiver *r, struct transfer *t, xmpp_stanza_t *st,
		    const struct jingle *j)
{
	if (j->action == JA_SESSION_INFO) {
		if (j->info == JI_OTHER) {
			session_reply_error(r->s, st, "modify", "feature-not-implemented",
					    "unsupported-info", NS_JINGLE_ERRORS, NULL);
			return;
		}
		session_reply_result(r->s, st, NULL);
		if (j->info == JI_CHECKSUM && j->sha256[0] != '\0')
			rx_checksum(r, t, j->sha256);
		else if (j->info == JI_CHECKSUM)
			log_debug("%s from %s: a checksum without sha-256, not used", t->safe, t->peer);
		return;
	}
	if (j->transport != JT_S5B || strcmp(j->tsid, t->sid) != 0) {
		session_reply_error(r->s, st, "cancel", "bad-request", NULL, NULL,
				    "not a transport of this session");
		return;
	}
	if (j->s5b_info == JS_CANDIDATE_USED) {
		/* We offer no candidates: none can be used. */
		session_reply_error(r->s, st, "cancel", "item-not-found", NULL, NULL,
				    "no such candidate");
		return;
	}
	session_reply_result(r->s, st, NULL);
	log_debug("%s from %s: %s", t->safe, t->peer,
		  j->s5b_info == JS_ACTIVATED ? "the proxy is activated"
		  : j->s5b_info == JS_PROXY_ERROR ? "the sender could not use the proxy"
		  : "the sender reached none of our candidates");
}

/* One action of a parsed Jingle IQ. */
static void rx_action(struct receiver *r, xmpp_stanza_t *st, const char *from,
		      struct jingle *j, struct transfer *t)
{
	switch (j->action) {
	case JA_SESSION_INITIATE:
		if (t != NULL)
			rx_error(r->s, st, "unexpected-request", "out-of-order",
				 "this session exists already");
		else if (j->tsid[0] != '\0' && receiver_find(r, from, j->tsid) != NULL)
			/* IBB opens name the transport's sid: it must be unique. */
			session_reply_error(r->s, st, "cancel", "conflict", NULL, NULL,
					    "stream id already in use");
		else
			rx_offer(r, st, from, j);
		break;
	case JA_SESSION_TERMINATE:
		rx_ended(r, t, st, j);
		break;
	case JA_SESSION_INFO:
	case JA_TRANSPORT_INFO:
		rx_info(r, t, st, j);
		break;
	case JA_TRANSPORT_REPLACE:
		rx_replace(r, t, st, j);
		break;
	case JA_SESSION_ACCEPT:
	case JA_TRANSPORT_ACCEPT:
	case JA_TRANSPORT_REJECT:
		rx_error(r->s, st, "unexpected-request", "out-of-order",
			 "a responder does not take this action");
		break;
	default:
		session_reply_error(r->s, st, "cancel", "feature-not-implemented", NULL, NULL,
				    "xfer takes one file per session");
		break;
	}
}

int jingle_on_recv_iq(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *cond, *app, *why;
	struct transfer *t;
	struct jingle *j;

	if (type == NULL || strcmp(type, "set") != 0 || from == NULL) {
		session_reply_error(s, st, "cancel", "bad-request", NULL, NULL, NULL);
		return 1;
	}
	if ((j = jingle_new()) == NULL) {
		session_reply_error(s, st, "wait", "resource-constraint", NULL, NULL, NULL);
		return 1;
	}
	if (jingle_parse(st, j, &cond, &app, &why) < 0) {
		log_info("a malformed Jingle request from %s: %s", from, why);
		session_reply_error(s, st, cond[0] == 'b' ? "modify" : "cancel", cond, app,
				    app != NULL ? NS_JINGLE_ERRORS : NULL, why);
		free(j);
		return 1;
	}
	t = rx_find(r, from, j->sid);
	if (t == NULL && j->action != JA_SESSION_INITIATE)
		rx_error(s, st, "item-not-found", "unknown-session", NULL);
	else
		rx_action(r, st, from, j, t);
	free(j);
	return 1;
}
