/* xfer_recv.c — see xfer_recv.h */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytestreams.h"
#include "codec.h"
#include "fetch.h"
#include "ibb.h"
#include "jingle.h"
#include "job.h"
#include "jid.h"
#include "log.h"
#include "oob.h"
#include "progress.h"
#include "s5b.h"
#include "session.h"
#include "signals.h"
#include "si.h"
#include "sink.h"
#include "xfer_recv.h"

enum rx_state {
	RX_OFFERED,	/* accepted; waiting for a bytestream or an IBB open */
	RX_S5B_CONNECTING,	/* trying the sender's streamhosts */
	RX_S5B_DATA,	/* reading the bytestream */
	RX_IBB,		/* IBB open */
	RX_OOB,		/* fetching an out-of-band URL */
};

/* One accepted offer, from the SI answer (or the OOB request) to the end
 * of its stream. */
struct rx {
	char peer[3100];
	struct si_offer offer;
	char safe[SINK_NAME_MAX + 1];
	enum rx_state state;
	int methods[4];		/* what our answer allowed, in order */
	int nmethods;
	int multiple;		/* answered with si-multiple: fallback allowed */
	struct sink *sink;	/* while the main thread owns it */
	int block;
	uint16_t seq;
	struct progress pr;
	int pr_started;
	long long last_ms;
	xmpp_stanza_t *iq;	/* the request we answer when the job ends */
	struct job job;
	struct s5b_host hosts[S5B_MAX_HOSTS];
	struct s5b_connect conn;
	struct s5b_recv data;
	struct fetch_args fetch;
	char url[2048];
	char path[4096];	/* OOB: where fetch delivered */
	_Atomic long long oob_want;	/* OOB: the size the worker asks to reserve; -1 */
	atomic_int oob_admitted;	/* OOB: set by the main thread (fetch.h) */
	int oob_fetch_failed;	/* OOB: the error is the worker's (stays local) */
	long long start_ms;	/* when the offer was accepted */
	char hash[65];		/* expected, lowercase hex of halg; "" unknown */
	enum sink_hash halg;	/* SI: MD5 when offered; Jingle: SHA-256 */
	/* Jingle (jingle != 0): offer.sid is the transport's sid. */
	int jingle;
	char jsid[128];		/* the session */
	char content[128];
	char creator[16];
	int ft_version;
	char cids[S5B_MAX_HOSTS][64];	/* of hosts[] */
	int terminated;		/* the session is over: say nothing more */
	int replaced;		/* took a transport-replace (one is allowed) */
	const char *jreason;	/* the reason to end with, when not derived */
	struct rx *next;
};

struct receiver {
	struct session *s;	/* NULL while not connected */
	int closing;		/* stopping: no new offers */
	int count;		/* files to handle before stopping */
	char *allow;		/* accept_from and --from, space-separated */
	char *dir;
	int order[4];		/* what we accept, in our order of preference */
	unsigned methods;
	int max_block;
	long long max_size;	/* -1: unlimited */
	int max_active;		/* transfers at once, offered or open */
	long connect_ms;	/* per streamhost, and an OOB connect */
	long idle_ms;
	int bars;		/* progress bars on the terminal */
	int print_paths;	/* recv: each delivered path on stdout */
	receiver_delivered_fn delivered_fn;
	void *delivered_arg;
	int handled;
	int delivered;
	struct xerr first;	/* the first failure */
	struct rx *rxs;
	unsigned char *buf;
};

static int rx_may(struct rx *x, int m);
static void rx_terminate(struct receiver *r, struct rx *x, const char *reason, const char *text);
static const char *rx_reason(enum xerr_code code, const char *why);
static void rx_candidate_answer(struct receiver *r, struct rx *x);
static void rx_finished(struct receiver *r, struct rx *x);
static void rx_done(struct receiver *r, struct rx *x, const char *path);
static int rx_unused(struct rx *x);
static void rx_no_s5b(struct rx *x);

static const char *rx_method(const struct rx *x)
{
	return x->state == RX_IBB ? "ibb" : x->state == RX_OOB ? "oob" : "s5b";
}

static int allowed(struct receiver *r, const char *from)
{
	return from != NULL && jid_allowed(r->allow, from);
}

static void rx_unlink(struct receiver *r, struct rx *x)
{
	struct rx **pp;

	for (pp = &r->rxs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	/* Whatever x still owns goes with it: a file not delivered is removed. */
	job_finish(&x->job);
	if (x->conn.fd >= 0)
		close(x->conn.fd);
	sink_abort(x->data.sink);
	sink_abort(x->sink);
	if (x->pr_started)
		progress_finish(&x->pr, 0, rx_method(x));
	if (x->iq != NULL)
		xmpp_stanza_release(x->iq);
	free(x);
}

/* What the peer is told of a failure here: not our disk trouble (no local
 * paths), the rest as it is. */
static const char *peer_text(enum xerr_code code, const char *why)
{
	return code == XE_IO || code == XE_CANTCREAT ? "the receiver cannot store the file" : why;
}

/* Answers the jabber:iq:oob request of x that failed (XEP-0066 3.1:
 * item-not-found when the URL could not be retrieved, not-acceptable when
 * we refuse the file). Whoever names a URL must not learn from us what
 * listens there: every failure to retrieve it gets one text, and the
 * detail (address, connect error, HTTP status, certificate) stays in the
 * log. */
static void oob_reply_error(struct receiver *r, struct rx *x, enum xerr_code code,
			    const char *why, int policy)
{
	const char *cond = "not-acceptable", *text = peer_text(code, why);

	if (policy)
		text = "the file is larger than the receiver accepts (max_size)";
	else if (code != XE_CANTCREAT && code != XE_IO && x->oob_fetch_failed) {
		cond = "item-not-found";
		text = "the file could not be retrieved";
	}
	session_reply_error(r->s, x->iq, "cancel", cond, NULL, NULL, text);
}

/* Ends a transfer that failed here: the temp file goes, the sender is
 * told by closing its stream (unless it is the sender who ended it). */
static void rx_fail(struct receiver *r, struct rx *x, enum xerr_code code, const char *why,
		    int tell_peer)
{
	char name[SINK_NAME_MAX + 1];
	int policy;

	if (x->job.started) {
		/* Stopping may catch a worker committing the file: if it did,
		 * the file is delivered, not failed. */
		job_finish(&x->job);
		if (x->job.err.code == XE_OK && ((x->state == RX_S5B_DATA && x->data.path[0]) ||
						 (x->state == RX_OOB && x->path[0]))) {
			rx_finished(r, x);
			return;
		}
	}
	if (x->pr_started) /* the bar ends before the error line */
		progress_finish(&x->pr, 0, rx_method(x));
	x->pr_started = 0;
	if (tell_peer && x->state == RX_IBB && session_connected(r->s))
		session_send(r->s, ibb_close_build(session_ctx(r->s), x->peer, x->offer.sid));
	if (x->jingle)
		rx_terminate(r, x, x->jreason != NULL ? x->jreason : rx_reason(code, why),
			     peer_text(code, why));
	/* Our max_size policy the sender may read in full; disk trouble
	 * stays local. */
	policy = code == XE_CANTCREAT && strstr(why, "max_size") != NULL;
	if (x->iq != NULL && session_connected(r->s) && x->state == RX_OOB)
		oob_reply_error(r, x, code, why, policy);
	else if (x->iq != NULL && session_connected(r->s))
		session_reply_error(r->s, x->iq, "cancel", "not-acceptable", NULL, NULL,
				    policy ? why : peer_text(code, why));
	log_error("%s from %s: %s", log_printable(x->safe, name, sizeof(name)), x->peer, why);
	xerr_set(&r->first, code, "%s from %s: %s", x->safe, x->peer, why);
	r->handled++;
	rx_unlink(r, x);
}

static struct rx *rx_find(struct receiver *r, const char *from, const char *sid)
{
	struct rx *x;

	for (x = r->rxs; x != NULL; x = x->next)
		if (from != NULL && strcmp(x->peer, from) == 0 && strcmp(x->offer.sid, sid) == 0)
			return x;
	return NULL;
}

static int recv_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	struct jid j;
	char bare[2100];
	struct rx *x, *next;

	if (from == NULL || type == NULL || jid_parse(from, &j, NULL) < 0)
		return 1;
	jid_bare(&j, bare, sizeof(bare));
	if (strcmp(type, "subscribe") == 0) {
		if (allowed(r, bare)) {
			log_info("approving the presence subscription of %s", bare);
			session_presence(s, bare, "subscribed");
		} else {
			log_info("refusing the presence subscription of %s (not allowed)", bare);
			session_presence(s, bare, "unsubscribed");
		}
	} else if (strcmp(type, "unavailable") == 0) {
		for (x = r->rxs; x != NULL; x = next) {
			next = x->next;
			/* A bytestream or an HTTP fetch does not need the
			 * sender's XMPP session: its worker decides. */
			if (strcmp(x->peer, from) == 0 &&
			    (x->state == RX_OFFERED || x->state == RX_IBB))
				rx_fail(r, x, XE_UNAVAILABLE, "the sender went offline", 0);
		}
	}
	return 1;
}

