/* session.c — see session.h */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <netdb.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "clock.h"
#include "jid.h"
#include "log.h"
#include "caps.h"
#include "session.h"
#include "signals.h"
#include "stanza.h"

enum session_state { SS_CONNECTING, SS_CONNECTED, SS_CLOSED };

struct pending_iq {
	struct session *s;
	char id[32];
	char *to;		/* the JID the request went to; NULL: our server */
	long long deadline;
	session_iq_cb cb;
	void *arg;
	struct pending_iq *next;
};

#define SESSION_ROUTES 8
#define SESSION_FEATURES 16

struct route {
	const char *ns;		/* NULL: presence or message hook */
	session_stanza_fn fn;
	void *arg;
};

struct session {
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;
	xmpp_log_t log;
	enum session_state state;
	enum tls_mode tls;
	int fd;
	unsigned long idseq;
	char jid[3 * JID_PART_MAX + 3];
	char bare[2 * JID_PART_MAX + 2];
	char domain[JID_PART_MAX + 1];
	char peer[JID_PART_MAX + 64];

	/* What went wrong, noted as it happens; classified in session_open(). */
	int conn_error;
	int have_stream_error;
	xmpp_error_type_t stream_error;
	char stream_error_text[256];
	int cert_failed;
	char cert_error[256];
	int auth_failed;
	int tls_unsupported;
	int sm_offered;
	int sm_enabled;

	struct pending_iq *pending;
	struct route iq_routes[SESSION_ROUTES];
	struct route presence_routes[SESSION_ROUTES];
	struct route message_routes[SESSION_ROUTES];
	const char *features[SESSION_FEATURES];
	struct session *next;	/* all live sessions, for the certfail hook */
};

static struct session *session_all;

/* libstrophe's allocator. It keeps copies of the password (the connection's
 * and SASL buffers) and frees them without wiping; every block it frees
 * goes through here and is cleared first. The size is kept in a header. */
#define SESSION_MEM_HEADER 16	/* keeps the block 16-byte aligned */

static void *session_mem_alloc(const size_t size, void *userdata)
{
	unsigned char *p = malloc(size + SESSION_MEM_HEADER);

	(void)userdata;
	if (p == NULL)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + SESSION_MEM_HEADER;
}

static void session_mem_free(void *ptr, void *userdata)
{
	unsigned char *p = ptr;
	size_t size;

	(void)userdata;
	if (p == NULL)
		return;
	p -= SESSION_MEM_HEADER;
	memcpy(&size, p, sizeof(size));
	explicit_bzero(p, size + SESSION_MEM_HEADER);
	free(p);
}

static void *session_mem_realloc(void *ptr, const size_t size, void *userdata)
{
	void *n;
	size_t old;

	if (ptr == NULL)
		return session_mem_alloc(size, userdata);
	n = session_mem_alloc(size, userdata);
	if (n == NULL)
		return NULL;
	memcpy(&old, (unsigned char *)ptr - SESSION_MEM_HEADER, sizeof(old));
	memcpy(n, ptr, old < size ? old : size);
	session_mem_free(ptr, userdata);
	return n;
}

static const xmpp_mem_t session_mem = {
	session_mem_alloc, session_mem_free, session_mem_realloc, NULL
};

long long session_now_ms(void)
{
	return clock_ms();
}

static struct session *session_of(const xmpp_conn_t *conn)
{
	struct session *s;

	for (s = session_all; s != NULL; s = s->next)
		if (s->conn == conn)
			return s;
	return NULL;
}

/* libstrophe's log: the only place its stream features and SASL outcome can
 * be seen. SASL payloads (which carry the password, or material derived
 * from it) are never passed on. */
