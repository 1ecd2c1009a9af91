/* session_iq.c — IQs we send and their answers; see session.h and
 * session_int.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jid.h"
#include "log.h"
#include "session.h"
#include "session_int.h"
#include "stanza.h"

xmpp_stanza_t *session_query(struct session *s, const char *type, const char *to, const char *ns)
{
	xmpp_stanza_t *iq = xmpp_iq_new(s->ctx, type, NULL);

	if (to != NULL)
		xmpp_stanza_set_to(iq, to);
	stanza_child(s->ctx, iq, "query", ns, NULL);
	return iq;
}

/* A reply counts only if it comes from where the request went. */
static int session_reply_from_ok(struct session *s, const struct pending_iq *p,
				 const char *from)
{
	if (p->to != NULL)
		return from != NULL && strcasecmp(from, p->to) == 0;
	return from == NULL || strcasecmp(from, s->bare) == 0 ||
	       strcasecmp(from, s->domain) == 0 || strcmp(from, s->jid) == 0;
}

static int session_iq_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata)
{
	struct pending_iq *p = userdata;
	struct session *s = p->s;
	struct pending_iq **pp;
	const char *type = xmpp_stanza_get_type(stanza);

	if (type == NULL || (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
		return 1;
	if (!session_reply_from_ok(s, p, xmpp_stanza_get_from(stanza))) {
		log_debug("ignoring reply to %s from unexpected sender %s", p->id,
			  xmpp_stanza_get_from(stanza));
		return 1;
	}
	for (pp = &s->pending; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	p->cb(s, stanza, p->arg);
	free(p->to);
	free(p);
	(void)conn;
	return 0;
}

void session_iq_fail_pending(struct session *s)
{
	while (s->pending != NULL) {
		struct pending_iq *p = s->pending;

		s->pending = p->next;
		xmpp_id_handler_delete(s->conn, session_iq_reply, p->id);
		p->cb(s, NULL, p->arg);
		free(p->to);
		free(p);
	}
}

void session_iq(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
		session_iq_cb cb, void *arg)
{
	struct pending_iq *p = calloc(1, sizeof(*p));
	const char *to = xmpp_stanza_get_to(iq);

	if (p != NULL && to != NULL)
		p->to = strdup(to);
	if (p == NULL || (to != NULL && p->to == NULL) || s->state != SS_CONNECTED) {
		free(p != NULL ? p->to : NULL);
		free(p);
		xmpp_stanza_release(iq);
		cb(s, NULL, arg);
		return;
	}
	p->s = s;
	p->cb = cb;
	p->arg = arg;
	p->deadline = session_now_ms() + timeout_ms;
	if (xmpp_stanza_get_id(iq) == NULL)
		xmpp_stanza_set_id(iq, session_new_id(s, p->id));
	else
		snprintf(p->id, sizeof(p->id), "%s", xmpp_stanza_get_id(iq));
	p->next = s->pending;
	s->pending = p;
	xmpp_id_handler_add(s->conn, session_iq_reply, p->id, p);
	xmpp_send(s->conn, iq);
	xmpp_stanza_release(iq);
}

void session_iq_keep(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct session_reply *r = arg;

	(void)s;
	r->done = 1;
	r->reply = reply != NULL ? xmpp_stanza_copy(reply) : NULL;
}

void session_iq_forget(struct session *s, void *arg)
{
	struct pending_iq **pp = &s->pending;

	while (*pp != NULL) {
		struct pending_iq *p = *pp;

		if (p->arg != arg) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		xmpp_id_handler_delete(s->conn, session_iq_reply, p->id);
		free(p->to);
		free(p);
	}
}

struct iq_wait {
	int done;
	xmpp_stanza_t *reply;
};

static void session_iq_wait_cb(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct iq_wait *w = arg;

	w->done = 1;
	w->reply = reply != NULL ? xmpp_stanza_copy(reply) : NULL;
	(void)s;
}

xmpp_stanza_t *session_iq_wait(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
			       struct xerr *err)
{
	return session_iq_wait_cancel(s, iq, timeout_ms, NULL, err);
}

xmpp_stanza_t *session_iq_wait_cancel(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
				      const int *cancel, struct xerr *err)
{
	struct iq_wait w = { 0, NULL };
	char what[3 * JID_PART_MAX + 3];

	snprintf(what, sizeof(what), "%s", xmpp_stanza_get_to(iq) != NULL
		 ? xmpp_stanza_get_to(iq) : s->domain);
	session_iq(s, iq, timeout_ms, session_iq_wait_cb, &w);
	while (!w.done && (cancel == NULL || !*cancel))
		session_run(s, 50);
	if (!w.done) {
		session_iq_forget(s, &w);
		xerr_set(err, XE_UNAVAILABLE, "stopped waiting for the answer of %s", what);
		return NULL;
	}
	if (w.reply == NULL) {
		if (s->state != SS_CONNECTED)
			xerr_set(err, XE_UNAVAILABLE, "connection to %s lost", s->peer);
		else
			xerr_set(err, XE_TEMPFAIL, "%s did not answer within %ld s", what,
				 timeout_ms / 1000);
	}
	return w.reply;
}

void session_iq_expire(struct session *s)
{
	long long now = session_now_ms();
	struct pending_iq **pp = &s->pending;

	while (*pp != NULL) {
		struct pending_iq *p = *pp;

		if (p->deadline > now) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		xmpp_id_handler_delete(s->conn, session_iq_reply, p->id);
		log_debug("IQ %s to %s timed out", p->id, p->to != NULL ? p->to : s->domain);
		p->cb(s, NULL, p->arg);
		free(p->to);
		free(p);
		pp = &s->pending; /* the callback may have changed the list */
	}
}

enum xerr_code session_condition_code(const char *cond)
{
	static const char *const refused[] = {
		"forbidden", "not-acceptable", "not-allowed", "not-authorized",
		"service-unavailable", "recipient-unavailable", "item-not-found",
		"remote-server-not-found", "remote-server-timeout", "resource-constraint",
		"gone", "redirect",
	};
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(cond, refused[i]) == 0)
			return XE_UNAVAILABLE;
	return XE_PROTOCOL;
}

void session_error_of(xmpp_stanza_t *st, char *cond, size_t clen, char *text, size_t tlen)
{
	xmpp_stanza_t *e = st != NULL ? xmpp_stanza_get_child_by_name(st, "error") : NULL;
	xmpp_stanza_t *c;

	snprintf(cond, clen, "%s", st == NULL ? "no answer" : "undefined-condition");
	if (tlen > 0)
		text[0] = '\0';
	for (c = e != NULL ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	     c = xmpp_stanza_get_next(c)) {
		const char *ns = xmpp_stanza_get_ns(c);
		if (!xmpp_stanza_is_tag(c) || ns == NULL || strcmp(ns, NS_STANZAS) != 0)
			continue;
		if (strcmp(xmpp_stanza_get_name(c), "text") == 0) {
			char *t = xmpp_stanza_get_text(c);
			if (t != NULL) {
				snprintf(text, tlen, "%s", t);
				xmpp_free(xmpp_stanza_get_context(st), t);
			}
		} else {
			snprintf(cond, clen, "%s", xmpp_stanza_get_name(c));
		}
	}
}
