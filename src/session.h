/* session.h — one XMPP client connection (libstrophe): login, IQs, loop.
 *
 * session_open() connects, negotiates TLS as the account asks, authenticates
 * and binds a resource, all within a time budget, and classifies every way
 * that can fail into one xerr (refused, DNS, untrusted certificate, bad
 * password, timeout, stream error). libstrophe's own log is passed to
 * log_trace() with SASL payloads removed, so no password is ever printed.
 *
 * IQs: session_iq() sends a get/set and calls back exactly once, with the
 * reply or with NULL when the deadline passed. The stanza handed to the
 * callback is valid during the call only. */
#ifndef XFER_SESSION_H
#define XFER_SESSION_H

#include <strophe.h>

#include "config.h"
#include "xerr.h"

struct session;

/* Called with the reply (type result or error), or NULL on timeout or when
 * the connection was lost first. */
typedef void (*session_iq_cb)(struct session *s, xmpp_stanza_t *reply, void *arg);

/* Logs in as acct (whose password is resolved). timeout_ms bounds the whole
 * login. On success *out is a connected session. */
enum xerr_code session_open(struct session **out, const struct account *acct,
			    long timeout_ms, struct xerr *err);

/* Disconnects (waiting at most a second for a clean close) and frees. */
void session_free(struct session *s);

xmpp_ctx_t *session_ctx(struct session *s);

/* The full JID the server bound. */
const char *session_jid(const struct session *s);
/* The server's domain (from the account's JID). */
const char *session_domain(const struct session *s);
/* "HOST port N" of the server as connected, for messages. */
const char *session_peer(const struct session *s);
/* The connected socket, or -1. */
int session_fd(const struct session *s);
/* 1 if the stream is encrypted. */
int session_secured(struct session *s);
/* 1 if the certificate was verified (tls = required). */
int session_verified(const struct session *s);
/* Stream management (XEP-0198): 0 not offered, 1 offered, 2 enabled. */
int session_sm(const struct session *s);
/* 1 while connected. */
int session_connected(const struct session *s);
/* 1 if the server ended the stream with a stream error, its condition
 * and text ("policy-violation: text") in out; else 0. */
int session_stream_error(const struct session *s, char *out, size_t len);

/* <iq type=type to=to><query xmlns=ns/></iq>; to may be NULL. */
xmpp_stanza_t *session_query(struct session *s, const char *type, const char *to, const char *ns);

/* A fresh unique id for a stanza. */
const char *session_new_id(struct session *s, char buf[static 32]);

/* Sends iq (this takes the caller's reference) and arranges for cb. */
void session_iq(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
		session_iq_cb cb, void *arg);

/* For a caller that runs its own loop while waiting: pass
 * session_iq_keep with a struct session_reply; done is set when the answer
 * (or the timeout) came, reply is a copy (NULL on timeout) to release. */
struct session_reply {
	int done;
	xmpp_stanza_t *reply;
};
void session_iq_keep(struct session *s, xmpp_stanza_t *reply, void *arg);

/* Forgets every pending IQ whose callback argument is arg: their
 * callbacks will not be called. For an owner that goes away first. */
void session_iq_forget(struct session *s, void *arg);

/* Stanzas waiting in libstrophe's send queue. */
int session_send_queue(struct session *s);

/* Drops every queued stanza not yet partly written: for an abort, so that
 * what is sent next (a <close/>) is not stuck behind data. */
void session_drop_queue(struct session *s);

/* Sends iq and waits for the reply. Returns a copy the caller releases, or
 * NULL with err set (XE_TEMPFAIL on timeout, XE_UNAVAILABLE if the
 * connection was lost). An error reply is returned as a stanza, not as err. */
xmpp_stanza_t *session_iq_wait(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
			       struct xerr *err);
/* The same, but stops waiting as soon as *cancel is nonzero, e.g. when
 * the peer went offline: NULL with err XE_UNAVAILABLE, which the caller
 * may say better. */
xmpp_stanza_t *session_iq_wait_cancel(struct session *s, xmpp_stanza_t *iq, long timeout_ms,
				      const int *cancel, struct xerr *err);

/* Incoming stanzas. A handler returns 1 if it took the stanza. IQs of type
 * get/set are routed by the namespace of their child; one that no route
 * takes is answered with <service-unavailable/> (RFC 6120 8.4). disco#info
 * is answered from the features added with session_add_feature(). */
typedef int (*session_stanza_fn)(struct session *s, xmpp_stanza_t *st, void *arg);
void session_route_iq(struct session *s, const char *ns, session_stanza_fn fn, void *arg);
void session_on_presence(struct session *s, session_stanza_fn fn, void *arg);
void session_on_message(struct session *s, session_stanza_fn fn, void *arg);
void session_add_feature(struct session *s, const char *var);

/* Sends st and releases the caller's reference. */
void session_send(struct session *s, xmpp_stanza_t *st);
/* <presence/> of type (NULL: available) to to (NULL: broadcast). */
void session_presence(struct session *s, const char *to, const char *type);
/* Answers an IQ get/set with a result holding child (may be NULL; not
 * released), or with an error: type "cancel"/"modify"/..., a defined
 * condition, an optional application condition and text. */
void session_reply_result(struct session *s, xmpp_stanza_t *req, xmpp_stanza_t *child);
void session_reply_error(struct session *s, xmpp_stanza_t *req, const char *type,
			 const char *cond, const char *app_name, const char *app_ns,
			 const char *text);
/* The condition and text of an error stanza (into buffers). */
void session_error_of(xmpp_stanza_t *st, char *cond, size_t clen, char *text, size_t tlen);

/* The exit class of an error condition a peer or server answered with:
 * refusals and unreachable peers are XE_UNAVAILABLE, anything else (the
 * peer says we broke the protocol, or answers nonsense) XE_PROTOCOL. */
enum xerr_code session_condition_code(const char *cond);

/* Runs the event loop for at most timeout_ms, then expires overdue IQs. */
void session_run(struct session *s, long timeout_ms);

/* Milliseconds on the monotonic clock. */
long long session_now_ms(void);

#endif
