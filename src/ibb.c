/* ibb.c — see ibb.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "ibb.h"
#include "log.h"
#include "si.h"

/* A data IQ's own deadline: only a backstop, the idle limit decides. */
#define IBB_DATA_DEADLINE_MS (24L * 3600 * 1000)

enum ibb_state { IBB_OPENING, IBB_SENDING, IBB_CLOSING, IBB_DONE, IBB_FAILED };

struct ibb_send {
	struct session *s;
	char peer[3100];
	char sid[128];
	struct source *src;
	struct progress *pr;
	int block;
	int window;
	long idle_ms;
	enum ibb_state state;
	uint16_t seq;
	int inflight;
	int constrained;	/* the receiver asked for smaller blocks */
	int reoffer_block;	/* > 0: retry in a new stream with this size */
	long long sent;		/* bytes read and sent */
	long long acked;	/* bytes acknowledged */
	long long last_ack_ms;	/* the last sign of progress: the idle limit */
	long long mark_ms;	/* the start of the current rate sample */
	long long mark_acked;	/* acked at mark_ms */
	int cap;		/* blocks in flight the path carries (<= window) */
	unsigned char *buf;
	char *b64;
	struct xerr err;
};

static xmpp_stanza_t *ibb_iq(xmpp_ctx_t *ctx, const char *peer, const char *name,
			     const char *sid, xmpp_stanza_t **child)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_t *c = xmpp_stanza_new(ctx);

	xmpp_stanza_set_to(iq, peer);
	xmpp_stanza_set_name(c, name);
	xmpp_stanza_set_ns(c, NS_IBB);
	xmpp_stanza_set_attribute(c, "sid", sid);
	xmpp_stanza_add_child(iq, c);
	xmpp_stanza_release(c);
	if (child != NULL)
		*child = c;
	return iq;
}

xmpp_stanza_t *ibb_close_build(xmpp_ctx_t *ctx, const char *peer, const char *sid)
{
	return ibb_iq(ctx, peer, "close", sid, NULL);
}

static void ibb_fail_reply(struct ibb_send *b, xmpp_stanza_t *reply, const char *what)
{
	char cond[64], text[256], serr[300];

	session_error_of(reply, cond, sizeof(cond), text, sizeof(text));
	if (reply == NULL && session_stream_error(b->s, serr, sizeof(serr)))
		/* A data stanza over the server's size limit ends our stream. */
		xerr_set(&b->err, XE_UNAVAILABLE, "%s: the server closed the stream (%s)%s", what,
			 serr, strncmp(serr, "policy-violation", 16) == 0 && b->state == IBB_SENDING
			 ? "; an in-band data stanza may be larger than it takes: lower "
			   "ibb_block_size" : "");
	else if (reply == NULL)
		xerr_set(&b->err, session_connected(b->s) ? XE_TEMPFAIL : XE_UNAVAILABLE,
			 "%s: no answer from %s within %ld s", what, b->peer, b->idle_ms / 1000);
	else
		xerr_set(&b->err, session_condition_code(cond),
			 "%s: %s answered %s%s%s", what, b->peer, cond, text[0] ? ": " : "", text);
	b->state = IBB_FAILED;
}

static void ibb_send_open(struct ibb_send *b);

static void ibb_opened(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct ibb_send *b = arg;
	char cond[64], text[256];

	if (b->state != IBB_OPENING)
		return;
	if (reply != NULL && strcmp(xmpp_stanza_get_type(reply), "result") == 0) {
		log_debug("IBB %s open, block size %d", b->sid, b->block);
		b->state = IBB_SENDING;
		b->last_ack_ms = b->mark_ms = clock_ms();
		return;
	}
	session_error_of(reply, cond, sizeof(cond), text, sizeof(text));
	if (reply != NULL && strcmp(cond, "resource-constraint") == 0 && b->block / 2 >= IBB_BLOCK_MIN) {
		b->block /= 2;
		b->constrained = 1;
		log_info("%s wants smaller IBB blocks; trying %d bytes", b->peer, b->block);
		ibb_send_open(b);
		return;
	}
	/* Some receivers (slixmpp) allow one open per stream id: after their
	 * resource-constraint, the retry gets not-acceptable. A new offer,
	 * with a new id, can then use the smaller size. */
	if (reply != NULL && b->constrained && strcmp(cond, "not-acceptable") == 0)
		b->reoffer_block = b->block;
	ibb_fail_reply(b, reply, "opening the in-band bytestream");
	(void)s;
}

