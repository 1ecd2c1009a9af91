/* xfer.c — main(): options, configuration, the verb, the exit code.
 * The only place that exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <strophe.h>

#include "check.h"
#include "daemon.h"
#include "recv.h"
#include "send.h"
#include "config.h"
#include "log.h"
#include "opts.h"
#include "fetch.h"
#include "signals.h"
#include "xerr.h"

int main(int argc, char **argv)
{
	struct xfer_opts o;
	struct config cfg = { 0 };
	struct account *acct;
	struct xerr err;
	char path[4096];
	int rc;

	signals_init();
	fetch_global_init(); /* before any thread starts */
	xerr_clear(&err);
	log_init("xfer", 0);
	rc = opts_parse(argc, (const char **)argv, &o, &err);
	if (rc == OPTS_DONE) {
		opts_free();
		return fflush(stdout) == 0 ? 0 : 74;
	}
	if (rc < 0)
		goto out;
	log_init("xfer", o.quiet ? -1 : o.verbose);
	if (config_path(o.config, path, sizeof(path), &err) != XE_OK ||
	    config_load(path, &cfg, &err) != XE_OK)
		goto out;
	acct = config_account(&cfg, o.account, &err);
	if (acct == NULL || config_check_files(&cfg, acct, &err) != XE_OK)
		goto out;
	xmpp_initialize();
	switch (o.verb) {
	case VERB_CHECK:
		check_run(acct, o.timeout, &err);
		break;
	case VERB_SEND:
		send_run(acct, &o, &err);
		break;
	case VERB_RECV:
		recv_run(acct, &o, &err);
		break;
	case VERB_DAEMON:
		daemon_run(acct, path, &o, &err);
		break;
	default:
		xerr_set(&err, XE_SOFTWARE, "internal error: no handler for this command");
		break;
	}
	xmpp_shutdown();
out:
	config_free(&cfg);
	opts_free();
	if (err.code != XE_OK && err.msg[0] != '\0') /* empty: reported already */
		log_error("%s", err.msg);
	return xerr_exit_code(err.code);
}
