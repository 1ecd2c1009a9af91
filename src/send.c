/* send.c — see send.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "negotiation.h"
#include "peer.h"
#include "send.h"
#include "si.h"
#include "stanza.h"
#include "signals.h"
#include "source.h"
#include "transfer.h"
#include "transport.h"
#include "utf8.h"

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
	struct peer *peers;
	int n;
	struct transfer *cur;	/* sending now: the IQ routes find it here */
};

/* Presence goes to every recipient: two may be resources of one contact. */
static int batch_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct batch *b = arg;
	int i;

	for (i = 0; i < b->n; i++)
		peer_presence(s, st, &b->peers[i]);
	return 1;
}

/* A JSON string: quotes, backslashes and control characters escaped;
 * bytes that are not UTF-8 become U+FFFD so the line stays valid JSON. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;

	fputc('"', f);
	while (*p != '\0') {
		size_t n = utf8_decode(p, &cp);

		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

static void report_json(const struct item *it, const struct peer *p)
{
	printf("{\"file\":");
	json_str(stdout, it->path);
	printf(",\"peer\":");
	json_str(stdout, p->jid[0] != '\0' ? p->jid : p->target_bare);
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


/* One file to the resolved recipient p, through the engine. */
static enum xerr_code send_file(struct batch *b, struct peer *p, struct item *it,
				struct xerr *err)
{
	/* Jingle announces a SHA-256 (XEP-0234), SI an MD5 (XEP-0096). */
	int jingle = p->protocol == PROTO_JINGLE || (p->protocol == PROTO_AUTO && p->peer_jingle);
	struct transfer *t = calloc(1, sizeof(*t));
	struct source *src = NULL;
	enum xerr_code code;

	if (t == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	code = source_open(&src, it->path, p->o->json || jingle, err);
	if (code != XE_OK) {
		free(t);
		return code;
	}
	transfer_init(t, ROLE_SEND, p->s);
	t->p = p;
	t->src = src;
	snprintf(t->peer, sizeof(t->peer), "%s", p->jid);
	b->cur = t;
	code = transfer_send(t);
	b->cur = NULL;
	if (code == XE_OK)
		item_sent(it, t->used, src);
	else
		*err = t->err;
	source_free(src);
	free(t);
	return code;
}

/* A login for one round: routes, features, presence. NULL, with every
 * pending item failed by err, when it could not be had. */
static struct session *batch_login(struct account *acct, const struct xfer_opts *o,
				   struct batch *b, struct item *items, int nitems,
				   int last_round)
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
		return NULL;
	}
	/* What a sender announces: the offers it makes in rounds (SI) and
	 * the methods they carry. */
	for (i = 0; transfer_engine.rounds->features[i] != NULL; i++)
		session_add_feature(s, transfer_engine.rounds->features[i]);
	for (i = 0; transfer_engine.transports[i] != NULL; i++)
		if (!transfer_engine.transports[i]->alone)
			session_add_feature(s, transfer_engine.transports[i]->feature);
	session_on_presence(s, batch_presence, b);
	/* The peer's IQs reach the transfer in progress through b->cur. */
	for (i = 0; transfer_engine.transports[i] != NULL; i++)
		if (transfer_engine.transports[i]->on_send_stanza != NULL)
			session_route_iq(s, transfer_engine.transports[i]->ns,
					 transfer_engine.transports[i]->on_send_stanza, &b->cur);
	for (i = 0; negotiation_all[i] != NULL; i++)
		if (negotiation_all[i]->on_send_iq != NULL)
			session_route_iq(s, negotiation_all[i]->ns, negotiation_all[i]->on_send_iq,
					 &b->cur);
	for (r = 0; r < b->n; r++)
		peer_attach(&b->peers[r], s);
	{
		/* Available, but with a negative priority: messages to our bare
		 * JID should go to the user's real clients, not to us. */
		xmpp_stanza_t *p = xmpp_presence_new(session_ctx(s));
		stanza_child(session_ctx(s), p, "priority", NULL, "-1");
		session_send(s, p);
	}
	return s;
}

/* A failure of item it (err): final, or to try again in the next round. */
static void item_failed(struct item *it, const struct xerr *err, const struct peer *p,
			int nrcpt, int last_round)
{
	const struct xfer_opts *o = p->o;

	item_fail(it, err);
	if (!it->transient || last_round || err->code == XE_SIGNAL) {
		it->state = 2;
		it->logged = 1;
		if (nrcpt > 1)
			log_error("%s to %s: %s", it->path, p->target_bare, err->msg);
		else
			log_error("%s: %s", it->path, err->msg);
		if (o->json)
			report_json(it, p);
	} else {
		log_info("%s: %s; will try again", it->path, err->msg);
	}
}

