/* tr_s5b.c — SOCKS5 Bytestreams (XEP-0065) as a transport, both roles.
 *
 * Sending: the direct listener and our server's proxy become the
 * streamhosts of t->params; the negotiation announces them and says which
 * one the receiver reached; via the proxy we connect like a receiver and
 * ask the proxy to activate the stream; then the data job sends the file.
 * Receiving: the connect job tries the peer's streamhosts; the negotiation
 * reports the one reached; the data job writes the sink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytestreams.h"
#include "disco.h"
#include "jingle.h"
#include "job.h"
#include "log.h"
#include "net.h"
#include "negotiation.h"
#include "peer.h"
#include "recv.h"
#include "s5b.h"
#include "si.h"
#include "transport.h"

/* What one transfer's bytestream holds, in either role. */
struct s5b_tp {
	struct s5b_listener *l;	/* sending: the direct listener, or NULL */
	int prepared;		/* sending: t->params holds our streamhosts */
	int data;		/* job is the data job */
	struct s5b_connect conn;
	struct s5b_send send;
	struct s5b_recv recv;
};

static struct s5b_tp *s5b_tp(struct transfer *t)
{
	if (t->tp == NULL && (t->tp = calloc(1, sizeof(struct s5b_tp))) != NULL)
		((struct s5b_tp *)t->tp)->conn.fd = -1;
	return t->tp;
}

/* --- sending ------------------------------------------------------------ */

/* The proxy: s5b_proxy, or the first one the server lists; asked once per
 * session (p->proxy_looked). A proxy that cannot be had is not an error. */
static void s5b_find_proxy(struct transfer *t)
{
	struct peer *p = t->p;
	const char *cfg = p->acct->s5b_proxy;
	struct xerr saved = t->err, err;

	if (p->proxy_looked)
		return;
	p->proxy_looked = 1;
	xerr_clear(&err);
	if (cfg != NULL && strcmp(cfg, "none") == 0)
		return;
	if (cfg != NULL) {
		struct disco_service svc;
		xmpp_stanza_t *r = transfer_iq(t, session_query(t->s, "get", cfg, NS_BYTESTREAMS),
					       10000);
		memset(&svc, 0, sizeof(svc));
		if (r != NULL && disco_parse_streamhost(r, &svc) == 0) {
			snprintf(p->proxy.jid, sizeof(p->proxy.jid), "%s", svc.sh_jid);
			snprintf(p->proxy.host, sizeof(p->proxy.host), "%s", svc.sh_host);
			p->proxy.port = svc.sh_port;
		} else if (r != NULL || t->err.code == XE_TEMPFAIL) {
			/* (A wait cut short by a signal or the peer says nothing.) */
			log_warn("s5b_proxy %s gave no streamhost; sending without a proxy", cfg);
		}
		free(svc.sh_jid);
		free(svc.sh_host);
		if (r != NULL)
			xmpp_stanza_release(r);
		t->err = saved; /* a wait cut short is seen by the next one */
	} else {
		struct disco_result res;
		size_t i;
		memset(&res, 0, sizeof(res));
		if (disco_server(t->s, session_now_ms() + 10000, &res, &err) == XE_OK) {
			for (i = 0; i < res.n && p->proxy.jid[0] == '\0'; i++) {
				if (!res.v[i].proxy || res.v[i].sh_host == NULL)
					continue;
				snprintf(p->proxy.jid, sizeof(p->proxy.jid), "%s", res.v[i].sh_jid);
				snprintf(p->proxy.host, sizeof(p->proxy.host), "%s", res.v[i].sh_host);
				p->proxy.port = res.v[i].sh_port;
			}
		}
		disco_result_free(&res);
	}
	if (p->proxy.jid[0] != '\0')
		log_debug("SOCKS5 proxy: %s at %s port %u", p->proxy.jid, p->proxy.host,
			  p->proxy.port);
	else
		log_debug("no SOCKS5 proxy");
}

