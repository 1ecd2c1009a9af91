/* session_route.c — stanzas we receive, routed by kind and namespace,
 * and what we advertise; see session.h and session_int.h */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "log.h"
#include "session.h"
#include "session_int.h"
#include "stanza.h"

#define NS_DISCO_INFO_S "http://jabber.org/protocol/disco#info"
#define NS_PING "urn:xmpp:ping"

static void session_add_route(struct route *routes, const char *ns, session_stanza_fn fn,
			      void *arg)
{
	int i;

	for (i = 0; i < SESSION_ROUTES; i++) {
		if (routes[i].fn == NULL) {
			routes[i].ns = ns;
			routes[i].fn = fn;
			routes[i].arg = arg;
			return;
		}
	}
	log_error("internal error: too many stanza routes");
}

void session_route_iq(struct session *s, const char *ns, session_stanza_fn fn, void *arg)
{
	session_add_route(s->iq_routes, ns, fn, arg);
}

void session_on_presence(struct session *s, session_stanza_fn fn, void *arg)
{
	session_add_route(s->presence_routes, NULL, fn, arg);
}

void session_on_message(struct session *s, session_stanza_fn fn, void *arg)
{
	session_add_route(s->message_routes, NULL, fn, arg);
}

void session_add_feature(struct session *s, const char *var)
{
	int i;

	for (i = 0; i < SESSION_FEATURES; i++) {
		if (s->features[i] == NULL || strcmp(s->features[i], var) == 0) {
			s->features[i] = var;
			return;
		}
	}
}

/* Our XEP-0115 ver (features as added so far): 0, or -1. */
static int session_caps_ver(struct session *s, char ver[CAPS_VER_LEN])
{
	size_t n = 0;

	while (n < SESSION_FEATURES && s->features[n] != NULL)
		n++;
	return caps_ver("client", "console", "xfer", s->features, n, ver);
}

void session_presence(struct session *s, const char *to, const char *type)
{
	xmpp_stanza_t *p = xmpp_presence_new(s->ctx);
	char ver[CAPS_VER_LEN];

	if (to != NULL)
		xmpp_stanza_set_to(p, to);
	if (type != NULL)
		xmpp_stanza_set_type(p, type);
	if (type == NULL && session_caps_ver(s, ver) == 0) {
		/* Entity capabilities in every available presence. */
		xmpp_stanza_t *c = stanza_child(s->ctx, p, "c", NS_CAPS, NULL);
		xmpp_stanza_set_attribute(c, "hash", "sha-1");
		xmpp_stanza_set_attribute(c, "node", CAPS_NODE);
		xmpp_stanza_set_attribute(c, "ver", ver);
	}
	session_send(s, p);
}

/* An IQ answering req. (xmpp_stanza_reply() gives NULL for a stanza
 * without 'from', as pushes from our own server are.) */
static xmpp_stanza_t *session_reply_new(struct session *s, xmpp_stanza_t *req, const char *type)
{
	xmpp_stanza_t *r = xmpp_iq_new(s->ctx, type, xmpp_stanza_get_id(req));
	const char *from = xmpp_stanza_get_from(req);

	if (from != NULL)
		xmpp_stanza_set_to(r, from);
	return r;
}

void session_reply_result(struct session *s, xmpp_stanza_t *req, xmpp_stanza_t *child)
{
	xmpp_stanza_t *r = session_reply_new(s, req, "result");

	if (child != NULL)
		xmpp_stanza_add_child(r, child);
	session_send(s, r);
}

void session_reply_error(struct session *s, xmpp_stanza_t *req, const char *type,
			 const char *cond, const char *app_name, const char *app_ns,
			 const char *text)
{
	xmpp_stanza_t *r = session_reply_new(s, req, "error");
	xmpp_stanza_t *e = stanza_child(s->ctx, r, "error", NULL, NULL);

	xmpp_stanza_set_type(e, type);
	stanza_child(s->ctx, e, cond, NS_STANZAS, NULL);
	if (app_name != NULL)
		stanza_child(s->ctx, e, app_name, app_ns, NULL);
	if (text != NULL)
		stanza_child(s->ctx, e, "text", NS_STANZAS, text);
	session_send(s, r);
}

