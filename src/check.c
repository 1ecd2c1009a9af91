/* check.c — see check.h */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "disco.h"
#include "log.h"
#include "session.h"
#include "tlsprobe.h"

#define ROW "%-19s %s"

/* Server-supplied text, made safe for the terminal (see log_printable);
 * a few calls may be used in one printf. */
static const char *pr(const char *s)
{
	static char bufs[4][3 * 1024 + 8];
	static unsigned next;
	char *b = bufs[next++ % 4];

	return log_printable(s != NULL ? s : "", b, sizeof(bufs[0]));
}

static void check_encryption(struct session *s, long timeout_ms)
{
	char version[32], cipher[96], why[160];
	const char *trust = session_verified(s) ? "certificate verified"
			  : "certificate NOT verified (tls = trust)";

	if (!session_secured(s)) {
		printf(ROW "\n", "encryption:", "none (tls = off, loopback only)");
		return;
	}
	if (tlsprobe(session_fd(s), session_domain(s), timeout_ms, version, sizeof(version),
		     cipher, sizeof(cipher), why, sizeof(why)) == 0) {
		printf(ROW " (%s), %s\n", "encryption:", version, cipher, trust);
	} else {
		log_debug("TLS version probe: %s", why);
		printf(ROW ", %s\n", "encryption:", "TLS (version not determined)", trust);
	}
}

static void check_services(const struct disco_result *d)
{
	size_t i;
	int proxies = 0, uploads = 0;

	for (i = 0; i < d->n; i++) {
		const struct disco_service *v = &d->v[i];

		if (v->error != NULL)
			printf(ROW " (%s)\n", "unanswered disco:", pr(v->jid), pr(v->error));
		if (v->proxy) {
			proxies++;
			if (v->sh_host != NULL)
				printf(ROW ": %s port %u\n", "SOCKS5 proxy:", pr(v->jid), pr(v->sh_host),
				       v->sh_port);
			else
				printf(ROW ": no streamhost (%s)\n", "SOCKS5 proxy:", pr(v->jid),
				       v->sh_error != NULL ? pr(v->sh_error) : "unknown");
		}
		if (v->upload) {
			uploads++;
			if (v->upload_max >= 0)
				printf(ROW " (max file size %lld bytes)\n", "HTTP upload:", pr(v->jid),
				       v->upload_max);
			else
				printf(ROW " (no size limit announced)\n", "HTTP upload:", pr(v->jid));
		}
	}
	if (proxies == 0)
		printf(ROW "\n", "SOCKS5 proxy:", "none found");
	if (uploads == 0)
		printf(ROW "\n", "HTTP upload:", "none found");
}

enum xerr_code check_run(struct account *acct, int timeout_s, struct xerr *err)
{
	struct session *s = NULL;
	struct disco_result d = { NULL, 0 };
	long long deadline = session_now_ms() + (long long)timeout_s * 1000;
	long left;
	enum xerr_code rc;

	rc = account_resolve_password(acct, err);
	if (rc != XE_OK)
		return rc;
	rc = session_open(&s, acct, (long)timeout_s * 1000, err);
	if (rc != XE_OK)
		return rc;
	printf(ROW "\n", "account:", acct->name);
	printf(ROW "\n", "jid:", pr(session_jid(s)));
	printf(ROW "\n", "server:", session_peer(s));
	left = (long)(deadline - session_now_ms());
	check_encryption(s, left > 0 ? left : 0);
	rc = disco_server(s, deadline, &d, err);
	/* The server's <enabled/> comes after login; discovery ran the loop. */
	printf(ROW "\n", "stream management:", session_sm(s) == 2 ? "enabled"
	       : session_sm(s) == 1 ? "offered (xfer does not use it)" : "not offered");
	if (rc == XE_OK)
		check_services(&d);
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == XE_OK)
		rc = xerr_set(err, XE_IO, "cannot write the report: %s", strerror(errno));
	disco_result_free(&d);
	session_free(s);
	return rc;
}
