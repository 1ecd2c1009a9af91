/* tr_ibb.c — In-Band Bytestreams (XEP-0047) as a transport, both roles.
 *
 * Sending: ibb.c's windowed sender, pumped from the one loop; a stream we
 * give up on is closed so the receiver drops its partial file at once.
 * Receiving: the open, data and close stanzas of an agreed stream, into
 * the sink, in order. ibb.c keeps the codecs and the seq arithmetic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "ibb.h"
#include "jingle.h"
#include "log.h"
#include "negotiation.h"
#include "peer.h"
#include "recv.h"
#include "si.h"
#include "transport.h"

struct ibb_tp {
	struct ibb_send *b;	/* sending */
	int rc;			/* sending: ibb_send_pump()'s last answer */
	int peer_closed;	/* sending: the receiver closed the stream */
	uint16_t seq;		/* receiving: the next data block's */
};

/* --- sending ------------------------------------------------------------ */

static int ibb_over(struct transfer *t, void *arg)
{
	(void)arg;
	return ((struct ibb_tp *)t->tp)->rc != 0;
}

/* From the one loop: the window of data IQs, and the reasons to stop. */
static void ibb_step(struct transfer *t)
{
	struct ibb_tp *st = t->tp;

	if (st == NULL || st->b == NULL || st->rc != 0)
		return;
	if (t->p != NULL && t->p->gone)
		ibb_send_fail(st->b, XE_UNAVAILABLE, "the receiver went offline");
	st->rc = ibb_send_pump(st->b);
}

static enum outcome ibb_send(struct transfer *t)
{
	struct ibb_tp *st = calloc(1, sizeof(*st));
	const struct xerr *e;
	enum outcome out;
	int gone;

	if (st == NULL)
		return xerr_set(&t->err, XE_SOFTWARE, "out of memory"), OUT_FAIL;
	t->tp = st;
	t->src->offset = 0;
	if (lseek(t->src->fd, 0, SEEK_SET) < 0) {
		xerr_set(&t->err, XE_IO, "%s: %s", t->src->path, strerror(errno));
		return OUT_FAIL;
	}
	transfer_progress_start(t);
	st->b = ibb_send_new(t->s, t->peer, t->sid, t->src, &t->pr, t->block, t->p->window,
			     (long)t->p->o->idle_timeout * 1000);
	if (st->b == NULL) {
		transfer_progress_finish(t, 0);
		xerr_set(&t->err, XE_SOFTWARE, "out of memory");
		return OUT_FAIL;
	}
	t->poll_ms = 1; /* see receiver_step() */
	if (transfer_wait(t, ibb_over, NULL, -1, 1, NULL) < 0) {
		ibb_send_fail(st->b, t->err.code, t->err.code == XE_SIGNAL ? "stopped by a signal"
			      : t->err.msg);
		st->rc = ibb_send_pump(st->b);
		xerr_clear(&t->err);
	}
	t->poll_ms = 5;
	transfer_progress_finish(t, st->rc == 1);
	gone = t->p->gone;
	/* A stream we give up on (local error, timeout, signal) is closed, so
	 * the receiver drops its partial file now, not after its idle
	 * timeout; unsent data would only delay the close. */
	if (st->rc < 0 && ibb_send_opened(st->b) && !st->peer_closed && !gone &&
	    session_connected(t->s)) {
		session_drop_queue(t->s);
		session_send(t->s, ibb_close_build(session_ctx(t->s), t->peer, t->sid));
	}
	out = st->rc == 1 ? OUT_OK : OUT_FAIL;
	e = ibb_send_error(st->b);
	if (st->rc < 0 && ibb_send_reoffer_block(st->b) > 0 && t->src->offset == 0) {
		t->block = ibb_send_reoffer_block(st->b);
		out = OUT_REOFFER;
	} else if (st->rc < 0) {
		xerr_set(&t->err, e->code, "%s", e->msg);
		/* Refused at the open: nothing was sent, another method may do. */
		if (!ibb_send_opened(st->b) && e->code != XE_SIGNAL && !gone &&
		    session_connected(t->s))
			out = OUT_NEXT;
	}
	return out;
}