static int rx_count(const struct receiver *r, long long *reserved)
{
	const struct rx *x;
	int n = 0;

	*reserved = 0;
	for (x = r->rxs; x != NULL; x = x->next) {
		/* What each still has to write: a worker's sink (S5B data,
		 * OOB) is counted through the job's atomic progress. Sizes are
		 * the peers': each term is clamped, the sum saturates. */
		long long left = x->offer.size - (x->sink != NULL ? sink_bytes(x->sink)
						  : atomic_load(&x->job.bytes));
		n++;
		if (left > 0)
			*reserved = left > LLONG_MAX - *reserved ? LLONG_MAX : *reserved + left;
	}
	return n;
}

/* The checks on an offer's size (max_size, then free space besides what
 * other transfers reserve) and its temp file, for SI and Jingle alike.
 * On failure err is set and *policy says whether the refusal is our
 * max_size policy, which the sender may read in full. */
static enum xerr_code rx_open_sink(struct receiver *r, struct rx *x, long long reserved,
				   int *policy, struct xerr *err)
{
	*policy = 0;
	if (r->max_size >= 0 && x->offer.size > r->max_size) {
		*policy = 1;
		return xerr_set(err, XE_CANTCREAT, "the file has %lld bytes, more than "
				"max_size (%lld)", x->offer.size, r->max_size);
	}
	if (sink_check_space(r->dir, x->offer.size, reserved, err) != XE_OK)
		return err->code;
	return sink_open(&x->sink, r->dir, x->safe, x->offer.size, x->halg, err);
}


/* The checks every new transfer passes (count, closing, concurrency):
 * a fresh rx, or NULL after answering st with the refusal. name is the
 * offered file name, for the log (may be NULL). */
static struct rx *rx_admit(struct receiver *r, xmpp_stanza_t *st, const char *from,
			   const char *name, long long *reserved)
{
	int active = rx_count(r, reserved);
	char shown[SINK_NAME_MAX + 1];
	struct rx *x;

	if (name != NULL)
		log_printable(name, shown, sizeof(shown));
	else
		snprintf(shown, sizeof(shown), "an offer");
	if (r->closing) {
		/* This passes (type wait): a sender may retry later. */
		log_info("refused %s from %s: shutting down", shown, from);
		session_reply_error(r->s, st, "wait", "resource-constraint", NULL, NULL,
				    "the receiver is shutting down");
		return NULL;
	}
	if (r->handled + active >= r->count) {
		log_info("refused %s from %s: no more files are taken", shown, from);
		session_reply_error(r->s, st, "cancel", "not-acceptable", NULL, NULL,
				    "the receiver takes no more files now");
		return NULL;
	}
	if (active >= r->max_active) {
		log_info("refused %s from %s: too many transfers at once (max_concurrent = %d)",
			 shown, from, r->max_active);
		session_reply_error(r->s, st, "wait", "resource-constraint", NULL, NULL,
				    "too many transfers at once");
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		session_reply_error(r->s, st, "wait", "resource-constraint", NULL, NULL, NULL);
		return NULL;
	}
	x->conn.fd = -1;
	x->start_ms = session_now_ms();
	snprintf(x->peer, sizeof(x->peer), "%s", from);
	return x;
}

static int recv_offer(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *cond, *app, *why;
	struct rx *x;
	struct xerr err;
	char shown[SINK_NAME_MAX + 1];
	long long reserved;
	int policy;

	if (!allowed(r, from)) {
		log_info("refused an offer from %s (not allowed; see --from, accept_from)",
			 from != NULL ? from : "?");
		session_reply_error(s, st, "cancel", "forbidden", NULL, NULL, "Offer declined");
		return 1;
	}
	{
		/* A second offer naming a running stream: refused, not counted. */
		xmpp_stanza_t *si = xmpp_stanza_get_child_by_name_and_ns(st, "si", NS_SI);
		const char *sid = si != NULL ? xmpp_stanza_get_attribute(si, "id") : NULL;
		if (sid != NULL && rx_find(r, from, sid) != NULL) {
			session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
					    "stream id already in use");
			return 1;
		}
	}
	{
		/* A plain-SI sender whose bytestream failed before any data makes
		 * a new offer: it replaces that sender's unused streams, which
		 * are dropped without counting as handled files. */
		struct rx *y, *next;
		for (y = r->rxs; y != NULL; y = next) {
			next = y->next;
			if (strcmp(y->peer, from) == 0 && rx_unused(y)) {
				log_debug("a new offer from %s replaces stream %s", from, y->offer.sid);
				rx_unlink(r, y); /* not counted as handled */
			}
		}
	}
	{
		xmpp_stanza_t *si = xmpp_stanza_get_child_by_name_and_ns(st, "si", NS_SI);
		xmpp_stanza_t *file = si != NULL ? xmpp_stanza_get_child_by_name(si, "file") : NULL;
		x = rx_admit(r, st, from, file != NULL ? xmpp_stanza_get_attribute(file, "name")
			     : NULL, &reserved);
	}
	if (x == NULL)
		return 1;
	if (si_offer_parse(st, &x->offer, &cond, &app, &why) < 0) {
		int no_method = app != NULL && strcmp(app, "no-valid-streams") == 0;
		session_reply_error(s, st, "cancel", cond, app, NS_SI, why);
		snprintf(x->safe, sizeof(x->safe), "an offer");
		rx_fail(r, x, no_method ? XE_UNAVAILABLE : XE_PROTOCOL,
			no_method ? "no offered method is accepted here" : why, 0);
		return 1;
	}
	x->next = r->rxs;
	r->rxs = x;
	snprintf(x->hash, sizeof(x->hash), "%s", x->offer.md5);
	x->halg = x->hash[0] != '\0' ? SINK_HASH_MD5 : SINK_HASH_NONE;
	if (sink_sanitize_name(x->offer.name, x->safe))
		log_info("offered name \"%s\" is saved as \"%s\"",
			 log_printable(x->offer.name, shown, sizeof(shown)), x->safe);
	if ((x->offer.methods & r->methods) == 0) {
		session_reply_error(s, st, "cancel", "bad-request", "no-valid-streams", NS_SI, NULL);
		rx_fail(r, x, XE_UNAVAILABLE, "no offered method is accepted here", 0);
		return 1;
	}
	xerr_clear(&err);
	if (rx_open_sink(r, x, reserved, &policy, &err) != XE_OK) {
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
				    policy ? err.msg : peer_text(err.code, err.msg));
		rx_fail(r, x, err.code, err.msg, 0);
		return 1;
	}
	{
		/* Our methods, in our order, that the sender offered; with
		 * si-multiple the sender may fall back through all of them. */
		xmpp_stanza_t *si;
		int i;
		for (i = 0; r->order[i] != 0; i++)
			if (x->offer.methods & (unsigned)r->order[i])
				x->methods[x->nmethods++] = r->order[i];
		x->multiple = x->offer.multiple;
		si = si_accept_build(session_ctx(s), x->methods, x->nmethods, x->multiple);
		session_reply_result(s, st, si);
		xmpp_stanza_release(si);
		if (!x->multiple)
			x->nmethods = 1;
	}
	/* Directed presence: when we go offline, the server tells this sender
	 * even if it has no subscription to us. */
	session_presence(s, from, NULL);
	x->last_ms = session_now_ms();
	log_info("accepted %s (%lld bytes) from %s", x->safe, x->offer.size, x->peer);
	log_debug("%s from %s: stream %s", x->safe, x->peer, x->offer.sid);
	return 1;
}

