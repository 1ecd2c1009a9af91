/* xfer_send.c — see xfer_send.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "bytestreams.h"
#include "codec.h"
#include "disco.h"
#include "ibb.h"
#include "jingle.h"
#include "job.h"
#include "jid.h"
#include "log.h"
#include "net.h"
#include "oob.h"
#include "progress.h"
#include "s5b.h"
#include "session.h"
#include "signals.h"
#include "si.h"
#include "source.h"
#include "xfer_send.h"

#define MAX_RESOURCES 16
#define IBB_DEFAULT_BLOCK 4096
#define IBB_DEFAULT_WINDOW 32	/* measured: see the closing note of issue 3 */
#define JQ_MAX 8

enum { PROTO_AUTO, PROTO_JINGLE, PROTO_SI };

struct resource {
	char jid[3 * JID_PART_MAX + 3];
	int priority;
};

struct sender {
	struct session *s;
	const struct xfer_opts *o;
	const struct account *acct;
	struct jid target;
	char target_bare[2 * JID_PART_MAX + 2];
	char peer[3 * JID_PART_MAX + 3];	/* the full JID files go to */
	struct resource res[MAX_RESOURCES];
	int nres;
	int refused;			/* the contact refused our subscription */
	int peer_gone;
	int peer_closed;		/* the receiver closed the current stream */
	int methods[4];
	unsigned peer_methods;		/* what the peer's disco#info lists */
	int peer_disco;			/* it answered disco#info */
	struct s5b_host proxy;		/* jid[0] == 0: none */
	int proxy_looked;
	int block;
	int window;
	struct ibb_send *ibb;		/* the stream in progress */
	int used;			/* the method that carried the last file */
	int not_online;			/* no resource online: may change */
	int peer_jingle;		/* its disco#info lists Jingle file transfer */
	unsigned peer_jmethods;		/* and these Jingle transports */
	int protocol;			/* PROTO_* */
	int used_jingle;		/* the last file went over Jingle */
	char jsid[40];			/* the Jingle session in progress */
	struct jingle *jq[JQ_MAX];	/* its actions from the peer, in order */
	int jq_n, jq_head;
};

/* Presence from the contact: which resources are online, and whether the
 * one we send to went away. */
static int sender_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct sender *snd = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	struct jid j;
	int i;

	if (from == NULL || jid_parse(from, &j, NULL) < 0 || !jid_same_bare(&j, &snd->target))
		return 0;
	if (type != NULL && strcmp(type, "unsubscribed") == 0) {
		snd->refused = 1;
		return 1;
	}
	if (type != NULL && strcmp(type, "unavailable") == 0) {
		if (snd->peer[0] != '\0' && strcmp(from, snd->peer) == 0) {
			snd->peer_gone = 1;
			if (snd->ibb != NULL)
				ibb_send_fail(snd->ibb, XE_UNAVAILABLE, "the receiver went offline");
		}
		for (i = 0; i < snd->nres; i++) {
			if (strcmp(snd->res[i].jid, from) == 0) {
				snd->res[i] = snd->res[--snd->nres];
				break;
			}
		}
		return 1;
	}
	if (type != NULL || j.resource[0] == '\0')
		return 1;
	for (i = 0; i < snd->nres && strcmp(snd->res[i].jid, from) != 0; i++)
		;
	if (i == snd->nres) {
		if (snd->nres == MAX_RESOURCES)
			return 1;
		snd->nres++;
	}
	snprintf(snd->res[i].jid, sizeof(snd->res[i].jid), "%s", from);
	{
		xmpp_stanza_t *p = xmpp_stanza_get_child_by_name(st, "priority");
		char *t = p != NULL ? xmpp_stanza_get_text(p) : NULL;
		/* RFC 6121 4.7.2.3: -128..127; clamp hostile values. */
		long v = t != NULL ? strtol(t, NULL, 10) : 0;
		snd->res[i].priority = v < -128 ? -128 : v > 127 ? 127 : (int)v;
		if (t != NULL)
			xmpp_free(session_ctx(s), t);
	}
	return 1;
}

/* The receiver may close our stream (it gave up); anything else about IBB
 * is not for us. */
static int sender_ibb(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct sender *snd = arg;
	const char *from = xmpp_stanza_get_from(st);
	char sid[128];

	if (snd->ibb != NULL && ibb_parse_close(st, sid) == 0 && from != NULL &&
	    strcmp(from, snd->peer) == 0 && strcmp(sid, ibb_send_sid(snd->ibb)) == 0) {
		session_reply_result(s, st, NULL);
		snd->peer_closed = 1;
		ibb_send_fail(snd->ibb, XE_PROTOCOL, "the receiver closed the stream");
		return 1;
	}
	session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
	return 1;
}

/* 1 if our roster says we receive the contact's presence. */
static int sender_subscribed(struct sender *snd, long timeout_ms, struct xerr *err)
{
	xmpp_stanza_t *r = session_iq_wait(snd->s, session_query(snd->s, "get", NULL, "jabber:iq:roster"),
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
		if (jid != NULL && strcasecmp(jid, snd->target_bare) == 0 && s != NULL)
			sub = strcmp(s, "to") == 0 || strcmp(s, "both") == 0;
	}
	xmpp_stanza_release(r);
	return sub;
}

/* 1 if jid's disco#info lists a method we may use: SI file transfer with
 * one of our stream methods, or OOB. Records what the peer supports. */
static int sender_capable(struct sender *snd, const char *jid, long timeout_ms)
{
	struct xerr err;
	xmpp_stanza_t *r, *q, *f;
	int si = 0, ft = 0, jingle = 0, jft = 0, i;
	unsigned m = 0, jm = 0, ours = 0;

	xerr_clear(&err);
	snd->peer_disco = 0;
	snd->peer_methods = 0;
	snd->peer_jingle = 0;
	snd->peer_jmethods = 0;
	r = session_iq_wait(snd->s, session_query(snd->s, "get", jid, NS_DISCO_INFO), timeout_ms, &err);
	if (r == NULL || strcmp(xmpp_stanza_get_type(r), "result") != 0) {
		/* No answer to disco: assume every method; offers will tell. */
		if (r != NULL)
			xmpp_stanza_release(r);
		snd->peer_methods = METHOD_S5B | METHOD_IBB | METHOD_OOB;
		snd->peer_jmethods = METHOD_S5B | METHOD_IBB; /* used with --protocol jingle */
		log_debug("%s does not answer disco#info; trying every method", jid);
		return 0;
	}
	snd->peer_disco = 1;
	q = xmpp_stanza_get_child_by_name_and_ns(r, "query", NS_DISCO_INFO);
	for (f = q != NULL ? xmpp_stanza_get_children(q) : NULL; f != NULL; f = xmpp_stanza_get_next(f)) {
		const char *var = xmpp_stanza_get_attribute(f, "var");
		if (var == NULL || strcmp(xmpp_stanza_get_name(f), "feature") != 0)
			continue;
		si |= strcmp(var, NS_SI) == 0;
		ft |= strcmp(var, NS_SI_FT) == 0;
		m |= strcmp(var, NS_S5B) == 0 ? METHOD_S5B : strcmp(var, NS_IBB) == 0 ? METHOD_IBB
		   : strcmp(var, NS_OOB) == 0 ? METHOD_OOB : 0;
		jingle |= strcmp(var, NS_JINGLE) == 0;
		jft |= strcmp(var, NS_JINGLE_FT) == 0;
		jm |= strcmp(var, NS_JINGLE_S5B) == 0 ? METHOD_S5B : strcmp(var, NS_JINGLE_IBB) == 0
		    ? METHOD_IBB : 0;
	}
	{
		/* The server's spelling of a JID the user typed: the S5B hash
		 * compares exact strings. */
		const char *from = xmpp_stanza_get_from(r);
		if (jid == snd->peer && from != NULL && strcasecmp(from, snd->peer) == 0)
			snprintf(snd->peer, sizeof(snd->peer), "%s", from);
	}
	xmpp_stanza_release(r);
	if (!(si && ft))
		m &= ~(unsigned)METHODS_SI;
	snd->peer_jingle = jingle && jft && jm != 0;
	snd->peer_jmethods = snd->peer_jingle ? jm : 0;
	for (i = 0; snd->methods[i] != 0; i++)
		ours |= (unsigned)snd->methods[i];
	log_debug("%s: si %d, file transfer %d, jingle file transfer %d, s5b %d, ibb %d, oob %d",
		  jid, si, ft, snd->peer_jingle, !!(m & METHOD_S5B), !!(m & METHOD_IBB),
		  !!(m & METHOD_OOB));
	snd->peer_methods = m;
	/* By SI or by Jingle, as --protocol allows. */
	return (((snd->protocol != PROTO_JINGLE ? m : m & METHOD_OOB) |
		 (snd->protocol != PROTO_SI ? snd->peer_jmethods : 0)) & ours) != 0;
}

/* When --protocol narrowed the choice, error messages say so. */
static const char *protocol_said(const struct sender *snd)
{
	return snd->protocol == PROTO_JINGLE ? " with Jingle (--protocol jingle)"
	     : snd->protocol == PROTO_SI ? " with SI (--protocol si)" : "";
}

static int by_priority(const void *a, const void *b)
{
	int pa = ((const struct resource *)a)->priority, pb = ((const struct resource *)b)->priority;

	return (pa < pb) - (pa > pb); /* highest first */
}

/* Finds the full JID to send to. */
static enum xerr_code sender_find_peer(struct sender *snd, long long deadline, struct xerr *err)
{
	long long first = 0;
	int sub, i;

