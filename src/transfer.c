/* transfer.c — see transfer.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "codec.h"
#include "log.h"
#include "negotiation.h"
#include "peer.h"
#include "si.h"
#include "signals.h"
#include "transfer.h"
#include "transport.h"

#define MAX_ROUNDS 8	/* offers of one file */

const struct transport *const transport_all[] = { &tr_s5b, &tr_ibb, &tr_oob, NULL };
const struct negotiation *const negotiation_all[] = { &neg_si, &neg_jingle, NULL };

const struct transport *transport_of(int method)
{
	size_t i;

	for (i = 0; transport_all[i] != NULL; i++)
		if (transport_all[i]->method == method)
			return transport_all[i];
	return NULL;
}

void transport_order(int out[METHODS_MAX])
{
	int i;

	for (i = 0; i < METHODS_MAX - 1 && transport_all[i] != NULL; i++)
		out[i] = transport_all[i]->method;
	out[i] = 0;
}

enum next_step transfer_next(const struct next_input *in)
{
	switch (in->out) {
	case OUT_OK:
		return NEXT_DONE;
	case OUT_FAIL:
		return NEXT_FAIL;
	case OUT_REOFFER:
		return in->rounds < MAX_ROUNDS ? NEXT_REOFFER : NEXT_GIVE_UP;
	case OUT_NEXT:
		break;
	}
	if (in->multiple && in->more)
		return NEXT_METHOD;
	if (in->untried && in->rounds < MAX_ROUNDS)
		return NEXT_REOFFER;
	return NEXT_GIVE_UP;
}

void transfer_init(struct transfer *t, enum transfer_role role, struct session *s)
{
	memset(t, 0, sizeof(*t));
	t->role = role;
	t->s = s;
	t->params.used = -1;
	t->poll_ms = 5;
	t->engine = &transfer_engine;
	xerr_clear(&t->err);
}

void transfer_attempt(struct transfer *t, int method, const char *why)
{
	if (t->natt < TRANSFER_ATTEMPTS) {
		t->att[t->natt].method = method;
		snprintf(t->att[t->natt].why, sizeof(t->att[0].why), "%s", why);
		t->natt++;
	}
	log_info("%s did not work: %s", method_name(method), why);
}

const char *transfer_attempts(const struct transfer *t, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < t->natt && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s: %s", i ? "; " : "",
				      method_name(t->att[i].method), t->att[i].why);
	return out;
}

const char *transfer_label(const struct transfer *t, char *out, size_t len)
{
	snprintf(out, len, "%s%s", t->tr != NULL ? t->tr->name : "?",
		 t->neg != NULL ? t->neg->via : "");
	return out;
}

void transfer_progress_start(struct transfer *t)
{
	progress_start(&t->pr, t->src->name, t->src->size,
		       isatty(STDERR_FILENO) && log_enabled(LOG_WARN));
	t->pr_started = 1;
}

void transfer_progress_finish(struct transfer *t, int ok)
{
	char label[32];

	if (t->pr_started)
		progress_finish(&t->pr, ok, transfer_label(t, label, sizeof(label)));
	t->pr_started = 0;
}

/* 1 with t->err set when a wait must stop. */
static int transfer_interrupted(struct transfer *t, int data)
{
	if (signals_caught())
		xerr_set(&t->err, XE_SIGNAL, "stopped by signal %d", signals_caught());
	else if (!data && t->p != NULL && t->p->gone)
		xerr_set(&t->err, XE_UNAVAILABLE, "%s went offline", t->peer);
	else if (!session_connected(t->s))
		xerr_set(&t->err, XE_UNAVAILABLE, "connection to the server lost");
	else
		return 0;
	return 1;
}

int transfer_wait(struct transfer *t, int (*done)(struct transfer *t, void *arg), void *arg,
		  long ms, int data, const char *what)
{
	long long until = ms >= 0 ? session_now_ms() + ms : 0;

	for (;;) {
		if (t->tr != NULL && t->tr->step != NULL)
			t->tr->step(t);
		if (done(t, arg))
			return 1;
		if (transfer_interrupted(t, data))
			return -1;
		if (ms >= 0 && session_now_ms() >= until) {
			if (what != NULL)
				xerr_set(&t->err, XE_TEMPFAIL, "%s did not %s within %ld s", t->peer,
					 what, ms / 1000);
			return 0;
		}
		session_run(t->s, t->poll_ms);
	}
}