/* disco#info, on no node or on our caps node CAPS_NODE#ver (XEP-0115). */
static void session_disco_info(struct session *s, xmpp_stanza_t *req, const char *node)
{
	xmpp_stanza_t *r, *q, *id;
	char ver[CAPS_VER_LEN], mine[sizeof(CAPS_NODE) + CAPS_VER_LEN + 1];
	int i;

	if (node != NULL) {
		if (session_caps_ver(s, ver) < 0)
			ver[0] = '\0';
		snprintf(mine, sizeof(mine), "%s#%s", CAPS_NODE, ver);
		if (ver[0] == '\0' || strcmp(node, mine) != 0) {
			session_reply_error(s, req, "cancel", "item-not-found", NULL, NULL, NULL);
			return;
		}
	}
	r = session_reply_new(s, req, "result");
	q = stanza_child(s->ctx, r, "query", NS_DISCO_INFO_S, NULL);
	id = stanza_child(s->ctx, q, "identity", NULL, NULL);
	if (node != NULL)
		xmpp_stanza_set_attribute(q, "node", node);
	xmpp_stanza_set_attribute(id, "category", "client");
	xmpp_stanza_set_attribute(id, "type", "console");
	xmpp_stanza_set_attribute(id, "name", "xfer");
	for (i = 0; i < SESSION_FEATURES && s->features[i] != NULL; i++)
		xmpp_stanza_set_attribute(stanza_child(s->ctx, q, "feature", NULL, NULL), "var",
					  s->features[i]);
	session_send(s, r);
}

static int session_iq_dispatch(xmpp_conn_t *conn, xmpp_stanza_t *st, void *userdata)
{
	struct session *s = userdata;
	const char *type = xmpp_stanza_get_type(st);
	xmpp_stanza_t *child;
	const char *ns;
	int i;

	if (type == NULL || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
		return 1; /* results and errors go to the id handlers */
	child = xmpp_stanza_get_children(st);
	while (child != NULL && !xmpp_stanza_is_tag(child))
		child = xmpp_stanza_get_next(child);
	ns = child != NULL ? xmpp_stanza_get_ns(child) : NULL;
	if (ns != NULL && strcmp(type, "get") == 0 && strcmp(ns, NS_DISCO_INFO_S) == 0) {
		session_disco_info(s, st, xmpp_stanza_get_attribute(child, "node"));
		return 1;
	}
	if (ns != NULL && strcmp(type, "get") == 0 && strcmp(ns, NS_PING) == 0) {
		session_reply_result(s, st, NULL); /* XEP-0199: we are here */
		return 1;
	}
	if (ns != NULL && strcmp(type, "set") == 0 && strcmp(ns, "jabber:iq:roster") == 0) {
		/* A roster push: acknowledged when it is from our own account. */
		const char *from = xmpp_stanza_get_from(st);
		if (from == NULL || strcasecmp(from, s->bare) == 0)
			session_reply_result(s, st, NULL);
		else
			session_reply_error(s, st, "cancel", "service-unavailable", NULL, NULL, NULL);
		return 1;
	}
	for (i = 0; ns != NULL && i < SESSION_ROUTES && s->iq_routes[i].fn != NULL; i++)
		if (strcmp(s->iq_routes[i].ns, ns) == 0 &&
		    s->iq_routes[i].fn(s, st, s->iq_routes[i].arg))
			return 1;
	session_reply_error(s, st, "cancel", "service-unavailable", NULL, NULL, NULL);
	(void)conn;
	return 1;
}

static int session_hooks(struct session *s, struct route *routes, xmpp_stanza_t *st)
{
	int i;

	for (i = 0; i < SESSION_ROUTES && routes[i].fn != NULL; i++)
		if (routes[i].fn(s, st, routes[i].arg))
			break;
	return 1;
}

static int session_presence_dispatch(xmpp_conn_t *conn, xmpp_stanza_t *st, void *userdata)
{
	struct session *s = userdata;

	(void)conn;
	return session_hooks(s, s->presence_routes, st);
}

static int session_message_dispatch(xmpp_conn_t *conn, xmpp_stanza_t *st, void *userdata)
{
	struct session *s = userdata;

	(void)conn;
	return session_hooks(s, s->message_routes, st);
}

void session_route_start(struct session *s)
{
	xmpp_handler_add(s->conn, session_iq_dispatch, NULL, "iq", NULL, s);
	xmpp_handler_add(s->conn, session_presence_dispatch, NULL, "presence", NULL, s);
	xmpp_handler_add(s->conn, session_message_dispatch, NULL, "message", NULL, s);
	session_add_feature(s, NS_DISCO_INFO_S);
	session_add_feature(s, NS_CAPS);
	session_add_feature(s, NS_PING);
}
