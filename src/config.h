/* config.h — the configuration file (see xfer.conf(5)).
 *
 * Syntax: "key = value" lines, '#' starts a comment line, "[account NAME]"
 * starts an account. Keys before the first section, or in [account default],
 * form the account "default". A value may be wrapped in double quotes to keep
 * leading or trailing spaces. Every account is validated when the file is
 * loaded; an error names the file and line.
 *
 * Ownership: a struct config owns every string in it; config_free() wipes
 * passwords with OPENSSL_cleanse() before freeing. */
#ifndef XFER_CONFIG_H
#define XFER_CONFIG_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "xerr.h"

/* Room for a 0-terminated list of transfer methods: every method once. */
#define METHODS_MAX 8

enum tls_mode {
	TLS_REQUIRED,	/* STARTTLS, certificate verified (default) */
	TLS_TRUST,	/* STARTTLS, certificate not verified */
	TLS_OFF,	/* plaintext; loopback hosts only */
};

struct account {
	char *name;		/* section name; "default" for the default account */
	int line;		/* line where the account starts (0: top of file) */
	char *jid;
	char *password;
	char *password_cmd;
	char *resource;		/* NULL: "xfer-" and a random suffix */
	char *host;		/* NULL: the JID's domain (SRV lookup) */
	unsigned short port;	/* 0: default */
	enum tls_mode tls;
	char *cafile;
	char *drop_dir;		/* NULL: the current directory */
	char *accept_from;	/* JIDs separated by spaces or commas */
	int methods[METHODS_MAX];	/* transfer methods in order; 0-terminated */
	int ibb_block_size;	/* 0: default */
	int ibb_window;		/* 0: default */
	long long max_size;	/* -1: unlimited */
	char *s5b_listen;	/* ADDR[:PORT] for direct connections; NULL: all */
	char *s5b_address;	/* HOST[:PORT] advertised instead of our own */
	char *s5b_proxy;	/* proxy JID, "none", or NULL: discover */
	int s5b_connect_timeout;	/* seconds per streamhost; 0: default */
	char *oob_listen;	/* ADDR[:PORT] of the OOB HTTP server; NULL: all */
	char *oob_address;	/* HOST[:PORT] advertised in OOB URLs */
	int oob_fetch;		/* recv, daemon take OOB offers: 1 yes, -1 no; 0: default (yes) */
	int max_concurrent;	/* transfers at once (recv, daemon); 0: default */
	char *on_receive;	/* daemon: command run after each delivered file */
	char *log;		/* daemon: "syslog", "stderr" or an absolute path */
	char *pidfile;		/* daemon: pidfile path; NULL: default */
	unsigned long seen;	/* bit per key, to refuse duplicates */
	int tls_line;
	int cafile_line;	/* where cafile is set, for its errors */
};

struct config {
	char *path;
	struct account *accounts;
	size_t naccounts;
	int has_password;	/* some account stores a password in the file */
};

/* Finds the config file: explicit (from -c) if not NULL, else $XFER_CONFIG,
 * else $XDG_CONFIG_HOME/xfer/config, else $HOME/.config/xfer/config.
 * Writes the path into buf. Returns XE_OK or XE_CONFIG. */
enum xerr_code config_path(const char *explicit_path, char *buf, size_t len, struct xerr *err);

/* Parses the text of f; path is used in messages only. On failure cfg is
 * freed and err says file:line and what is wrong (XE_CONFIG). */
enum xerr_code config_parse(FILE *f, const char *path, struct config *cfg, struct xerr *err);

/* Refuses a file that holds a password and that others may read (XE_NOPERM),
 * or that is not a regular file (XE_CONFIG). st is from fstat() on the open
 * file; euid is the caller's effective uid. */
enum xerr_code config_check_mode(const struct config *cfg, const struct stat *st,
				 uid_t euid, struct xerr *err);

/* Opens path, checks it with fstat() on the open descriptor, parses it. */
enum xerr_code config_load(const char *path, struct config *cfg, struct xerr *err);

/* The account called name (NULL: the default account). */
struct account *config_account(struct config *cfg, const char *name, struct xerr *err);

/* The files account a names (its cafile) are usable: XE_OK, or XE_CONFIG
 * naming the key, the file and its line. For start-up, before anything
 * connects: a cafile that cannot be read would otherwise surface as a TLS
 * failure blamed on the server. Relative paths are taken from the
 * current directory. */
enum xerr_code config_check_files(const struct config *cfg, const struct account *a,
				  struct xerr *err);

/* Makes acct->password available: when the file sets none, runs
 * password_cmd (password.h: through /bin/sh, the first line of its
 * output) and keeps its answer. */
enum xerr_code account_resolve_password(struct account *acct, struct xerr *err);

/* Parses a list of method names ("ibb", separated by spaces or commas) into
 * out (0-terminated, at most max-1 entries). Returns 0, or -1 with the
 * offending word in bad (64 bytes). */
int config_parse_methods(const char *list, int *out, int max, char *bad);

/* "100", "10K", "5M", "2G", "1T" (powers of 1024) -> bytes; 0 or -1. */
int config_parse_size(const char *s, long long *out);

#define CONFIG_MAX_CONCURRENT 4	/* default of max_concurrent */

void config_free(struct config *cfg);

#endif