static int reply_done(struct transfer *t, void *arg)
{
	(void)t;
	return ((struct session_reply *)arg)->done;
}

xmpp_stanza_t *transfer_iq(struct transfer *t, xmpp_stanza_t *iq, long ms)
{
	struct session_reply slot = { 0, NULL };
	char to[3100];

	snprintf(to, sizeof(to), "%s", xmpp_stanza_get_to(iq) != NULL ? xmpp_stanza_get_to(iq)
		 : session_domain(t->s));
	session_iq(t->s, iq, ms, session_iq_keep, &slot);
	if (transfer_wait(t, reply_done, &slot, -1, 0, NULL) < 0) {
		session_iq_forget(t->s, &slot);
		return NULL;
	}
	if (slot.reply == NULL && !session_connected(t->s))
		xerr_set(&t->err, XE_UNAVAILABLE, "connection to %s lost", session_peer(t->s));
	else if (slot.reply == NULL)
		xerr_set(&t->err, XE_TEMPFAIL, "%s did not answer within %ld s", to, ms / 1000);
	return slot.reply;
}

enum outcome transfer_refusal(struct transfer *t, xmpp_stanza_t *r, const char *unfit,
			     int jingle)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(r, "error");
	const char *etype = e != NULL ? xmpp_stanza_get_type(e) : NULL;
	int wait = etype != NULL && strcmp(etype, "wait") == 0;
	char cond[64], text[256];

	session_error_of(r, cond, sizeof(cond), text, sizeof(text));
	xmpp_stanza_release(r);
	if (wait) {
		/* RFC 6120 8.3.2: "wait" is temporary (a busy daemon). */
		xerr_set(&t->err, XE_TEMPFAIL, "%s is busy (%s%s%s); try again later",
			 t->peer, cond, text[0] ? ": " : "", text);
		return OUT_FAIL;
	}
	if (strcmp(cond, "forbidden") == 0 || strcmp(cond, "not-acceptable") == 0 ||
	    strcmp(cond, "not-allowed") == 0) {
		xerr_set(&t->err, XE_UNAVAILABLE, "%s declined the file%s%s", t->peer,
			 text[0] ? ": " : "", text);
		return OUT_FAIL;
	}
	if (strcmp(cond, "bad-request") == 0 ||
	    (jingle && strcmp(cond, "feature-not-implemented") == 0)) {
		xerr_set(&t->err, XE_UNAVAILABLE, "%s%s%s", unfit, text[0] ? ": " : "", text);
		return OUT_NEXT;
	}
	/* A full JID that is not online: the server answers for it. */
	if (t->p != NULL)
		t->p->not_online = strcmp(cond, "service-unavailable") == 0 ||
				   strcmp(cond, "recipient-unavailable") == 0;
	xerr_set(&t->err, session_condition_code(cond), "%s answered the offer with %s%s%s",
		 t->peer, cond, text[0] ? ": " : "", text);
	return OUT_FAIL;
}

/* --- sending: the fallback through methods and protocols --------------- */

const struct engine transfer_engine = { &neg_jingle, &neg_si, transport_all };

static const struct transport *engine_transport(const struct transfer *t, int m)
{
	const struct transport *const *tr;

	for (tr = t->engine->transports; *tr != NULL; tr++)
		if ((*tr)->method == m)
			return *tr;
	return NULL;
}

/* 1 if method m is carried by a negotiation (not a transport that
 * negotiates by itself). */
static int engine_negotiated(const struct transfer *t, int m)
{
	const struct transport *tr = engine_transport(t, m);

	return tr != NULL && !tr->alone;
}

/* The methods enabled here, not tried yet, that the peer takes by neg, in
 * our order. */
