/* opts.c — see opts.h */
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "opts.h"

static struct xfer_opts opts_v;
static poptContext opts_top, opts_verb;
static const char **opts_argv;

enum { OPT_VERBOSE = 1, OPT_HELP, OPT_VERSION };

static struct poptOption common_table[] = {
	{ "config", 'c', POPT_ARG_STRING, &opts_v.config, 0,
	  "read the configuration from FILE (default: $XFER_CONFIG, "
	  "else $XDG_CONFIG_HOME/xfer/config, else ~/.config/xfer/config)", "FILE" },
	{ "account", 'a', POPT_ARG_STRING, &opts_v.account, 0,
	  "use the account NAME from the configuration file", "NAME" },
	{ "verbose", 'v', POPT_ARG_NONE, NULL, OPT_VERBOSE,
	  "say more; -vv adds debugging, -vvv the XMPP traffic (without secrets)", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, &opts_v.quiet, 0, "print errors only", NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, OPT_HELP, "show this help and exit", NULL },
	POPT_TABLEEND
};

static struct poptOption top_table[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, common_table, 0, NULL, NULL },
	{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION, "show the version and exit", NULL },
	POPT_TABLEEND
};

static struct poptOption check_only[] = {
	{ "timeout", 0, POPT_ARG_INT, &opts_v.timeout, 0,
	  "give up when login and queries take longer than SEC seconds (default 30)", "SEC" },
	POPT_TABLEEND
};

static struct poptOption send_only[] = {
	{ "method", 'm', POPT_ARG_STRING, &opts_v.method, 0,
	  "use these transfer methods, in this order (default: all, or 'methods' "
	  "in the config); known: s5b ibb oob (default order)", "LIST" },
	{ "protocol", 'P', POPT_ARG_STRING, &opts_v.protocol, 0,
	  "negotiate with jingle (XEP-0234) or si (XEP-0096); auto (the default) "
	  "uses Jingle when the receiver advertises it, else SI", "auto|jingle|si" },
	{ "desc", 0, POPT_ARG_STRING, &opts_v.desc, 0,
	  "a description sent with each file", "TEXT" },
	{ "to", 't', POPT_ARG_ARGV, &opts_v.to, 0,
	  "send to JID (repeatable: every file goes to every JID); with --to, "
	  "all arguments are files", "JID" },
	{ "files-from", 'T', POPT_ARG_STRING, &opts_v.files_from, 0,
	  "also send the files listed in FILE, one path per line ('-': standard "
	  "input)", "FILE" },
	{ "null", '0', POPT_ARG_NONE, &opts_v.nul, 0,
	  "paths in --files-from end with NUL, not newline", NULL },
	{ "json", 0, POPT_ARG_NONE, &opts_v.json, 0,
	  "print one JSON object per file and recipient on standard output", NULL },
	{ "retry", 0, POPT_ARG_INT, &opts_v.retry, 0,
	  "try again up to N times, with growing pauses, when a failure may pass "
	  "(peer offline, connection lost, timeout)", "N" },
	{ "lock", 0, POPT_ARG_STRING, &opts_v.lock, 0,
	  "hold a lock on FILE while running; exit 75 at once if another xfer "
	  "holds it (for cron)", "FILE" },
	{ "timeout", 0, POPT_ARG_INT, &opts_v.timeout, 0,
	  "give up when login, finding the peer, or the peer's answer to an offer "
	  "takes longer than SEC seconds (default 30)", "SEC" },
	{ "idle-timeout", 0, POPT_ARG_INT, &opts_v.idle_timeout, 0,
	  "fail a transfer that makes no progress for SEC seconds (default 60)", "SEC" },
	POPT_TABLEEND
};

static struct poptOption send_table[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, send_only, 0, "Options for send:", NULL },
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, common_table, 0, "Common options:", NULL },
	POPT_TABLEEND
};