/* IBB stanzas to a sender: the receiver may close our stream (it gave
 * up); anything else about IBB is not for us. arg: a struct transfer **
 * to the transfer in progress. */
static int ibb_on_send_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct transfer *t = *(struct transfer **)arg;
	const char *from = xmpp_stanza_get_from(st);
	struct ibb_tp *tp = t != NULL && t->tr == &tr_ibb ? t->tp : NULL;
	char sid[128];

	if (tp != NULL && tp->b != NULL && ibb_parse_close(st, sid) == 0 && from != NULL &&
	    strcmp(from, t->peer) == 0 && strcmp(sid, ibb_send_sid(tp->b)) == 0) {
		session_reply_result(s, st, NULL);
		tp->peer_closed = 1;
		ibb_send_fail(tp->b, XE_PROTOCOL, "the receiver closed the stream");
		return 1;
	}
	session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
	return 1;
}

/* --- receiving ---------------------------------------------------------- */

/* The file is complete: verified, linked, and the close answered. */
static void ibb_deliver(struct receiver *r, struct transfer *t, xmpp_stanza_t *close_iq)
{
	char path[4096];
	struct xerr err;
	struct sink *sink = t->sink;

	xerr_clear(&err);
	t->sink = NULL;
	if (sink_commit(sink, t->hash[0] != '\0' ? t->hash : NULL, path, sizeof(path),
			&err) != XE_OK) {
		session_reply_error(r->s, close_iq, "cancel", "not-acceptable", NULL, NULL,
				    receiver_peer_text(&err));
		receiver_fail(r, t, &err, 0);
		return;
	}
	session_reply_result(r->s, close_iq, NULL);
	receiver_done(r, t, path);
}

/* One <data/> element, from an iq (ack it) or a message (no ack). */
static void ibb_data(struct receiver *r, struct transfer *t, xmpp_stanza_t *st,
		     xmpp_stanza_t *data, unsigned seq, int is_iq)
{
	struct ibb_tp *tp = t->tp;
	struct xerr err;
	char *b64;
	long n;

	if (seq != tp->seq) {
		char why[96];
		snprintf(why, sizeof(why), "data out of order (seq %u, expected %u)", seq, tp->seq);
		if (is_iq)
			session_reply_error(r->s, st, "cancel", "unexpected-request", NULL, NULL, why);
		receiver_fail_with(r, t, XE_PROTOCOL, why, 1);
		return;
	}
	b64 = xmpp_stanza_get_text(data);
	n = b64 != NULL ? b64_decode(b64, r->buf, (size_t)t->block) : 0;
	if (b64 != NULL)
		xmpp_free(session_ctx(r->s), b64);
	if (n < 0) {
		if (is_iq)
			session_reply_error(r->s, st, "cancel", "bad-request", NULL, NULL,
					    "invalid base64 or block larger than block-size");
		receiver_fail_with(r, t, XE_PROTOCOL, "invalid base64 or a block larger than "
				   "block-size", 1);
		return;
	}
	xerr_clear(&err);
	if (sink_write(t->sink, r->buf, (size_t)n, &err) != XE_OK) {
		if (is_iq)
			session_reply_error(r->s, st, "cancel", "not-acceptable", NULL, NULL,
					    receiver_peer_text(&err));
		receiver_fail(r, t, &err, 1);
		return;
	}
	tp->seq = ibb_seq_next(tp->seq);
	if (n > 0) /* empty blocks do not keep a transfer alive */
		t->last_ms = session_now_ms();
	if (is_iq)
		session_reply_result(r->s, st, NULL);
	progress_update(&t->pr, sink_bytes(t->sink));
}

/* An open on an agreed stream: IBB takes over (after an S5B attempt that
 * carried nothing, with si-multiple or transport-replace). */