static int transfer_plan(const struct transfer *t, const struct negotiation *neg, int *out)
{
	const struct peer *p = t->p;
	unsigned peer = neg == t->engine->first ? p->peer_jmethods : p->peer_methods;
	int i, n = 0;

	for (i = 0; p->methods[i] != 0; i++)
		if (engine_negotiated(t, p->methods[i]) && !(t->tried & (unsigned)p->methods[i]) &&
		    (peer & (unsigned)p->methods[i]))
			out[n++] = p->methods[i];
	return n;
}

/* The agreed methods, one after the other, on the accepted offer. */
static enum outcome transfer_run_agreed(struct transfer *t, int rounds)
{
	enum outcome out = OUT_NEXT;
	struct next_input in;
	int k;

	for (k = 0; k < t->nmethods; k++) {
		int m = t->methods[k];

		if (t->neg->multiple_said != NULL)
			log_debug("%s accepted %s with %s%s", t->peer, t->src->name,
				  method_name(m), t->multiple ? t->neg->multiple_said : "");
		xerr_clear(&t->err);
		if (t->tr != NULL && t->tr != engine_transport(t, m) && t->tr->stop != NULL)
			t->tr->stop(t); /* what the last one holds goes */
		t->tr = NULL;
		out = k > 0 ? t->neg->fall_back(t, m) : OUT_OK;
		t->tr = engine_transport(t, m);
		t->used = m;
		if (out == OUT_OK)
			out = t->tr->send(t);
		if (out == OUT_REOFFER && t->neg == t->engine->rounds)
			log_info("%s refused a second open of the stream; offering %s again with "
				 "%d-byte blocks", t->peer, t->src->name, t->block);
		if (out != OUT_NEXT || t->over)
			break;
		t->tried |= (unsigned)m;
		transfer_attempt(t, m, t->err.msg);
		in.out = out;
		in.multiple = t->multiple;
		in.more = k + 1 < t->nmethods;
		in.untried = 1; /* (only multiple and more decide NEXT_METHOD) */
		in.rounds = rounds;
		if (transfer_next(&in) != NEXT_METHOD)
			break;
	}
	if (out == OUT_NEXT && !t->multiple && t->nmethods > 0)
		t->tried |= (unsigned)t->methods[0];
	return out;
}

/* One offer by negotiation neg of the methods in plan. */
static enum outcome transfer_offer(struct transfer *t, const struct negotiation *neg,
				   const int *plan, int n, int rounds)
{
	enum outcome out;

	t->neg = neg;
	t->tr = NULL;
	t->over = 0;
	memcpy(t->offered, plan, (size_t)n * sizeof(plan[0]));
	t->noffered = n;
	memcpy(t->methods, plan, (size_t)n * sizeof(plan[0]));
	t->nmethods = n;
	t->multiple = 0;
	xerr_clear(&t->err);
	if (random_hex(t->sid, 16) < 0) { /* a stream id nobody can guess */
		xerr_set(&t->err, XE_SOFTWARE, "no randomness from OpenSSL");
		return OUT_FAIL;
	}
	out = neg->offer(t);
	if (out == OUT_OK)
		out = transfer_run_agreed(t, rounds);
	if (t->tr != NULL && t->tr->stop != NULL)
		t->tr->stop(t);
	t->tr = NULL;
	return neg->end(t, out);
}

/* The negotiation offered first (Jingle), when the peer advertises it or
 * --protocol asks for it. */
static enum outcome transfer_first(struct transfer *t)
{
	const struct negotiation *neg = t->engine->first;
	struct peer *p = t->p;
	int plan[METHODS_MAX], n = transfer_plan(t, neg, plan), block = t->block, i;
	enum outcome out;

	if (n == 0) {
		xerr_set(&t->err, XE_UNAVAILABLE, "%s does not advertise %s file transfer with a "
			 "transport enabled here", t->peer, neg->title);
		out = OUT_NEXT;
	} else {
		out = transfer_offer(t, neg, plan, n, 0);
	}
	t->block = block; /* the next offer starts again from our block size */
	if (out == OUT_NEXT && t->tried == 0 && p->protocol == PROTO_AUTO)
		log_info("%s did not work out (%s); trying %s", neg->title, t->err.msg,
			 t->engine->rounds->title);
	if (out == OUT_NEXT && p->protocol == PROTO_JINGLE) {
		/* Nothing else: what it did not try counts as failed. */
		for (i = 0; p->methods[i] != 0; i++) {
			int k = p->methods[i];
			if (engine_negotiated(t, k) && !(t->tried & (unsigned)k)) {
				transfer_attempt(t, k, t->err.msg);
				t->tried |= (unsigned)k;
			}
		}
	}
	return out;
}