/* One pending item to its resolved recipient. */
static void send_item(struct batch *b, struct peer *p, struct item *it, int last_round)
{
	struct session *s = p->s;
	struct xerr err;
	long long t0;

	xerr_clear(&err);
	it->transient = 0;
	if (signals_caught()) {
		xerr_set(&err, XE_SIGNAL, "not sent: stopped by signal %d", signals_caught());
	} else if (p->gone) {
		xerr_set(&err, XE_UNAVAILABLE, "%s went offline", p->jid);
		it->transient = 1;
	} else if (!session_connected(s)) {
		xerr_set(&err, XE_UNAVAILABLE, "connection to the server lost");
		it->transient = 1;
	} else {
		t0 = session_now_ms();
		if (send_file(b, p, it, &err) == XE_OK) {
			item_fail(it, NULL);
			it->state = 1;
			it->seconds = (double)(session_now_ms() - t0) / 1000.0;
			if (p->o->json)
				report_json(it, p);
			return;
		}
		it->seconds = (double)(session_now_ms() - t0) / 1000.0;
		it->transient = err.code == XE_TEMPFAIL || p->gone || p->not_online ||
				!session_connected(s);
	}
	item_failed(it, &err, p, b->n, last_round);
}

/* Recipient r's pending items, once its full JID is found. */
static void send_recipient(struct batch *b, int r, struct item *items, int nitems,
			   int last_round)
{
	struct peer *p = &b->peers[r];
	struct xerr err;
	int pending = 0, i;

	for (i = 0; i < nitems; i++)
		pending += items[i].rcpt == r && items[i].state == 0;
	if (pending == 0)
		return;
	xerr_clear(&err);
	if (signals_caught())
		xerr_set(&err, XE_SIGNAL, "not sent: stopped by signal %d", signals_caught());
	else
		peer_find(p, session_now_ms() + (long long)p->o->timeout * 1000, &err);
	if (err.code != XE_OK) {
		int transient = err.code == XE_TEMPFAIL || p->not_online ||
				!session_connected(p->s);
		for (i = 0; i < nitems; i++) {
			if (items[i].rcpt != r || items[i].state != 0)
				continue;
			item_fail(&items[i], &err);
			items[i].transient = transient;
		}
		if (transient && !last_round && err.code != XE_SIGNAL)
			log_info("%s; will try again", err.msg);
		return;
	}
	for (i = 0; i < nitems; i++)
		if (items[i].rcpt == r && items[i].state == 0)
			send_item(b, p, &items[i], last_round);
}

/* One login: every pending item. */
static void batch_round(struct account *acct, const struct xfer_opts *o, struct batch *b,
			struct item *items, int nitems, int last_round)
{
	struct session *s = batch_login(acct, o, b, items, nitems, last_round);
	int r;

	if (s == NULL)
		return;
	for (r = 0; r < b->n; r++)
		send_recipient(b, r, items, nitems, last_round);
	session_free(s);
	for (r = 0; r < b->n; r++)
		b->peers[r].s = NULL;
}

/* Held until exit; cron runs that overlap give way at once. */
static enum xerr_code send_lock(const char *path, int *fd, struct xerr *err)
{
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return xerr_set(err, XE_CANTCREAT, "--lock %s: %s%s", path, strerror(errno),
				errno == ENOENT ? " (create its directory first)" : "");
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0)
		return xerr_set(err, errno == EWOULDBLOCK ? XE_TEMPFAIL : XE_IO, "--lock %s: %s",
				path, errno == EWOULDBLOCK ? "another xfer send holds it (is the "
				"previous run still going?)" : strerror(errno));
	return XE_OK;
}

/* The recipients: --to, or the first argument. */
static enum xerr_code send_peers(struct account *acct, const struct xfer_opts *o,
				 struct batch *b, struct xerr *err)
{
	const char *jids[MAX_RECIPIENTS];
	enum xerr_code rc;
	int nj = 0, r;