static int ibb_open(struct receiver *r, xmpp_stanza_t *st, const char *from)
{
	struct session *s = r->s;
	const char *cond;
	char sid[128];
	int block, messages;
	struct transfer *t;
	struct xerr err;

	if (ibb_parse_open(st, sid, &block, &messages, &cond) < 0) {
		session_reply_error(s, st, cond[0] == 'r' ? "modify" : "cancel", cond, NULL, NULL,
				    NULL);
		return 1;
	}
	t = receiver_find(r, from, sid);
	if (t == NULL || !receiver_may(t, METHOD_IBB)) {
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL, NULL);
		return 1;
	}
	if (block > r->max_block) {
		session_reply_error(s, st, "modify", "resource-constraint", NULL, NULL, NULL);
		return 1;
	}
	xerr_clear(&err);
	if (receiver_switch(r, t, &err) != XE_OK) {
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
				    receiver_peer_text(&err));
		receiver_fail(r, t, &err, 0);
		return 1;
	}
	if ((t->tp = calloc(1, sizeof(struct ibb_tp))) == NULL) {
		session_reply_error(s, st, "wait", "resource-constraint", NULL, NULL, NULL);
		return 1;
	}
	t->tr = &tr_ibb;
	t->block = block;
	t->state = TS_DATA;
	t->poll_ms = 1;
	t->last_ms = session_now_ms();
	session_reply_result(s, st, NULL);
	progress_start(&t->pr, t->safe, t->size, r->bars);
	t->pr_started = 1;
	return 1;
}

static int ibb_on_recv_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	xmpp_stanza_t *data;
	struct transfer *t;
	char sid[128];
	unsigned seq;

	if (xmpp_stanza_get_child_by_name_and_ns(st, "open", NS_IBB) != NULL)
		return ibb_open(r, st, from);
	if ((data = ibb_parse_data(st, sid, &seq)) != NULL) {
		t = receiver_find(r, from, sid);
		if (t == NULL || t->tr != &tr_ibb) {
			session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
			return 1;
		}
		ibb_data(r, t, st, data, seq, 1);
		return 1;
	}
	if (ibb_parse_close(st, sid) == 0) {
		t = receiver_find(r, from, sid);
		if (t == NULL || t->tr != &tr_ibb) {
			session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
			return 1;
		}
		ibb_deliver(r, t, st);
		return 1;
	}
	session_reply_error(s, st, "cancel", "bad-request", NULL, NULL, NULL);
	return 1;
}

static int ibb_on_recv_message(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	xmpp_stanza_t *data;
	struct transfer *t;
	char sid[128];
	unsigned seq;

	(void)s;
	if ((data = ibb_parse_data(st, sid, &seq)) == NULL)
		return 0;
	t = receiver_find(r, xmpp_stanza_get_from(st), sid);
	if (t != NULL && t->tr == &tr_ibb)
		ibb_data(r, t, st, data, seq, 0);
	return 1;
}

/* Our close: the sender stops at once instead of at its idle limit. */
static void ibb_hang_up(struct receiver *r, struct transfer *t)
{
	session_send(r->s, ibb_close_build(session_ctx(r->s), t->peer, t->sid));
}

static int ibb_untouched(const struct transfer *t)
{
	const struct ibb_tp *st = t->tp;

	if (t->role == ROLE_RECV)
		return st == NULL || st->seq == 0;
	return st == NULL || st->b == NULL || !ibb_send_opened(st->b);
}

static void ibb_stop(struct transfer *t)
{
	struct ibb_tp *st = t->tp;

	if (st == NULL)
		return;
	ibb_send_free(st->b);
	free(st);
	t->tp = NULL;
}

const struct transport tr_ibb = {
	.name = "ibb",
	.method = METHOD_IBB,
	.send = ibb_send,
	.step = ibb_step,
	.hang_up = ibb_hang_up,
	.feature = NS_IBB,
	.jingle_feature = NS_JINGLE_IBB,
	.ns = NS_IBB,
	.on_send_stanza = ibb_on_send_stanza,
	.on_recv_stanza = ibb_on_recv_stanza,
	.on_recv_message = ibb_on_recv_message,
	.untouched = ibb_untouched,
	.stop = ibb_stop,
};