/* The next round: an offer of what is left, or a transport that
 * negotiates by itself (OOB). OUT_NEXT to go on. */
static enum outcome transfer_round(struct transfer *t, int m, int rounds)
{
	const struct transport *tr = engine_transport(t, m);
	struct peer *p = t->p;
	int plan[METHODS_MAX], n, i;
	enum outcome out;

	if (tr != NULL && tr->alone) {
		t->tried |= (unsigned)m;
		if (!(p->peer_methods & (unsigned)m)) {
			transfer_attempt(t, m, "the receiver does not support it");
			return OUT_NEXT;
		}
		xerr_clear(&t->err);
		t->neg = NULL;
		t->tr = tr;
		t->used = m;
		out = tr->send(t);
		tr->stop(t);
		t->tr = NULL;
		if (out == OUT_NEXT) /* refused by the receiver: another method may do */
			transfer_attempt(t, m, t->err.msg);
		return out;
	}
	n = transfer_plan(t, t->engine->rounds, plan);
	if (n == 0) {
		for (i = 0; p->methods[i] != 0; i++) {
			int k = p->methods[i];
			if (engine_negotiated(t, k) && !(t->tried & (unsigned)k)) {
				t->tried |= (unsigned)k;
				transfer_attempt(t, k, "the receiver does not support it");
			}
		}
		return OUT_NEXT;
	}
	return transfer_offer(t, t->engine->rounds, plan, n, rounds);
}

/* The final error of a file that did not arrive. */
static enum xerr_code transfer_verdict(struct transfer *t, enum outcome out, int rounds)
{
	char list[sizeof(t->err.msg)];

	if (out == OUT_FAIL && t->err.code == XE_OK) /* never a failure read as success */
		xerr_set(&t->err, XE_SOFTWARE, "%s: the transfer failed without a reason (a bug "
			 "in xfer)", t->peer);
	if (out == OUT_FAIL && t->natt > 0) {
		/* Say what was tried before the method that failed for good. */
		struct xerr last = t->err;
		xerr_clear(&t->err);
		return xerr_set(&t->err, last.code, "%s (after %s)", last.msg,
				transfer_attempts(t, list, sizeof(list)));
	}
	if (out == OUT_FAIL)
		return t->err.code;
	xerr_clear(&t->err); /* the summary replaces the last method's error */
	if (rounds >= MAX_ROUNDS && t->natt == 0)
		return xerr_set(&t->err, XE_PROTOCOL, "%s kept refusing the in-band bytestream",
				t->peer);
	return xerr_set(&t->err, XE_UNAVAILABLE, "no transfer method worked with %s; %s",
			t->peer, transfer_attempts(t, list, sizeof(list)));
}

enum xerr_code transfer_send(struct transfer *t)
{
	struct peer *p = t->p;
	enum outcome out = OUT_NEXT;
	int rounds, i;

	t->block = p->block;
	if (p->protocol == PROTO_JINGLE || (p->protocol == PROTO_AUTO && p->peer_jingle))
		out = transfer_first(t);
	else if (p->protocol == PROTO_SI)
		log_debug("negotiating with SI (--protocol si)");
	for (rounds = 0;; rounds++) {
		struct next_input in;

		/* The first method in our order not tried yet. */
		for (i = 0; p->methods[i] != 0 && (t->tried & (unsigned)p->methods[i]); i++)
			;
		in.out = out;
		in.multiple = in.more = 0;
		in.untried = p->methods[i] != 0;
		in.rounds = rounds;
		if (transfer_next(&in) != NEXT_REOFFER)
			break;
		out = transfer_round(t, p->methods[i], rounds);
	}
	if (out == OUT_OK)
		return XE_OK;
	return transfer_verdict(t, out, rounds);
}
