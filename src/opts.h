/* opts.h — the command line: xfer [COMMON] VERB [COMMON|VERB OPTIONS] [ARGS]
 *
 * opts_parse() fills struct xfer_opts from argv with popt. It prints --help
 * and --version output itself and reports that through the return value;
 * it never exits. Strings point into popt-owned or argv memory that lives
 * until opts_free(). */
#ifndef XFER_OPTS_H
#define XFER_OPTS_H

#include "xerr.h"

enum opts_result { OPTS_RUN, OPTS_DONE /* help or version was printed */ };

enum verb { VERB_NONE, VERB_CHECK, VERB_SEND, VERB_RECV, VERB_DAEMON };

struct xfer_opts {
	enum verb verb;
	const char *verb_name;
	char *config;		/* -c FILE */
	char *account;		/* -a NAME */
	int verbose;		/* number of -v */
	int quiet;		/* -q */
	int timeout;		/* check, send: --timeout SEC; recv: 0 = none */
	int idle_timeout;	/* send, recv: --idle-timeout SEC */
	char *method;		/* send: --method LIST */
	char *desc;		/* send: --desc TEXT */
	char *protocol;		/* send: --protocol auto|jingle|si (NULL: auto) */
	const char **to;	/* send: --to JID, repeatable; NULL-terminated */
	char *files_from;	/* send: --files-from FILE ("-": stdin) */
	int nul;		/* send: -0, NUL-separated --files-from */
	int json;		/* send: --json */
	int retry;		/* send: --retry N */
	char *lock;		/* send: --lock FILE */
	char *dir;		/* recv: -d DIR */
	const char **from;	/* recv: --from JID, repeatable; NULL-terminated */
	int count;		/* recv: --count N */
	int foreground;		/* daemon: -f */
	char *pidfile;		/* daemon: --pidfile FILE */
	char *log;		/* daemon: --log TARGET */
	int grace;		/* daemon: --grace SEC */
	const char **args;	/* positional arguments after the verb */
	int nargs;
};

#define OPTS_DEFAULT_TIMEOUT 30
#define OPTS_DEFAULT_IDLE_TIMEOUT 60
#define OPTS_DEFAULT_GRACE 30

/* Returns OPTS_RUN with o filled, OPTS_DONE after --help/--version, or
 * fills err (XE_USAGE) and returns -1. */
int opts_parse(int argc, const char **argv, struct xfer_opts *o, struct xerr *err);
void opts_free(void);

#endif