static void rx_deliver(struct receiver *r, struct rx *x, xmpp_stanza_t *close_iq)
{
	char path[4096];
	struct xerr err;
	struct sink *sink = x->sink;

	xerr_clear(&err);
	x->sink = NULL;
	if (sink_commit(sink, x->hash[0] != '\0' ? x->hash : NULL, path, sizeof(path),
			&err) != XE_OK) {
		session_reply_error(r->s, close_iq, "cancel", "not-acceptable", NULL, NULL,
				    peer_text(err.code, err.msg));
		rx_fail(r, x, err.code, err.msg, 0);
		return;
	}
	session_reply_result(r->s, close_iq, NULL);
	rx_done(r, x, path);
}

/* One <data/> element, from an iq (ack it) or a message (no ack). */
static void rx_data(struct receiver *r, struct rx *x, xmpp_stanza_t *st, xmpp_stanza_t *data,
		    unsigned seq, int is_iq)
{
	struct xerr err;
	char *b64;
	long n;

	if (seq != x->seq) {
		char why[96];
		snprintf(why, sizeof(why), "data out of order (seq %u, expected %u)", seq, x->seq);
		if (is_iq)
			session_reply_error(r->s, st, "cancel", "unexpected-request", NULL, NULL, why);
		rx_fail(r, x, XE_PROTOCOL, why, 1);
		return;
	}
	b64 = xmpp_stanza_get_text(data);
	n = b64 != NULL ? b64_decode(b64, r->buf, (size_t)x->block) : 0;
	if (b64 != NULL)
		xmpp_free(session_ctx(r->s), b64);
	if (n < 0) {
		if (is_iq)
			session_reply_error(r->s, st, "cancel", "bad-request", NULL, NULL,
					    "invalid base64 or block larger than block-size");
		rx_fail(r, x, XE_PROTOCOL, "invalid base64 or a block larger than block-size", 1);
		return;
	}
	xerr_clear(&err);
	if (sink_write(x->sink, r->buf, (size_t)n, &err) != XE_OK) {
		if (is_iq)
			session_reply_error(r->s, st, "cancel", "not-acceptable", NULL, NULL,
					    peer_text(err.code, err.msg));
		rx_fail(r, x, err.code, err.msg, 1);
		return;
	}
	x->seq = ibb_seq_next(x->seq);
	if (n > 0) /* empty blocks do not keep a transfer alive */
		x->last_ms = session_now_ms();
	if (is_iq)
		session_reply_result(r->s, st, NULL);
	progress_update(&x->pr, sink_bytes(x->sink));
}

/* A bytestream that carried nothing is dropped (its job took the sink
 * with it): a new temp file for the method that follows. */
static enum xerr_code rx_drop_bytestream(struct receiver *r, struct rx *x, struct xerr *err)
{
	job_finish(&x->job);
	if (x->conn.fd >= 0)
		close(x->conn.fd);
	x->conn.fd = -1;
	if (x->pr_started)
		progress_finish(&x->pr, 0, "s5b");
	x->pr_started = 0;
	xerr_clear(err);
	if (x->sink == NULL)
		return sink_open(&x->sink, r->dir, x->safe, x->offer.size, x->halg, err);
	return XE_OK;
}

static int recv_ibb(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *cond;
	char sid[128];
	unsigned seq;
	int block, messages;
	xmpp_stanza_t *data;
	struct rx *x;

	if (xmpp_stanza_get_child_by_name_and_ns(st, "open", NS_IBB) != NULL) {
		if (ibb_parse_open(st, sid, &block, &messages, &cond) < 0) {
			session_reply_error(s, st, cond[0] == 'r' ? "modify" : "cancel", cond,
					    NULL, NULL, NULL);
			return 1;
		}
		x = rx_find(r, from, sid);
		if (x == NULL || !rx_may(x, METHOD_IBB)) {
			session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL, NULL);
			return 1;
		}
		if (block > r->max_block) {
			session_reply_error(s, st, "modify", "resource-constraint", NULL, NULL, NULL);
			return 1;
		}
		if (x->state == RX_S5B_CONNECTING) {
			/* The sender stopped waiting for our streamhost answer. */
			job_finish(&x->job);
			if (x->conn.fd >= 0)
				close(x->conn.fd);
			x->conn.fd = -1;
			session_reply_error(s, x->iq, "cancel", "item-not-found", NULL, NULL,
					    "no streamhost could be reached in time");
			xmpp_stanza_release(x->iq);
			x->iq = NULL;
		} else if (x->state == RX_S5B_DATA) {
			/* The sender gave up on the bytestream before any data
			 * (proxy activation failed) and falls back: start over. */
			struct xerr err;
			if (rx_drop_bytestream(r, x, &err) != XE_OK) {
				session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
						    peer_text(err.code, err.msg));
				rx_fail(r, x, err.code, err.msg, 0);
				return 1;
			}
		}
		x->block = block;
		x->state = RX_IBB;
		x->last_ms = session_now_ms();
		session_reply_result(s, st, NULL);
		progress_start(&x->pr, x->safe, x->offer.size,
			       r->bars);
		x->pr_started = 1;
		return 1;
	}
	if ((data = ibb_parse_data(st, sid, &seq)) != NULL) {
		x = rx_find(r, from, sid);
		if (x == NULL || x->state != RX_IBB) {
			session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
			return 1;
		}
		rx_data(r, x, st, data, seq, 1);
		return 1;
	}
	if (ibb_parse_close(st, sid) == 0) {
		x = rx_find(r, from, sid);
		if (x == NULL || x->state != RX_IBB) {
			session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
			return 1;
		}
		rx_deliver(r, x, st);
		return 1;
	}
	session_reply_error(s, st, "cancel", "bad-request", NULL, NULL, NULL);
	return 1;
}

/* 1 if x is a stream whose bytestream failed and that has no method
 * left (plain SI): its sender's next offer replaces it. Concurrent offers
 * of other files are not touched. */
static int rx_unused(struct rx *x)
{
	return !x->jingle && x->state == RX_OFFERED && x->nmethods == 0;
}

/* The bytestream of x failed before any data: S5B is off this stream
 * (a sender may not make us connect out again and again); what is left
 * (IBB with si-multiple, else nothing: a new offer) may follow. */
static void rx_no_s5b(struct rx *x)
{
	int i, n = 0;

	for (i = 0; i < x->nmethods; i++)
		if (x->methods[i] != METHOD_S5B)
			x->methods[n++] = x->methods[i];
	x->nmethods = n;
	x->state = RX_OFFERED;
	x->last_ms = session_now_ms();
}