/* Our streamhosts: the direct listener's addresses, then the proxy. */
static int s5b_hosts(struct transfer *t, struct s5b_listener *l)
{
	struct transfer_params *pa = &t->params;
	char addrs[S5B_MAX_HOSTS - 1][256];
	unsigned short port;
	int n = 0, na, i;

	if (l != NULL) {
		port = s5b_listener_port(l);
		na = net_advertised(session_fd(t->s), t->p->acct->s5b_listen,
				    t->p->acct->s5b_address, addrs, S5B_MAX_HOSTS - 1, &port);
		for (i = 0; i < na; i++, n++) {
			snprintf(pa->hosts[n].jid, sizeof(pa->hosts[n].jid), "%s", session_jid(t->s));
			snprintf(pa->hosts[n].host, sizeof(pa->hosts[n].host), "%.255s", addrs[i]);
			pa->hosts[n].port = port;
			pa->proxy[n] = 0;
		}
	}
	if (t->p->proxy.jid[0] != '\0') {
		pa->hosts[n] = t->p->proxy;
		pa->proxy[n++] = 1;
	}
	return n;
}

/* The direct listener and the streamhosts to offer for t->sid, into
 * t->params; XE_UNAVAILABLE when there is nothing to offer. */
static enum xerr_code s5b_prepare(struct transfer *t)
{
	const struct account *a = t->p->acct;
	struct s5b_tp *st = s5b_tp(t);
	struct xerr lerr;
	int n, i;

	if (st == NULL)
		return xerr_set(&t->err, XE_SOFTWARE, "out of memory");
	st->prepared = 1;
	s5b_hash(t->sid, session_jid(t->s), t->peer, t->params.hash);
	s5b_find_proxy(t);
	xerr_clear(&lerr);
	if (a->s5b_listen != NULL) {
		char host[256];
		unsigned short port = 0;
		net_hostport_parse(a->s5b_listen, host, sizeof(host), &port);
		s5b_listener_open(&st->l, host, port, t->params.hash,
				  s5b_budget_ms(a->s5b_connect_timeout), &lerr);
	} else {
		s5b_listener_open(&st->l, NULL, 0, t->params.hash,
				  s5b_budget_ms(a->s5b_connect_timeout), &lerr);
	}
	if (st->l == NULL)
		log_warn("%s", lerr.msg);
	n = t->params.nhosts = s5b_hosts(t, st->l);
	t->params.used = -1;
	if (n == 0) {
		xerr_set(&t->err, XE_UNAVAILABLE, "no streamhost to offer: %s", st->l == NULL
			 ? lerr.msg : "no local address and no proxy");
		s5b_listener_close(st->l);
		st->l = NULL;
		return t->err.code;
	}
	for (i = 0; i < n; i++)
		log_debug("streamhost %d: %s at %s port %u", i + 1, t->params.hosts[i].jid,
			  t->params.hosts[i].host, t->params.hosts[i].port);
	return XE_OK;
}

static int s5b_job_done(struct transfer *t, void *arg)
{
	(void)t;
	return job_done(arg);
}

/* Runs t->job through the one loop; XE_OK, the job's error, or t->err
 * (interrupted). */
static enum xerr_code s5b_run_job(struct transfer *t, struct s5b_tp *st, int data)
{
	st->data = data;
	if (transfer_wait(t, s5b_job_done, &t->job, -1, data, NULL) < 0) {
		job_finish(&t->job);
		return t->err.code;
	}
	job_finish(&t->job);
	if (t->pr_started)
		progress_update(&t->pr, atomic_load(&t->job.bytes));
	return t->job.err.code;
}

/* Via the proxy (host i): connects to it like a receiver, then asks it to
 * activate the stream for the peer. OUT_OK with *fd connected. */
static enum outcome s5b_via_proxy(struct transfer *t, struct s5b_tp *st, int i, int *fd)
{
	const struct s5b_host *proxy = &t->params.hosts[i];
	xmpp_stanza_t *r;
	char cond[64], text[256];
	int gone;

