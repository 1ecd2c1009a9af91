/* tr_oob.c — Out-of-Band Data (XEP-0066) as a transport, both roles.
 *
 * OOB negotiates by itself: its jabber:iq:oob request is the offer and
 * its answer the verdict. Sending: a one-file HTTP server (httpd.c) in a
 * worker serves the file at http://ADDRESS:PORT/TOKEN/NAME (a 128-bit
 * random token); the request carries the URL; serving stops when the
 * receiver answers (result: it has the file) or stays silent: o->timeout
 * before the first byte, o->idle_timeout once bytes flow. Receiving: the
 * URL is fetched by fetch.c in a worker, into the sink; the size it
 * announces is reserved or refused before any file is created. oob.c
 * keeps the codec. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "fetch.h"
#include "httpd.h"
#include "httpreq.h"
#include "job.h"
#include "log.h"
#include "net.h"
#include "oob.h"
#include "peer.h"
#include "recv.h"
#include "s5b.h"
#include "si.h"
#include "signals.h"
#include "transport.h"

struct oob_tp {
	/* sending */
	struct httpd_args args;
	_Atomic int served;
	struct session_reply slot;
	long long last_change, last_bytes;
	int fd;
	/* receiving */
	struct fetch_args fetch;
	char url[2048];
	char path[4096];		/* where fetch delivered */
	_Atomic long long want;		/* the size the worker asks to reserve; -1 */
	atomic_int admitted;		/* set by the main thread (fetch.h) */
	int fetch_failed;		/* the error is the worker's (stays local) */
};

/* --- sending ------------------------------------------------------------ */

static void oob_serve_job(struct job *j)
{
	struct oob_tp *st = j->arg;

	st->args.cancel_fd = j->cancel_fd;
	st->args.sent = &j->bytes;
	st->args.served = &st->served;
	httpd_serve(&st->args, &j->err);
}