/* 1 if the sender may now use method m on x. */
static int rx_may(struct rx *x, int m)
{
	int i, listed = 0;

	for (i = 0; i < x->nmethods; i++)
		listed |= x->methods[i] == m;
	if (!listed)
		return 0;
	if (x->state == RX_OFFERED)
		return 1;
	/* si-multiple: IBB after a bytestream that carried nothing, or while
	 * we still try streamhosts and the sender stopped waiting. */
	return x->multiple && m == METHOD_IBB &&
	       ((x->state == RX_S5B_DATA && atomic_load(&x->job.bytes) == 0) ||
		x->state == RX_S5B_CONNECTING);
}

/* Reports a delivered file (log, stdout, the owner's hook) and counts it. */
static void rx_done(struct receiver *r, struct rx *x, const char *path)
{
	char shown[4096];
	struct receiver_delivery d;
	long long ms = session_now_ms() - x->start_ms;

	if (x->pr_started)
		progress_finish(&x->pr, 0, rx_method(x)); /* the "received" line says it */
	x->pr_started = 0;
	d.path = path;
	d.name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	d.peer = x->peer;
	d.method = rx_method(x);
	d.bytes = x->offer.size;
	if (x->state == RX_OOB)
		d.bytes = atomic_load(&x->job.bytes);
	log_printable(path, shown, sizeof(shown));
	log_info("received %s from %s via %s: %lld bytes in %.1f s (%.1f MB/s) -> %s", x->safe,
		 x->peer, d.method, d.bytes, (double)ms / 1000,
		 ms > 0 ? (double)d.bytes / 1000.0 / (double)ms : 0.0, shown);
	if (r->print_paths) {
		printf("%s\n", shown);
		fflush(stdout);
	}
	if (x->jingle)
		rx_terminate(r, x, "success", NULL);
	r->handled++;
	r->delivered++;
	if (r->delivered_fn != NULL)
		r->delivered_fn(r->delivered_arg, &d);
	rx_unlink(r, x);
}

/* XEP-0065 request: try the streamhosts in a worker. */
static int recv_s5b(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *cond, *why;
	char sid[128];
	struct xerr err;
	struct rx *x;
	int n, i;

	if (xmpp_stanza_get_type(st) == NULL || strcmp(xmpp_stanza_get_type(st), "set") != 0) {
		session_reply_error(s, st, "cancel", "feature-not-implemented", NULL, NULL, NULL);
		return 1;
	}
	{
		xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_S5B);
		const char *qsid = q != NULL ? xmpp_stanza_get_attribute(q, "sid") : NULL;
		x = qsid != NULL ? rx_find(r, from, qsid) : NULL;
	}
	if (x == NULL || !rx_may(x, METHOD_S5B) || x->state != RX_OFFERED) {
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
				    x == NULL ? "no such stream" : x->state != RX_OFFERED
				    ? "this stream is already in progress"
				    : "no bytestream on this stream");
		return 1;
	}
	n = bytestreams_parse(st, sid, x->hosts, &cond, &why);
	if (n < 0) {
		session_reply_error(s, st, "cancel", cond, NULL, NULL, why);
		log_info("%s from %s: unusable bytestream request (%s)", x->safe, x->peer, why);
		rx_no_s5b(x);
		return 1;
	}
	memset(&x->conn, 0, sizeof(x->conn));
	x->conn.hosts = x->hosts;
	x->conn.n = n;
	x->conn.fd = -1;
	x->conn.budget_ms = r->connect_ms;
	s5b_hash(sid, from, session_jid(s), x->conn.hash);
	for (i = 0; i < n; i++)
		log_debug("%s offers streamhost %s at %s port %u", x->peer, x->hosts[i].jid,
			  x->hosts[i].host, x->hosts[i].port);
	xerr_clear(&err);
	if (job_start(&x->job, s5b_connect_job, &x->conn, &err) != XE_OK) {
		session_reply_error(s, st, "wait", "resource-constraint", NULL, NULL, NULL);
		rx_fail(r, x, err.code, err.msg, 0);
		return 1;
	}
	x->iq = xmpp_stanza_copy(st);
	x->state = RX_S5B_CONNECTING;
	return 1;
}

/* The connect job ended: say which streamhost, and read from it. */
static void rx_connected(struct receiver *r, struct rx *x)
{
	struct xerr err;
	char why[1024];
	size_t len = 0;
	int i;

	job_finish(&x->job);
	why[0] = '\0';
	for (i = 0; x->conn.used < 0 && i < x->conn.n && len < sizeof(why); i++)
		len += (size_t)snprintf(why + len, sizeof(why) - len, "%s%s port %u: %s",
					i ? "; " : "", x->hosts[i].host, x->hosts[i].port,
					x->conn.why[i]);
	if (x->jingle) {
		rx_candidate_answer(r, x);
		if (x->conn.used < 0) {
			log_info("%s: no candidate of %s worked (%s)%s", x->safe, x->peer,
				 x->conn.n > 0 ? why : "none offered", r->methods & METHOD_IBB
				 ? "; waiting for a transport-replace" : "");
			rx_no_s5b(x);
			return;
		}
	} else if (x->conn.used < 0) {
		session_reply_error(r->s, x->iq, "cancel", "item-not-found", NULL, NULL,
				    "no streamhost could be reached");
		xmpp_stanza_release(x->iq);
		x->iq = NULL;
		if (x->multiple && x->nmethods > 1)
			log_info("%s: no streamhost of %s worked (%s); waiting for the next method",
				 x->safe, x->peer, why);
		else /* plain SI: the sender may offer the file again another way */
			log_info("%s from %s: no streamhost worked (%s)", x->safe, x->peer, why);
		rx_no_s5b(x);
		return;
	}
	if (!x->jingle) {
		xmpp_stanza_t *q = bytestreams_used(session_ctx(r->s), x->offer.sid,
						    x->hosts[x->conn.used].jid);
		session_reply_result(r->s, x->iq, q);
		xmpp_stanza_release(q);
		xmpp_stanza_release(x->iq);
		x->iq = NULL;
	}
	log_debug("%s: connected to streamhost %s", x->safe, x->hosts[x->conn.used].jid);
	memset(&x->data, 0, sizeof(x->data));
	x->data.sock = x->conn.fd;
	x->conn.fd = -1;
	x->data.sink = x->sink;
	x->sink = NULL;
	x->data.size = x->offer.size;
	x->data.idle_ms = r->idle_ms;
	if (x->hash[0] != '\0')
		s5b_recv_post_hash(&x->data, x->hash);
	/* Jingle may send the checksum after the data (XEP-0234 8.1). */
	x->data.hash_wait_ms = x->jingle ? 5000 : 0;
	x->state = RX_S5B_DATA;
	xerr_clear(&err);
	if (job_start(&x->job, s5b_recv_job, &x->data, &err) != XE_OK) {
		close(x->data.sock);
		rx_fail(r, x, err.code, err.msg, 0);
		return;
	}
	progress_start(&x->pr, x->safe, x->offer.size, r->bars);
	x->pr_started = 1;
}

/* A data job (S5B or OOB) ended. */
static void rx_finished(struct receiver *r, struct rx *x)
{
	struct xerr err;

	job_finish(&x->job);
	err = x->job.err;
	if (err.code != XE_OK) {
		x->oob_fetch_failed = x->state == RX_OOB;
		rx_fail(r, x, err.code, err.msg, 0);
		return;
	}
	if (x->state == RX_OOB) {
		session_reply_result(r->s, x->iq, NULL);
		xmpp_stanza_release(x->iq);
		x->iq = NULL;
		rx_done(r, x, x->path);
		return;
	}
	rx_done(r, x, x->data.path);
}

/* The fetch of x knows its size: reserve it, or refuse the file, as SI
 * and Jingle offers are (the sizes of the live transfers are held free).
 * Returns -1 when x failed and is gone. */