static void ibb_send_open(struct ibb_send *b)
{
	xmpp_stanza_t *open;
	xmpp_stanza_t *iq = ibb_iq(session_ctx(b->s), b->peer, "open", b->sid, &open);
	char bs[16];

	snprintf(bs, sizeof(bs), "%d", b->block);
	xmpp_stanza_set_attribute(open, "block-size", bs);
	xmpp_stanza_set_attribute(open, "stanza", "iq");
	session_iq(b->s, iq, b->idle_ms, ibb_opened, b);
}

struct ibb_send *ibb_send_new(struct session *s, const char *peer, const char *sid,
			      struct source *src, struct progress *pr, int block_size,
			      int window, long idle_ms)
{
	struct ibb_send *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->s = s;
	snprintf(b->peer, sizeof(b->peer), "%s", peer);
	snprintf(b->sid, sizeof(b->sid), "%s", sid);
	b->src = src;
	b->pr = pr;
	b->block = block_size;
	b->window = window;
	b->cap = window;
	b->idle_ms = idle_ms;
	b->buf = malloc(IBB_BLOCK_MAX);
	b->b64 = malloc(b64_encoded_len(IBB_BLOCK_MAX) + 1);
	if (b->buf == NULL || b->b64 == NULL) {
		ibb_send_free(b);
		return NULL;
	}
	xerr_clear(&b->err);
	b->state = IBB_OPENING;
	ibb_send_open(b);
	return b;
}

static void ibb_closed(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct ibb_send *b = arg;

	if (b->state != IBB_CLOSING)
		return;
	if (reply != NULL && strcmp(xmpp_stanza_get_type(reply), "result") == 0)
		b->state = IBB_DONE;
	else
		ibb_fail_reply(b, reply, "the receiver did not accept the file");
	(void)s;
}

static void ibb_acked(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct ibb_send *b = arg;

	b->inflight--;
	if (b->state != IBB_SENDING)
		return;
	if (reply == NULL || strcmp(xmpp_stanza_get_type(reply), "result") != 0) {
		ibb_fail_reply(b, reply, "sending data");
		return;
	}
	b->acked += b->block;
	if (b->acked > b->src->size)
		b->acked = b->src->size;
	b->last_ack_ms = clock_ms();
	progress_update(b->pr, b->acked);
	(void)s;
}

/* No ack for idle_ms while data is in flight: the stream is stuck. */
static void ibb_idle(struct ibb_send *b)
{
	if (b->inflight > 0 && clock_ms() - b->last_ack_ms > b->idle_ms)
		ibb_fail_reply(b, NULL, "sending data");
}

/* The window shrinks to what the path carries: no more in flight than
 * the measured ack rate drains in a quarter of the idle limit, so that a
 * shaped link neither nears that limit nor holds our other stanzas back
 * for long. A fast path never reaches the cap. */
static void ibb_rate(struct ibb_send *b)
{
	long long now = clock_ms(), dt = now - b->mark_ms;
	long long bytes_per_s, fit;

	if (dt < 1000 || dt < b->idle_ms / 4) /* a sample spans several acks */
		return;
	bytes_per_s = (b->acked - b->mark_acked) * 1000 / dt;
	fit = bytes_per_s * (b->idle_ms / 4) / 1000 / b->block;
	b->cap = fit < 1 ? 1 : fit > b->window ? b->window : (int)fit;
	b->mark_ms = now;
	b->mark_acked = b->acked;
}