/* The listener and the URL for t's file: the socket, or -1 with t->err. */
static int oob_listen(struct transfer *t, const char *path, char *url, size_t len)
{
	const struct account *a = t->p->acct;
	char host[256], lhost[256];
	unsigned short lport = 0, port = 0, bound = 0;
	int fd, v6;

	lhost[0] = '\0';
	if (a->oob_listen != NULL)
		net_hostport_parse(a->oob_listen, lhost, sizeof(lhost), &lport);
	fd = net_listen(lhost, lport, &bound, "oob_listen", &t->err);
	if (fd < 0)
		return -1;
	port = bound;
	/* The host part: oob_address, a specific oob_listen, or the address
	 * a direct S5B streamhost would advertise first. */
	if (net_advertised(session_fd(t->s), a->oob_listen, a->oob_address, &host, 1,
			   &port) < 1) {
		close(fd);
		xerr_set(&t->err, XE_UNAVAILABLE, "no local address to put in the URL; set "
			 "oob_address");
		return -1;
	}
	v6 = strchr(host, ':') != NULL;
	snprintf(url, len, "http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "", port, path);
	return fd;
}

static void oob_step(struct transfer *t)
{
	struct oob_tp *st = t->tp;
	long long b;

	if (st == NULL)
		return;
	b = atomic_load(&t->job.bytes);
	if (b != st->last_bytes) {
		st->last_bytes = b;
		st->last_change = session_now_ms();
		progress_update(&t->pr, b);
	}
}

/* The answer came, or the server or the receiver gave up. */
static int oob_over(struct transfer *t, void *arg)
{
	const struct xfer_opts *o = t->p->o;
	struct oob_tp *st = t->tp;
	long limit = st->last_bytes <= 0 ? o->timeout : o->idle_timeout;

	(void)arg;
	if (st->slot.done)
		return 1;
	if (signals_caught() || t->p->gone || !session_connected(t->s))
		return 0; /* transfer_wait() says why */
	if (job_done(&t->job))
		xerr_set(&t->err, t->job.err.code != XE_OK ? t->job.err.code : XE_SOFTWARE,
			 "the HTTP server stopped: %s", t->job.err.msg);
	else if (session_now_ms() - st->last_change > (long long)limit * 1000)
		xerr_set(&t->err, XE_TEMPFAIL, "%s %s for %ld s", t->peer, st->last_bytes <= 0
			 ? "did not fetch the file" : "fetched nothing", limit);
	return t->err.code != XE_OK;
}

/* The receiver's answer: OUT_OK, or OUT_NEXT (it could not fetch the
 * file, or declined it) with t->err saying which. */
static enum outcome oob_answer(struct transfer *t, xmpp_stanza_t *reply)
{
	char cond[64], text[256];

	if (strcmp(xmpp_stanza_get_type(reply), "result") == 0) {
		progress_update(&t->pr, t->src->size);
		return OUT_OK;
	}
	session_error_of(reply, cond, sizeof(cond), text, sizeof(text));
	xerr_set(&t->err, XE_UNAVAILABLE, strcmp(cond, "not-acceptable") == 0
		 ? "the receiver declined the out-of-band transfer%s%s"
		 : "the receiver could not fetch the file%s%s", text[0] ? ": " : "", text);
	return OUT_NEXT;
}

static enum outcome oob_send(struct transfer *t)
{
	const struct xfer_opts *o = t->p->o;
	struct oob_tp *st;
	char token[33], path[4096], url[4400];
	enum outcome out = OUT_FAIL;
	xmpp_stanza_t *iq;

	if (random_hex(token, 16) < 0)
		return xerr_set(&t->err, XE_SOFTWARE, "no randomness from OpenSSL"), OUT_FAIL;
	if (httpreq_path(path, sizeof(path), token, t->src->name) < 0)
		return xerr_set(&t->err, XE_USAGE, "the file name is too long for a URL"), OUT_FAIL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return xerr_set(&t->err, XE_SOFTWARE, "out of memory"), OUT_FAIL;
	if ((st->fd = oob_listen(t, path, url, sizeof(url))) < 0) {
		free(st);
		return OUT_FAIL;
	}
	t->tp = st;
	log_debug("serving %s at %s", t->src->name, url);
	st->args.listen_fd = st->fd;
	st->args.path = path;
	st->args.file_fd = t->src->fd;
	st->args.size = t->src->size;
	st->args.head_ms = 10000;
	st->args.idle_ms = (long)o->idle_timeout * 1000;
	if (job_start(&t->job, oob_serve_job, st, &t->err) != XE_OK)
		return OUT_FAIL;
	/* The answer comes when the receiver has the whole file: no fixed
	 * deadline for it, but one for silence (oob_over()). */
	iq = oob_request_build(session_ctx(t->s), t->peer, url, o->desc);
	session_iq(t->s, iq, 24L * 3600 * 1000, session_iq_keep, &st->slot);
	transfer_progress_start(t);
	st->last_change = session_now_ms();
	st->last_bytes = -1;
	t->poll_ms = 20;
	transfer_wait(t, oob_over, NULL, -1, 0, NULL);
	t->poll_ms = 5;
	if (!st->slot.done)
		session_iq_forget(t->s, &st->slot);
	job_finish(&t->job);
	if (st->slot.reply != NULL && t->err.code == XE_OK)
		out = oob_answer(t, st->slot.reply);
	else if (st->slot.done && st->slot.reply == NULL) /* never read as delivered */
		xerr_set(&t->err, XE_UNAVAILABLE, "connection to the server lost");
	transfer_progress_finish(t, out == OUT_OK);
	if (out == OUT_OK && source_changed(t->src, &t->err))
		out = OUT_FAIL;
	return out;
}

/* --- receiving ---------------------------------------------------------- */

static void oob_fetch_job(struct job *j)
{
	struct oob_tp *st = j->arg;

	st->fetch.cancel_fd = j->cancel_fd;
	st->fetch.got = &j->bytes;
	st->fetch.total = &j->total;
	fetch_to_sink(&st->fetch, st->path, sizeof(st->path), &j->err);
}

/* The fetch of t knows its size: reserve it, or refuse the file, as SI
 * and Jingle offers are (the sizes of the live transfers are held free).
 * Returns -1 when t failed and is gone. */
static int oob_admit(struct receiver *r, struct transfer *t)
{
	struct oob_tp *st = t->tp;
	long long want = atomic_load(&st->want);
	struct xerr err;

	if (want < 0 || atomic_load(&st->admitted))
		return 0;
	xerr_clear(&err);
	if (receiver_reserve(r, t, want, &err) != XE_OK) {
		receiver_fail(r, t, &err, 0);
		return -1;
	}
	atomic_store(&st->admitted, 1);
	return 0;
}

static const char *oob_delivered(struct transfer *t)
{
	struct oob_tp *st = t->tp;

	return st != NULL && st->path[0] ? st->path : NULL;
}

/* The fetch: admission, its bar once the size is known, and its end. */
static void oob_poll(struct receiver *r, struct transfer *t)
{
	struct oob_tp *st = t->tp;

	if (t->job.started && oob_admit(r, t) < 0)
		return;
	if (t->pr_started) {
		progress_update(&t->pr, atomic_load(&t->job.bytes));
	} else if (atomic_load(&t->job.total) >= 0) {
		progress_start(&t->pr, t->safe, atomic_load(&t->job.total), r->bars);
		t->pr_started = 1;
	}
	if (!job_done(&t->job) && t->job.started)
		return;
	job_finish(&t->job);
	if (t->job.err.code != XE_OK) {
		st->fetch_failed = 1;
		receiver_fail(r, t, &t->job.err, 0);
		return;
	}
	session_reply_result(r->s, t->iq, NULL);
	xmpp_stanza_release(t->iq);
	t->iq = NULL;
	t->size = atomic_load(&t->job.bytes);
	receiver_done(r, t, st->path);
}

/* Answers the jabber:iq:oob request of t that failed (XEP-0066 3.1:
 * item-not-found when the URL could not be retrieved, not-acceptable when
 * we refuse the file). Whoever names a URL must not learn from us what
 * listens there: every failure to retrieve it gets one text, and the
 * detail (address, connect error, HTTP status, certificate) stays in the
 * log. */
static void oob_refuse(struct receiver *r, struct transfer *t, const struct xerr *e)
{
	struct oob_tp *st = t->tp;
	const char *cond = "not-acceptable", *text = receiver_peer_text(e);

	if (t->iq == NULL || !session_connected(r->s))
		return;
	if (e->flags & XF_POLICY)
		text = "the file is larger than the receiver accepts (max_size)";
	else if (e->code != XE_CANTCREAT && e->code != XE_IO && st != NULL && st->fetch_failed) {
		cond = "item-not-found";
		text = "the file could not be retrieved";
	}
	session_reply_error(r->s, t->iq, "cancel", cond, NULL, NULL, text);
}

/* The fetch of t's URL in a worker, into the sink in r->dir. */
static enum xerr_code oob_fetch(struct receiver *r, struct transfer *t, struct xerr *err)
{
	struct oob_tp *st = t->tp;

	st->fetch.url = st->url;
	st->fetch.dir = r->dir;
	st->fetch.name = t->safe;
	st->fetch.max_size = r->max_size;
	st->fetch.connect_ms = r->connect_ms;
	st->fetch.idle_ms = r->idle_ms;
	atomic_store(&st->want, -1);
	st->fetch.want = &st->want;
	st->fetch.admitted = &st->admitted;
	return job_start(&t->job, oob_fetch_job, st, err);
}

/* XEP-0066 jabber:iq:oob: fetch the URL in a worker, answer at the end. */
static int oob_on_recv_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	char name[1024];
	long long reserved;
	struct xerr err;
	struct transfer *t;
	struct oob_tp *tp;

	if (!receiver_allowed(r, from)) {
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
	t = receiver_admit(r, st, from, "an out-of-band offer", &reserved);
	if (t == NULL)
		return 1;
	if ((tp = calloc(1, sizeof(*tp))) == NULL ||
	    oob_parse(st, tp->url, sizeof(tp->url), name, sizeof(name)) < 0) {
		session_reply_error(s, st, tp == NULL ? "wait" : "modify", tp == NULL
				    ? "resource-constraint" : "bad-request", NULL, NULL,
				    tp == NULL ? NULL : "no http or https URL");
		free(tp);
		free(t);
		return 1;
	}
	tp->fd = -1;
	t->tp = tp;
	t->tr = &tr_oob;
	t->state = TS_DATA;
	receiver_add(r, t);
	receiver_name(t, name);
	t->iq = xmpp_stanza_copy(st);
	xerr_clear(&err);
	if (oob_fetch(r, t, &err) != XE_OK) {
		receiver_fail(r, t, &err, 0);
		return 1;
	}
	session_presence(s, from, NULL);
	log_info("accepted %s from %s (out of band; the size comes with the download)", t->safe,
		 t->peer);
	return 1;
}

static void oob_stop(struct transfer *t)
{
	struct oob_tp *st = t->tp;

	if (st == NULL)
		return;
	job_finish(&t->job);
	if (st->fd >= 0)
		close(st->fd);
	if (st->slot.reply != NULL)
		xmpp_stanza_release(st->slot.reply);
	free(st);
	t->tp = NULL;
}

const struct transport tr_oob = {
	.name = "oob",
	.method = METHOD_OOB,
	.alone = 1,
	.send = oob_send,
	.step = oob_step,
	.poll = oob_poll,
	.delivered = oob_delivered,
	.refuse = oob_refuse,
	.feature = NS_OOB,
	.ns = NS_OOB,
	.on_recv_stanza = oob_on_recv_stanza,
	.stop = oob_stop,
};