	*fd = -1;
	memset(&st->conn, 0, sizeof(st->conn));
	st->conn.hosts = proxy;
	st->conn.n = 1;
	st->conn.fd = -1;
	st->conn.budget_ms = s5b_budget_ms(t->p->acct->s5b_connect_timeout);
	snprintf(st->conn.hash, sizeof(st->conn.hash), "%s", t->params.hash);
	memset(&t->job, 0, sizeof(t->job));
	if (job_start(&t->job, s5b_connect_job, &st->conn, &t->err) != XE_OK)
		return OUT_FAIL;
	if (s5b_run_job(t, st, 0) != XE_OK) {
		if (st->conn.fd >= 0)
			close(st->conn.fd); /* connected, but we were interrupted */
		st->conn.fd = -1;
		if (t->err.code == XE_SIGNAL || t->p->gone)
			return OUT_FAIL;
		xerr_set(&t->err, XE_UNAVAILABLE, "cannot reach the proxy %s at %s port %u: %s",
			 proxy->jid, proxy->host, proxy->port, st->conn.why[0]);
		return OUT_NEXT;
	}
	r = transfer_iq(t, bytestreams_activate(session_ctx(t->s), proxy->jid, t->sid, t->peer),
			(long)t->p->o->timeout * 1000);
	gone = t->err.code == XE_SIGNAL || t->p->gone;
	if (r == NULL || strcmp(xmpp_stanza_get_type(r), "result") != 0) {
		if (r != NULL) {
			session_error_of(r, cond, sizeof(cond), text, sizeof(text));
			xmpp_stanza_release(r);
			xerr_set(&t->err, XE_UNAVAILABLE, "the proxy %s refused to activate the "
				 "stream (%s%s%s)", proxy->jid, cond, text[0] ? ": " : "", text);
		}
		close(st->conn.fd);
		st->conn.fd = -1;
		return gone ? OUT_FAIL : OUT_NEXT;
	}
	xmpp_stanza_release(r);
	log_info("via the proxy %s", proxy->jid);
	*fd = st->conn.fd;
	st->conn.fd = -1;
	return OUT_OK;
}

static int s5b_authenticated(struct transfer *t, void *arg)
{
	(void)arg;
	return ((struct s5b_tp *)t->tp)->l == NULL ||
	       s5b_listener_step(((struct s5b_tp *)t->tp)->l);
}

/* The data over a connected bytestream (fd is closed here). From here on
 * the receiver holds a partial file: no fallback. */
static enum outcome s5b_send_data(struct transfer *t, struct s5b_tp *st, int fd)
{
	enum outcome out = OUT_FAIL;

	memset(&st->send, 0, sizeof(st->send));
	st->send.sock = fd;
	st->send.file_fd = t->src->fd;
	st->send.size = t->src->size;
	st->send.idle_ms = (long)t->p->o->idle_timeout * 1000;
	memset(&t->job, 0, sizeof(t->job));
	if (job_start(&t->job, s5b_send_job, &st->send, &t->err) != XE_OK) {
		close(fd);
		return OUT_FAIL;
	}
	transfer_progress_start(t);
	if (s5b_run_job(t, st, 1) == XE_OK)
		out = OUT_OK;
	else if (t->err.code == XE_OK || t->err.msg[0] == '\0')
		xerr_set(&t->err, t->job.err.code, "%s", t->job.err.msg);
	if (out == OUT_OK && source_changed(t->src, &t->err))
		out = OUT_FAIL;
	transfer_progress_finish(t, out == OUT_OK);
	close(fd);
	return out;
}

static enum outcome s5b_send(struct transfer *t)
{
	struct s5b_tp *st = s5b_tp(t);
	enum outcome out;
	int fd = -1, i;

	if (st == NULL)
		return xerr_set(&t->err, XE_SOFTWARE, "out of memory"), OUT_FAIL;
	if (!st->prepared && s5b_prepare(t) != XE_OK)
		return OUT_NEXT;
	out = t->neg->s5b_announce(t, (long)t->params.nhosts *
				   s5b_budget_ms(t->p->acct->s5b_connect_timeout) +
				   (long)t->p->o->timeout * 1000);
	if (out != OUT_OK)
		return out;
	i = t->params.used;
	if (!t->params.proxy[i]) {
		/* Authenticated before the receiver said so: a moment for our
		 * own step to see it (a data wait: the peer may log off now). */
		if (transfer_wait(t, s5b_authenticated, NULL, 1000, 1, NULL) < 0)
			return OUT_FAIL;
		fd = st->l != NULL ? s5b_listener_take(st->l) : -1;
		if (fd < 0) {
			xerr_set(&t->err, XE_PROTOCOL, "%s reported the direct connection, but none "
				 "arrived", t->peer);
			return OUT_NEXT; /* no data was sent: another method may work */
		}
		log_info("direct connection from %s", t->peer);
	} else {
		s5b_listener_close(st->l);
		st->l = NULL;
		out = s5b_via_proxy(t, st, i, &fd);
		t->neg->s5b_report(NULL, t, out == OUT_OK ? S5B_ACTIVATED : S5B_PROXY_ERROR, i,
				   NULL);
		if (out != OUT_OK)
			return out;
	}
	s5b_listener_close(st->l);
	st->l = NULL;
	return s5b_send_data(t, st, fd);
}