static void session_log(void *userdata, xmpp_log_level_t level, const char *area,
			const char *msg)
{
	struct session *s = userdata;

	if (strncmp(msg, "RECV: <", 7) == 0 && strstr(msg, "urn:xmpp:sm:3") != NULL) {
		if (strncmp(msg + 7, "features", 8) == 0 || strncmp(msg + 7, "stream:features", 15) == 0)
			s->sm_offered = 1;
		else if (strncmp(msg + 7, "enabled", 7) == 0)
			s->sm_enabled = 1;
	}
	if (strncmp(msg, "SASL ", 5) == 0 && strstr(msg, "auth failed") != NULL)
		s->auth_failed = 1;
	if (strncmp(msg, "TLS is not supported", 20) == 0)
		s->tls_unsupported = 1;
	/* 0.12 does not pass the connect errno to the connection handler. */
	if (strncmp(msg, "connection failed, error ", 25) == 0 && s->conn_error == 0)
		s->conn_error = atoi(msg + 25);
	/* Nor does it always call the certfail handler; its log names the
	 * OpenSSL verify result: "...FAILED, result=NAME(18)". */
	if (strncmp(msg, "Certificate verification FAILED", 31) == 0 && !s->cert_failed &&
	    s->tls == TLS_REQUIRED) { /* with tls = trust, the failure is overridden */
		const char *num = strrchr(msg, '(');
		s->cert_failed = 1;
		snprintf(s->cert_error, sizeof(s->cert_error), "%s", num != NULL
			 ? X509_verify_cert_error_string(atol(num + 1)) : "verification failed");
	}
	if (!log_enabled(LOG_TRACE))
		return;
	if (strstr(msg, "xmpp-sasl") != NULL || strncmp(msg, "SENT: <auth", 11) == 0 ||
	    strncmp(msg, "SENT: <response", 15) == 0 || strncasecmp(area, "sasl", 4) == 0 ||
	    strncasecmp(area, "scram", 5) == 0 || strstr(msg, "AUTHENTICATE") != NULL) {
		log_trace("%s: [SASL exchange, content not shown]", area);
		return;
	}
	log_trace("%s: %s", area, msg);
	(void)level;
}

static int session_certfail(const xmpp_tlscert_t *cert, const char *const errormsg)
{
	struct session *s = session_of(xmpp_tlscert_get_conn(cert));

	if (s != NULL) {
		s->cert_failed = 1;
		snprintf(s->cert_error, sizeof(s->cert_error), "%s",
			 errormsg != NULL ? errormsg : "verification failed");
	}
	return 0; /* never connect to a server we cannot verify */
}

static int session_sockopt(xmpp_conn_t *conn, void *sockp)
{
	struct session *s = session_of(conn);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN];
	int fd = *(int *)sockp;

	if (s != NULL) {
		s->fd = fd;
		if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
			if (ss.ss_family == AF_INET6) {
				struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
				inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
				snprintf(s->peer, sizeof(s->peer), "%s port %u", addr,
					 ntohs(a->sin6_port));
			} else if (ss.ss_family == AF_INET) {
				struct sockaddr_in *a = (struct sockaddr_in *)&ss;
				inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
				snprintf(s->peer, sizeof(s->peer), "%s port %u", addr,
					 ntohs(a->sin_port));
			}
		}
	}
	return xmpp_sockopt_cb_keepalive(conn, sockp);
}

static int session_iq_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata);

static void session_fail_pending(struct session *s)
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

static void session_conn_event(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
			       xmpp_stream_error_t *stream_error, void *userdata)
{
	struct session *s = userdata;

	if (event == XMPP_CONN_CONNECT) {
		s->state = SS_CONNECTED;
		log_debug("logged in as %s", xmpp_conn_get_bound_jid(conn));
		return;
	}
	if (event == XMPP_CONN_RAW_CONNECT)
		return;
	if (error != 0 && s->conn_error == 0)
		s->conn_error = error;
	if (stream_error != NULL && !s->have_stream_error) {
		s->have_stream_error = 1;
		s->stream_error = stream_error->type;
		snprintf(s->stream_error_text, sizeof(s->stream_error_text), "%s",
			 stream_error->text != NULL ? stream_error->text : "");
	}
	if (s->state == SS_CONNECTED)
		log_debug("disconnected from %s", s->peer);
	s->state = SS_CLOSED;
	session_fail_pending(s);
}