static int oob_admit(struct receiver *r, struct rx *x)
{
	long long want = atomic_load(&x->oob_want), reserved;
	struct xerr err;

	if (want < 0 || atomic_load(&x->oob_admitted))
		return 0;
	rx_count(r, &reserved);
	xerr_clear(&err);
	if (sink_check_space(r->dir, want, reserved, &err) != XE_OK) {
		rx_fail(r, x, err.code, err.msg, 0);
		return -1;
	}
	x->offer.size = want;	/* counted by rx_count() from now on */
	atomic_store(&x->oob_admitted, 1);
	return 0;
}

static void oob_fetch_job(struct job *j)
{
	struct rx *x = j->arg;

	x->fetch.cancel_fd = j->cancel_fd;
	x->fetch.got = &j->bytes;
	x->fetch.total = &j->total;
	fetch_to_sink(&x->fetch, x->path, sizeof(x->path), &j->err);
}

/* XEP-0066 jabber:iq:oob: fetch the URL in a worker, answer at the end. */
static int recv_oob(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	char name[1024], shown[SINK_NAME_MAX + 1];
	long long reserved;
	struct xerr err;
	struct rx *x;

	if (!allowed(r, from)) {
		log_info("refused an out-of-band offer from %s (not allowed; see --from, "
			 "accept_from)", from != NULL ? from : "?");
		session_reply_error(s, st, "cancel", "forbidden", NULL, NULL, "Offer declined");
		return 1;
	}
	if (!(r->methods & METHOD_OOB)) {
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
				    "out-of-band transfers are not accepted here");
		return 1;
	}
	x = rx_admit(r, st, from, "an out-of-band offer", &reserved);
	if (x == NULL)
		return 1;
	x->state = RX_OOB;
	if (oob_parse(st, x->url, sizeof(x->url), name, sizeof(name)) < 0) {
		session_reply_error(s, st, "modify", "bad-request", NULL, NULL,
				    "no http or https URL");
		free(x);
		return 1;
	}
	x->next = r->rxs;
	r->rxs = x;
	if (sink_sanitize_name(name, x->safe))
		log_info("offered name \"%s\" is saved as \"%s\"",
			 log_printable(name, shown, sizeof(shown)), x->safe);
	x->fetch.url = x->url;
	x->fetch.dir = r->dir;
	x->fetch.name = x->safe;
	x->fetch.max_size = r->max_size;
	x->fetch.connect_ms = r->connect_ms;
	x->fetch.idle_ms = r->idle_ms;
	atomic_store(&x->oob_want, -1);
	x->fetch.want = &x->oob_want;
	x->fetch.admitted = &x->oob_admitted;
	x->iq = xmpp_stanza_copy(st);
	xerr_clear(&err);
	if (job_start(&x->job, oob_fetch_job, x, &err) != XE_OK) {
		rx_fail(r, x, err.code, err.msg, 0);
		return 1;
	}
	session_presence(s, from, NULL);
	log_info("accepted %s from %s (out of band; the size comes with the download)", x->safe,
		 x->peer);
	return 1;
}

static int recv_message(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	xmpp_stanza_t *data;
	char sid[128];
	unsigned seq;
	struct rx *x;

	if ((data = ibb_parse_data(st, sid, &seq)) == NULL)
		return 0;
	x = rx_find(r, xmpp_stanza_get_from(st), sid);
	if (x != NULL && x->state == RX_IBB)
		rx_data(r, x, st, data, seq, 0);
	(void)s;
	return 1;
}

/* --- Jingle (XEP-0166/0234/0260/0261): the responder ---------------------
 * The same rx, sink and data paths as SI; only the negotiation differs.
 * offer.sid holds the transport's sid (IBB opens and the S5B hash use it),
 * jsid the session's. */

static struct jingle *jingle_new(void)
{
	return calloc(1, sizeof(struct jingle)); /* candidates make it large */
}

/* The session's fields every IQ x sends carries. */
static void rx_jingle_head(struct receiver *r, struct rx *x, struct jingle *j,
			   enum jingle_action a)
{
	jingle_init(j, a, x->jsid, x->peer, x->content, x->creator, x->ft_version);
	if (a == JA_SESSION_ACCEPT)
		snprintf(j->responder, sizeof(j->responder), "%s", session_jid(r->s));
}

static void rx_jingle_send(struct receiver *r, struct rx *x, struct jingle *j)
{
	xmpp_stanza_t *iq = jingle_build(session_ctx(r->s), x->peer, j);

	if (iq != NULL)
		session_send(r->s, iq); /* its answer is not needed */
}

/* The Jingle reason for a failure here. */
static const char *rx_reason(enum xerr_code code, const char *why)
{
	if (strstr(why, "mismatch") != NULL)
		return "media-error";
	switch (code) {
	case XE_SIGNAL:
		return "cancel";
	case XE_TEMPFAIL:
		return "timeout";
	case XE_IO:
	case XE_CANTCREAT:
		return "general-error";
	case XE_PROTOCOL:
		return "failed-application";
	default:
		return "failed-transport";
	}
}

/* session-terminate, once. */
static void rx_terminate(struct receiver *r, struct rx *x, const char *reason, const char *text)
{
	struct jingle *j;

	if (x->terminated || !session_connected(r->s) || (j = jingle_new()) == NULL)
		return;
	x->terminated = 1;
	rx_jingle_head(r, x, j, JA_SESSION_TERMINATE);
	j->content[0] = '\0';
	snprintf(j->reason, sizeof(j->reason), "%s", reason);
	if (text != NULL && strcmp(reason, "success") != 0)
		snprintf(j->reason_text, sizeof(j->reason_text), "%s", text);
	rx_jingle_send(r, x, j);
	free(j);
}

/* transport-info: the candidate we connected to, or that none worked. */
static void rx_candidate_answer(struct receiver *r, struct rx *x)
{
	struct jingle *j = jingle_new();

	if (j == NULL)
		return;
	rx_jingle_head(r, x, j, JA_TRANSPORT_INFO);
	j->transport = JT_S5B;
	snprintf(j->tsid, sizeof(j->tsid), "%s", x->offer.sid);
	j->s5b_info = x->conn.used >= 0 ? JS_CANDIDATE_USED : JS_CANDIDATE_ERROR;
	if (x->conn.used >= 0)
		snprintf(j->cid, sizeof(j->cid), "%s", x->cids[x->conn.used]);
	rx_jingle_send(r, x, j);
	free(j);
}

static struct rx *rx_find_jingle(struct receiver *r, const char *from, const char *sid)
{
	struct rx *x;

	for (x = r->rxs; x != NULL; x = x->next)
		if (x->jingle && from != NULL && strcmp(x->peer, from) == 0 &&
		    strcmp(x->jsid, sid) == 0)
			return x;
	return NULL;
}

static int by_priority(const void *a, const void *b)
{
	long pa = ((const struct jingle_candidate *)a)->priority;
	long pb = ((const struct jingle_candidate *)b)->priority;

	return (pa < pb) - (pa > pb); /* highest first */
}

/* Tries the initiator's candidates, highest priority first, in a worker. */
static void rx_jingle_connect(struct receiver *r, struct rx *x, struct jingle *j)
{
	struct xerr err;
	int i;

	qsort(j->cand, (size_t)j->ncand, sizeof(j->cand[0]), by_priority);
	memset(&x->conn, 0, sizeof(x->conn));
	for (i = 0; i < j->ncand; i++) {
		x->hosts[i] = j->cand[i].h;
		snprintf(x->cids[i], sizeof(x->cids[i]), "%s", j->cand[i].cid);
		log_debug("%s offers candidate %s (%s) at %s port %u, priority %ld", x->peer,
			  j->cand[i].cid, j->cand[i].proxy ? "proxy" : "direct", j->cand[i].h.host,
			  j->cand[i].h.port, j->cand[i].priority);
	}
	x->conn.hosts = x->hosts;
	x->conn.n = j->ncand;
	x->conn.fd = -1;
	x->conn.used = -1;
	x->conn.budget_ms = r->connect_ms;
	s5b_hash(x->offer.sid, x->peer, session_jid(r->s), x->conn.hash);
	x->state = RX_S5B_CONNECTING;
	xerr_clear(&err);
	if (j->ncand == 0 || job_start(&x->job, s5b_connect_job, &x->conn, &err) != XE_OK) {
		/* Nothing to try: say so now, IBB may follow. */
		rx_candidate_answer(r, x);
		rx_no_s5b(x);
	}
}