/* From the one loop: the listener answers, the bar follows the data job. */
static void s5b_step(struct transfer *t)
{
	struct s5b_tp *st = t->tp;

	if (st == NULL)
		return;
	if (st->l != NULL) {
		s5b_listener_step(st->l);
		t->params.refused = s5b_listener_refused(st->l);
	}
	if (st->data && t->pr_started)
		progress_update(&t->pr, atomic_load(&t->job.bytes));
}

/* --- receiving ---------------------------------------------------------- */

/* Tries the sender's streamhosts (t->params, in order) in a worker. */
static void s5b_start(struct receiver *r, struct transfer *t)
{
	struct s5b_tp *st = s5b_tp(t);
	struct xerr err;

	t->tr = &tr_s5b;
	t->state = TS_CONNECTING;
	xerr_clear(&err);
	if (st != NULL) {
		memset(&st->conn, 0, sizeof(st->conn));
		st->conn.hosts = t->params.hosts;
		st->conn.n = t->params.nhosts;
		st->conn.fd = -1;
		st->conn.used = -1;
		st->conn.budget_ms = r->connect_ms;
		s5b_hash(t->sid, t->peer, session_jid(r->s), st->conn.hash);
	}
	if (st == NULL || t->params.nhosts == 0 ||
	    job_start(&t->job, s5b_connect_job, &st->conn, &err) != XE_OK) {
		/* Nothing to try: say so now, another method may follow. */
		t->neg->s5b_report(r, t, S5B_NONE, -1, err.code != XE_OK ? err.msg : "none offered");
		receiver_method_failed(r, t, METHOD_S5B);
	}
}

/* XEP-0065 request (SI): the sender's streamhosts for an agreed stream. */
static int s5b_on_recv_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct receiver *r = arg;
	const char *from = xmpp_stanza_get_from(st), *cond, *why;
	xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_S5B);
	const char *qsid = q != NULL ? xmpp_stanza_get_attribute(q, "sid") : NULL;
	struct transfer *t = qsid != NULL ? receiver_find(r, from, qsid) : NULL;
	char sid[128];
	int n, i;

	if (xmpp_stanza_get_type(st) == NULL || strcmp(xmpp_stanza_get_type(st), "set") != 0) {
		session_reply_error(s, st, "cancel", "feature-not-implemented", NULL, NULL, NULL);
		return 1;
	}
	if (t == NULL || !receiver_may(t, METHOD_S5B) || t->state != TS_OFFERED) {
		session_reply_error(s, st, "cancel", "not-acceptable", NULL, NULL,
				    t == NULL ? "no such stream" : t->state != TS_OFFERED
				    ? "this stream is already in progress"
				    : "no bytestream on this stream");
		return 1;
	}
	n = bytestreams_parse(st, sid, t->params.hosts, &cond, &why);
	if (n < 0) {
		session_reply_error(s, st, "cancel", cond, NULL, NULL, why);
		log_info("%s from %s: unusable bytestream request (%s)", t->safe, t->peer, why);
		receiver_method_failed(r, t, METHOD_S5B);
		return 1;
	}
	t->params.nhosts = n;
	for (i = 0; i < n; i++)
		log_debug("%s offers streamhost %s at %s port %u", t->peer, t->params.hosts[i].jid,
			  t->params.hosts[i].host, t->params.hosts[i].port);
	t->iq = xmpp_stanza_copy(st);
	s5b_start(r, t);
	return 1;
}