	snd->not_online = 0;
	if (snd->target.resource[0] != '\0') {
		long left = (long)(deadline - session_now_ms());
		snprintf(snd->peer, sizeof(snd->peer), "%s/%s", snd->target_bare,
			 snd->target.resource);
		session_presence(snd->s, snd->peer, NULL);
		if (sender_capable(snd, snd->peer, left > 1000 ? left : 1000) || !snd->peer_disco)
			return XE_OK;
		return xerr_set(err, XE_UNAVAILABLE, "%s does not support a transfer method "
				"enabled here (%s)%s", snd->peer, snd->o->method != NULL
				? snd->o->method : "see 'methods'", protocol_said(snd));
	}
	sub = sender_subscribed(snd, (long)(deadline - session_now_ms()), err);
	if (sub < 0)
		return err->code;
	if (!sub) {
		log_info("asking %s for a presence subscription", snd->target_bare);
		session_presence(snd->s, snd->target_bare, "subscribe");
	}
	/* Wait for the first resource, then a moment for the others. */
	while (session_now_ms() < deadline && session_connected(snd->s) && !snd->refused &&
	       !signals_caught()) {
		if (snd->nres > 0 && first == 0)
			first = session_now_ms();
		if (first != 0 && session_now_ms() - first >= 500)
			break;
		session_run(snd->s, 50);
	}
	if (signals_caught())
		return xerr_set(err, XE_SIGNAL, "stopped by signal %d", signals_caught());
	if (!session_connected(snd->s))
		return xerr_set(err, XE_UNAVAILABLE, "connection to the server lost");
	if (snd->refused)
		return xerr_set(err, XE_UNAVAILABLE, "%s refused the presence subscription; "
				"it must allow %s (accept_from)", snd->target_bare,
				session_jid(snd->s));
	if (snd->nres == 0)
		return snd->not_online = 1,
		       xerr_set(err, XE_UNAVAILABLE, "%s is not available (no online resource "
				"within %d s%s)", snd->target_bare, snd->o->timeout,
				sub ? "" : "; the subscription request may still be pending");
	qsort(snd->res, (size_t)snd->nres, sizeof(snd->res[0]), by_priority);
	for (i = 0; i < snd->nres; i++) {
		long left = (long)(deadline - session_now_ms());
		if (sender_capable(snd, snd->res[i].jid, left > 1000 ? left : 1000)) {
			snprintf(snd->peer, sizeof(snd->peer), "%s", snd->res[i].jid);
			log_info("sending to %s", snd->peer);
			session_presence(snd->s, snd->peer, NULL);
			return XE_OK;
		}
	}
	return xerr_set(err, XE_UNAVAILABLE, "%s is online, but none of its resources supports "
			"a transfer method enabled here (%s)%s", snd->target_bare,
			snd->o->method != NULL ? snd->o->method : "see 'methods'",
			protocol_said(snd));
}

/* What happened to one method. */
enum run {
	RUN_OK,		/* the file arrived */
	RUN_NEXT,	/* failed before any data: the next method may work */
	RUN_FAIL,	/* failed for good (data lost midway, declined, signal) */
	RUN_REOFFER,	/* IBB: offer again with smaller blocks */
};

/* Why each method failed, for the final message. */
struct tried {
	int n;
	int method[8];
	char why[8][300];
};

static void tried_add(struct tried *t, int method, const char *why)
{
	if (t->n < 8) {
		t->method[t->n] = method;
		snprintf(t->why[t->n], sizeof(t->why[0]), "%s", why);
		t->n++;
	}
	log_info("%s did not work: %s", method_name(method), why);
}

/* "s5b: why; ibb: why" into out. */
static const char *tried_list(const struct tried *t, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < t->n && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s: %s", i ? "; " : "",
				      method_name(t->method[i]), t->why[i]);
	return out;
}

/* Stops a wait: signal, peer gone, connection lost. 1 with err set. */
static int sender_interrupted(struct sender *snd, struct xerr *err)
{
	if (signals_caught())
		xerr_set(err, XE_SIGNAL, "stopped by signal %d", signals_caught());
	else if (snd->peer_gone)
		xerr_set(err, XE_UNAVAILABLE, "%s went offline", snd->peer);
	else if (!session_connected(snd->s))
		xerr_set(err, XE_UNAVAILABLE, "connection to the server lost");
	else
		return 0;
	return 1;
}

/* An error answer r (released here) to an offer: RUN_NEXT when the
 * condition says the offer's form did not fit (unfit says how), else
 * RUN_FAIL. */
static enum run sender_refusal(struct sender *snd, xmpp_stanza_t *r, const char *unfit,
			       int jingle, struct xerr *err)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(r, "error");
	const char *etype = e != NULL ? xmpp_stanza_get_type(e) : NULL;
	int wait = etype != NULL && strcmp(etype, "wait") == 0;
	char cond[64], text[256];

	session_error_of(r, cond, sizeof(cond), text, sizeof(text));
	xmpp_stanza_release(r);
	if (wait) {
		/* RFC 6120 8.3.2: "wait" is temporary (a busy daemon). */
		xerr_set(err, XE_TEMPFAIL, "%s is busy (%s%s%s); try again later",
			 snd->peer, cond, text[0] ? ": " : "", text);
		return RUN_FAIL;
	}
	if (strcmp(cond, "forbidden") == 0 || strcmp(cond, "not-acceptable") == 0 ||
	    strcmp(cond, "not-allowed") == 0) {
		xerr_set(err, XE_UNAVAILABLE, "%s declined the file%s%s", snd->peer,
			 text[0] ? ": " : "", text);
		return RUN_FAIL;
	}
	if (strcmp(cond, "bad-request") == 0 ||
	    (jingle && strcmp(cond, "feature-not-implemented") == 0)) {
		xerr_set(err, XE_UNAVAILABLE, "%s%s%s", unfit, text[0] ? ": " : "", text);
		return RUN_NEXT;
	}
	/* A full JID that is not online: the server answers for it. */
	snd->not_online = strcmp(cond, "service-unavailable") == 0 ||
			  strcmp(cond, "recipient-unavailable") == 0;
	xerr_set(err, session_condition_code(cond), "%s answered the offer with %s%s%s",
		 snd->peer, cond, text[0] ? ": " : "", text);
	return RUN_FAIL;
}

/* The SI offer. On acceptance, chosen gets the receiver's methods in its
 * order (one for plain SI). Returns RUN_OK, RUN_NEXT when the receiver can
 * do none of the offered methods, RUN_FAIL otherwise (err set). */
static enum run sender_offer(struct sender *snd, struct source *src, const char *sid,
			     const int *offer, int n, int *chosen, int *nchosen, int *multiple,
			     struct xerr *err)
{
	struct si_offer o;
	xmpp_stanza_t *r;
	int i, k;

	memset(&o, 0, sizeof(o));
	snprintf(o.sid, sizeof(o.sid), "%s", sid);
	snprintf(o.name, sizeof(o.name), "%s", src->name);
	o.size = src->size;
	source_date(src, o.date);
	snprintf(o.md5, sizeof(o.md5), "%s", src->md5);
	if (snd->o->desc != NULL)
		snprintf(o.desc, sizeof(o.desc), "%s", snd->o->desc);
	r = session_iq_wait_cancel(snd->s, si_offer_build(session_ctx(snd->s), snd->peer, &o,
							   offer, n),
				   (long)snd->o->timeout * 1000, &snd->peer_gone, err);
	if (r == NULL && snd->peer_gone) {
		xerr_set(err, XE_UNAVAILABLE, "%.300s went offline", snd->peer);
		return RUN_FAIL;
	}
	if (r == NULL) {
		if (err->code == XE_TEMPFAIL)
			snprintf(err->msg, sizeof(err->msg), "%.300s did not answer the offer "
				 "within %d s", snd->peer, snd->o->timeout);
		return RUN_FAIL;
	}
	if (strcmp(xmpp_stanza_get_type(r), "result") != 0)
		return sender_refusal(snd, r, "the receiver accepts none of the offered stream "
				      "methods", 0, err);
	{
		/* The server's spelling of the peer's JID: the S5B hash and
		 * presence matching compare exact strings, and a user may have
		 * typed Bob@Example.org/box. */
		const char *from = xmpp_stanza_get_from(r);
		struct jid j;
		if (from != NULL && strlen(from) < sizeof(snd->peer) && jid_parse(from, &j, NULL) == 0 &&
		    jid_same_bare(&j, &snd->target) && j.resource[0] != '\0')
			snprintf(snd->peer, sizeof(snd->peer), "%s", from);
	}
	*nchosen = si_accept_parse(r, chosen, 4, multiple);
	xmpp_stanza_release(r);
	for (k = 0; k < *nchosen; k++) {
		for (i = 0; i < n && offer[i] != chosen[k]; i++)
			;
		if (i == n)
			*nchosen = 0;
	}
	if (*nchosen == 0) {
		xerr_set(err, XE_PROTOCOL, "%s chose a stream method that was not offered",
			 snd->peer);
		return RUN_FAIL;
	}
	return RUN_OK;
}

/* IBB with the stream sid. */
static enum run sender_run_ibb(struct sender *snd, struct source *src, const char *sid, int *block,
			   struct xerr *err)
{
	struct progress pr;
	enum run res;
	int rc;

