/* oob.c — see oob.h */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codec.h"
#include "httpd.h"
#include "httpreq.h"
#include "job.h"
#include "log.h"
#include "net.h"
#include "oob.h"
#include "progress.h"
#include "si.h"
#include "signals.h"

struct serve {
	struct httpd_args args;
	_Atomic int served;
};

static void serve_job(struct job *j)
{
	struct serve *sv = j->arg;

	sv->args.cancel_fd = j->cancel_fd;
	sv->args.sent = &j->bytes;
	sv->args.served = &sv->served;
	httpd_serve(&sv->args, &j->err);
}

static xmpp_stanza_t *oob_request(xmpp_ctx_t *ctx, const char *to, const char *url,
				  const char *desc)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_t *q;

	xmpp_stanza_set_to(iq, to);
	q = stanza_child(ctx, iq, "query", NS_OOB, NULL);
	stanza_child(ctx, q, "url", NULL, url);
	if (desc != NULL && *desc != '\0')
		stanza_child(ctx, q, "desc", NULL, desc);
	return iq;
}

enum xerr_code oob_send(struct session *s, const struct account *a, const struct xfer_opts *o,
			const char *peer, struct source *src, const int *cancel,
			int *refused, struct xerr *err)
{
	struct serve sv;
	struct job job;
	struct session_reply slot = { 0, NULL };
	struct progress pr;
	char token[33], path[4096], host[256], url[4400], lhost[256], cond[64], text[256];
	unsigned short lport = 0, port = 0, bound = 0;
	long long last_change, last_bytes = -1;
	int fd, v6;

	*refused = 0;
	if (random_hex(token, 16) < 0)
		return xerr_set(err, XE_SOFTWARE, "no randomness from OpenSSL");
	if (httpreq_path(path, sizeof(path), token, src->name) < 0)
		return xerr_set(err, XE_USAGE, "the file name is too long for a URL");
	lhost[0] = '\0';
	if (a->oob_listen != NULL)
		net_hostport_parse(a->oob_listen, lhost, sizeof(lhost), &lport);
	fd = net_listen(lhost, lport, &bound, "oob_listen", err);
	if (fd < 0)
		return XE_UNAVAILABLE;
	port = bound;
	/* The host part: oob_address, a specific oob_listen, or the address
	 * a direct S5B streamhost would advertise first. */
	if (net_advertised(session_fd(s), a->oob_listen, a->oob_address, &host, 1, &port) < 1) {
		close(fd);
		return xerr_set(err, XE_UNAVAILABLE, "no local address to put in the URL; set "
				"oob_address");
	}
	v6 = strchr(host, ':') != NULL;
	snprintf(url, sizeof(url), "http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
		 port, path);
	log_debug("serving %s at %s", src->name, url);
	memset(&sv, 0, sizeof(sv));
	sv.args.listen_fd = fd;
	sv.args.path = path;
	sv.args.file_fd = src->fd;
	sv.args.size = src->size;
	sv.args.head_ms = 10000;
	sv.args.idle_ms = (long)o->idle_timeout * 1000;
	memset(&job, 0, sizeof(job));
	if (job_start(&job, serve_job, &sv, err) != XE_OK) {
		close(fd);
		return err->code;
	}
	/* The answer comes when the receiver has the whole file: no fixed
	 * deadline for it, but one for silence (below). */
	session_iq(s, oob_request(session_ctx(s), peer, url, o->desc), 24L * 3600 * 1000,
		   session_iq_keep, &slot);
	progress_start(&pr, src->name, src->size, isatty(STDERR_FILENO) && log_enabled(LOG_WARN));
	last_change = session_now_ms();
	while (!slot.done) {
		long long b = atomic_load(&job.bytes), now = session_now_ms();
		long limit = last_bytes <= 0 ? o->timeout : o->idle_timeout;

		if (b != last_bytes) {
			last_bytes = b;
			last_change = now;
			progress_update(&pr, b);
		}
		if (signals_caught())
			xerr_set(err, XE_SIGNAL, "stopped by signal %d", signals_caught());
		else if (*cancel)
			xerr_set(err, XE_UNAVAILABLE, "%s went offline", peer);
		else if (!session_connected(s))
			xerr_set(err, XE_UNAVAILABLE, "connection to the server lost");
		else if (job_done(&job))
			xerr_set(err, job.err.code != XE_OK ? job.err.code : XE_SOFTWARE,
				 "the HTTP server stopped: %s", job.err.msg);
		else if (now - last_change > (long long)limit * 1000)
			xerr_set(err, XE_TEMPFAIL, "%s %s for %ld s", peer, last_bytes <= 0
				 ? "did not fetch the file" : "fetched nothing", limit);
		if (err->code != XE_OK)
			break;
		session_run(s, 20);
	}
	if (!slot.done)
		session_iq_forget(s, &slot);
	job_finish(&job);
	close(fd);
	if (slot.reply != NULL) {
		if (strcmp(xmpp_stanza_get_type(slot.reply), "result") == 0) {
			progress_update(&pr, src->size);
		} else {
			session_error_of(slot.reply, cond, sizeof(cond), text, sizeof(text));
			*refused = 1;
			xerr_set(err, XE_UNAVAILABLE, strcmp(cond, "not-acceptable") == 0
				 ? "the receiver declined the out-of-band transfer%s%s"
				 : "the receiver could not fetch the file%s%s",
				 text[0] ? ": " : "", text);
		}
		xmpp_stanza_release(slot.reply);
	}
	progress_finish(&pr, err->code == XE_OK, "oob");
	if (err->code == XE_OK)
		source_changed(src, err);
	return err->code;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int oob_parse(xmpp_stanza_t *iq, char *url, size_t ulen, char *name, size_t nlen)
{
	xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(iq, "query", NS_OOB);
	xmpp_stanza_t *u = q != NULL ? xmpp_stanza_get_child_by_name(q, "url") : NULL;
	char *t = u != NULL ? xmpp_stanza_get_text(u) : NULL;
	const char *p, *seg, *end;
	size_t n = 0;
	int rc = -1;

	if (t == NULL)
		return -1;
	p = t + strspn(t, " \t\r\n");
	end = p + strcspn(p, " \t\r\n");
	if ((strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) &&
	    (size_t)(end - p) < ulen && p + strcspn(p, "/") + 2 < end) { /* a host after "//" */
		memcpy(url, p, (size_t)(end - p));
		url[end - p] = '\0';
		/* The last segment of the path, without query or fragment. */
		end = url + strcspn(url, "?#");
		seg = url + strcspn(url, "/") + 2;
		seg += strcspn(seg, "/");
		for (p = seg; p < end; p++)
			if (*p == '/')
				seg = p + 1;
		for (p = seg; p < end && n + 1 < nlen; p++) {
			if (*p == '%' && p + 2 < end && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
				name[n++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
			} else {
				name[n++] = *p;
			}
		}
		name[n] = '\0';
		if (n == 0 || strlen(name) != n)
			snprintf(name, nlen, "download");
		rc = 0;
	}
	xmpp_free(xmpp_stanza_get_context(iq), t);
	return rc;
}