/* The connect job ended: say which streamhost, and read from it. */
static void s5b_connected(struct receiver *r, struct transfer *t)
{
	struct s5b_tp *st = t->tp;
	struct xerr err;
	char why[1024];
	size_t len = 0;
	int i;

	job_finish(&t->job);
	why[0] = '\0';
	for (i = 0; st->conn.used < 0 && i < st->conn.n && len < sizeof(why); i++)
		len += (size_t)snprintf(why + len, sizeof(why) - len, "%s%s port %u: %s",
					i ? "; " : "", t->params.hosts[i].host,
					t->params.hosts[i].port, st->conn.why[i]);
	if (st->conn.used < 0) {
		t->neg->s5b_report(r, t, S5B_NONE, -1, st->conn.n > 0 ? why : "none offered");
		receiver_method_failed(r, t, METHOD_S5B);
		return;
	}
	t->neg->s5b_report(r, t, S5B_USED, st->conn.used, NULL);
	log_debug("%s: connected to streamhost %s", t->safe, t->params.hosts[st->conn.used].jid);
	memset(&st->recv, 0, sizeof(st->recv));
	st->recv.sock = st->conn.fd;
	st->conn.fd = -1;
	st->recv.sink = t->sink;
	t->sink = NULL;
	st->recv.size = t->size;
	st->recv.idle_ms = r->idle_ms;
	if (t->hash[0] != '\0')
		s5b_recv_post_hash(&st->recv, t->hash);
	st->recv.hash_wait_ms = t->neg->hash_wait_ms;
	t->state = TS_DATA;
	st->data = 1;
	xerr_clear(&err);
	if (job_start(&t->job, s5b_recv_job, &st->recv, &err) != XE_OK) {
		close(st->recv.sock);
		receiver_fail(r, t, &err, 0);
		return;
	}
	progress_start(&t->pr, t->safe, t->size, r->bars);
	t->pr_started = 1;
}

static const char *s5b_delivered(struct transfer *t)
{
	struct s5b_tp *st = t->tp;

	return st != NULL && t->state == TS_DATA && st->recv.path[0] ? st->recv.path : NULL;
}

/* The worker's progress, a checksum that came late, and its end. */
static void s5b_poll(struct receiver *r, struct transfer *t)
{
	struct s5b_tp *st = t->tp;

	if (t->state == TS_DATA && t->hash[0] != '\0')
		s5b_recv_post_hash(&st->recv, t->hash); /* the first one counts */
	if (t->pr_started)
		progress_update(&t->pr, atomic_load(&t->job.bytes));
	if (!job_done(&t->job) && t->job.started)
		return;
	if (t->state == TS_CONNECTING) {
		s5b_connected(r, t);
		return;
	}
	job_finish(&t->job);
	if (t->job.err.code != XE_OK)
		receiver_fail(r, t, &t->job.err, 0);
	else
		receiver_done(r, t, st->recv.path);
}

static int s5b_untouched(const struct transfer *t)
{
	const struct s5b_tp *st = t->tp;

	return st == NULL || !st->data || atomic_load(&t->job.bytes) == 0;
}

/* Everything it holds goes; a receiving data job that never started did
 * not take the sink. */
static void s5b_stop(struct transfer *t)
{
	struct s5b_tp *st = t->tp;

	if (st == NULL)
		return;
	job_finish(&t->job);
	if (st->conn.fd >= 0)
		close(st->conn.fd);
	sink_abort(st->recv.sink);
	s5b_listener_close(st->l);
	free(st);
	t->tp = NULL;
}

const struct transport tr_s5b = {
	.name = "s5b",
	.method = METHOD_S5B,
	.prepare = s5b_prepare,
	.send = s5b_send,
	.step = s5b_step,
	.start = s5b_start,
	.poll = s5b_poll,
	.delivered = s5b_delivered,
	.feature = NS_S5B,
	.jingle_feature = NS_JINGLE_S5B,
	.ns = NS_S5B,
	.on_recv_stanza = s5b_on_recv_stanza,
	.untouched = s5b_untouched,
	.stop = s5b_stop,
};
