/* session_int.h — struct session and what its three files share; for
 * session*.c only (everyone else uses session.h).
 *
 *   session.c        the connection: context, login, the loop, accessors
 *   session_iq.c     IQs we send: deadlines, waits, expiry; error replies
 *   session_route.c  stanzas we receive: routes, disco#info, ping, roster
 *                    pushes, caps in presence, replies to requests
 *
 * The session owns every pending_iq (freed when answered, expired,
 * forgotten or failed) and borrows the route and feature strings, which
 * must outlive it. */
#ifndef XFER_SESSION_INT_H
#define XFER_SESSION_INT_H

#include <strophe.h>

#include "config.h"
#include "jid.h"
#include "session.h"

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

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

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

/* session_iq.c: calls every pending IQ's callback with NULL and frees
 * them, when the connection is gone (or the session freed). */
void session_iq_fail_pending(struct session *s);

/* session_iq.c: calls the callback of every pending IQ past its deadline
 * with NULL and frees it; run after each turn of the loop. */
void session_iq_expire(struct session *s);

/* session_route.c: after login, installs the iq, presence and message
 * dispatchers and advertises disco#info, entity caps and ping. */
void session_route_start(struct session *s);

#endif