/* session-initiate: the same checks as an SI offer. */
static void rx_jingle_offer(struct receiver *r, xmpp_stanza_t *st, const char *from,
			    struct jingle *j)
{
	struct session *s = r->s;
	char shown[SINK_NAME_MAX + 1];
	long long reserved;
	int policy;
	struct xerr err;
	struct rx *x;
	int s5b;

	if (!allowed(r, from)) {
		log_info("refused an offer from %s (not allowed; see --from, accept_from)", from);
		session_reply_error(s, st, "cancel", "forbidden", NULL, NULL, "Offer declined");
		return;
	}
	if (!j->has_file || j->size < 0 || strcmp(j->creator, "initiator") != 0 ||
	    (j->senders[0] != '\0' && strcmp(j->senders, "initiator") != 0)) {
		/* A request for a file of ours (senders='responder') included. */
		session_reply_error(s, st, "cancel", "feature-not-implemented", NULL, NULL,
				    "xfer takes offered files of known size only");
		return;
	}
	x = rx_admit(r, st, from, j->name, &reserved);
	if (x == NULL)
		return;
	x->jingle = 1;
	x->halg = SINK_HASH_SHA256; /* a checksum may come later */
	snprintf(x->jsid, sizeof(x->jsid), "%s", j->sid);
	snprintf(x->content, sizeof(x->content), "%s", j->content);
	snprintf(x->creator, sizeof(x->creator), "%s", j->creator);
	x->ft_version = j->ft_version;
	snprintf(x->offer.sid, sizeof(x->offer.sid), "%s", j->tsid);
	snprintf(x->offer.name, sizeof(x->offer.name), "%s", j->name);
	x->offer.size = j->size;
	snprintf(x->hash, sizeof(x->hash), "%s", j->sha256);
	x->next = r->rxs;
	r->rxs = x;
	if (sink_sanitize_name(x->offer.name, x->safe))
		log_info("offered name \"%s\" is saved as \"%s\"",
			 log_printable(x->offer.name, shown, sizeof(shown)), x->safe);
	session_reply_result(s, st, NULL); /* XEP-0166: ack first, then answer */
	s5b = j->transport == JT_S5B && (r->methods & METHOD_S5B);
	if (!s5b && !(j->transport == JT_IBB && (r->methods & METHOD_IBB))) {
		x->jreason = "unsupported-transports";
		rx_fail(r, x, XE_UNAVAILABLE, "no offered transport is accepted here", 0);
		return;
	}
	xerr_clear(&err);
	if (rx_open_sink(r, x, reserved, &policy, &err) != XE_OK) {
		if (policy)
			x->jreason = "decline";
		rx_terminate(r, x, "decline", policy ? err.msg : peer_text(err.code, err.msg));
		rx_fail(r, x, err.code, err.msg, 0);
		return;
	}
	if (s5b) {
		x->methods[x->nmethods++] = METHOD_S5B;
		if (r->methods & METHOD_IBB)
			x->methods[x->nmethods++] = METHOD_IBB; /* by transport-replace */
	} else {
		x->methods[x->nmethods++] = METHOD_IBB;
		x->block = j->block < r->max_block ? j->block : r->max_block;
	}
	{
		struct jingle *a = jingle_new();
		if (a != NULL) {
			rx_jingle_head(r, x, a, JA_SESSION_ACCEPT);
			a->has_file = 1;
			snprintf(a->name, sizeof(a->name), "%s", j->name);
			a->size = j->size;
			snprintf(a->sha256, sizeof(a->sha256), "%s", j->sha256);
			a->transport = s5b ? JT_S5B : JT_IBB;
			snprintf(a->tsid, sizeof(a->tsid), "%s", x->offer.sid);
			a->block = x->block;
			rx_jingle_send(r, x, a); /* no candidates of ours: see xfer(1) */
			free(a);
		}
	}
	session_presence(s, from, NULL);
	x->last_ms = session_now_ms();
	log_info("accepted %s (%lld bytes) from %s over Jingle", x->safe, x->offer.size, x->peer);
	log_debug("%s from %s: Jingle session %s, %s transport %s", x->safe, x->peer, x->jsid,
		  s5b ? "s5b" : "ibb", x->offer.sid);
	if (s5b)
		rx_jingle_connect(r, x, j);
}

/* transport-replace: IBB after a failed (or unwanted) bytestream. */
static void rx_jingle_replace(struct receiver *r, struct rx *x, xmpp_stanza_t *st,
			      struct jingle *j)
{
	struct jingle *a;
	struct rx *other;
	struct xerr err;
	int ok = j->transport == JT_IBB && (r->methods & METHOD_IBB), block;

	if (x->state == RX_IBB || (x->state == RX_S5B_DATA && atomic_load(&x->job.bytes) > 0) ||
	    x->replaced) {
		/* One replace per session: a sender may not keep a slot (and
		 * its reserved space) alive by replacing again and again. */
		session_reply_error(r->s, st, "cancel", "unexpected-request", "out-of-order",
				    NS_JINGLE_ERRORS, x->replaced ? "the transport was replaced already"
				    : "the data is already flowing");
		return;
	}
	other = rx_find(r, x->peer, j->tsid);
	if (other != NULL && other != x) {
		/* IBB data names the transport's sid: another live stream's
		 * sid would steer its data into this file. */
		session_reply_error(r->s, st, "cancel", "conflict", NULL, NULL,
				    "stream id already in use");
		return;
	}
	x->replaced = 1;
	session_reply_result(r->s, st, NULL);
	if ((a = jingle_new()) == NULL)
		return;
	rx_jingle_head(r, x, a, ok ? JA_TRANSPORT_ACCEPT : JA_TRANSPORT_REJECT);
	a->transport = j->transport == JT_IBB ? JT_IBB : JT_NONE;
	snprintf(a->tsid, sizeof(a->tsid), "%s", j->tsid);
	a->block = j->block < r->max_block ? j->block : r->max_block;
	if (ok && (x->state == RX_S5B_CONNECTING || x->state == RX_S5B_DATA) &&
	    rx_drop_bytestream(r, x, &err) != XE_OK) {
		free(a);
		rx_fail(r, x, err.code, err.msg, 0);
		return;
	}
	rx_jingle_send(r, x, a);
	block = a->block;
	free(a);
	if (!ok) {
		log_info("%s from %s: refused a transport-replace to a transport not accepted "
			 "here", x->safe, x->peer);
		return;
	}
	snprintf(x->offer.sid, sizeof(x->offer.sid), "%s", j->tsid);
	x->methods[0] = METHOD_IBB;
	x->nmethods = 1;
	x->block = block;
	x->state = RX_OFFERED;
	x->last_ms = session_now_ms();
	log_info("%s from %s: falling back to ibb (transport-replace)", x->safe, x->peer);
}