	progress_start(&pr, src->name, src->size, isatty(STDERR_FILENO) && log_enabled(LOG_WARN));
	src->offset = 0;
	if (lseek(src->fd, 0, SEEK_SET) < 0) {
		xerr_set(err, XE_IO, "%s: %s", src->path, strerror(errno));
		return RUN_FAIL;
	}
	snd->ibb = ibb_send_new(snd->s, snd->peer, sid, src, &pr, *block, snd->window,
				(long)snd->o->idle_timeout * 1000);
	if (snd->ibb == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return RUN_FAIL;
	}
	while ((rc = ibb_send_pump(snd->ibb)) == 0) {
		if (signals_caught()) {
			ibb_send_fail(snd->ibb, XE_SIGNAL, "stopped by a signal");
		} else if (!session_connected(snd->s)) {
			ibb_send_fail(snd->ibb, XE_UNAVAILABLE, "connection to the server lost");
		} else {
			session_run(snd->s, 1);
		}
	}
	progress_finish(&pr, rc == 1, snd->jsid[0] ? "ibb over Jingle" : "ibb");
	/* A stream we give up on (local error, timeout, signal) is closed, so
	 * the receiver drops its partial file now, not after its idle timeout;
	 * unsent data would only delay the close. */
	if (rc < 0 && ibb_send_opened(snd->ibb) && !snd->peer_closed && !snd->peer_gone &&
	    session_connected(snd->s)) {
		session_drop_queue(snd->s);
		session_send(snd->s, ibb_close_build(session_ctx(snd->s), snd->peer, sid));
	}
	snd->peer_closed = 0;
	res = rc == 1 ? RUN_OK : RUN_FAIL;
	if (rc < 0 && ibb_send_reoffer_block(snd->ibb) > 0 && src->offset == 0) {
		*block = ibb_send_reoffer_block(snd->ibb);
		res = RUN_REOFFER;
	} else if (rc < 0) {
		const struct xerr *e = ibb_send_error(snd->ibb);
		xerr_set(err, e->code, "%s", e->msg);
		/* Refused at the open: nothing was sent, another method may do. */
		if (!ibb_send_opened(snd->ibb) && e->code != XE_SIGNAL && !snd->peer_gone &&
		    session_connected(snd->s))
			res = RUN_NEXT;
	}
	ibb_send_free(snd->ibb);
	snd->ibb = NULL;
	return res;
}

/* The proxy: s5b_proxy, or the first one the server lists; asked once. */
static void sender_find_proxy(struct sender *snd)
{
	const char *cfg = snd->acct->s5b_proxy;
	long long deadline = session_now_ms() + 10000;
	struct xerr err;

	if (snd->proxy_looked)
		return;
	snd->proxy_looked = 1;
	xerr_clear(&err);
	if (cfg != NULL && strcmp(cfg, "none") == 0)
		return;
	if (cfg != NULL) {
		struct disco_service svc;
		xmpp_stanza_t *r = session_iq_wait(snd->s, session_query(snd->s, "get", cfg,
									NS_BYTESTREAMS),
						   10000, &err);
		memset(&svc, 0, sizeof(svc));
		if (r != NULL && disco_parse_streamhost(r, &svc) == 0) {
			snprintf(snd->proxy.jid, sizeof(snd->proxy.jid), "%s", svc.sh_jid);
			snprintf(snd->proxy.host, sizeof(snd->proxy.host), "%s", svc.sh_host);
			snd->proxy.port = svc.sh_port;
		} else {
			log_warn("s5b_proxy %s gave no streamhost; sending without a proxy", cfg);
		}
		free(svc.sh_jid);
		free(svc.sh_host);
		if (r != NULL)
			xmpp_stanza_release(r);
	} else {
		struct disco_result res;
		size_t i;
		memset(&res, 0, sizeof(res));
		if (disco_server(snd->s, deadline, &res, &err) == XE_OK) {
			for (i = 0; i < res.n && snd->proxy.jid[0] == '\0'; i++) {
				if (!res.v[i].proxy || res.v[i].sh_host == NULL)
					continue;
				snprintf(snd->proxy.jid, sizeof(snd->proxy.jid), "%s", res.v[i].sh_jid);
				snprintf(snd->proxy.host, sizeof(snd->proxy.host), "%s",
					 res.v[i].sh_host);
				snd->proxy.port = res.v[i].sh_port;
			}
		}
		disco_result_free(&res);
	}
	if (snd->proxy.jid[0] != '\0')
		log_debug("SOCKS5 proxy: %s at %s port %u", snd->proxy.jid, snd->proxy.host,
			  snd->proxy.port);
	else
		log_debug("no SOCKS5 proxy");
}

/* Our streamhosts: the direct listener's addresses, then the proxy. */
static int sender_hosts(struct sender *snd, struct s5b_listener *l, struct s5b_host *h)
{
	char addrs[S5B_MAX_HOSTS - 1][256];
	unsigned short port;
	int n = 0, na, i;

	if (l != NULL) {
		port = s5b_listener_port(l);
		na = net_advertised(session_fd(snd->s), snd->acct->s5b_listen,
				    snd->acct->s5b_address, addrs, S5B_MAX_HOSTS - 1, &port);
		for (i = 0; i < na; i++, n++) {
			snprintf(h[n].jid, sizeof(h[n].jid), "%s", session_jid(snd->s));
			snprintf(h[n].host, sizeof(h[n].host), "%.255s", addrs[i]);
			h[n].port = port;
		}
	}
	if (snd->proxy.jid[0] != '\0')
		h[n++] = snd->proxy;
	return n;
}

/* Runs a job while the session keeps going; updates the bar if pr. A
 * signal, a lost session or (but for a data job) the peer going offline
 * stops it with err set. A data job's bytestream tells by itself whether
 * the peer is still there (a closed connection, the idle limit), and a
 * receiver that stored the file may log off, its verdict sent, before
 * this loop sees the job end. */
static enum xerr_code sender_job(struct sender *snd, struct job *j, int data,
				 struct progress *pr, struct xerr *err)
{
	while (!job_done(j)) {
		if ((!data || signals_caught() || !session_connected(snd->s)) &&
		    sender_interrupted(snd, err)) {
			job_finish(j);
			return err->code;
		}
		session_run(snd->s, 5); /* a job ending is seen within 5 ms */
		if (pr != NULL)
			progress_update(pr, atomic_load(&j->bytes));
	}
	job_finish(j);
	if (pr != NULL)
		progress_update(pr, atomic_load(&j->bytes));
	return j->err.code;
}

/* The direct listener (*l, may stay NULL) and the streamhosts to offer
 * for the stream sid; hash gets the DST.ADDR. Returns their count; 0
 * with err set when there is nothing to offer. */
static int sender_s5b_hosts(struct sender *snd, const char *sid, char *hash,
			    struct s5b_listener **l, struct s5b_host *hosts, struct xerr *err)
{
	const struct account *a = snd->acct;
	long budget = s5b_budget_ms(a->s5b_connect_timeout);
	struct xerr lerr;
	int n, i;

	*l = NULL;
	s5b_hash(sid, session_jid(snd->s), snd->peer, hash);
	sender_find_proxy(snd);
	xerr_clear(&lerr);
	if (a->s5b_listen != NULL) {
		char host[256];
		unsigned short port = 0;
		net_hostport_parse(a->s5b_listen, host, sizeof(host), &port);
		s5b_listener_open(l, host, port, hash, budget, &lerr);
	} else {
		s5b_listener_open(l, NULL, 0, hash, budget, &lerr);
	}
	if (*l == NULL)
		log_warn("%s", lerr.msg);
	n = sender_hosts(snd, *l, hosts);
	if (n == 0) {
		xerr_set(err, XE_UNAVAILABLE, "no streamhost to offer: %s", *l == NULL ? lerr.msg
			 : "no local address and no proxy");
		s5b_listener_close(*l);
		*l = NULL;
		return 0;
	}
	for (i = 0; i < n; i++)
		log_debug("streamhost %d: %s at %s port %u", i + 1, hosts[i].jid, hosts[i].host,
			  hosts[i].port);
	return n;
}

/* Via the proxy: connects to it like a receiver, then asks it to
 * activate the stream sid for the peer. RUN_OK with *fd connected. */
static enum run sender_s5b_proxy(struct sender *snd, const char *sid, const char *hash,
				 int *fd, struct xerr *err)
{
	struct s5b_connect c;
	struct job job;
	xmpp_stanza_t *r;
	char cond[64], text[256];

	*fd = -1;
	memset(&c, 0, sizeof(c));
	c.hosts = &snd->proxy;
	c.n = 1;
	c.budget_ms = s5b_budget_ms(snd->acct->s5b_connect_timeout);
	snprintf(c.hash, sizeof(c.hash), "%s", hash);
	memset(&job, 0, sizeof(job));
	if (job_start(&job, s5b_connect_job, &c, err) != XE_OK)
		return RUN_FAIL;
	if (sender_job(snd, &job, 0, NULL, err) != XE_OK) {
		if (c.fd >= 0)
			close(c.fd); /* connected, but we were interrupted */
		if (err->code == XE_SIGNAL || snd->peer_gone)
			return RUN_FAIL;
		xerr_set(err, XE_UNAVAILABLE, "cannot reach the proxy %s at %s port %u: %s",
			 snd->proxy.jid, snd->proxy.host, snd->proxy.port, c.why[0]);
		return RUN_NEXT;
	}
	r = session_iq_wait_cancel(snd->s, bytestreams_activate(session_ctx(snd->s),
								snd->proxy.jid, sid, snd->peer),
				   (long)snd->o->timeout * 1000, &snd->peer_gone, err);
	if (r == NULL && snd->peer_gone)
		sender_interrupted(snd, err); /* says why the wait was cancelled */
	if (r == NULL || strcmp(xmpp_stanza_get_type(r), "result") != 0) {
		if (r != NULL) {
			session_error_of(r, cond, sizeof(cond), text, sizeof(text));
			xmpp_stanza_release(r);
			xerr_set(err, XE_UNAVAILABLE, "the proxy %s refused to activate the "
				 "stream (%s%s%s)", snd->proxy.jid, cond, text[0] ? ": " : "",
				 text);
		}
		close(c.fd);
		return err->code == XE_SIGNAL || snd->peer_gone ? RUN_FAIL : RUN_NEXT;
	}
	xmpp_stanza_release(r);
	log_info("via the proxy %s", snd->proxy.jid);
	*fd = c.fd;
	return RUN_OK;
}

/* The data over a connected bytestream (fd is closed here). From here on
 * the receiver holds a partial file: no fallback. */
static enum run sender_s5b_send(struct sender *snd, struct source *src, int fd,
				struct xerr *err)
{
	struct job job;
	struct s5b_send data;
	struct progress pr;
	enum run res;

