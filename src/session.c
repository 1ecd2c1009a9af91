/* session.c — the connection: context, login, the loop, accessors; see
 * session.h and session_int.h */
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
#include "session.h"
#include "session_int.h"
#include "signals.h"

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
	session_iq_fail_pending(s);
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

int session_stream_error(const struct session *s, char *out, size_t len)
{
	if (!s->have_stream_error)
		return 0;
	snprintf(out, len, "%s%s%s", stream_error_name(s->stream_error),
		 s->stream_error_text[0] != '\0' ? ": " : "", s->stream_error_text);
	return 1;
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

/* A session for acct, not connected: its JIDs (with a random resource
 * when the account names none) and how to call its server in messages. */
static enum xerr_code session_new(struct session **out, const struct account *acct,
				  struct xerr *err)
{
	struct session *s;
	struct jid j;
	unsigned char rnd[3];

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
	*out = s;
	return XE_OK;
}

/* libstrophe's context and connection for s, set up as acct asks. */
static enum xerr_code session_conn_new(struct session *s, const struct account *acct,
				       struct xerr *err)
{
	long flags = 0;

	s->log.handler = session_log;
	s->log.userdata = s;
	s->ctx = xmpp_ctx_new(&session_mem, &s->log);
	s->conn = s->ctx != NULL ? xmpp_conn_new(s->ctx) : NULL;
	if (s->conn == NULL)
		return xerr_set(err, XE_SOFTWARE, "cannot create an XMPP connection object");
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
	return XE_OK;
}

/* Connects and runs the loop until the login ends, at most timeout_ms:
 * XE_OK when connected, else one error for what ended it. */
static enum xerr_code session_login(struct session *s, const struct account *acct,
				    long timeout_ms, struct xerr *err)
{
	long long deadline;

	log_debug("connecting to %s as %s", s->peer, s->jid);
	if (xmpp_connect_client(s->conn, acct->host, acct->port, session_conn_event, s) != XMPP_EOK) {
		if (session_resolve_error(acct, s, err) == XE_OK)
			xerr_set(err, XE_UNAVAILABLE, "cannot connect to %s: %s", s->peer,
				 s->conn_error != 0 ? strerror(s->conn_error)
				 : "address lookup or connect failed");
		return err->code;
	}
	deadline = session_now_ms() + timeout_ms;
	while (s->state == SS_CONNECTING && session_now_ms() < deadline && !signals_caught())
		session_run(s, 100);
	if (s->state == SS_CONNECTING && signals_caught())
		return xerr_set(err, XE_SIGNAL, "stopped by signal %d during the login",
				signals_caught());
	if (s->state == SS_CONNECTING)
		return xerr_set(err, XE_TEMPFAIL, "login to %s did not complete within %ld s",
				s->peer, timeout_ms / 1000);
	if (s->state != SS_CONNECTED)
		return session_login_error(s, acct, err);
	return XE_OK;
}

enum xerr_code session_open(struct session **out, const struct account *acct,
			    long timeout_ms, struct xerr *err)
{
	struct session *s = NULL;
	enum xerr_code rc;

	*out = NULL;
	rc = session_new(&s, acct, err);
	if (rc == XE_OK)
		rc = session_conn_new(s, acct, err);
	if (rc == XE_OK)
		rc = session_login(s, acct, timeout_ms, err);
	if (rc != XE_OK) {
		session_free(s);
		return rc;
	}
	snprintf(s->jid, sizeof(s->jid), "%s", xmpp_conn_get_bound_jid(s->conn));
	if (acct->tls == TLS_TRUST)
		log_warn("the server certificate is not verified (tls = trust)");
	session_route_start(s);
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
		session_iq_fail_pending(s);
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

const char *session_new_id(struct session *s, char buf[static 32])
{
	snprintf(buf, 32, "xfer%lu", ++s->idseq);
	return buf;
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

int session_send_queue(struct session *s)
{
	return xmpp_conn_send_queue_len(s->conn);
}

void session_drop_queue(struct session *s)
{
	for (;;) {
		char *dropped = xmpp_conn_send_queue_drop_element(s->conn, XMPP_QUEUE_YOUNGEST);

		if (dropped == NULL)
			break;
		xmpp_free(s->ctx, dropped);
	}
}

void session_run(struct session *s, long timeout_ms)
{
	xmpp_run_once(s->ctx, (unsigned long)timeout_ms);
	session_iq_expire(s);
}