/* session-info <checksum/>: the hash, if the file is not complete yet. */
static void rx_jingle_checksum(struct receiver *r, struct rx *x, const char *hex)
{
	if (x->hash[0] != '\0' && strcmp(x->hash, hex) != 0) {
		x->jreason = "media-error";
		rx_fail(r, x, XE_PROTOCOL, "the checksum differs from the hash in the offer "
			"(SHA-256 mismatch)", 1);
		return;
	}
	snprintf(x->hash, sizeof(x->hash), "%s", hex);
	if (x->state == RX_S5B_DATA)
		s5b_recv_post_hash(&x->data, hex);
	log_debug("%s from %s: checksum sha-256 %s", x->safe, x->peer, hex);
}

static void rx_jingle_error(struct session *s, xmpp_stanza_t *st, const char *cond,
			    const char *app, const char *text)
{
	session_reply_error(s, st, "cancel", cond, app, app != NULL ? NS_JINGLE_ERRORS : NULL,
			    text);
}

static int recv_jingle(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *cond, *app, *why;
	struct jingle *j;
	struct rx *x;

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
	x = rx_find_jingle(r, from, j->sid);
	if (x == NULL && j->action != JA_SESSION_INITIATE) {
		rx_jingle_error(s, st, "item-not-found", "unknown-session", NULL);
		free(j);
		return 1;
	}
	switch (j->action) {
	case JA_SESSION_INITIATE:
		if (x != NULL)
			rx_jingle_error(s, st, "unexpected-request", "out-of-order",
					"this session exists already");
		else if (j->tsid[0] != '\0' && rx_find(r, from, j->tsid) != NULL)
			/* IBB opens name the transport's sid: it must be unique. */
			session_reply_error(s, st, "cancel", "conflict", NULL, NULL,
					    "stream id already in use");
		else
			rx_jingle_offer(r, st, from, j);
		break;
	case JA_SESSION_TERMINATE: {
		char why2[400];
		session_reply_result(s, st, NULL);
		x->terminated = 1;
		if (strcmp(j->reason, "success") == 0 && x->state == RX_S5B_DATA) {
			/* XEP-0234: the sender may end a session whose data it
			 * has sent; the bytestream job decides. */
			log_debug("%s from %s: the sender ended the session (success)", x->safe,
				  x->peer);
			break;
		}
		snprintf(why2, sizeof(why2), "the sender ended the session (%s%s%s)", j->reason,
			 j->reason_text[0] ? ": " : "", j->reason_text);
		rx_fail(r, x, strcmp(j->reason, "cancel") == 0 ? XE_UNAVAILABLE : XE_PROTOCOL,
			why2, 0);
		break;
	}
	case JA_SESSION_INFO:
		if (j->info == JI_OTHER) {
			session_reply_error(s, st, "modify", "feature-not-implemented",
					    "unsupported-info", NS_JINGLE_ERRORS, NULL);
			break;
		}
		session_reply_result(s, st, NULL);
		if (j->info == JI_CHECKSUM && j->sha256[0] != '\0')
			rx_jingle_checksum(r, x, j->sha256);
		else if (j->info == JI_CHECKSUM)
			log_debug("%s from %s: a checksum without sha-256, not used", x->safe, x->peer);
		break;
	case JA_TRANSPORT_INFO:
		if (j->transport != JT_S5B || strcmp(j->tsid, x->offer.sid) != 0) {
			session_reply_error(s, st, "cancel", "bad-request", NULL, NULL,
					    "not a transport of this session");
			break;
		}
		if (j->s5b_info == JS_CANDIDATE_USED) {
			/* We offer no candidates: none can be used. */
			session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL,
					    "no such candidate");
			break;
		}
		session_reply_result(s, st, NULL);
		log_debug("%s from %s: %s", x->safe, x->peer,
			  j->s5b_info == JS_ACTIVATED ? "the proxy is activated"
			  : j->s5b_info == JS_PROXY_ERROR ? "the sender could not use the proxy"
			  : "the sender reached none of our candidates");
		break;
	case JA_TRANSPORT_REPLACE:
		rx_jingle_replace(r, x, st, j);
		break;
	case JA_SESSION_ACCEPT:
	case JA_TRANSPORT_ACCEPT:
	case JA_TRANSPORT_REJECT:
		rx_jingle_error(s, st, "unexpected-request", "out-of-order",
				"a responder does not take this action");
		break;
	default:
		session_reply_error(s, st, "cancel", "feature-not-implemented", NULL, NULL,
				    "xfer takes one file per session");
		break;
	}
	free(j);
	return 1;
}

enum xerr_code receiver_allow_list(const char *accept_from, const char **from, char **out,
				   struct xerr *err)
{
	size_t len = accept_from != NULL ? strlen(accept_from) + 1 : 1;
	const char *why;
	char *all;
	int i;

	*out = NULL;
	for (i = 0; from != NULL && from[i] != NULL; i++) {
		if (jid_word_ok(from[i], &why) < 0)
			return xerr_set(err, XE_USAGE, "--from '%s' is not a JID or a pattern like "
					"*@example.org: %s", from[i], why);
		len += strlen(from[i]) + 1;
	}
	all = calloc(1, len);
	if (all == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	if (accept_from != NULL)
		strcat(all, accept_from);
	for (i = 0; from != NULL && from[i] != NULL; i++) {
		strcat(all, " ");
		strcat(all, from[i]);
	}
	if (strspn(all, " ,\t") == strlen(all)) {
		free(all);
		return xerr_set(err, XE_USAGE, "nobody may send files here: name senders with "
				"--from JID or 'accept_from' in the config");
	}
	*out = all;
	return XE_OK;
}

struct receiver *receiver_new(const struct account *acct, const char *dir, int count,
			      long idle_ms, struct xerr *err)
{
	struct receiver *r = calloc(1, sizeof(*r));
	int i;

	if (r == NULL || (r->dir = strdup(dir)) == NULL ||
	    (r->buf = malloc(IBB_BLOCK_MAX + 3)) == NULL) {
		receiver_free(r);
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return NULL;
	}
	xerr_clear(&r->first);
	r->count = count;
	r->idle_ms = idle_ms;
	r->max_size = -1;
	r->max_active = CONFIG_MAX_CONCURRENT;
	r->connect_ms = s5b_budget_ms(acct->s5b_connect_timeout);
	if (acct->methods[0] != 0)
		memcpy(r->order, acct->methods, sizeof(r->order));
	else
		memcpy(r->order, (int[4]){ METHOD_S5B, METHOD_IBB, METHOD_OOB, 0 }, sizeof(r->order));
	if (acct->oob_fetch < 0) { /* oob_fetch = no: send may still offer it */
		int n = 0;
		for (i = 0; r->order[i] != 0; i++)
			if (r->order[i] != METHOD_OOB)
				r->order[n++] = r->order[i];
		r->order[n] = 0;
	}
	for (i = 0; r->order[i] != 0; i++)
		r->methods |= (unsigned)r->order[i];
	r->max_block = acct->ibb_block_size > 0 ? acct->ibb_block_size : IBB_BLOCK_MAX;
	return r;
}

enum xerr_code receiver_policy(struct receiver *r, const char *allow, long long max_size,
			       int max_concurrent, struct xerr *err)
{
	char *copy = strdup(allow);

	if (copy == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	free(r->allow);
	r->allow = copy;
	r->max_size = max_size;
	r->max_active = max_concurrent > 0 ? max_concurrent : CONFIG_MAX_CONCURRENT;
	return XE_OK;
}

void receiver_output(struct receiver *r, int bars, int print_paths, receiver_delivered_fn fn,
		     void *arg)
{
	r->bars = bars;
	r->print_paths = print_paths;
	r->delivered_fn = fn;
	r->delivered_arg = arg;
}

/* The roster's content is not needed: asking is what counts. */
static void receiver_roster_cb(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	(void)s;
	(void)reply;
	(void)arg;
}

void receiver_attach(struct receiver *r, struct session *s)
{
	/* Only the methods accepted here are announced: a sender that reads
	 * our disco#info offers nothing we would refuse. 0: always. */
	static const struct {
		const char *var;
		int method;
	} features[] = {
		{ NS_SI, 0 }, { NS_SI_FT, 0 }, { NS_S5B, METHOD_S5B }, { NS_IBB, METHOD_IBB },
		{ NS_OOB, METHOD_OOB }, { NS_JINGLE, 0 }, { NS_JINGLE_FT, 0 },
		{ NS_JINGLE_S5B, METHOD_S5B }, { NS_JINGLE_IBB, METHOD_IBB }, { NS_HASHES, 0 },
		{ NS_HASH_SHA256, 0 },
	};
	size_t i;

	r->s = s;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].method == 0 || (r->methods & (unsigned)features[i].method))
			session_add_feature(s, features[i].var);
	session_on_presence(s, recv_presence, r);
	session_on_message(s, recv_message, r);
	session_route_iq(s, NS_SI, recv_offer, r);
	session_route_iq(s, NS_IBB, recv_ibb, r);
	session_route_iq(s, NS_S5B, recv_s5b, r);
	session_route_iq(s, NS_OOB, recv_oob, r);
	session_route_iq(s, NS_JINGLE, recv_jingle, r);
	/* Ask for the roster: only a resource that did is sent presence
	 * subscription requests (RFC 6121 3.1.3). The server handles our
	 * stanzas in order, so the presence may follow at once; nothing here
	 * waits (a daemon stays responsive to signals). */
	session_iq(s, session_query(s, "get", NULL, "jabber:iq:roster"),
		   OPTS_DEFAULT_TIMEOUT * 1000L, receiver_roster_cb, NULL);
	session_presence(s, NULL, NULL);
}