	memset(&data, 0, sizeof(data));
	data.sock = fd;
	data.file_fd = src->fd;
	data.size = src->size;
	data.idle_ms = (long)snd->o->idle_timeout * 1000;
	memset(&job, 0, sizeof(job));
	if (job_start(&job, s5b_send_job, &data, err) != XE_OK) {
		close(fd);
		return RUN_FAIL;
	}
	progress_start(&pr, src->name, src->size, isatty(STDERR_FILENO) && log_enabled(LOG_WARN));
	if (sender_job(snd, &job, 1, &pr, err) == XE_OK) {
		res = RUN_OK;
	} else {
		if (err->code == XE_OK || err->msg[0] == '\0')
			xerr_set(err, job.err.code, "%s", job.err.msg);
		res = RUN_FAIL;
	}
	if (res == RUN_OK && source_changed(src, err))
		res = RUN_FAIL;
	progress_finish(&pr, res == RUN_OK, snd->jsid[0] ? "s5b over Jingle" : "s5b");
	close(fd);
	return res;
}

/* SOCKS5 bytestreams with the stream sid (SI). */
static enum run sender_run_s5b(struct sender *snd, struct source *src, const char *sid,
			   struct xerr *err)
{
	long budget = s5b_budget_ms(snd->acct->s5b_connect_timeout);
	struct s5b_listener *l = NULL;
	struct s5b_host hosts[S5B_MAX_HOSTS];
	struct session_reply slot = { 0, NULL };
	char hash[SOCKS5_HASH_LEN + 1], used[3100], cond[64], text[256], why[600];
	int n, fd = -1, i;
	enum run res;

	n = sender_s5b_hosts(snd, sid, hash, &l, hosts, err);
	if (n == 0)
		return RUN_NEXT;
	/* The receiver tries each host within its own budget; ours covers them. */
	session_iq(snd->s, bytestreams_request(session_ctx(snd->s), snd->peer, sid, hosts, n),
		   (long)n * budget + (long)snd->o->timeout * 1000, session_iq_keep, &slot);
	while (!slot.done) {
		if (sender_interrupted(snd, err)) {
			session_iq_forget(snd->s, &slot);
			s5b_listener_close(l);
			return RUN_FAIL;
		}
		session_run(snd->s, 5);
		if (l != NULL)
			s5b_listener_step(l);
	}
	if (slot.reply == NULL) {
		s5b_listener_close(l);
		xerr_set(err, XE_TEMPFAIL, "the receiver did not say which streamhost it used");
		return RUN_NEXT;
	}
	if (strcmp(xmpp_stanza_get_type(slot.reply), "result") != 0) {
		session_error_of(slot.reply, cond, sizeof(cond), text, sizeof(text));
		snprintf(why, sizeof(why), "the receiver could not connect to any of %d "
			 "streamhost%s (%s%s%s)%s", n, n == 1 ? "" : "s", cond, text[0] ? ": " : "",
			 text, snd->proxy.jid[0] == '\0' ? "; a firewall or NAT may be in the way: "
			 "see s5b_address and s5b_proxy" : "");
		if (l != NULL && s5b_listener_refused(l) > 0)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "; %d connection%s "
				 "with a wrong hash refused", s5b_listener_refused(l),
				 s5b_listener_refused(l) == 1 ? "" : "s");
		xmpp_stanza_release(slot.reply);
		s5b_listener_close(l);
		xerr_set(err, XE_UNAVAILABLE, "%s", why);
		return RUN_NEXT;
	}
	i = bytestreams_used_parse(slot.reply, used, sizeof(used));
	xmpp_stanza_release(slot.reply);
	if (i == 0 && l != NULL && strcmp(used, session_jid(snd->s)) == 0) {
		/* Direct: the connection is authenticated before the receiver
		 * answers; allow a moment for our own step to see it. */
		long long until = session_now_ms() + 1000;
		while (!s5b_listener_step(l) && session_now_ms() < until)
			session_run(snd->s, 5);
		fd = s5b_listener_take(l);
		log_info("direct connection from %s", snd->peer);
	} else if (i == 0 && snd->proxy.jid[0] != '\0' && strcmp(used, snd->proxy.jid) == 0) {
		s5b_listener_close(l);
		l = NULL;
		res = sender_s5b_proxy(snd, sid, hash, &fd, err);
		if (res != RUN_OK)
			return res;
	} else {
		s5b_listener_close(l);
		xerr_set(err, XE_PROTOCOL, "%s named a streamhost that was not offered",
			 snd->peer);
		return RUN_FAIL;
	}
	s5b_listener_close(l);
	if (fd < 0) {
		xerr_set(err, XE_PROTOCOL, "%s reported the direct connection, but none arrived",
			 snd->peer);
		return RUN_NEXT; /* no data was sent: another method may work */
	}
	return sender_s5b_send(snd, src, fd, err);
}

/* Out-of-band: our HTTP server, its URL in a jabber:iq:oob IQ. */
static enum run sender_run_oob(struct sender *snd, struct source *src, struct xerr *err)
{
	int refused = 0;

	if (oob_send(snd->s, snd->acct, snd->o, snd->peer, src, &snd->peer_gone, &refused,
		     err) == XE_OK)
		return RUN_OK;
	return refused ? RUN_NEXT : RUN_FAIL;
}

/* --- Jingle (XEP-0166/0234/0260/0261): the initiator ---------------------
 * The same listener, proxy, bytestream and IBB code as SI; only the
 * negotiation differs. Jingle IQs from the peer are acknowledged by
 * sender_jingle_iq() and queued; the steps below wait for them. */

static void jq_clear(struct sender *snd)
{
	while (snd->jq_n > 0)
		free(snd->jq[--snd->jq_n]);
	snd->jq_head = 0;
}

/* The next queued event, or NULL (the caller frees it). */
static struct jingle *jq_pop(struct sender *snd)
{
	struct jingle *j;

	if (snd->jq_head >= snd->jq_n) {
		jq_clear(snd);
		return NULL;
	}
	j = snd->jq[snd->jq_head];
	snd->jq[snd->jq_head++] = NULL;
	return j;
}