static const char *stream_error_name(xmpp_error_type_t t)
{
	static const char *const names[] = {
		"bad-format", "bad-namespace-prefix", "conflict", "connection-timeout",
		"host-gone", "host-unknown", "improper-addressing", "internal-server-error",
		"invalid-from", "invalid-id", "invalid-namespace", "invalid-xml",
		"not-authorized", "policy-violation", "remote-connection-failed",
		"resource-constraint", "restricted-xml", "see-other-host", "system-shutdown",
		"undefined-condition", "unsupported-encoding", "unsupported-stanza-type",
		"unsupported-version", "xml-not-well-formed",
	};
	if ((size_t)t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return "unknown";
}

/* libstrophe does not say why it could not connect; when the cause is
 * that the host does not resolve, say so. */
static enum xerr_code session_resolve_error(const struct account *acct, struct session *s,
					    struct xerr *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int rc;

	if (acct->host == NULL)
		return XE_OK; /* SRV lookup: no single name to blame */
	rc = getaddrinfo(acct->host, NULL, &hints, &res);
	if (res != NULL)
		freeaddrinfo(res);
	if (rc == 0)
		return XE_OK;
	return xerr_set(err, rc == EAI_AGAIN ? XE_TEMPFAIL : XE_UNAVAILABLE,
			"cannot connect to %s: cannot resolve the host name: %s "
			"(check 'host' in the config)", s->peer, gai_strerror(rc));
}

/* One error for whatever ended the login. */
static enum xerr_code session_login_error(struct session *s, const struct account *acct,
					  struct xerr *err)
{
	/* Authentication comes after TLS worked: it is the more precise verdict. */
	if (s->auth_failed || (s->have_stream_error && s->stream_error == XMPP_SE_NOT_AUTHORIZED))
		return xerr_set(err, XE_NOPERM, "authentication failed for %s", acct->jid);
	if (s->cert_failed)
		return xerr_set(err, XE_NOPERM, "TLS certificate of %s is not trusted (%s); "
				"if this is the right server, set 'cafile' in the config to "
				"its certificate or CA", s->peer, s->cert_error);
	if (s->tls_unsupported)
		return xerr_set(err, XE_NOPERM, "%s does not offer TLS, and the account "
				"requires it (tls = off is allowed for loopback servers only)",
				s->peer);
	if (s->have_stream_error) {
		if (s->stream_error == XMPP_SE_HOST_UNKNOWN)
			return xerr_set(err, XE_UNAVAILABLE, "%s does not serve the domain %s "
					"(host-unknown)", s->peer, s->domain);
		return xerr_set(err, XE_PROTOCOL, "%s closed the stream during login: %s%s%s",
				s->peer, stream_error_name(s->stream_error),
				s->stream_error_text[0] != '\0' ? ": " : "",
				s->stream_error_text);
	}
	if (s->conn_error == ETIMEDOUT)
		return xerr_set(err, XE_TEMPFAIL, "cannot connect to %s: %s", s->peer,
				strerror(s->conn_error));
	if (s->conn_error != 0)
		return xerr_set(err, XE_UNAVAILABLE, "cannot connect to %s: %s", s->peer,
				strerror(s->conn_error));
	if (session_resolve_error(acct, s, err) != XE_OK)
		return err->code;
	return xerr_set(err, XE_UNAVAILABLE, "connection to %s closed during login", s->peer);
}

#define NS_DISCO_INFO_S "http://jabber.org/protocol/disco#info"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
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

void session_send(struct session *s, xmpp_stanza_t *st)
{
	char id[32];

	/* RFC 6120 8.1.3: every IQ has an id; servers drop one without. */
	if (xmpp_stanza_get_id(st) == NULL && strcmp(xmpp_stanza_get_name(st), "iq") == 0)
		xmpp_stanza_set_id(st, session_new_id(s, id));
	if (s->state == SS_CONNECTED)
		xmpp_send(s->conn, st);
	xmpp_stanza_release(st);
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

enum xerr_code session_open(struct session **out, const struct account *acct,
			    long timeout_ms, struct xerr *err)
{
	struct session *s;
	struct jid j;
	unsigned char rnd[3];
	long flags = 0;
	long long deadline;
	enum xerr_code rc;

	*out = NULL;
	if (jid_parse(acct->jid, &j, NULL) < 0)
		return xerr_set(err, XE_CONFIG, "invalid jid '%s'", acct->jid);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	s->fd = -1;
	s->tls = acct->tls;
	s->state = SS_CONNECTING;
	jid_bare(&j, s->bare, sizeof(s->bare));
	snprintf(s->domain, sizeof(s->domain), "%s", j.domain);
	if (acct->host != NULL)
		snprintf(s->peer, sizeof(s->peer), "%s port %u", acct->host,
			 acct->port != 0 ? acct->port : 5222);
	else if (acct->port != 0)
		snprintf(s->peer, sizeof(s->peer), "%s port %u", j.domain, acct->port);
	else
		snprintf(s->peer, sizeof(s->peer), "the server of %s", j.domain);
	if (acct->resource != NULL) {
		snprintf(s->jid, sizeof(s->jid), "%s/%s", s->bare, acct->resource);
	} else {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			free(s);
			return xerr_set(err, XE_SOFTWARE, "no randomness from OpenSSL");
		}
		snprintf(s->jid, sizeof(s->jid), "%s/xfer-%02x%02x%02x", s->bare,
			 rnd[0], rnd[1], rnd[2]);
	}

	s->log.handler = session_log;
	s->log.userdata = s;
	s->ctx = xmpp_ctx_new(&session_mem, &s->log);
	s->conn = s->ctx != NULL ? xmpp_conn_new(s->ctx) : NULL;
	if (s->conn == NULL) {
		session_free(s);
		return xerr_set(err, XE_SOFTWARE, "cannot create an XMPP connection object");
	}
	s->next = session_all;
	session_all = s;

	switch (acct->tls) {
	case TLS_REQUIRED: flags = XMPP_CONN_FLAG_MANDATORY_TLS; break;
	case TLS_TRUST:    flags = XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_TRUST_TLS; break;
	case TLS_OFF:      flags = XMPP_CONN_FLAG_DISABLE_TLS; break;
	}
	/* No stream management: xfer never resumes a session, and a resumable
	 * one makes the server hide our disconnection from the peer (its
	 * session hibernates, no unavailable presence is sent); libstrophe
	 * would also add an <r/> after every stanza we send. */
	xmpp_conn_set_flags(s->conn, flags | XMPP_CONN_FLAG_DISABLE_SM);
	if (acct->cafile != NULL)
		xmpp_conn_set_cafile(s->conn, acct->cafile);
	xmpp_conn_set_certfail_handler(s->conn, session_certfail);
	xmpp_conn_set_sockopt_callback(s->conn, session_sockopt);
	xmpp_conn_set_jid(s->conn, s->jid);
	xmpp_conn_set_pass(s->conn, acct->password);

	log_debug("connecting to %s as %s", s->peer, s->jid);
	if (xmpp_connect_client(s->conn, acct->host, acct->port, session_conn_event, s) != XMPP_EOK) {
		if (session_resolve_error(acct, s, err) == XE_OK)
			xerr_set(err, XE_UNAVAILABLE, "cannot connect to %s: %s", s->peer,
				 s->conn_error != 0 ? strerror(s->conn_error)
				 : "address lookup or connect failed");
		rc = err->code;
		session_free(s);
		return rc;
	}
	deadline = session_now_ms() + timeout_ms;
	while (s->state == SS_CONNECTING && session_now_ms() < deadline && !signals_caught())
		session_run(s, 100);
	if (s->state == SS_CONNECTING && signals_caught()) {
		rc = xerr_set(err, XE_SIGNAL, "stopped by signal %d during the login",
			      signals_caught());
		session_free(s);
		return rc;
	}
	if (s->state == SS_CONNECTING) {
		rc = xerr_set(err, XE_TEMPFAIL, "login to %s did not complete within %ld s",
			      s->peer, timeout_ms / 1000);
		session_free(s);
		return rc;
	}
	if (s->state != SS_CONNECTED) {
		rc = session_login_error(s, acct, err);
		session_free(s);
		return rc;
	}
	snprintf(s->jid, sizeof(s->jid), "%s", xmpp_conn_get_bound_jid(s->conn));
	if (acct->tls == TLS_TRUST)
		log_warn("the server certificate is not verified (tls = trust)");
	xmpp_handler_add(s->conn, session_iq_dispatch, NULL, "iq", NULL, s);
	xmpp_handler_add(s->conn, session_presence_dispatch, NULL, "presence", NULL, s);
	xmpp_handler_add(s->conn, session_message_dispatch, NULL, "message", NULL, s);
	session_add_feature(s, NS_DISCO_INFO_S);
	session_add_feature(s, NS_CAPS);
	session_add_feature(s, NS_PING);
	*out = s;
	return XE_OK;
}

void session_free(struct session *s)
{
	struct session **pp;
	long long deadline;

	if (s == NULL)
		return;
	if (s->conn != NULL && s->state == SS_CONNECTED) {
		xmpp_disconnect(s->conn);
		deadline = session_now_ms() + 3000; /* a rate-limited server reads slowly */
		while (s->state == SS_CONNECTED && session_now_ms() < deadline)
			xmpp_run_once(s->ctx, 50);
	}
	if (s->conn != NULL)
		session_fail_pending(s);
	for (pp = &session_all; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->conn != NULL)
		xmpp_conn_release(s->conn);
	if (s->ctx != NULL)
		xmpp_ctx_free(s->ctx);
	free(s);
}

xmpp_ctx_t *session_ctx(struct session *s) { return s->ctx; }
const char *session_jid(const struct session *s) { return s->jid; }
const char *session_domain(const struct session *s) { return s->domain; }
const char *session_peer(const struct session *s) { return s->peer; }
int session_fd(const struct session *s) { return s->fd; }
int session_secured(struct session *s) { return xmpp_conn_is_secured(s->conn); }
int session_sm(const struct session *s) { return s->sm_enabled ? 2 : s->sm_offered; }
int session_connected(const struct session *s) { return s->state == SS_CONNECTED; }

int session_verified(const struct session *s)
{
	return s->tls == TLS_REQUIRED && xmpp_conn_is_secured(s->conn);
}

xmpp_stanza_t *session_query(struct session *s, const char *type, const char *to, const char *ns)
{
	xmpp_stanza_t *iq = xmpp_iq_new(s->ctx, type, NULL);

	if (to != NULL)
		xmpp_stanza_set_to(iq, to);
	stanza_child(s->ctx, iq, "query", ns, NULL);
	return iq;
}

const char *session_new_id(struct session *s, char buf[static 32])
{
	snprintf(buf, 32, "xfer%lu", ++s->idseq);
	return buf;
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

void session_iq(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
		session_iq_cb cb, void *arg)
{
	struct pending_iq *p = calloc(1, sizeof(*p));
	const char *to = xmpp_stanza_get_to(iq);

	if (p == NULL || (to != NULL && (p->to = strdup(to)) == NULL) || s->state != SS_CONNECTED) {
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

int session_send_queue(struct session *s)
{
	return xmpp_conn_send_queue_len(s->conn);
}

void session_drop_queue(struct session *s)
{
	char *dropped;

	while ((dropped = xmpp_conn_send_queue_drop_element(s->conn, XMPP_QUEUE_YOUNGEST)) != NULL)
		xmpp_free(s->ctx, dropped);
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

static void session_expire(struct session *s)
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

void session_run(struct session *s, long timeout_ms)
{
	xmpp_run_once(s->ctx, (unsigned long)timeout_ms);
	session_expire(s);
}