static struct poptOption recv_only[] = {
	{ "dir", 'd', POPT_ARG_STRING, &opts_v.dir, 0,
	  "save files in DIR (default: 'drop_dir' in the config, else the current "
	  "directory)", "DIR" },
	{ "from", 'f', POPT_ARG_ARGV, &opts_v.from, 0,
	  "accept offers from JID (repeatable; a bare JID allows any resource; "
	  "added to 'accept_from' in the config)", "JID" },
	{ "count", 'n', POPT_ARG_INT, &opts_v.count, 0,
	  "exit after N offers were handled (default 1)", "N" },
	{ "timeout", 0, POPT_ARG_INT, &opts_v.timeout, 0,
	  "give up when the offers have not arrived within SEC seconds "
	  "(default: wait as long as it takes)", "SEC" },
	{ "idle-timeout", 0, POPT_ARG_INT, &opts_v.idle_timeout, 0,
	  "fail a transfer that makes no progress for SEC seconds (default 60)", "SEC" },
	POPT_TABLEEND
};

static struct poptOption recv_table[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, recv_only, 0, "Options for recv:", NULL },
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, common_table, 0, "Common options:", NULL },
	POPT_TABLEEND
};

static struct poptOption daemon_only[] = {
	{ "foreground", 'f', POPT_ARG_NONE, &opts_v.foreground, 0,
	  "stay in the foreground (for systemd and tests); log to stderr unless "
	  "'log' says otherwise", NULL },
	{ "dir", 'd', POPT_ARG_STRING, &opts_v.dir, 0,
	  "save files in DIR (default: 'drop_dir' in the config; one is required)", "DIR" },
	{ "from", 0, POPT_ARG_ARGV, &opts_v.from, 0,
	  "accept offers from JID or a pattern like *@example.org (repeatable; "
	  "added to 'accept_from' in the config)", "JID" },
	{ "pidfile", 0, POPT_ARG_STRING, &opts_v.pidfile, 0,
	  "write the pid to FILE and lock it (default: 'pidfile' in the config, "
	  "else $XDG_RUNTIME_DIR/xfer-daemon-JID.pid)", "FILE" },
	{ "log", 0, POPT_ARG_STRING, &opts_v.log, 0,
	  "log to syslog, stderr or an absolute FILE (default: 'log' in the config, "
	  "else stderr with -f, syslog otherwise)", "TARGET" },
	{ "grace", 0, POPT_ARG_INT, &opts_v.grace, 0,
	  "on SIGTERM or SIGINT, let running transfers finish for up to SEC seconds "
	  "(default 30)", "SEC" },
	{ "idle-timeout", 0, POPT_ARG_INT, &opts_v.idle_timeout, 0,
	  "fail a transfer that makes no progress for SEC seconds (default 60)", "SEC" },
	POPT_TABLEEND
};

static struct poptOption daemon_table[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, daemon_only, 0, "Options for daemon:", NULL },
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, common_table, 0, "Common options:", NULL },
	POPT_TABLEEND
};

static struct poptOption check_table[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, check_only, 0, "Options for check:", NULL },
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, common_table, 0, "Common options:", NULL },
	POPT_TABLEEND
};

struct verb_info {
	const char *name;
	enum verb verb;
	int built;
	const char *args;
	const char *summary;
	struct poptOption *table;
};