static int sender_jingle_iq(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct sender *snd = arg;
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
	if (snd == NULL || snd->jsid[0] == '\0' || from == NULL || strcmp(from, snd->peer) != 0 ||
	    strcmp(j->sid, snd->jsid) != 0) {
		session_reply_error(s, st, "cancel", "item-not-found", "unknown-session",
				    NS_JINGLE_ERRORS, NULL);
		free(j);
		return 1;
	}
	switch (j->action) {
	case JA_SESSION_ACCEPT:
	case JA_SESSION_TERMINATE:
	case JA_TRANSPORT_INFO:
	case JA_TRANSPORT_ACCEPT:
	case JA_TRANSPORT_REJECT:
		if (snd->jq_n == JQ_MAX && snd->jq_head > 0) {
			/* Make room: the events already taken leave the queue. */
			memmove(snd->jq, snd->jq + snd->jq_head,
				(size_t)(snd->jq_n - snd->jq_head) * sizeof(snd->jq[0]));
			snd->jq_n -= snd->jq_head;
			snd->jq_head = 0;
		}
		if (snd->jq_n == JQ_MAX) {
			session_reply_error(s, st, "wait", "resource-constraint", NULL, NULL, NULL);
			break;
		}
		session_reply_result(s, st, NULL);
		snd->jq[snd->jq_n++] = j;
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

/* The session's fields of every IQ we send. */
static void jingle_head(struct sender *snd, struct jingle *j, enum jingle_action a)
{
	jingle_init(j, a, snd->jsid, session_jid(snd->s), "a-file-offer", "initiator", 5);
}

/* Sends j and waits for its answer: 0 on a result; -1 with err set (an
 * error answer is in *reply unless reply is NULL). */
static int jingle_set(struct sender *snd, struct jingle *j, xmpp_stanza_t **reply,
		      struct xerr *err)
{
	xmpp_stanza_t *r;

	if (reply != NULL)
		*reply = NULL;
	r = session_iq_wait_cancel(snd->s, jingle_build(session_ctx(snd->s), snd->peer, j),
				   (long)snd->o->timeout * 1000, &snd->peer_gone, err);
	if (r == NULL) {
		if (snd->peer_gone)
			xerr_set(err, XE_UNAVAILABLE, "%.300s went offline", snd->peer);
		else if (err->code == XE_TEMPFAIL)
			snprintf(err->msg, sizeof(err->msg), "%.300s did not answer the Jingle %s "
				 "within %d s", snd->peer, jingle_action_name(j->action),
				 snd->o->timeout);
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
		xerr_set(err, XE_PROTOCOL, "%s answered the Jingle %s with %s%s%s", snd->peer,
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
static void jingle_tell(struct sender *snd, struct jingle *j)
{
	if (session_connected(snd->s))
		session_iq(snd->s, jingle_build(session_ctx(snd->s), snd->peer, j),
			   (long)snd->o->timeout * 1000, jingle_answer_ignored, NULL);
}

/* Waits up to ms for the peer's next Jingle action (NULL with err set),
 * stepping the direct listener l meanwhile. */
static struct jingle *jingle_wait(struct sender *snd, long ms, struct s5b_listener *l,
				  const char *what, struct xerr *err)
{
	long long until = session_now_ms() + ms;
	struct jingle *j;

	while ((j = jq_pop(snd)) == NULL) {
		if (sender_interrupted(snd, err))
			return NULL;
		if (session_now_ms() >= until) {
			xerr_set(err, XE_TEMPFAIL, "%s did not %s within %ld s", snd->peer, what,
				 ms / 1000);
			return NULL;
		}
		session_run(snd->s, 5);
		if (l != NULL)
			s5b_listener_step(l);
	}
	return j;
}

/* The peer's session-terminate within ms in all (other actions are
 * dropped), or NULL. */
static struct jingle *jingle_wait_end(struct sender *snd, long ms)
{
	long long until = session_now_ms() + ms;
	struct jingle *j;
	struct xerr err;

	xerr_clear(&err);
	while (session_now_ms() < until &&
	       (j = jingle_wait(snd, (long)(until - session_now_ms()), NULL, "end the session",
				&err)) != NULL) {
		if (j->action == JA_SESSION_TERMINATE)
			return j;
		free(j);
	}
	return NULL;
}

/* A session-terminate j from the peer as an error. */
static enum run jingle_ended(struct sender *snd, const struct jingle *j, struct xerr *err)
{
	const char *t = j->reason_text, *sep = t[0] ? ": " : "";

	if (strcmp(j->reason, "decline") == 0)
		xerr_set(err, XE_UNAVAILABLE, "%s declined the file%s%s", snd->peer, sep, t);
	else if (strcmp(j->reason, "busy") == 0)
		xerr_set(err, XE_TEMPFAIL, "%s is busy%s%s; try again later", snd->peer, sep, t);
	else if (strcmp(j->reason, "media-error") == 0)
		xerr_set(err, XE_PROTOCOL, "%s rejected the file (media-error%s%s)", snd->peer,
			 sep, t);
	else
		xerr_set(err, strcmp(j->reason, "timeout") == 0 ? XE_TEMPFAIL : XE_UNAVAILABLE,
			 "%s ended the session (%s%s%s)", snd->peer, j->reason, sep, t);
	return strcmp(j->reason, "unsupported-transports") == 0 ? RUN_NEXT : RUN_FAIL;
}

/* session-terminate from us (reason), unless the peer ended it. */
static void jingle_terminate(struct sender *snd, const char *reason, const char *text)
{
	struct jingle j;

	jingle_head(snd, &j, JA_SESSION_TERMINATE);
	j.content[0] = '\0';
	snprintf(j.reason, sizeof(j.reason), "%s", reason);
	if (text != NULL)
		snprintf(j.reason_text, sizeof(j.reason_text), "%.255s", text);
	jingle_tell(snd, &j);
}

/* The S5B transport after session-accept: our candidate-error (we do not
 * connect to the responder's candidates), its candidate-used or -error,
 * then the data. RUN_NEXT when no bytestream came up. */
static enum run jingle_s5b(struct sender *snd, struct source *src, struct jingle *offer,
			   struct s5b_listener *l, int n, struct jingle **ended, struct xerr *err)
{
	long budget = s5b_budget_ms(snd->acct->s5b_connect_timeout);
	struct jingle j, *ev;
	int fd = -1, i;
	enum run res;

	jingle_head(snd, &j, JA_TRANSPORT_INFO);
	j.transport = JT_S5B;
	snprintf(j.tsid, sizeof(j.tsid), "%s", offer->tsid);
	j.s5b_info = JS_CANDIDATE_ERROR;
	jingle_tell(snd, &j);
	for (;;) {
		ev = jingle_wait(snd, (long)n * budget + (long)snd->o->timeout * 1000, l,
				 "say which candidate it used", err);
		if (ev == NULL)
			return err->code == XE_TEMPFAIL ? RUN_NEXT : RUN_FAIL;
		if (ev->action == JA_SESSION_TERMINATE) {
			*ended = ev;
			return jingle_ended(snd, ev, err);
		}
		if (ev->action == JA_TRANSPORT_INFO && ev->s5b_info != JS_NONE &&
		    ev->s5b_info != JS_ACTIVATED)
			break;
		free(ev); /* nothing this step waits for */
	}
	if (ev->s5b_info != JS_CANDIDATE_USED) {
		xerr_set(err, XE_UNAVAILABLE, "the receiver could not connect to any of %d "
			 "candidate%s%s", n, n == 1 ? "" : "s", snd->proxy.jid[0] == '\0'
			 ? "; a firewall or NAT may be in the way: see s5b_address and s5b_proxy"
			 : "");
		free(ev);
		return RUN_NEXT;
	}
	for (i = 0; i < offer->ncand && strcmp(offer->cand[i].cid, ev->cid) != 0; i++)
		;
	free(ev);
	if (i == offer->ncand) {
		xerr_set(err, XE_PROTOCOL, "%s named a candidate that was not offered", snd->peer);
		return RUN_FAIL;
	}
	if (!offer->cand[i].proxy) {
		/* Authenticated before the receiver said so: a moment for our step. */
		long long until = session_now_ms() + 1000;
		while (l != NULL && !s5b_listener_step(l) && session_now_ms() < until)
			session_run(snd->s, 5);
		fd = l != NULL ? s5b_listener_take(l) : -1;
		if (fd < 0) {
			xerr_set(err, XE_PROTOCOL, "%s reported the direct connection, but none "
				 "arrived", snd->peer);
			return RUN_NEXT;
		}
		log_info("direct connection from %s", snd->peer);
	} else {
		res = sender_s5b_proxy(snd, offer->tsid, offer->dstaddr, &fd, err);
		jingle_head(snd, &j, JA_TRANSPORT_INFO);
		j.transport = JT_S5B;
		snprintf(j.tsid, sizeof(j.tsid), "%s", offer->tsid);
		j.s5b_info = res == RUN_OK ? JS_ACTIVATED : JS_PROXY_ERROR;
		snprintf(j.cid, sizeof(j.cid), "%s", offer->cand[i].cid);
		jingle_tell(snd, &j);
		if (res != RUN_OK)
			return res;
	}
	return sender_s5b_send(snd, src, fd, err);
}

/* transport-replace to IBB, then the data. */
static enum run jingle_ibb(struct sender *snd, struct source *src, const char *tsid,
			   int replace, int block, struct jingle **ended, struct xerr *err)
{
	struct jingle j, *ev;
	xmpp_stanza_t *r;

	if (replace) {
		jingle_head(snd, &j, JA_TRANSPORT_REPLACE);
		j.transport = JT_IBB;
		snprintf(j.tsid, sizeof(j.tsid), "%s", tsid);
		j.block = block;
		log_info("falling back to ibb (transport-replace)");
		if (jingle_set(snd, &j, &r, err) < 0) {
			if (r != NULL)
				return sender_refusal(snd, r, "the receiver refused the "
						      "transport-replace", 1, err);
			return RUN_FAIL;
		}
		for (;;) {
			ev = jingle_wait(snd, (long)snd->o->timeout * 1000, NULL,
					 "answer the transport-replace", err);
			if (ev == NULL)
				return RUN_FAIL;
			if (ev->action == JA_SESSION_TERMINATE) {
				*ended = ev;
				return jingle_ended(snd, ev, err);
			}
			if (ev->action == JA_TRANSPORT_ACCEPT || ev->action == JA_TRANSPORT_REJECT)
				break;
			free(ev);
		}
		if (ev->action == JA_TRANSPORT_REJECT || ev->transport != JT_IBB) {
			free(ev);
			xerr_set(err, XE_UNAVAILABLE, "the receiver rejected the transport-replace "
				 "to ibb");
			return RUN_NEXT;
		}
		if (ev->block < block)
			block = ev->block;
		free(ev);
	}
	if (block < IBB_BLOCK_MIN)
		block = IBB_BLOCK_MIN;
	return sender_run_ibb(snd, src, tsid, &block, err);
}

/* One file over Jingle. RUN_NEXT: Jingle did not work out before any
 * data, with *tried saying which transports were tried (none: Jingle
 * itself was refused, and SI may do). */
static enum run sender_jingle(struct sender *snd, struct source *src, unsigned *tried,
			      struct tried *t, struct xerr *err)
{
	struct s5b_listener *l = NULL;
	struct s5b_host hosts[S5B_MAX_HOSTS];
	struct jingle *offer = calloc(1, sizeof(*offer)), *ev = NULL, *ended = NULL;
	char hash[SOCKS5_HASH_LEN + 1];
	unsigned plan = 0;
	int i, n = 0, block = snd->block;
	enum run res = RUN_NEXT;
	xmpp_stanza_t *r;
	int acked = 0;

	*tried = 0;
	if (offer == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory"), RUN_FAIL;
	for (i = 0; snd->methods[i] != 0; i++)
		if ((snd->methods[i] & METHODS_SI) && (snd->peer_jmethods & (unsigned)snd->methods[i]))
			plan |= (unsigned)snd->methods[i];
	if (random_hex(snd->jsid, 16) < 0) {
		free(offer);
		return xerr_set(err, XE_SOFTWARE, "no randomness from OpenSSL"), RUN_FAIL;
	}
	jingle_head(snd, offer, JA_SESSION_INITIATE);
	snprintf(offer->senders, sizeof(offer->senders), "initiator");
	offer->has_file = 1;
	snprintf(offer->name, sizeof(offer->name), "%s", src->name);
	offer->size = src->size;
	source_date(src, offer->date);
	snprintf(offer->media_type, sizeof(offer->media_type), "application/octet-stream");
	if (snd->o->desc != NULL)
		snprintf(offer->desc, sizeof(offer->desc), "%s", snd->o->desc);
	snprintf(offer->sha256, sizeof(offer->sha256), "%s", src->sha256);
	random_hex(offer->tsid, 16);
	/* The first transport in our order; IBB is reached by transport-replace. */
	for (i = 0; snd->methods[i] != 0 && !(plan & (unsigned)snd->methods[i]); i++)
		;
	if (snd->methods[i] == METHOD_S5B) {
		n = sender_s5b_hosts(snd, offer->tsid, hash, &l, hosts, err);
		for (i = 0; i < n; i++) {
			struct jingle_candidate *c = &offer->cand[i];
			c->h = hosts[i];
			c->proxy = snd->proxy.jid[0] != '\0' && strcmp(hosts[i].jid, snd->proxy.jid) == 0;
			c->priority = (c->proxy ? JINGLE_PRIO_PROXY : JINGLE_PRIO_DIRECT) + (n - i);
			random_hex(c->cid, 8);
		}
		offer->ncand = n;
		snprintf(offer->dstaddr, sizeof(offer->dstaddr), "%s", hash);
		if (n == 0) {
			tried_add(t, METHOD_S5B, err->msg);
			*tried |= METHOD_S5B;
		}
	}
	offer->transport = n > 0 ? JT_S5B : (plan & METHOD_IBB) ? JT_IBB : JT_NONE;
	if (offer->transport == JT_NONE) {
		if (plan == 0)
			xerr_set(err, XE_UNAVAILABLE, "%s does not advertise Jingle file transfer "
				 "with a transport enabled here", snd->peer);
		free(offer);
		snd->jsid[0] = '\0';
		return RUN_NEXT;
	}
	offer->block = block;
	log_debug("Jingle session %s with %s: %s transport %s", snd->jsid, snd->peer,
		  n > 0 ? "s5b" : "ibb", offer->tsid);
	if (jingle_set(snd, offer, &r, err) < 0) {
		/* No answer: the session may exist on the other side. */
		acked = r == NULL && !snd->peer_gone && err->code == XE_TEMPFAIL;
		res = r != NULL ? sender_refusal(snd, r, "the receiver refused the Jingle offer",
						 1, err) : RUN_FAIL;
		goto out; /* RUN_NEXT with nothing tried: SI may do */
	}
	acked = 1; /* from here on the session exists: a failure ends it */
	for (;;) {
		ev = jingle_wait(snd, (long)snd->o->timeout * 1000, l, "accept the offer", err);
		if (ev == NULL) {
			res = RUN_FAIL;
			goto out;
		}
		if (ev->action == JA_SESSION_TERMINATE) {
			ended = ev;
			ev = NULL;
			res = jingle_ended(snd, ended, err);
			if (res == RUN_NEXT)
				*tried |= n > 0 ? METHOD_S5B : METHOD_IBB;
			goto out;
		}
		if (ev->action == JA_SESSION_ACCEPT)
			break;
		free(ev);
	}
	log_debug("%s accepted %s over Jingle", snd->peer, src->name);
	if (n > 0) {
		if (ev->transport != JT_S5B) {
			xerr_set(err, XE_PROTOCOL, "%s accepted with another transport", snd->peer);
			res = RUN_FAIL;
			goto out;
		}
		free(ev);
		ev = NULL;
		res = jingle_s5b(snd, src, offer, l, n, &ended, err);
		s5b_listener_close(l);
		l = NULL;
		snd->used = METHOD_S5B;
		if (res != RUN_NEXT || ended != NULL)
			goto out;
		*tried |= METHOD_S5B;
		tried_add(t, METHOD_S5B, err->msg);
		if (!(plan & METHOD_IBB))
			goto out;
		xerr_clear(err);
		res = jingle_ibb(snd, src, offer->tsid, 1, block, &ended, err);
	} else {
		if (ev->transport != JT_IBB) {
			xerr_set(err, XE_PROTOCOL, "%s accepted with another transport", snd->peer);
			res = RUN_FAIL;
			goto out;
		}
		if (ev->block < block)
			block = ev->block;
		free(ev);
		ev = NULL;
		res = jingle_ibb(snd, src, offer->tsid, 0, block, &ended, err);
	}
	snd->used = METHOD_IBB;
	if (res == RUN_NEXT && ended == NULL) {
		*tried |= METHOD_IBB;
		tried_add(t, METHOD_IBB, err->msg);
	}
out:
	if (res == RUN_OK && ended == NULL) {
		/* The receiver ends the session once the file is stored (and
		 * says so if its hash did not match); one that does not is
		 * told we are done. */
		ended = jingle_wait_end(snd, 10000);
		if (ended != NULL && strcmp(ended->reason, "success") != 0) {
			jingle_ended(snd, ended, err);
			res = RUN_FAIL;
		} else if (ended == NULL) {
			jingle_terminate(snd, "success", NULL);
		}
	} else if (res != RUN_OK && ended == NULL && acked) {
		/* The receiver's reason says more than a broken stream (a hash
		 * that did not match): a moment for its session-terminate. */
		if (err->code != XE_SIGNAL && session_connected(snd->s) && !snd->peer_gone)
			ended = jingle_wait_end(snd, 2000);
		if (ended != NULL && strcmp(ended->reason, "media-error") == 0)
			jingle_ended(snd, ended, err);
		else if (ended == NULL)
			jingle_terminate(snd, err->code == XE_SIGNAL ? "cancel" : err->code == XE_TEMPFAIL
					 ? "timeout" : "failed-transport", err->msg);
	}
	s5b_listener_close(l);
	free(ev);
	free(ended);
	free(offer);
	jq_clear(snd);
	snd->jsid[0] = '\0';
	return res;
}

/* The enabled SI methods not tried yet that the peer supports, in order. */
static int sender_si_plan(struct sender *snd, unsigned done, int *out)
{
	int i, n = 0;

	for (i = 0; snd->methods[i] != 0; i++)
		if ((snd->methods[i] & METHODS_SI) && !(done & (unsigned)snd->methods[i]) &&
		    (snd->peer_methods & (unsigned)snd->methods[i]))
			out[n++] = snd->methods[i];
	return n;
}

struct item;
static void item_sent(struct item *it, int method, const struct source *src);

static enum xerr_code sender_file(struct sender *snd, const char *path, struct item *it,
				  struct xerr *err)
{
	struct source *src = NULL;
	struct tried t;
	enum xerr_code code;
	unsigned done = 0;
	int block = snd->block, rounds, i, k, jingle;
	enum run res = RUN_NEXT;
	char list[sizeof(err->msg)];

	/* Jingle announces a SHA-256 (XEP-0234), SI an MD5 (XEP-0096). */
	jingle = snd->protocol == PROTO_JINGLE || (snd->protocol == PROTO_AUTO && snd->peer_jingle);
	code = source_open(&src, path, snd->o->json || jingle, err);
	if (code != XE_OK)
		return code;
	memset(&t, 0, sizeof(t));
	snd->used_jingle = 0;
	if (jingle) {
		unsigned jt;
		xerr_clear(err);
		res = sender_jingle(snd, src, &jt, &t, err);
		snd->used_jingle = res == RUN_OK;
		done |= jt;
		if (res == RUN_NEXT && jt == 0 && snd->protocol == PROTO_AUTO)
			log_info("Jingle did not work out (%s); trying SI", err->msg);
		if (res == RUN_NEXT && snd->protocol == PROTO_JINGLE) {
			/* No SI: what Jingle did not try counts as failed. */
			for (i = 0; snd->methods[i] != 0; i++) {
				k = snd->methods[i];
				if ((k & METHODS_SI) && !(done & (unsigned)k))
					tried_add(&t, k, err->msg);
			}
			done |= METHODS_SI;
		}
	} else if (snd->protocol == PROTO_SI) {
		log_debug("negotiating with SI (--protocol si)");
	}
	for (rounds = 0; rounds < 8 && res != RUN_OK && res != RUN_FAIL; rounds++) {
		int m = 0, offer[4], chosen[4], n, nchosen = 0, multiple = 0;
		char sid[40];

		for (i = 0; snd->methods[i] != 0 && (done & (unsigned)snd->methods[i]); i++)
			;
		m = snd->methods[i];
		if (m == 0)
			break;
		if (m == METHOD_OOB) {
			done |= METHOD_OOB;
			if (!(snd->peer_methods & METHOD_OOB)) {
				tried_add(&t, m, "the receiver does not support it");
				continue;
			}
			xerr_clear(err);
			res = sender_run_oob(snd, src, err);
			snd->used = METHOD_OOB;
			if (res == RUN_NEXT)
				tried_add(&t, m, err->msg);
			continue;
		}
		n = sender_si_plan(snd, done, offer);
		if (n == 0) {
			for (i = 0; snd->methods[i] != 0; i++) {
				k = snd->methods[i];
				if ((k & METHODS_SI) && !(done & (unsigned)k)) {
					done |= (unsigned)k;
					tried_add(&t, k, "the receiver does not support it");
				}
			}
			continue;
		}
		xerr_clear(err);
		if (random_hex(sid, 16) < 0) { /* a stream id nobody can guess */
			xerr_set(err, XE_SOFTWARE, "no randomness from OpenSSL");
			res = RUN_FAIL;
			break;
		}
		res = sender_offer(snd, src, sid, offer, n, chosen, &nchosen, &multiple, err);
		if (res == RUN_NEXT) {
			for (i = 0; i < n; i++) {
				done |= (unsigned)offer[i];
				tried_add(&t, offer[i], err->msg);
			}
			continue;
		}
		if (res != RUN_OK)
			break;
		/* si-multiple: every method in the receiver's order on this
		 * stream id; plain SI: the one it chose, then a new offer. */
		for (k = 0; k < nchosen; k++) {
			log_debug("%s accepted %s with %s%s", snd->peer, src->name,
				  method_name(chosen[k]), multiple ? " (si-multiple)" : "");
			xerr_clear(err);
			res = chosen[k] == METHOD_S5B ? sender_run_s5b(snd, src, sid, err)
			    : sender_run_ibb(snd, src, sid, &block, err);
			snd->used = chosen[k];
			if (res == RUN_REOFFER) {
				log_info("%s refused a second open of the stream; offering %s again "
					 "with %d-byte blocks", snd->peer, src->name, block);
				break;
			}
			if (res != RUN_NEXT)
				break;
			done |= (unsigned)chosen[k];
			tried_add(&t, chosen[k], err->msg);
		}
		if (res == RUN_REOFFER) {
			res = RUN_NEXT;
			continue; /* the same methods again, with smaller blocks */
		}
		if (!multiple && nchosen > 0)
			done |= (unsigned)chosen[0];
		if (res == RUN_NEXT && multiple) {
			for (i = 0; i < n; i++) {
				if (!(done & (unsigned)offer[i]))
					tried_add(&t, offer[i], "the receiver does not accept it");
				done |= (unsigned)offer[i];
			}
		}
	}
	if (res == RUN_OK)
		item_sent(it, snd->used, src);
	source_free(src);
	if (res == RUN_OK)
		return XE_OK;
	if (res == RUN_FAIL && err->code == XE_OK) /* never a failure read as success */
		xerr_set(err, XE_SOFTWARE, "%s: the transfer failed without a reason (a bug in "
			 "xfer)", snd->peer);
	if (res == RUN_FAIL && t.n > 0) {
		/* Say what was tried before the method that failed for good. */
		struct xerr last = *err;
		xerr_clear(err);
		return xerr_set(err, last.code, "%s (after %s)", last.msg, tried_list(&t, list,
									       sizeof(list)));
	}
	if (res == RUN_FAIL)
		return err->code;
	xerr_clear(err); /* the summary replaces the last method's error */
	if (rounds >= 8 && t.n == 0)
		return xerr_set(err, XE_PROTOCOL, "%s kept refusing the in-band bytestream",
				snd->peer);
	return xerr_set(err, XE_UNAVAILABLE, "no transfer method worked with %s; %s", snd->peer,
			tried_list(&t, list, sizeof(list)));
}

/* ---- batches: many files, several recipients, retries ---- */

#define MAX_RECIPIENTS 64

struct item {
	const char *path;
	int rcpt;
	int state;		/* 0 pending, 1 sent, 2 failed for good */
	int transient;		/* the last failure may pass: retry */
	int logged;		/* its failure was reported */
	enum xerr_code code;	/* XE_OK, or why it failed */
	char *msg;		/* allocated: lists may be long, messages rare */
	int method;
	long long bytes;
	double seconds;
	char sha256[65];
};

/* Records a failure (NULL: none) on it. */
static void item_fail(struct item *it, const struct xerr *e)
{
	free(it->msg);
	it->msg = NULL;
	it->code = e != NULL ? e->code : XE_OK;
	if (e != NULL && (it->msg = strdup(e->msg)) == NULL)
		it->msg = NULL;
}

static const char *item_msg(const struct item *it)
{
	return it->msg != NULL ? it->msg : "out of memory";
}

static void item_sent(struct item *it, int method, const struct source *src)
{
	it->method = method;
	it->bytes = src->size;
	snprintf(it->sha256, sizeof(it->sha256), "%s", src->sha256);
}

struct batch {
	struct sender *snd;
	int n;
	struct sender *cur;	/* sending now */
};

static int batch_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct batch *b = arg;
	int i;

	/* Every sender: two recipients may be resources of one contact. */
	for (i = 0; i < b->n; i++)
		sender_presence(s, st, &b->snd[i]);
	return 1;
}

static int batch_jingle(struct session *s, xmpp_stanza_t *st, void *arg)
{
	return sender_jingle_iq(s, st, ((struct batch *)arg)->cur);
}

static int batch_ibb(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct batch *b = arg;

	if (b->cur != NULL)
		return sender_ibb(s, st, b->cur);
	session_reply_error(s, st, "cancel", "item-not-found", NULL, NULL, NULL);
	return 1;
}

/* A JSON string: quotes, backslashes and control characters escaped;
 * bytes that are not UTF-8 become U+FFFD so the line stays valid JSON. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p != '\0') {
		/* Well-formed UTF-8 only (RFC 3629): no overlong forms, no
		 * surrogates, nothing above U+10FFFF. */
		int n = *p < 0x80 ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3
		      : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
		int k;

		for (k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				n = 0;
		if ((n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0))) ||
		    (n == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90))))
			n = 0;
		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, (size_t)n, f);
			p += n;
		}
	}
	fputc('"', f);
}

