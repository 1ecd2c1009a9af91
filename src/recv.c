/* recv.c — see recv.h */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibb.h"
#include "jid.h"
#include "log.h"
#include "negotiation.h"
#include "recv.h"
#include "si.h"
#include "signals.h"
#include "sink.h"
#include "transport.h"

static const char *recv_method(const struct transfer *t)
{
	return t->tr != NULL ? t->tr->name : "s5b";
}

int receiver_allowed(const struct receiver *r, const char *from)
{
	return from != NULL && jid_allowed(r->allow, from);
}

void receiver_forget(struct receiver *r, struct transfer *t)
{
	struct transfer **pp;

	for (pp = &r->rxs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	/* Whatever t still owns goes with it: a file not delivered is removed. */
	job_finish(&t->job);
	if (t->tr != NULL && t->tr->stop != NULL)
		t->tr->stop(t);
	sink_abort(t->sink);
	if (t->pr_started)
		progress_finish(&t->pr, 0, recv_method(t));
	if (t->iq != NULL)
		xmpp_stanza_release(t->iq);
	free(t->np);
	free(t);
}

const char *receiver_peer_text(const struct xerr *e)
{
	if (e->flags & XF_POLICY)
		return e->msg;
	return e->code == XE_IO || e->code == XE_CANTCREAT ? "the receiver cannot store the file"
	     : e->msg;
}

void receiver_fail(struct receiver *r, struct transfer *t, const struct xerr *e, int tell_peer)
{
	char name[SINK_NAME_MAX + 1];

	if (t->job.started) {
		/* Stopping may catch a worker committing the file: if it did,
		 * the file is delivered, not failed. */
		job_finish(&t->job);
		if (t->job.err.code == XE_OK && t->tr != NULL && t->tr->delivered != NULL &&
		    t->tr->delivered(t) != NULL) {
			t->tr->poll(r, t);
			return;
		}
	}
	if (t->pr_started) /* the bar ends before the error line */
		progress_finish(&t->pr, 0, recv_method(t));
	t->pr_started = 0;
	if (tell_peer && t->tr != NULL && t->tr->hang_up != NULL && session_connected(r->s))
		t->tr->hang_up(r, t);
	if (t->neg != NULL)
		t->neg->refuse(r, t, e);
	else if (t->tr != NULL && t->tr->refuse != NULL)
		t->tr->refuse(r, t, e);
	log_error("%s from %s: %s", log_printable(t->safe, name, sizeof(name)), t->peer, e->msg);
	xerr_set(&r->first, e->code, "%s from %s: %s", t->safe, t->peer, e->msg);
	r->handled++;
	receiver_forget(r, t);
}

void receiver_fail_with(struct receiver *r, struct transfer *t, enum xerr_code code,
			const char *why, int tell_peer)
{
	struct xerr e;

	xerr_clear(&e);
	xerr_set(&e, code, "%s", why);
	receiver_fail(r, t, &e, tell_peer);
}

struct transfer *receiver_find(struct receiver *r, const char *from, const char *sid)
{
	struct transfer *t;

	for (t = r->rxs; t != NULL; t = t->next)
		if (from != NULL && strcmp(t->peer, from) == 0 && strcmp(t->sid, sid) == 0)
			return t;
	return NULL;
}

/* Presence: subscriptions of allowed senders are approved; a sender going
 * offline ends its transfers that need its XMPP session. */
static int recv_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	struct transfer *t, *next;
	struct jid j;
	char bare[2100];

	if (from == NULL || type == NULL || jid_parse(from, &j, NULL) < 0)
		return 1;
	jid_bare(&j, bare, sizeof(bare));
	if (strcmp(type, "subscribe") == 0) {
		if (receiver_allowed(r, bare)) {
			log_info("approving the presence subscription of %s", bare);
			session_presence(s, bare, "subscribed");
		} else {
			log_info("refusing the presence subscription of %s (not allowed)", bare);
			session_presence(s, bare, "unsubscribed");
		}
	} else if (strcmp(type, "unavailable") == 0) {
		for (t = r->rxs; t != NULL; t = next) {
			next = t->next;
			/* A bytestream or an HTTP fetch does not need the
			 * sender's XMPP session: its worker decides. */
			if (strcmp(t->peer, from) == 0 && !t->job.started)
				receiver_fail_with(r, t, XE_UNAVAILABLE, "the sender went offline", 0);
		}
	}
	return 1;
}

/* IBB data may come in messages (XEP-0047 stanza='message'). */
static int recv_message(struct session *s, xmpp_stanza_t *st, void *arg)
{
	size_t i;

	for (i = 0; transport_all[i] != NULL; i++)
		if (transport_all[i]->on_recv_message != NULL &&
		    transport_all[i]->on_recv_message(s, st, arg))
			return 1;
	return 0;
}