static const struct verb_info verbs[] = {
	{ "check", VERB_CHECK, 1, "",
	  "log in and report what the server offers for file transfer", check_table },
	{ "send", VERB_SEND, 1, "[OPTION...] JID FILE...", "send files to JID", send_table },
	{ "recv", VERB_RECV, 1, "[OPTION...]", "receive offered files", recv_table },
	{ "daemon", VERB_DAEMON, 1, "[OPTION...]", "stay online and receive into a drop directory",
	  daemon_table },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static void opts_print_top_help(void)
{
	size_t i;

	printf("Usage: xfer [OPTION...] COMMAND [ARG...]\n"
	       "Send and receive files over XMPP.\n\nCommands:\n");
	for (i = 0; i < NVERBS; i++)
		printf("  %-8s %s%s\n", verbs[i].name, verbs[i].summary,
		       verbs[i].built ? "" : " (not built yet)");
	printf("\n");
	poptPrintHelp(opts_top, stdout, 0);
	printf("\nRun 'xfer COMMAND --help' for the options of a command; "
	       "see xfer(1) and xfer.conf(5).\n");
}

static int opts_bad(poptContext ctx, int rc, struct xerr *err)
{
	xerr_set(err, XE_USAGE, "%s: %s (see 'xfer%s%s --help')",
		 poptBadOption(ctx, POPT_BADOPTION_NOALIAS), poptStrerror(rc),
		 opts_v.verb_name != NULL ? " " : "",
		 opts_v.verb_name != NULL ? opts_v.verb_name : "");
	return -1;
}

static int opts_check(struct xfer_opts *o, struct xerr *err)
{
	if (o->timeout == -1)
		o->timeout = o->verb == VERB_RECV ? 0 : OPTS_DEFAULT_TIMEOUT;
	if ((o->verb == VERB_CHECK || o->verb == VERB_RECV || o->verb == VERB_DAEMON) &&
	    o->nargs > 0) {
		xerr_set(err, XE_USAGE, "%s takes no arguments, not '%s'", o->verb_name, o->args[0]);
		return -1;
	}
	if (o->verb == VERB_SEND && o->to == NULL &&
	    (o->nargs < 1 || (o->nargs < 2 && o->files_from == NULL))) {
		xerr_set(err, XE_USAGE, "send needs a JID and at least one file "
			 "(xfer send JID FILE..., or --to JID and --files-from FILE)");
		return -1;
	}
	if (o->verb == VERB_SEND && o->to != NULL && o->nargs < 1 && o->files_from == NULL) {
		xerr_set(err, XE_USAGE, "send needs at least one file (arguments or --files-from)");
		return -1;
	}
	if (o->nul && o->files_from == NULL) {
		xerr_set(err, XE_USAGE, "-0 applies to --files-from, which is not given");
		return -1;
	}
	if (o->retry < 0 || o->retry > 100) {
		xerr_set(err, XE_USAGE, "--retry must be from 0 to 100");
		return -1;
	}
	if (o->timeout < (o->verb == VERB_RECV ? 0 : 1) || o->timeout > 86400 * 365) {
		xerr_set(err, XE_USAGE, "--timeout must be from %d to %d seconds",
			 o->verb == VERB_RECV ? 0 : 1, 86400 * 365);
		return -1;
	}
	if (o->idle_timeout < 1 || o->idle_timeout > 86400) {
		xerr_set(err, XE_USAGE, "--idle-timeout must be from 1 to 86400 seconds");
		return -1;
	}
	if (o->count < 1) {
		xerr_set(err, XE_USAGE, "--count must be at least 1");
		return -1;
	}
	if (o->grace < 0 || o->grace > 3600) {
		xerr_set(err, XE_USAGE, "--grace must be from 0 to 3600 seconds");
		return -1;
	}
	if (o->log != NULL && !log_spec_ok(o->log)) {
		xerr_set(err, XE_USAGE, "--log must be syslog, stderr or an absolute file name, "
			 "not '%s'", o->log);
		return -1;
	}
	if (o->pidfile != NULL && o->pidfile[0] != '/') {
		xerr_set(err, XE_USAGE, "--pidfile must be an absolute file name");
		return -1;
	}
	if (o->protocol != NULL && strcmp(o->protocol, "auto") != 0 &&
	    strcmp(o->protocol, "jingle") != 0 && strcmp(o->protocol, "si") != 0) {
		xerr_set(err, XE_USAGE, "--protocol must be auto, jingle or si, not '%s'",
			 o->protocol);
		return -1;
	}
	if (o->method != NULL) {
		int ms[METHODS_MAX];
		char bad[64];
		if (config_parse_methods(o->method, ms, METHODS_MAX, bad) < 0) {
			xerr_set(err, XE_USAGE, "unknown method '%s' in --method (known: s5b, ibb, oob)", bad);
			return -1;
		}
	}
	return 0;
}

int opts_parse(int argc, const char **argv, struct xfer_opts *o, struct xerr *err)
{
	const struct verb_info *vi = NULL;
	const char *const *rest;
	static char usage[64];	/* popt keeps a pointer to it */
	int rc, help = 0, nrest, i;
	size_t k;

	memset(&opts_v, 0, sizeof(opts_v));
	opts_v.timeout = -1;
	opts_v.idle_timeout = OPTS_DEFAULT_IDLE_TIMEOUT;
	opts_v.count = 1;
	opts_v.grace = OPTS_DEFAULT_GRACE;
	opts_top = poptGetContext("xfer", argc, argv, top_table, POPT_CONTEXT_POSIXMEHARDER);
	while ((rc = poptGetNextOpt(opts_top)) > 0) {
		if (rc == OPT_VERBOSE)
			opts_v.verbose++;
		else if (rc == OPT_HELP)
			help = 1;
		else if (rc == OPT_VERSION) {
			printf("xfer %s\n", PACKAGE_VERSION);
			return OPTS_DONE;
		}
	}
	if (rc < -1)
		return opts_bad(opts_top, rc, err);
	rest = poptGetArgs(opts_top);
	if (help && rest == NULL) {
		opts_print_top_help();
		return OPTS_DONE;
	}
	if (rest == NULL) {
		xerr_set(err, XE_USAGE, "no command given; run 'xfer --help' for the list");
		return -1;
	}
	for (nrest = 0; rest[nrest] != NULL; nrest++)
		;
	for (k = 0; k < NVERBS; k++)
		if (strcmp(rest[0], verbs[k].name) == 0)
			vi = &verbs[k];
	if (vi == NULL) {
		xerr_set(err, XE_USAGE, "unknown command '%s'; run 'xfer --help' for the list",
			 rest[0]);
		return -1;
	}
	opts_v.verb = vi->verb;
	opts_v.verb_name = vi->name;
	if (!vi->built) {
		xerr_set(err, XE_USAGE, "'%s' is not built yet in xfer %s; "
			 "see xfer(1)", vi->name, PACKAGE_VERSION);
		return -1;
	}
	/* The verb's context sees the verb as argv[0]. */
	opts_argv = calloc((size_t)nrest + 1, sizeof(*opts_argv));
	if (opts_argv == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return -1;
	}
	for (i = 0; i < nrest; i++)
		opts_argv[i] = rest[i];
	snprintf(usage, sizeof(usage), "xfer %s", vi->name);
	opts_argv[0] = usage;
	opts_verb = poptGetContext(usage, nrest, opts_argv, vi->table, 0);
	poptSetOtherOptionHelp(opts_verb, vi->args[0] != '\0' ? vi->args : "[OPTION...]");
	while ((rc = poptGetNextOpt(opts_verb)) > 0) {
		if (rc == OPT_VERBOSE)
			opts_v.verbose++;
		else if (rc == OPT_HELP)
			help = 1;
	}
	if (rc < -1)
		return opts_bad(opts_verb, rc, err);
	if (help) {
		printf("xfer %s: %s.\n\n", vi->name, vi->summary);
		poptPrintHelp(opts_verb, stdout, 0);
		return OPTS_DONE;
	}
	opts_v.args = poptGetArgs(opts_verb);
	for (opts_v.nargs = 0; opts_v.args != NULL && opts_v.args[opts_v.nargs] != NULL;
	     opts_v.nargs++)
		;
	if (opts_check(&opts_v, err) < 0)
		return -1;
	if (opts_v.quiet && opts_v.verbose > 0) {
		xerr_set(err, XE_USAGE, "-q and -v contradict each other; give one");
		return -1;
	}
	*o = opts_v;
	return OPTS_RUN;
}

void opts_free(void)
{
	int i;

	for (i = 0; opts_v.from != NULL && opts_v.from[i] != NULL; i++)
		free((char *)opts_v.from[i]);
	free(opts_v.from);
	opts_v.from = NULL;
	for (i = 0; opts_v.to != NULL && opts_v.to[i] != NULL; i++)
		free((char *)opts_v.to[i]);
	free(opts_v.to);
	opts_v.to = NULL;
	if (opts_verb != NULL)
		poptFreeContext(opts_verb);
	if (opts_top != NULL)
		poptFreeContext(opts_top);
	free(opts_argv);
	opts_verb = opts_top = NULL;
	opts_argv = NULL;
}