static void report_json(const struct item *it, const struct sender *snd)
{
	printf("{\"file\":");
	json_str(stdout, it->path);
	printf(",\"peer\":");
	json_str(stdout, snd->peer[0] != '\0' ? snd->peer : snd->target_bare);
	printf(",\"status\":\"%s\",\"method\":", it->state == 1 ? "ok" : "failed");
	if (it->state == 1)
		printf("\"%s\"", method_name(it->method));
	else
		printf("null");
	printf(",\"bytes\":%lld,\"seconds\":%.3f,\"sha256\":", it->bytes, it->seconds);
	if (it->sha256[0] != '\0')
		printf("\"%s\"", it->sha256);
	else
		printf("null");
	printf(",\"exit\":%d,\"error\":", it->state == 1 ? 0 : xerr_exit_code(it->code));
	if (it->state == 1)
		printf("null");
	else
		json_str(stdout, item_msg(it));
	printf("}\n");
	fflush(stdout);
}

/* Reads --files-from: paths separated by newlines (or NULs). */
static enum xerr_code read_list(const char *from, int nul, char **text, const char ***paths,
				int *n, struct xerr *err)
{
	FILE *f;
	size_t cap = 0, len = 0, r, i;
	char *buf = NULL, *p, sep = nul ? '\0' : '\n';
	int count = 0, k;

	/* Nothing reads the terminal: a cron job must never wait for input. */
	if (strcmp(from, "-") == 0 && isatty(STDIN_FILENO))
		return xerr_set(err, XE_USAGE, "--files-from -: standard input is a terminal; "
				"pipe the list in, or name a file");
	f = strcmp(from, "-") == 0 ? stdin : fopen(from, "re");
	if (f == NULL)
		return xerr_set(err, XE_NOINPUT, "--files-from %s: %s", from, strerror(errno));
	for (;;) {
		if (len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = 2 * cap + 65536 + 1);
			if (nb == NULL) {
				free(buf);
				if (f != stdin)
					fclose(f);
				return xerr_set(err, XE_SOFTWARE, "out of memory");
			}
			buf = nb;
		}
		r = fread(buf + len, 1, 65536, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		if (f != stdin)
			fclose(f);
		return xerr_set(err, XE_NOINPUT, "--files-from %s: read error", from);
	}
	if (f != stdin)
		fclose(f);
	buf[len] = '\0';
	if (!nul && memchr(buf, '\0', len) != NULL) {
		free(buf);
		return xerr_set(err, XE_USAGE, "--files-from %s holds NUL bytes: add -0 for a "
				"NUL-separated list", from);
	}
	for (i = 0; i < len; i++)
		count += buf[i] == sep;
	*paths = calloc((size_t)count + 2, sizeof(**paths));
	if (*paths == NULL) {
		free(buf);
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	}
	for (p = buf, k = 0; p < buf + len; ) {
		char *end = memchr(p, sep, (size_t)(buf + len - p));
		if (end == NULL)
			end = buf + len;
		*end = '\0';
		if (!nul && end > p && end[-1] == '\r')
			end[-1] = '\0'; /* a list written on DOS */
		if (*p != '\0') /* empty lines are skipped */
			(*paths)[k++] = p;
		p = end + 1;
	}
	*n = k;
	*text = buf;
	return XE_OK;
}