int ibb_send_pump(struct ibb_send *b)
{
	if (b->state == IBB_SENDING) {
		ibb_idle(b);
		ibb_rate(b);
	}
	if (b->state == IBB_SENDING) {
		while (b->inflight < b->cap && b->sent < b->src->size &&
		       session_send_queue(b->s) < b->window) {
			xmpp_stanza_t *data;
			xmpp_stanza_t *iq = NULL, *t;
			char seq[8];
			long n = source_read(b->src, b->buf, (size_t)b->block, &b->err);

			if (n <= 0) {
				if (n == 0)
					xerr_set(&b->err, XE_IO, "%s ended early", b->src->path);
				b->state = IBB_FAILED;
				break;
			}
			b64_encode(b->buf, (size_t)n, b->b64);
			iq = ibb_iq(session_ctx(b->s), b->peer, "data", b->sid, &data);
			snprintf(seq, sizeof(seq), "%u", b->seq);
			xmpp_stanza_set_attribute(data, "seq", seq);
			t = xmpp_stanza_new(session_ctx(b->s));
			xmpp_stanza_set_text(t, b->b64);
			xmpp_stanza_add_child(data, t);
			xmpp_stanza_release(t);
			b->seq = ibb_seq_next(b->seq);
			b->sent += n;
			b->inflight++;
			/* The idle limit runs from the last ack (ibb_idle()), not
			 * from when the IQ was queued: behind a shaping server a
			 * full window takes longer than that to drain. */
			session_iq(b->s, iq, IBB_DATA_DEADLINE_MS, ibb_acked, b);
			if (b->state != IBB_SENDING)
				break; /* the send failed at once */
		}
		if (b->state == IBB_SENDING && b->acked == b->src->size && b->inflight == 0) {
			b->state = IBB_CLOSING;
			session_iq(b->s, ibb_close_build(session_ctx(b->s), b->peer, b->sid),
				   b->idle_ms, ibb_closed, b);
		}
	}
	if (b->state == IBB_DONE)
		return 1;
	if (b->state == IBB_FAILED) {
		xerr_set(&b->err, XE_SOFTWARE, "in-band bytestream failed");
		return -1;
	}
	return 0;
}

void ibb_send_fail(struct ibb_send *b, enum xerr_code code, const char *why)
{
	if (b->state == IBB_DONE || b->state == IBB_FAILED)
		return;
	xerr_set(&b->err, code, "%s", why);
	b->state = IBB_FAILED;
}

const struct xerr *ibb_send_error(const struct ibb_send *b) { return &b->err; }
int ibb_send_reoffer_block(const struct ibb_send *b) { return b->reoffer_block; }
int ibb_send_opened(const struct ibb_send *b) { return b->sent > 0 || b->state == IBB_SENDING ||
						      b->state == IBB_CLOSING; }
const char *ibb_send_sid(const struct ibb_send *b) { return b->sid; }

void ibb_send_free(struct ibb_send *b)
{
	if (b == NULL)
		return;
	session_iq_forget(b->s, b);
	free(b->buf);
	free(b->b64);
	free(b);
}

static int ibb_sid_ok(const char *sid, char *out)
{
	size_t i, n = sid != NULL ? strlen(sid) : 0;

	if (n == 0 || n >= 128)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)sid[i] <= 0x20)
			return 0;
	memcpy(out, sid, n + 1);
	return 1;
}

int ibb_parse_open(xmpp_stanza_t *st, char *sid, int *block, int *messages, const char **cond)
{
	xmpp_stanza_t *open = xmpp_stanza_get_child_by_name_and_ns(st, "open", NS_IBB);
	const char *bs, *stanza;
	char *end;
	long v;

	*cond = "bad-request";
	if (open == NULL || !ibb_sid_ok(xmpp_stanza_get_attribute(open, "sid"), sid))
		return -1;
	bs = xmpp_stanza_get_attribute(open, "block-size");
	if (bs == NULL || *bs < '0' || *bs > '9')
		return -1;
	errno = 0;
	v = strtol(bs, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1) {
		return -1;
	}
	if (v > IBB_BLOCK_MAX) {
		*cond = "resource-constraint";
		return -1;
	}
	*block = (int)v;
	stanza = xmpp_stanza_get_attribute(open, "stanza");
	*messages = stanza != NULL && strcmp(stanza, "message") == 0;
	if (stanza != NULL && !*messages && strcmp(stanza, "iq") != 0)
		return -1;
	*cond = NULL;
	return 0;
}

xmpp_stanza_t *ibb_parse_data(xmpp_stanza_t *st, char *sid, unsigned *seq)
{
	xmpp_stanza_t *data = xmpp_stanza_get_child_by_name_and_ns(st, "data", NS_IBB);
	const char *s;
	char *end;
	unsigned long v;

	if (data == NULL || !ibb_sid_ok(xmpp_stanza_get_attribute(data, "sid"), sid))
		return NULL;
	s = xmpp_stanza_get_attribute(data, "seq");
	if (s == NULL || *s < '0' || *s > '9')
		return NULL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return NULL;
	*seq = (unsigned)v;
	return data;
}

int ibb_parse_close(xmpp_stanza_t *st, char *sid)
{
	xmpp_stanza_t *c = xmpp_stanza_get_child_by_name_and_ns(st, "close", NS_IBB);

	return c != NULL && ibb_sid_ok(xmpp_stanza_get_attribute(c, "sid"), sid) ? 0 : -1;
}