	if (o->to != NULL)
		for (; o->to[nj] != NULL && nj < MAX_RECIPIENTS; nj++)
			jids[nj] = o->to[nj];
	else
		jids[nj++] = o->args[0];
	if (o->to != NULL && o->to[nj] != NULL)
		return xerr_set(err, XE_USAGE, "at most %d recipients (--to)", MAX_RECIPIENTS);
	b->peers = calloc((size_t)nj, sizeof(*b->peers));
	if (b->peers == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	b->n = nj;
	for (r = 0; r < nj; r++)
		if ((rc = peer_init(&b->peers[r], jids[r], o, acct, err)) != XE_OK)
			return rc;
	return XE_OK;
}

/* Recipient by recipient, each getting every file in order. */
static struct item *send_items(const struct xfer_opts *o, int nj, const char **listed,
			       int nlisted, int *nitems)
{
	int firstfile = o->to == NULL ? 1 : 0, nfiles = o->nargs - firstfile + nlisted;
	struct item *items;
	int r, i, k;

	*nitems = nfiles * nj;
	items = calloc((size_t)*nitems, sizeof(*items));
	if (items == NULL)
		return NULL;
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
	return items;
}

/* Logins until every item is sent or failed for good (--retry). */
static void send_rounds(struct account *acct, const struct xfer_opts *o, struct batch *b,
			struct item *items, int nitems)
{
	int round, i;

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
		batch_round(acct, o, b, items, nitems, round == o->retry || signals_caught());
		for (i = 0; i < nitems; i++) {
			if (items[i].state == 0 && items[i].code != XE_OK && !items[i].transient)
				items[i].state = 2;
			again += items[i].state == 0;
		}
		if (again == 0 || signals_caught())
			break;
	}
}

/* Recipient r's failures not reported one by one: once when they are
 * alike, else a line each. */
static void send_report_recipient(const struct batch *b, int r, const struct item *items,
				  int nitems)
{
	const char *m = NULL, *to = b->n > 1 ? b->peers[r].target_bare : "";
	int n = 0, alike = 1, i;

	for (i = 0; i < nitems; i++) {
		if (items[i].rcpt != r || items[i].state == 1 || items[i].logged)
			continue;
		if (m == NULL)
			m = item_msg(&items[i]);
		alike &= strcmp(m, item_msg(&items[i])) == 0;
		n++;
	}
	if (n > 1 && alike) {
		log_error("%s%s%s (%d files not sent)", to, b->n > 1 ? ": " : "", m, n);
		return;
	}
	for (i = 0; n > 0 && i < nitems; i++)
		if (items[i].rcpt == r && items[i].state != 1 && !items[i].logged)
			log_error("%s%s%s: %s", items[i].path, b->n > 1 ? " to " : "", to,
				  item_msg(&items[i]));
}

/* The verdict of the run. A login or peer failure was not reported per
 * file: said once per recipient (or once in all) when it is the same for
 * all of that recipient's files. */
static enum xerr_code send_summary(const struct xfer_opts *o, const struct batch *b,
				   struct item *items, int nitems, struct xerr *err)
{
	enum xerr_code first = XE_OK;
	int same = 1, failed = 0, i, r;

	xerr_clear(err);
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
			report_json(&items[i], &b->peers[items[i].rcpt]);
	}
	if (failed == 0 || (same && failed == nitems))
		return first; /* err holds the one message */
	for (r = 0; r < b->n; r++)
		send_report_recipient(b, r, items, nitems);
	xerr_clear(err);
	if (nitems > 1)
		xerr_set(err, first, "%d of %d %s not sent", failed, nitems,
			 b->n > 1 ? "file transfers were" : "files were");
	else
		xerr_set(err, first, "%s", "");
	return first;
}

enum xerr_code send_run(struct account *acct, const struct xfer_opts *o, struct xerr *err)
{
	struct batch b;
	struct item *items = NULL;
	const char **listed = NULL;
	char *listbuf = NULL;
	enum xerr_code rc;
	int nlisted = 0, nitems = 0, i, lockfd = -1;

	memset(&b, 0, sizeof(b));
	if ((rc = send_peers(acct, o, &b, err)) != XE_OK)
		goto out;
	if (o->lock != NULL && (rc = send_lock(o->lock, &lockfd, err)) != XE_OK)
		goto out;
	if (o->files_from != NULL &&
	    (rc = read_list(o->files_from, o->nul, &listbuf, &listed, &nlisted, err)) != XE_OK)
		goto out;
	if (o->nargs - (o->to == NULL ? 1 : 0) + nlisted == 0) {
		/* A nightly find that found nothing: not an error. */
		log_info("nothing to send: --files-from %s lists no file", o->files_from);
		rc = XE_OK;
		goto out;
	}
	if ((items = send_items(o, b.n, listed, nlisted, &nitems)) == NULL) {
		rc = xerr_set(err, XE_SOFTWARE, "out of memory");
		goto out;
	}
	if ((rc = account_resolve_password(acct, err)) != XE_OK)
		goto out;
	send_rounds(acct, o, &b, items, nitems);
	rc = send_summary(o, &b, items, nitems, err);
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
	free(b.peers);
	return rc;
}