/* Sleeps ms, waking early for a signal. */
static void pause_ms(long ms)
{
	long long until = session_now_ms() + ms;

	while (session_now_ms() < until && !signals_caught()) {
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* One login: every pending item. */
static void batch_round(struct account *acct, const struct xfer_opts *o, struct batch *b,
			struct item *items, int nitems, int last_round)
{
	struct session *s = NULL;
	struct xerr err;
	enum xerr_code rc;
	int r, i;

	xerr_clear(&err);
	rc = session_open(&s, acct, (long)o->timeout * 1000, &err);
	if (rc != XE_OK) {
		for (i = 0; i < nitems; i++) {
			if (items[i].state != 0)
				continue;
			item_fail(&items[i], &err);
			items[i].transient = rc == XE_TEMPFAIL || rc == XE_UNAVAILABLE;
		}
		if ((rc == XE_TEMPFAIL || rc == XE_UNAVAILABLE) && !last_round)
			log_info("%s; will try again", err.msg);
		return;
	}
	session_add_feature(s, NS_SI);
	session_add_feature(s, NS_SI_FT);
	session_add_feature(s, NS_IBB);
	session_add_feature(s, NS_S5B);
	session_on_presence(s, batch_presence, b);
	session_route_iq(s, NS_IBB, batch_ibb, b);
	session_route_iq(s, NS_JINGLE, batch_jingle, b);
	for (r = 0; r < b->n; r++) {
		struct sender *snd = &b->snd[r];
		snd->s = s;
		snd->nres = 0;
		snd->refused = snd->peer_gone = snd->peer_closed = 0;
		snd->proxy_looked = 0;
		snd->proxy.jid[0] = '\0';
		if (snd->target.resource[0] == '\0')
			snd->peer[0] = '\0';
	}
	{
		/* Available, but with a negative priority: messages to our bare
		 * JID should go to the user's real clients, not to us. */
		xmpp_stanza_t *p = xmpp_presence_new(session_ctx(s));
		xmpp_stanza_t *prio = xmpp_stanza_new(session_ctx(s));
		xmpp_stanza_t *t = xmpp_stanza_new(session_ctx(s));
		xmpp_stanza_set_name(prio, "priority");
		xmpp_stanza_set_text(t, "-1");
		xmpp_stanza_add_child(prio, t);
		xmpp_stanza_add_child(p, prio);
		xmpp_stanza_release(t);
		xmpp_stanza_release(prio);
		session_send(s, p);
	}
	for (r = 0; r < b->n; r++) {
		struct sender *snd = &b->snd[r];
		int pending = 0;

		for (i = 0; i < nitems; i++)
			pending += items[i].rcpt == r && items[i].state == 0;
		if (pending == 0)
			continue;
		xerr_clear(&err);
		if (signals_caught())
			xerr_set(&err, XE_SIGNAL, "not sent: stopped by signal %d", signals_caught());
		else
			sender_find_peer(snd, session_now_ms() + (long long)o->timeout * 1000, &err);
		if (err.code != XE_OK) {
			int transient = err.code == XE_TEMPFAIL || snd->not_online ||
					!session_connected(s);
			for (i = 0; i < nitems; i++) {
				if (items[i].rcpt != r || items[i].state != 0)
					continue;
				item_fail(&items[i], &err);
				items[i].transient = transient;
			}
			if (transient && !last_round && err.code != XE_SIGNAL)
				log_info("%s; will try again", err.msg);
			continue;
		}
		b->cur = snd;
		for (i = 0; i < nitems; i++) {
			struct item *it = &items[i];
			long long t0;

			if (it->rcpt != r || it->state != 0)
				continue;
			xerr_clear(&err);
			it->transient = 0;
			if (signals_caught()) {
				xerr_set(&err, XE_SIGNAL, "not sent: stopped by signal %d",
					 signals_caught());
			} else if (snd->peer_gone) {
				xerr_set(&err, XE_UNAVAILABLE, "%s went offline", snd->peer);
				it->transient = 1;
			} else if (!session_connected(s)) {
				xerr_set(&err, XE_UNAVAILABLE, "connection to the server lost");
				it->transient = 1;
			} else {
				t0 = session_now_ms();
				if (sender_file(snd, it->path, it, &err) == XE_OK) {
					item_fail(it, NULL);
					it->state = 1;
					it->seconds = (double)(session_now_ms() - t0) / 1000.0;
					if (o->json)
						report_json(it, snd);
					continue;
				}
				it->seconds = (double)(session_now_ms() - t0) / 1000.0;
				it->transient = err.code == XE_TEMPFAIL || snd->peer_gone ||
						snd->not_online || !session_connected(s);
			}
			item_fail(it, &err);
			if (!it->transient || last_round || err.code == XE_SIGNAL) {
				it->state = 2;
				it->logged = 1;
				if (b->n > 1)
					log_error("%s to %s: %s", it->path, snd->target_bare, err.msg);
				else
					log_error("%s: %s", it->path, err.msg);
				if (o->json)
					report_json(it, snd);
			} else {
				log_info("%s: %s; will try again", it->path, err.msg);
			}
		}
		b->cur = NULL;
	}
	session_free(s);
	for (r = 0; r < b->n; r++)
		b->snd[r].s = NULL;
}

enum xerr_code send_run(struct account *acct, const struct xfer_opts *o, struct xerr *err)
{
	struct batch b;
	struct item *items = NULL;
	const char **listed = NULL, *jids[MAX_RECIPIENTS];
	char *listbuf = NULL, bad[64];
	const char *why;
	enum xerr_code rc, first = XE_OK;
	int nj = 0, nlisted = 0, nfiles, nitems = 0, i, r, k, round, failed = 0, lockfd = -1;
	int firstfile = o->to == NULL ? 1 : 0;

	memset(&b, 0, sizeof(b));
	if (o->to != NULL)
		for (; o->to[nj] != NULL && nj < MAX_RECIPIENTS; nj++)
			jids[nj] = o->to[nj];
	else
		jids[nj++] = o->args[0];
	if (o->to != NULL && o->to[nj] != NULL)
		return xerr_set(err, XE_USAGE, "at most %d recipients (--to)", MAX_RECIPIENTS);
	b.snd = calloc((size_t)nj, sizeof(*b.snd));
	if (b.snd == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	b.n = nj;
	for (r = 0; r < nj; r++) {
		struct sender *snd = &b.snd[r];
		snd->o = o;
		snd->acct = acct;
		if (jid_parse(jids[r], &snd->target, &why) < 0) {
			rc = xerr_set(err, XE_USAGE, "'%s' is not a JID: %s", jids[r], why);
			goto out;
		}
		if (snd->target.local[0] == '\0') {
			rc = xerr_set(err, XE_USAGE, "'%s' is not a user's JID (user@domain)", jids[r]);
			goto out;
		}
		jid_bare(&snd->target, snd->target_bare, sizeof(snd->target_bare));
		if (snd->target.resource[0] != '\0')
			snprintf(snd->peer, sizeof(snd->peer), "%s/%s", snd->target_bare,
				 snd->target.resource);
		if (o->method != NULL)
			config_parse_methods(o->method, snd->methods, 4, bad);
		else if (acct->methods[0] != 0)
			memcpy(snd->methods, acct->methods, sizeof(snd->methods));
		else
			memcpy(snd->methods, (int[4]){ METHOD_S5B, METHOD_IBB, METHOD_OOB, 0 },
			       sizeof(snd->methods));
		snd->block = acct->ibb_block_size > 0 ? acct->ibb_block_size : IBB_DEFAULT_BLOCK;
		snd->protocol = o->protocol == NULL || strcmp(o->protocol, "auto") == 0 ? PROTO_AUTO
			      : strcmp(o->protocol, "jingle") == 0 ? PROTO_JINGLE : PROTO_SI;
		snd->window = acct->ibb_window > 0 ? acct->ibb_window : IBB_DEFAULT_WINDOW;
	}
	if (o->lock != NULL) {
		/* Held until exit; cron runs that overlap give way at once. */
		lockfd = open(o->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (lockfd < 0) {
			rc = xerr_set(err, XE_CANTCREAT, "--lock %s: %s%s", o->lock, strerror(errno),
				      errno == ENOENT ? " (create its directory first)" : "");
			goto out;
		}
		if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
			rc = xerr_set(err, errno == EWOULDBLOCK ? XE_TEMPFAIL : XE_IO,
				      "--lock %s: %s", o->lock, errno == EWOULDBLOCK
				      ? "another xfer send holds it (is the previous run still going?)"
				      : strerror(errno));
			goto out;
		}
	}
	if (o->files_from != NULL) {
		rc = read_list(o->files_from, o->nul, &listbuf, &listed, &nlisted, err);
		if (rc != XE_OK)
			goto out;
	}
	nfiles = o->nargs - firstfile + nlisted;
	if (nfiles == 0) {
		/* A nightly find that found nothing: not an error. */
		log_info("nothing to send: --files-from %s lists no file", o->files_from);
		rc = XE_OK;
		goto out;
	}
	nitems = nfiles * nj;
	items = calloc((size_t)nitems, sizeof(*items));
	if (items == NULL) {
		rc = xerr_set(err, XE_SOFTWARE, "out of memory");
		goto out;
	}
	/* Recipient by recipient, each getting every file in order. */
	for (r = 0, k = 0; r < nj; r++) {
		for (i = firstfile; i < o->nargs; i++, k++) {
			items[k].path = o->args[i];
			items[k].rcpt = r;
		}
		for (i = 0; i < nlisted; i++, k++) {
			items[k].path = listed[i];
			items[k].rcpt = r;
		}
	}
	rc = account_resolve_password(acct, err);
	if (rc != XE_OK)
		goto out;
	for (round = 0; round <= o->retry; round++) {
		int again = 0;

		if (round > 0) {
			/* 2, 4, 8 ... 60 s, and up to a quarter more at random so
			 * that many senders do not come back in step. */
			long ms = 1000L << (round < 6 ? round : 6);
			unsigned char rnd[2] = { 0, 0 };
			if (ms > 60000)
				ms = 60000;
			RAND_bytes(rnd, 2);
			ms += (long)((rnd[0] << 8 | rnd[1]) % (unsigned)(ms / 4 + 1));
			log_info("trying again in %.1f s (retry %d of %d)", ms / 1000.0, round,
				 o->retry);
			pause_ms(ms);
			if (signals_caught())
				break; /* no new login for a run that is being stopped */
		}
		batch_round(acct, o, &b, items, nitems, round == o->retry || signals_caught());
		for (i = 0; i < nitems; i++) {
			if (items[i].state == 0 && items[i].code != XE_OK && !items[i].transient)
				items[i].state = 2;
			again += items[i].state == 0;
		}
		if (again == 0 || signals_caught())
			break;
	}
	rc = XE_OK;
	xerr_clear(err);
	{
		/* A login or peer failure was not reported per file: said once
		 * per recipient (or once in all) when it is the same for all of
		 * that recipient's files. */
		int same = 1;
		for (i = 0; i < nitems; i++) {
			if (items[i].state == 1)
				continue;
			if (signals_caught() && (items[i].state == 0 || items[i].code == XE_OK)) {
				struct xerr e;
				xerr_clear(&e);
				xerr_set(&e, XE_SIGNAL, "not sent: stopped by signal %d", signals_caught());
				item_fail(&items[i], &e);
			}
			failed++;
			if (first == XE_OK) {
				first = items[i].code;
				xerr_set(err, first, "%s", item_msg(&items[i]));
			}
			same &= !items[i].logged && strcmp(item_msg(&items[i]), err->msg) == 0;
			if (!items[i].logged && o->json)
				report_json(&items[i], &b.snd[items[i].rcpt]);
		}
		if (failed > 0 && same && failed == nitems) {
			rc = first; /* err holds the one message */
		} else if (failed > 0) {
			for (r = 0; r < nj; r++) {
				int n = 0, alike = 1;
				const char *m = NULL;
				for (i = 0; i < nitems; i++) {
					if (items[i].rcpt != r || items[i].state == 1 || items[i].logged)
						continue;
					if (m == NULL)
						m = item_msg(&items[i]);
					alike &= strcmp(m, item_msg(&items[i])) == 0;
					n++;
				}
				if (n > 1 && alike) {
					log_error("%s%s%s (%d files not sent)", nj > 1 ? b.snd[r].target_bare : "",
						  nj > 1 ? ": " : "", m, n);
					continue;
				}
				for (i = 0; n > 0 && i < nitems; i++)
					if (items[i].rcpt == r && items[i].state != 1 && !items[i].logged)
						log_error("%s%s%s: %s", items[i].path, nj > 1 ? " to " : "",
							  nj > 1 ? b.snd[r].target_bare : "",
							  item_msg(&items[i]));
			}
			xerr_clear(err);
			if (nitems > 1)
				xerr_set(err, first, "%d of %d %s not sent", failed, nitems,
					 nj > 1 ? "file transfers were" : "files were");
			else
				xerr_set(err, first, "%s", "");
			rc = first;
		}
	}
	/* --json output that could not be written is a failure, not a success. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == XE_OK)
		rc = xerr_set(err, XE_IO, "cannot write the report to standard output");
out:
	if (lockfd >= 0)
		close(lockfd);
	for (i = 0; items != NULL && i < nitems; i++)
		free(items[i].msg);
	free(items);
	free(listed);
	free(listbuf);
	free(b.snd);
	return rc;
}
