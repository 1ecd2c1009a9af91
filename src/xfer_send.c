/* xfer_send.c — see xfer_send.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "disco.h"
#include "ibb.h"
#include "jid.h"
#include "log.h"
#include "progress.h"
#include "session.h"
#include "signals.h"
#include "si.h"
#include "source.h"
#include "xfer_send.h"

#define MAX_RESOURCES 16
#define IBB_DEFAULT_BLOCK 4096
#define IBB_DEFAULT_WINDOW 32	/* measured: see the closing note of issue 3 */

struct resource {
	char jid[3 * JID_PART_MAX + 3];
	int priority;
};

struct sender {
	struct session *s;
	const struct xfer_opts *o;
	struct jid target;
	char target_bare[2 * JID_PART_MAX + 2];
	char peer[3 * JID_PART_MAX + 3];	/* the full JID files go to */
	struct resource res[MAX_RESOURCES];
	int nres;
	int refused;			/* the contact refused our subscription */
	int peer_gone;
	int peer_closed;		/* the receiver closed the current stream */
	int methods[4];
	int block;
	int window;
	struct ibb_send *ibb;		/* the stream in progress */
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

/* 1 if jid's disco#info lists SI file transfer and one of our methods. */
static int sender_capable(struct sender *snd, const char *jid, long timeout_ms)
{
	struct xerr err;
	xmpp_stanza_t *r, *q, *f;
	int si = 0, ft = 0, m = 0;

	xerr_clear(&err);
	r = session_iq_wait(snd->s, session_query(snd->s, "get", jid, NS_DISCO_INFO), timeout_ms, &err);
	if (r == NULL)
		return 0;
	q = xmpp_stanza_get_child_by_name_and_ns(r, "query", NS_DISCO_INFO);
	for (f = q != NULL ? xmpp_stanza_get_children(q) : NULL; f != NULL; f = xmpp_stanza_get_next(f)) {
		const char *var = xmpp_stanza_get_attribute(f, "var");
		int i;
		if (var == NULL || strcmp(xmpp_stanza_get_name(f), "feature") != 0)
			continue;
		si |= strcmp(var, NS_SI) == 0;
		ft |= strcmp(var, NS_SI_FT) == 0;
		for (i = 0; snd->methods[i] != 0; i++)
			m |= strcmp(var, method_ns(snd->methods[i])) == 0;
	}
	xmpp_stanza_release(r);
	log_debug("%s: si %d, file transfer %d, a usable method %d", jid, si, ft, m);
	return si && ft && m;
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

	if (snd->target.resource[0] != '\0') {
		snprintf(snd->peer, sizeof(snd->peer), "%s/%s", snd->target_bare,
			 snd->target.resource);
		session_presence(snd->s, snd->peer, NULL);
		return XE_OK;
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
		return xerr_set(err, XE_UNAVAILABLE, "%s is not available (no online resource "
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
			"file transfer (SI with %s)", snd->target_bare, method_name(snd->methods[0]));
}

static enum xerr_code sender_offer(struct sender *snd, struct source *src, const char *sid,
				   int *method, struct xerr *err)
{
	struct si_offer o;
	xmpp_stanza_t *r;
	char cond[64], text[256];
	int n, i;

	memset(&o, 0, sizeof(o));
	snprintf(o.sid, sizeof(o.sid), "%s", sid);
	snprintf(o.name, sizeof(o.name), "%s", src->name);
	o.size = src->size;
	source_date(src, o.date);
	snprintf(o.md5, sizeof(o.md5), "%s", src->md5);
	if (snd->o->desc != NULL)
		snprintf(o.desc, sizeof(o.desc), "%s", snd->o->desc);
	for (n = 0; snd->methods[n] != 0; n++)
		;
	r = session_iq_wait_cancel(snd->s, si_offer_build(session_ctx(snd->s), snd->peer, &o,
							   snd->methods, n),
				   (long)snd->o->timeout * 1000, &snd->peer_gone, err);
	if (r == NULL && snd->peer_gone)
		return xerr_set(err, XE_UNAVAILABLE, "%.300s went offline", snd->peer);
	if (r == NULL) {
		if (err->code == XE_TEMPFAIL)
			snprintf(err->msg, sizeof(err->msg), "%.300s did not answer the offer "
				 "within %d s", snd->peer, snd->o->timeout);
		return err->code;
	}
	if (strcmp(xmpp_stanza_get_type(r), "result") != 0) {
		session_error_of(r, cond, sizeof(cond), text, sizeof(text));
		xmpp_stanza_release(r);
		if (strcmp(cond, "forbidden") == 0 || strcmp(cond, "not-acceptable") == 0 ||
		    strcmp(cond, "not-allowed") == 0)
			return xerr_set(err, XE_UNAVAILABLE, "%s declined the file%s%s", snd->peer,
					text[0] ? ": " : "", text);
		if (strcmp(cond, "bad-request") == 0)
			return xerr_set(err, XE_UNAVAILABLE, "%s accepts none of the offered "
					"methods (%s)%s%s", snd->peer, snd->o->method != NULL
					? snd->o->method : "ibb", text[0] ? ": " : "", text);
		return xerr_set(err, session_condition_code(cond), "%s answered the offer with "
				"%s%s%s", snd->peer, cond, text[0] ? ": " : "", text);
	}
	*method = si_accept_parse(r);
	xmpp_stanza_release(r);
	for (i = 0; i < n && snd->methods[i] != *method; i++)
		;
	if (*method == 0 || i == n)
		return xerr_set(err, XE_PROTOCOL, "%s chose a stream method that was not "
				"offered", snd->peer);
	return XE_OK;
}

/* One offer and its stream. Returns 1 when the file arrived, 0 when a new
 * offer should be made with *block (see ibb_send_reoffer_block()), -1 on
 * failure (err set). */
static int sender_attempt(struct sender *snd, struct source *src, int *block, struct xerr *err)
{
	struct progress pr;
	unsigned char rnd[16];
	char sid[40];
	int method = 0, rc, i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		xerr_set(err, XE_SOFTWARE, "no randomness from OpenSSL");
		return -1;
	}
	for (i = 0; i < 16; i++)
		snprintf(sid + 2 * i, 3, "%02x", rnd[i]);
	if (sender_offer(snd, src, sid, &method, err) != XE_OK)
		return -1;
	log_debug("%s accepted %s with %s", snd->peer, src->name, method_name(method));
	progress_start(&pr, src->name, src->size, isatty(STDERR_FILENO) && log_enabled(LOG_WARN));
	snd->ibb = ibb_send_new(snd->s, snd->peer, sid, src, &pr, *block, snd->window,
				(long)snd->o->idle_timeout * 1000);
	if (snd->ibb == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return -1;
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
	progress_finish(&pr, rc == 1, method_name(method));
	/* A stream we give up on (local error, timeout, signal) is closed, so
	 * the receiver drops its partial file now, not after its idle timeout;
	 * unsent data would only delay the close. */
	if (rc < 0 && ibb_send_opened(snd->ibb) && !snd->peer_closed && !snd->peer_gone &&
	    session_connected(snd->s)) {
		session_drop_queue(snd->s);
		session_send(snd->s, ibb_close_build(session_ctx(snd->s), snd->peer, sid));
	}
	snd->peer_closed = 0;
	if (rc < 0 && ibb_send_reoffer_block(snd->ibb) > 0 && src->offset == 0) {
		*block = ibb_send_reoffer_block(snd->ibb);
		rc = 0;
	} else if (rc < 0) {
		const struct xerr *e = ibb_send_error(snd->ibb);
		xerr_set(err, e->code, "%s", e->msg);
	}
	ibb_send_free(snd->ibb);
	snd->ibb = NULL;
	return rc;
}

static enum xerr_code sender_file(struct sender *snd, const char *path, struct xerr *err)
{
	struct source *src = NULL;
	enum xerr_code code;
	int block = snd->block, tries, rc = -1;

	code = source_open(&src, path, err);
	if (code != XE_OK)
		return code;
	for (tries = 0; tries < 4; tries++) {
		rc = sender_attempt(snd, src, &block, err);
		if (rc != 0)
			break;
		log_info("%s refused a second open of the stream; offering %s again with "
			 "%d-byte blocks", snd->peer, src->name, block);
	}
	if (rc == 0)
		xerr_set(err, XE_PROTOCOL, "%s kept refusing the in-band bytestream", snd->peer);
	source_free(src);
	return rc == 1 ? XE_OK : err->code;
}

enum xerr_code send_run(struct account *acct, const struct xfer_opts *o, struct xerr *err)
{
	struct sender snd;
	const char *why;
	char bad[64];
	long long deadline;
	enum xerr_code rc, first = XE_OK;
	int i, failed = 0;

	memset(&snd, 0, sizeof(snd));
	snd.o = o;
	if (jid_parse(o->args[0], &snd.target, &why) < 0)
		return xerr_set(err, XE_USAGE, "'%s' is not a JID: %s", o->args[0], why);
	if (snd.target.local[0] == '\0')
		return xerr_set(err, XE_USAGE, "'%s' is not a user's JID (user@domain)", o->args[0]);
	jid_bare(&snd.target, snd.target_bare, sizeof(snd.target_bare));
	if (o->method != NULL)
		config_parse_methods(o->method, snd.methods, 4, bad);
	else if (acct->methods[0] != 0)
		memcpy(snd.methods, acct->methods, sizeof(snd.methods));
	else
		snd.methods[0] = METHOD_IBB;
	snd.block = acct->ibb_block_size > 0 ? acct->ibb_block_size : IBB_DEFAULT_BLOCK;
	snd.window = acct->ibb_window > 0 ? acct->ibb_window : IBB_DEFAULT_WINDOW;

	rc = account_resolve_password(acct, err);
	if (rc != XE_OK)
		return rc;
	deadline = session_now_ms() + (long long)o->timeout * 1000;
	rc = session_open(&snd.s, acct, (long)o->timeout * 1000, err);
	if (rc != XE_OK)
		return rc;
	session_add_feature(snd.s, NS_SI);
	session_add_feature(snd.s, NS_SI_FT);
	session_add_feature(snd.s, NS_IBB);
	session_on_presence(snd.s, sender_presence, &snd);
	session_route_iq(snd.s, NS_IBB, sender_ibb, &snd);
	{
		/* Available, but with a negative priority: messages to our bare
		 * JID should go to the user's real clients, not to us. */
		xmpp_stanza_t *p = xmpp_presence_new(session_ctx(snd.s));
		xmpp_stanza_t *prio = xmpp_stanza_new(session_ctx(snd.s));
		xmpp_stanza_t *t = xmpp_stanza_new(session_ctx(snd.s));
		xmpp_stanza_set_name(prio, "priority");
		xmpp_stanza_set_text(t, "-1");
		xmpp_stanza_add_child(prio, t);
		xmpp_stanza_add_child(p, prio);
		xmpp_stanza_release(t);
		xmpp_stanza_release(prio);
		session_send(snd.s, p);
	}
	rc = sender_find_peer(&snd, deadline, err);
	if (rc != XE_OK) {
		session_free(snd.s);
		return rc;
	}
	for (i = 1; i < o->nargs; i++) {
		struct xerr ferr;

		xerr_clear(&ferr);
		if (signals_caught()) {
			xerr_set(&ferr, XE_SIGNAL, "not sent: stopped by signal %d", signals_caught());
		} else if (snd.peer_gone) {
			xerr_set(&ferr, XE_UNAVAILABLE, "%s went offline", snd.peer);
		} else if (!session_connected(snd.s)) {
			xerr_set(&ferr, XE_UNAVAILABLE, "connection to the server lost");
		} else {
			rc = sender_file(&snd, o->args[i], &ferr);
			if (rc == XE_OK)
				continue;
		}
		log_error("%s: %s", o->args[i], ferr.msg);
		failed++;
		if (first == XE_OK)
			first = ferr.code;
	}
	session_free(snd.s);
	/* Each failure was reported above; for several files, count them. */
	if (failed > 0 && o->nargs > 2)
		xerr_set(err, first, "%d of %d files were not sent", failed, o->nargs - 1);
	else if (failed > 0)
		xerr_set(err, first, "%s", "");
	return first;
}