static int receiver_count(const struct receiver *r, long long *reserved)
{
	const struct transfer *t;
	int n = 0;

	*reserved = 0;
	for (t = r->rxs; t != NULL; t = t->next) {
		/* What each still has to write: a worker's sink (S5B data,
		 * OOB) is counted through the job's atomic progress. Sizes are
		 * the peers': each term is clamped, the sum saturates. */
		long long left = t->size - (t->sink != NULL ? sink_bytes(t->sink)
					    : atomic_load(&t->job.bytes));
		n++;
		if (left > 0)
			*reserved = left > LLONG_MAX - *reserved ? LLONG_MAX : *reserved + left;
	}
	return n;
}

enum xerr_code receiver_open_sink(struct receiver *r, struct transfer *t, long long reserved,
				  struct xerr *err)
{
	if (r->max_size >= 0 && t->size > r->max_size) {
		xerr_set(err, XE_CANTCREAT, "the file has %lld bytes, more than max_size (%lld)",
			 t->size, r->max_size);
		return xerr_flag(err, XF_POLICY);
	}
	if (sink_check_space(r->dir, t->size, reserved, err) != XE_OK)
		return err->code;
	return sink_open(&t->sink, r->dir, t->safe, t->size, t->halg, err);
}

enum xerr_code receiver_reserve(struct receiver *r, struct transfer *t, long long size,
				struct xerr *err)
{
	long long reserved;

	receiver_count(r, &reserved);
	if (sink_check_space(r->dir, size, reserved, err) != XE_OK)
		return err->code;
	t->size = size;
	return XE_OK;
}

void receiver_name(struct transfer *t, const char *offered)
{
	char shown[SINK_NAME_MAX + 1];

	if (sink_sanitize_name(offered, t->safe))
		log_info("offered name \"%s\" is saved as \"%s\"",
			 log_printable(offered, shown, sizeof(shown)), t->safe);
}

struct transfer *receiver_admit(struct receiver *r, xmpp_stanza_t *st, const char *from,
				const char *name, long long *reserved)
{
	int active = receiver_count(r, reserved);
	char shown[SINK_NAME_MAX + 1];
	struct transfer *t;

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
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		session_reply_error(r->s, st, "wait", "resource-constraint", NULL, NULL, NULL);
		return NULL;
	}
	transfer_init(t, ROLE_RECV, r->s);
	t->start_ms = t->last_ms = session_now_ms();
	snprintf(t->peer, sizeof(t->peer), "%s", from);
	return t;
}

int receiver_may(const struct transfer *t, int m)
{
	int i, listed = 0;

	for (i = 0; i < t->nmethods; i++)
		listed |= t->methods[i] == m;
	if (!listed)
		return 0;
	if (t->state == TS_OFFERED)
		return 1;
	/* si-multiple: another method after a transport that carried
	 * nothing, or while we still try streamhosts and the sender
	 * stopped waiting. */
	return t->multiple && t->tr != NULL && t->tr != transport_of(m) && t->tr->untouched(t);
}

enum xerr_code receiver_switch(struct receiver *r, struct transfer *t, struct xerr *err)
{
	if (t->state == TS_CONNECTING && t->neg != NULL)
		t->neg->s5b_report(r, t, S5B_ABANDONED, -1, NULL);
	job_finish(&t->job);
	if (t->tr != NULL && t->tr->stop != NULL)
		t->tr->stop(t);
	if (t->pr_started)
		progress_finish(&t->pr, 0, recv_method(t));
	t->pr_started = 0;
	t->tr = NULL;
	t->state = TS_OFFERED;
	if (t->sink == NULL)
		return sink_open(&t->sink, r->dir, t->safe, t->size, t->halg, err);
	return XE_OK;
}

void receiver_method_failed(struct receiver *r, struct transfer *t, int m)
{
	int i, n = 0;

	(void)r;
	for (i = 0; i < t->nmethods; i++)
		if (t->methods[i] != m)
			t->methods[n++] = t->methods[i];
	t->nmethods = n;
	job_finish(&t->job);
	if (t->tr != NULL && t->tr->stop != NULL)
		t->tr->stop(t);
	t->tr = NULL;
	t->state = TS_OFFERED;
	t->last_ms = session_now_ms();
}

void receiver_add(struct receiver *r, struct transfer *t)
{
	t->next = r->rxs;
	r->rxs = t;
}