void receiver_step(struct receiver *r)
{
	long long now = session_now_ms();
	struct rx *x, *next;
	int busy = 0, ibb = 0;

	for (x = r->rxs; x != NULL; x = next) {
		next = x->next;
		if (x->job.started) {
			/* Workers keep their own time limits. */
			busy = 1;
			if (x->state == RX_OOB && oob_admit(r, x) < 0)
				continue;
			if (x->pr_started)
				progress_update(&x->pr, atomic_load(&x->job.bytes));
			else if (x->state == RX_OOB && atomic_load(&x->job.total) >= 0) {
				progress_start(&x->pr, x->safe, atomic_load(&x->job.total), r->bars);
				x->pr_started = 1;
			}
			if (job_done(&x->job)) {
				if (x->state == RX_S5B_CONNECTING)
					rx_connected(r, x);
				else
					rx_finished(r, x);
			}
			continue;
		}
		ibb |= x->state == RX_IBB;
		if (now - x->last_ms > r->idle_ms)
			rx_fail(r, x, XE_TEMPFAIL, x->state == RX_IBB ? "no data for too long "
				"(--idle-timeout)" : "the stream was never opened", 1);
	}
	/* libstrophe 0.12 sleeps its full timeout even when TLS holds
	 * bytes it has not parsed yet: keep it short while data flows.
	 * (Measured, 32 MiB on a local Prosody: 5 ms 13.8 s, 1 ms 10.1 s;
	 * a poll()-then-run_once(0) loop 11.6 s; 0 ms spins, 18.5 s.) */
	session_run(r->s, ibb ? 1 : busy ? 5 : r->rxs != NULL ? 1 : 100);
}

int receiver_active(const struct receiver *r)
{
	long long reserved;

	return rx_count(r, &reserved);
}

void receiver_close(struct receiver *r)
{
	r->closing = 1;
}

void receiver_end_all(struct receiver *r, enum xerr_code code, const char *why)
{
	while (r->rxs != NULL)
		rx_fail(r, r->rxs, code, why, 1);
}

void receiver_detach(struct receiver *r)
{
	/* The connection is gone: nothing can be answered any more. */
	while (r->rxs != NULL)
		rx_fail(r, r->rxs, XE_TEMPFAIL, "the connection to the server was lost", 0);
	r->s = NULL;
}

void receiver_free(struct receiver *r)
{
	if (r == NULL)
		return;
	while (r->rxs != NULL)
		rx_unlink(r, r->rxs);
	free(r->buf);
	free(r->allow);
	free(r->dir);
	free(r);
}

enum xerr_code recv_run(struct account *acct, const struct xfer_opts *o, struct xerr *err)
{
	struct receiver *r;
	struct session *s = NULL;
	long long deadline;
	enum xerr_code rc;
	const char *dir;
	char *allow;

	if ((rc = receiver_allow_list(acct->accept_from, o->from, &allow, err)) != XE_OK)
		return rc;
	dir = o->dir != NULL ? o->dir : acct->drop_dir != NULL ? acct->drop_dir : ".";
	if (access(dir, W_OK | X_OK) < 0) {
		rc = xerr_set(err, XE_CANTCREAT, "cannot write to %s: %s", dir, strerror(errno));
		free(allow);
		return rc;
	}
	r = receiver_new(acct, dir, o->count, (long)o->idle_timeout * 1000, err);
	if (r == NULL || receiver_policy(r, allow, acct->max_size, acct->max_concurrent,
					 err) != XE_OK) {
		receiver_free(r);
		free(allow);
		return err->code;
	}
	free(allow);
	receiver_output(r, isatty(STDERR_FILENO) && log_enabled(LOG_WARN), 1, NULL, NULL);

	rc = account_resolve_password(acct, err);
	if (rc == XE_OK)
		rc = session_open(&s, acct, OPTS_DEFAULT_TIMEOUT * 1000L, err);
	if (rc != XE_OK) {
		receiver_free(r);
		return rc;
	}
	receiver_attach(r, s);
	log_info("online as %s, waiting for %d file%s", session_jid(s), o->count,
		 o->count == 1 ? "" : "s");

	deadline = o->timeout > 0 ? session_now_ms() + (long long)o->timeout * 1000 : 0;
	while (r->handled < o->count && session_connected(s) && !signals_caught()) {
		if (deadline != 0 && session_now_ms() >= deadline)
			break;
		receiver_step(r);
	}
	/* Each failed transfer was reported by rx_fail(); what is left to say
	 * is why recv stopped early, or a count. */
	{
		struct xerr end;
		int failed = r->handled - r->delivered;

		xerr_clear(&end);
		if (signals_caught())
			xerr_set(&end, XE_SIGNAL, "stopped by signal %d", signals_caught());
		else if (r->handled < o->count && !session_connected(s))
			xerr_set(&end, XE_UNAVAILABLE, "connection to the server lost");
		else if (r->handled < o->count)
			xerr_set(&end, XE_TEMPFAIL, "%d of %d file%s arrived within %d s",
				 r->delivered, o->count, o->count == 1 ? "" : "s", o->timeout);
		/* From here on, offers are refused. Say we are leaving, and answer
		 * what is already on its way before disconnecting. */
		r->count = 0; /* "takes no more files", not "busy" */
		if (session_connected(s)) {
			long long until = session_now_ms() + 300;
			session_presence(s, NULL, "unavailable");
			while (session_now_ms() < until && session_connected(s))
				session_run(s, 20);
		}
		receiver_end_all(r, end.code == XE_SIGNAL ? XE_SIGNAL : XE_TEMPFAIL,
				 "stopped before the transfer ended");
		if (end.code == XE_SIGNAL)
			xerr_set(err, XE_SIGNAL, "%s", end.msg);
		else if (end.code != XE_OK)
			xerr_set(err, r->first.code != XE_OK ? r->first.code : end.code, "%s", end.msg);
		else if (failed > 0 && r->handled > 1)
			xerr_set(err, r->first.code, "%d of %d files were delivered", r->delivered,
				 r->handled);
		else if (failed > 0)
			xerr_set(err, r->first.code, "%s", ""); /* already reported */
		session_free(s);
		receiver_free(r);
	}
	return err->code;
}