void receiver_done(struct receiver *r, struct transfer *t, const char *path)
{
	char shown[4096];
	struct receiver_delivery d;
	long long ms = session_now_ms() - t->start_ms;

	if (t->pr_started)
		progress_finish(&t->pr, 0, recv_method(t)); /* the "received" line says it */
	t->pr_started = 0;
	d.path = path;
	d.name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	d.peer = t->peer;
	d.method = recv_method(t);
	d.bytes = t->size;
	log_printable(path, shown, sizeof(shown));
	log_info("received %s from %s via %s: %lld bytes in %.1f s (%.1f MB/s) -> %s", t->safe,
		 t->peer, d.method, d.bytes, (double)ms / 1000,
		 ms > 0 ? (double)d.bytes / 1000.0 / (double)ms : 0.0, shown);
	if (r->print_paths) {
		printf("%s\n", shown);
		fflush(stdout);
	}
	if (t->neg != NULL && t->neg->delivered != NULL)
		t->neg->delivered(r, t);
	r->handled++;
	r->delivered++;
	if (r->delivered_fn != NULL)
		r->delivered_fn(r->delivered_arg, &d);
	receiver_forget(r, t);
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
		transport_order(r->order);
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
	 * our disco#info offers nothing we would refuse. */
	size_t i, k;

	r->s = s;
	for (i = 0; negotiation_all[i] != NULL; i++)
		for (k = 0; negotiation_all[i]->features[k] != NULL; k++)
			session_add_feature(s, negotiation_all[i]->features[k]);
	for (i = 0; transport_all[i] != NULL; i++) {
		if (!(r->methods & (unsigned)transport_all[i]->method))
			continue;
		session_add_feature(s, transport_all[i]->feature);
		if (transport_all[i]->jingle_feature != NULL)
			session_add_feature(s, transport_all[i]->jingle_feature);
	}
	session_on_presence(s, recv_presence, r);
	session_on_message(s, recv_message, r);
	for (i = 0; negotiation_all[i] != NULL; i++)
		session_route_iq(s, negotiation_all[i]->ns, negotiation_all[i]->on_recv_iq, r);
	for (i = 0; transport_all[i] != NULL; i++)
		if (transport_all[i]->ns != NULL)
			session_route_iq(s, transport_all[i]->ns, transport_all[i]->on_recv_stanza, r);
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
	struct transfer *t, *next;
	int busy = 0, fast = 0;

	for (t = r->rxs; t != NULL; t = next) {
		next = t->next;
		if (t->job.started) {
			/* Workers keep their own time limits. */
			busy = 1;
			t->tr->poll(r, t);
			continue;
		}
		fast |= t->poll_ms == 1;
		if (now - t->last_ms > r->idle_ms)
			receiver_fail_with(r, t, XE_TEMPFAIL, t->state == TS_DATA ? "no data for too "
					   "long (--idle-timeout)" : "the stream was never opened", 1);
	}
	/* libstrophe 0.12 sleeps its full timeout even when TLS holds
	 * bytes it has not parsed yet: keep it short while data flows.
	 * (Measured, 32 MiB on a local Prosody: 5 ms 13.8 s, 1 ms 10.1 s;
	 * a poll()-then-run_once(0) loop 11.6 s; 0 ms spins, 18.5 s.) */
	session_run(r->s, fast ? 1 : busy ? 5 : r->rxs != NULL ? 1 : 100);
}

int receiver_active(const struct receiver *r)
{
	long long reserved;

	return receiver_count(r, &reserved);
}

void receiver_close(struct receiver *r)
{
	r->closing = 1;
}

void receiver_end_all(struct receiver *r, enum xerr_code code, const char *why)
{
	while (r->rxs != NULL)
		receiver_fail_with(r, r->rxs, code, why, 1);
}

void receiver_detach(struct receiver *r)
{
	/* The connection is gone: nothing can be answered any more. */
	while (r->rxs != NULL)
		receiver_fail_with(r, r->rxs, XE_TEMPFAIL, "the connection to the server was lost", 0);
	r->s = NULL;
}

void receiver_free(struct receiver *r)
{
	if (r == NULL)
		return;
	while (r->rxs != NULL)
		receiver_forget(r, r->rxs);
	free(r->buf);
	free(r->allow);
	free(r->dir);
	free(r);
}


/* Why recv stopped, and its verdict, once the loop is over; answers what
 * is already on its way before disconnecting. */
static enum xerr_code recv_finish(struct receiver *r, struct session *s,
				  const struct xfer_opts *o, struct xerr *err)
{
	struct xerr end;
	int failed = r->handled - r->delivered;

	xerr_clear(&end);
	if (signals_caught())
		xerr_set(&end, XE_SIGNAL, "stopped by signal %d", signals_caught());
	else if (r->handled < o->count && !session_connected(s))
		xerr_set(&end, XE_UNAVAILABLE, "connection to the server lost");
	else if (r->handled < o->count)
		xerr_set(&end, XE_TEMPFAIL, "%d of %d file%s arrived within %d s", r->delivered,
			 o->count, o->count == 1 ? "" : "s", o->timeout);
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
	return err->code;
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
	rc = recv_finish(r, s, o, err);
	session_free(s);
	receiver_free(r);
	return rc;
}
