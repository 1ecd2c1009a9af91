/* config.c — see config.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "jid.h"
#include "log.h"
#include "net.h"
#include "password.h"
#include "si.h"

#define CONFIG_LINE_MAX 4096

enum config_type {
	CT_STRING, CT_PATH, CT_PORT, CT_TLS, CT_METHODS, CT_JIDS, CT_BLOCK, CT_WINDOW, CT_SIZE,
	CT_LISTEN, CT_HOSTPORT, CT_PROXY, CT_SECONDS, CT_COUNT, CT_LOG, CT_YESNO,
};

struct config_key {
	const char *name;
	enum config_type type;
	size_t offset;
};

static const struct config_key config_keys[] = {
	{ "jid",          CT_STRING, offsetof(struct account, jid) },
	{ "password",     CT_STRING, offsetof(struct account, password) },
	{ "password_cmd", CT_STRING, offsetof(struct account, password_cmd) },
	{ "resource",     CT_STRING, offsetof(struct account, resource) },
	{ "host",         CT_STRING, offsetof(struct account, host) },
	{ "port",         CT_PORT,   offsetof(struct account, port) },
	{ "tls",          CT_TLS,    offsetof(struct account, tls) },
	{ "cafile",       CT_PATH,   offsetof(struct account, cafile) },
	{ "drop_dir",     CT_PATH,   offsetof(struct account, drop_dir) },
	{ "accept_from",  CT_JIDS,   offsetof(struct account, accept_from) },
	{ "methods",      CT_METHODS, offsetof(struct account, methods) },
	{ "ibb_block_size", CT_BLOCK, offsetof(struct account, ibb_block_size) },
	{ "ibb_window",   CT_WINDOW, offsetof(struct account, ibb_window) },
	{ "max_size",     CT_SIZE,   offsetof(struct account, max_size) },
	{ "s5b_listen",   CT_LISTEN, offsetof(struct account, s5b_listen) },
	{ "s5b_address",  CT_HOSTPORT, offsetof(struct account, s5b_address) },
	{ "s5b_proxy",    CT_PROXY,  offsetof(struct account, s5b_proxy) },
	{ "s5b_connect_timeout", CT_SECONDS, offsetof(struct account, s5b_connect_timeout) },
	{ "oob_listen",   CT_LISTEN, offsetof(struct account, oob_listen) },
	{ "oob_address",  CT_HOSTPORT, offsetof(struct account, oob_address) },
	{ "oob_fetch",    CT_YESNO,  offsetof(struct account, oob_fetch) },
	{ "max_concurrent", CT_COUNT, offsetof(struct account, max_concurrent) },
	{ "on_receive",   CT_STRING, offsetof(struct account, on_receive) },
	{ "log",          CT_LOG,    offsetof(struct account, log) },
	{ "pidfile",      CT_PATH,   offsetof(struct account, pidfile) },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static void wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void account_free(struct account *a)
{
	free(a->name);
	free(a->jid);
	wipe_free(a->password);
	free(a->password_cmd);
	free(a->resource);
	free(a->host);
	free(a->cafile);
	free(a->drop_dir);
	free(a->accept_from);
	free(a->s5b_listen);
	free(a->s5b_address);
	free(a->s5b_proxy);
	free(a->oob_listen);
	free(a->oob_address);
	free(a->on_receive);
	free(a->log);
	free(a->pidfile);
}

void config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++)
		account_free(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

enum xerr_code config_path(const char *explicit_path, char *buf, size_t len, struct xerr *err)
{
	const char *env, *home;
	int n;

	if (explicit_path != NULL)
		n = snprintf(buf, len, "%s", explicit_path);
	else if ((env = getenv("XFER_CONFIG")) != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env != '\0')
		n = snprintf(buf, len, "%s/xfer/config", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		n = snprintf(buf, len, "%s/.config/xfer/config", home);
	else
		return xerr_set(err, XE_CONFIG,
				"no config file: HOME is not set; name one with -c FILE");
	if (n < 0 || (size_t)n >= len)
		return xerr_set(err, XE_CONFIG, "config file path is too long");
	return XE_OK;
}

int config_parse_size(const char *s, long long *out)
{
	char *end;
	long long v, mult = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1LL << 10; end++; break;
	case 'm': case 'M': mult = 1LL << 20; end++; break;
	case 'g': case 'G': mult = 1LL << 30; end++; break;
	case 't': case 'T': mult = 1LL << 40; end++; break;
	default: return -1;
	}
	if (*end != '\0' || v > (1LL << 62) / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int config_parse_methods(const char *list, int *out, int max, char *bad)
{
	char copy[256], *w, *save = NULL;
	int n = 0, m, i;

	snprintf(copy, sizeof(copy), "%s", list);
	for (w = strtok_r(copy, " ,\t", &save); w != NULL; w = strtok_r(NULL, " ,\t", &save)) {
		m = method_from_name(w);
		if (m == 0) {
			snprintf(bad, 64, "%s", w);
			return -1;
		}
		for (i = 0; i < n && out[i] != m; i++)
			;
		if (i == n && n < max - 1)
			out[n++] = m;
	}
	if (n == 0) {
		snprintf(bad, 64, "%s", list);
		return -1;
	}
	out[n] = 0;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static struct account *config_add_account(struct config *cfg, const char *name, int line,
					  struct xerr *err)
{
	struct account *grown, *a;
	size_t i;

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0) {
			xerr_set(err, XE_CONFIG, "%s:%d: account '%s' is defined twice%s",
				 cfg->path, line, name,
				 strcmp(name, "default") == 0
				 ? " (keys before the first section belong to account 'default')" : "");
			return NULL;
		}
	}
	grown = realloc(cfg->accounts, (cfg->naccounts + 1) * sizeof(*grown));
	if (grown == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return NULL;
	}
	cfg->accounts = grown;
	a = &cfg->accounts[cfg->naccounts];
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	if (a->name == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return NULL;
	}
	a->line = line;
	a->max_size = -1;
	cfg->naccounts++;
	return a;
}

static int valid_account_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-@", *s) == NULL)
			return 0;
	return 1;
}

static enum xerr_code config_section(struct config *cfg, char *line, int lineno,
				     struct account **cur, struct xerr *err)
{
	char *end = strchr(line, ']');
	char *name;

	if (end == NULL || trim(end + 1)[0] != '\0')
		return xerr_set(err, XE_CONFIG, "%s:%d: malformed section header "
				"(expected [account NAME])", cfg->path, lineno);
	*end = '\0';
	name = trim(line + 1);
	if (strncmp(name, "account", 7) != 0 || !isspace((unsigned char)name[7]))
		return xerr_set(err, XE_CONFIG, "%s:%d: unknown section [%s] "
				"(expected [account NAME])", cfg->path, lineno, name);
	name = trim(name + 7);
	if (!valid_account_name(name))
		return xerr_set(err, XE_CONFIG, "%s:%d: invalid account name '%s' "
				"(letters, digits and . _ - @ only)", cfg->path, lineno, name);
	*cur = config_add_account(cfg, name, lineno, err);
	return *cur != NULL ? XE_OK : err->code;
}

/* One "key = value" line being applied to an account. */
struct setting {
	const struct config *cfg;
	struct account *a;
	const struct config_key *k;
	const char *value;
	int line;
	void *field;		/* the member of a that k names */
};

/* A copy of the value into the field (a char *). */
static enum xerr_code set_copy(const struct setting *s, struct xerr *err)
{
	char *copy = strdup(s->value);

	if (copy == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	*(char **)s->field = copy;
	return XE_OK;
}

static enum xerr_code set_string(const struct setting *s, struct xerr *err)
{
	if (*s->value == '\0')
		return xerr_set(err, XE_CONFIG, "%s:%d: empty value for '%s'",
				s->cfg->path, s->line, s->k->name);
	return set_copy(s, err);
}

/* A file name; a leading "~/" is $HOME. */
static enum xerr_code set_path(const struct setting *s, struct xerr *err)
{
	const char *home = getenv("HOME");
	char *copy;

	if (s->field == (void *)&s->a->cafile)
		s->a->cafile_line = s->line;
	if (*s->value == '\0')
		return xerr_set(err, XE_CONFIG, "%s:%d: empty value for '%s'",
				s->cfg->path, s->line, s->k->name);
	if (strncmp(s->value, "~/", 2) != 0)
		return set_copy(s, err);
	if (home == NULL || *home == '\0')
		return xerr_set(err, XE_CONFIG, "%s:%d: '%s' starts with ~/ but HOME is "
				"not set", s->cfg->path, s->line, s->k->name);
	copy = malloc(strlen(home) + strlen(s->value));
	if (copy == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	sprintf(copy, "%s%s", home, s->value + 1);
	*(char **)s->field = copy;
	return XE_OK;
}

/* The value as a whole decimal number from lo to hi, into *v; -1 if it is
 * not one. */
static int number_in(const char *value, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || *v < lo || *v > hi)
		return -1;
	return 0;
}

static enum xerr_code set_port(const struct setting *s, struct xerr *err)
{
	long v;

	if (number_in(s->value, 1, 65535, &v) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: port must be a number "
				"from 1 to 65535, not '%s'", s->cfg->path, s->line, s->value);
	*(unsigned short *)s->field = (unsigned short)v;
	return XE_OK;
}

/* ibb_block_size, ibb_window, max_concurrent: an int within the type's
 * bounds. */
static enum xerr_code set_int(const struct setting *s, struct xerr *err)
{
	long lo = s->k->type == CT_BLOCK ? 512 : 1;
	long hi = s->k->type == CT_BLOCK ? 65535 : s->k->type == CT_WINDOW ? 256 : 100;
	long v;

	if (number_in(s->value, lo, hi, &v) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: %s must be a number from %ld to "
				"%ld, not '%s'", s->cfg->path, s->line, s->k->name, lo, hi,
				s->value);
	*(int *)s->field = (int)v;
	return XE_OK;
}

static enum xerr_code set_seconds(const struct setting *s, struct xerr *err)
{
	long v;

	if (number_in(s->value, 1, 600, &v) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: %s must be a number of seconds "
				"from 1 to 600, not '%s'", s->cfg->path, s->line, s->k->name,
				s->value);
	*(int *)s->field = (int)v;
	return XE_OK;
}

static enum xerr_code set_size(const struct setting *s, struct xerr *err)
{
	long long v;

	if (config_parse_size(s->value, &v) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: max_size must be a number of "
				"bytes with an optional K, M, G or T suffix, not '%s'",
				s->cfg->path, s->line, s->value);
	*(long long *)s->field = v;
	return XE_OK;
}

static enum xerr_code set_methods(const struct setting *s, struct xerr *err)
{
	char bad[64];

	if (config_parse_methods(s->value, (int *)s->field, 4, bad) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: unknown method '%s' in methods "
				"(known: s5b, ibb, oob)", s->cfg->path, s->line, bad);
	return XE_OK;
}

/* accept_from: every word a JID or a pattern (jid_word_ok()). */
static enum xerr_code set_jids(const struct setting *s, struct xerr *err)
{
	char *copy = strdup(s->value), *w, *save = NULL;
	const char *why;

	if (copy == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	for (w = strtok_r(copy, " ,\t", &save); w != NULL; w = strtok_r(NULL, " ,\t", &save)) {
		if (jid_word_ok(w, &why) < 0) {
			xerr_set(err, XE_CONFIG, "%s:%d: '%s' in accept_from is not a JID "
				 "or a pattern like *@example.org (%s)", s->cfg->path, s->line,
				 w, why);
			free(copy);
			return err->code;
		}
	}
	free(copy);
	return set_copy(s, err);
}

/* *_listen (an IP address) and *_address (a host name too), each with an
 * optional :PORT. */
static enum xerr_code set_hostport(const struct setting *s, struct xerr *err)
{
	char host[256];
	unsigned short port = 0;
	int listen = s->k->type == CT_LISTEN;

	if (net_hostport_parse(s->value, host, sizeof(host), &port) < 0 ||
	    (listen && !net_is_address(host)))
		return xerr_set(err, XE_CONFIG, "%s:%d: %s must be %s, optionally with "
				":PORT, not '%s'", s->cfg->path, s->line, s->k->name,
				listen ? "an IP address" : "a host name or IP address", s->value);
	return set_copy(s, err);
}

static enum xerr_code set_proxy(const struct setting *s, struct xerr *err)
{
	struct jid j;
	const char *why = "";

	if (strcmp(s->value, "none") != 0 && (jid_parse(s->value, &j, &why) < 0 ||
					       j.local[0] != '\0' || j.resource[0] != '\0'))
		return xerr_set(err, XE_CONFIG, "%s:%d: s5b_proxy must be a service JID "
				"(like proxy.example.org) or none, not '%s'%s%s", s->cfg->path,
				s->line, s->value, *why ? ": " : "", why);
	return set_copy(s, err);
}

static enum xerr_code set_yesno(const struct setting *s, struct xerr *err)
{
	if (strcmp(s->value, "yes") != 0 && strcmp(s->value, "no") != 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: %s must be yes or no, not '%s'",
				s->cfg->path, s->line, s->k->name, s->value);
	*(int *)s->field = strcmp(s->value, "yes") == 0 ? 1 : -1;
	return XE_OK;
}

static enum xerr_code set_log(const struct setting *s, struct xerr *err)
{
	if (!log_spec_ok(s->value))
		return xerr_set(err, XE_CONFIG, "%s:%d: log must be syslog, stderr or "
				"an absolute file name, not '%s'", s->cfg->path, s->line, s->value);
	return set_copy(s, err);
}

static enum xerr_code set_tls(const struct setting *s, struct xerr *err)
{
	enum tls_mode *mode = s->field;

	if (strcmp(s->value, "required") == 0)
		*mode = TLS_REQUIRED;
	else if (strcmp(s->value, "trust") == 0)
		*mode = TLS_TRUST;
	else if (strcmp(s->value, "off") == 0)
		*mode = TLS_OFF;
	else
		return xerr_set(err, XE_CONFIG, "%s:%d: tls must be required, "
				"trust or off, not '%s'", s->cfg->path, s->line, s->value);
	s->a->tls_line = s->line;
	return XE_OK;
}

/* The checker and setter of each value type. */
static enum xerr_code (*const setters[])(const struct setting *s, struct xerr *err) = {
	[CT_STRING] = set_string,	[CT_PATH] = set_path,
	[CT_PORT] = set_port,		[CT_TLS] = set_tls,
	[CT_METHODS] = set_methods,	[CT_JIDS] = set_jids,
	[CT_BLOCK] = set_int,		[CT_WINDOW] = set_int,
	[CT_SIZE] = set_size,		[CT_LISTEN] = set_hostport,
	[CT_HOSTPORT] = set_hostport,	[CT_PROXY] = set_proxy,
	[CT_SECONDS] = set_seconds,	[CT_COUNT] = set_int,
	[CT_LOG] = set_log,		[CT_YESNO] = set_yesno,
};

static enum xerr_code config_value(struct config *cfg, struct account *a,
				   const struct config_key *k, const char *value,
				   int lineno, struct xerr *err)
{
	struct setting s = { cfg, a, k, value, lineno, (char *)a + k->offset };

	return setters[k->type](&s, err);
}

static enum xerr_code config_assignment(struct config *cfg, char *line, int lineno,
					struct account **cur, struct xerr *err)
{
	char *eq = strchr(line, '=');
	char *key, *value;
	size_t i, vlen;

	if (eq == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: expected 'key = value'",
				cfg->path, lineno);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	vlen = strlen(value);
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value[vlen - 1] = '\0';
		value++;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].name, key) == 0)
			break;
	if (i == NKEYS)
		return xerr_set(err, XE_CONFIG, "%s:%d: unknown key '%s'", cfg->path, lineno, key);
	if (*cur == NULL) {
		*cur = config_add_account(cfg, "default", lineno, err);
		if (*cur == NULL)
			return err->code;
	}
	if ((*cur)->seen & (1UL << i))
		return xerr_set(err, XE_CONFIG, "%s:%d: '%s' is set twice in account '%s'",
				cfg->path, lineno, key, (*cur)->name);
	(*cur)->seen |= 1UL << i;
	if (strcmp(key, "password") == 0)
		cfg->has_password = 1;
	return config_value(cfg, *cur, &config_keys[i], value, lineno, err);
}

static enum xerr_code config_validate(struct config *cfg, struct account *a, struct xerr *err)
{
	struct jid j;
	const char *why = NULL;
	const char *host;

	if (a->jid == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s' has no jid",
				cfg->path, a->line, a->name);
	if (jid_parse(a->jid, &j, &why) == 0 && j.local[0] == '\0')
		why = "no user part";
	else if (why == NULL && j.resource[0] != '\0')
		why = "a resource belongs in the 'resource' key";
	if (why != NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s': jid '%s' is not of the "
				"form user@domain (%s)", cfg->path, a->line, a->name, a->jid, why);
	if (a->password != NULL && a->password_cmd != NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s' sets both password and "
				"password_cmd; keep one", cfg->path, a->line, a->name);
	if (a->password == NULL && a->password_cmd == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s' has neither password nor "
				"password_cmd", cfg->path, a->line, a->name);
	if (a->resource != NULL && strlen(a->resource) > JID_PART_MAX)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s': resource longer than "
				"%d bytes", cfg->path, a->line, a->name, JID_PART_MAX);
	if (a->resource != NULL && strpbrk(a->resource, "/\t\r\n") != NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s': resource must not "
				"contain '/' or control characters", cfg->path, a->line, a->name);
	/* Without 'host', the domain's SRV records decide where we connect,
	 * so only an explicit loopback host makes plaintext safe. */
	host = a->host != NULL ? a->host : j.domain;
	if (a->tls == TLS_OFF && (a->host == NULL || !net_host_is_loopback(host)))
		return xerr_set(err, XE_CONFIG, "%s:%d: tls = off is refused for host '%s': "
				"plaintext is allowed only with 'host' set to a loopback "
				"address (use tls = required)", cfg->path, a->tls_line, host);
	return XE_OK;
}

enum xerr_code config_parse(FILE *f, const char *path, struct config *cfg, struct xerr *err)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	struct account *cur = NULL;
	int lineno = 0;
	size_t i;
	enum xerr_code rc = XE_OK;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(path);
	/* Sized so that getline() does not reallocate (and leave copies of
	 * a password behind) for any line we accept. */
	cap = CONFIG_LINE_MAX + 2;
	buf = malloc(cap);
	if (cfg->path == NULL || buf == NULL) {
		free(buf);
		free(cfg->path);
		cfg->path = NULL;
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	}
	while ((len = getline(&buf, &cap, f)) >= 0) {
		char *line;

		lineno++;
		if (len - (len > 0 && buf[len - 1] == '\n') > CONFIG_LINE_MAX) {
			rc = xerr_set(err, XE_CONFIG, "%s:%d: line longer than %d bytes",
				      path, lineno, CONFIG_LINE_MAX);
			goto out;
		}
		if (strlen(buf) != (size_t)len) {
			rc = xerr_set(err, XE_CONFIG, "%s:%d: NUL byte in line", path, lineno);
			goto out;
		}
		line = trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '[')
			rc = config_section(cfg, line, lineno, &cur, err);
		else
			rc = config_assignment(cfg, line, lineno, &cur, err);
		if (rc != XE_OK)
			goto out;
	}
	if (ferror(f)) {
		rc = xerr_set(err, XE_IO, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (cfg->naccounts == 0) {
		rc = xerr_set(err, XE_CONFIG, "%s: no account configured (add at least "
			      "'jid = ...' and 'password = ...'; see xfer.conf(5))", path);
		goto out;
	}
	for (i = 0; i < cfg->naccounts && rc == XE_OK; i++)
		rc = config_validate(cfg, &cfg->accounts[i], err);
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	if (rc != XE_OK)
		config_free(cfg);
	return rc;
}

enum xerr_code config_check_mode(const struct config *cfg, const struct stat *st,
				 uid_t euid, struct xerr *err)
{
	if (!S_ISREG(st->st_mode))
		return xerr_set(err, XE_CONFIG, "%s is not a regular file", cfg->path);
	/* Whoever can change the file can run commands as us (password_cmd)
	 * or send our password elsewhere (host): always refused. */
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xerr_set(err, XE_NOPERM, "%s can be written by group or others "
				"(mode %04o); run: chmod go-w %s", cfg->path,
				(unsigned)(st->st_mode & 07777), cfg->path);
	if (st->st_uid != euid)
		return xerr_set(err, XE_NOPERM, "%s belongs to uid %u, not to you (uid %u)",
				cfg->path, (unsigned)st->st_uid, (unsigned)euid);
	if (cfg->has_password && (st->st_mode & (S_IRWXG | S_IRWXO)))
		return xerr_set(err, XE_NOPERM, "%s contains a password and can be read by "
				"group or others (mode %04o); run: chmod 600 %s",
				cfg->path, (unsigned)(st->st_mode & 07777), cfg->path);
	return XE_OK;
}

enum xerr_code config_load(const char *path, struct config *cfg, struct xerr *err)
{
	char iobuf[8192];
	struct stat st;
	FILE *f = NULL;
	int fd;
	enum xerr_code rc;

	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return xerr_set(err, XE_CONFIG, "cannot open config file %s: %s "
				"(create it, or name another with -c; see xfer.conf(5))",
				path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = xerr_set(err, XE_IO, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return xerr_set(err, XE_CONFIG, "%s is not a regular file", path);
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return xerr_set(err, XE_SOFTWARE, "fdopen: %s", strerror(errno));
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)); /* ours, so it can be wiped */
	rc = config_parse(f, path, cfg, err);
	fclose(f);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	if (rc == XE_OK) {
		rc = config_check_mode(cfg, &st, geteuid(), err);
		if (rc != XE_OK)
			config_free(cfg);
	}
	return rc;
}

enum xerr_code config_check_files(const struct config *cfg, const struct account *a,
					 struct xerr *err)
{
	X509 *cert;
	FILE *f;

	if (a->cafile == NULL)
		return XE_OK;
	f = fopen(a->cafile, "re");
	if (f == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: cafile %s cannot be read: %s (fix the "
				"path, or remove the key to use the system's CAs)", cfg->path,
				a->cafile_line, a->cafile, strerror(errno));
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error(); /* nothing of this may reach the TLS diagnosis */
	if (cert == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: cafile %s holds no PEM certificate",
				cfg->path, a->cafile_line, a->cafile);
	X509_free(cert);
	return XE_OK;
}

struct account *config_account(struct config *cfg, const char *name, struct xerr *err)
{
	char names[512] = "";
	size_t i, used = 0;

	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name != NULL ? name : "default") == 0)
			return &cfg->accounts[i];
	for (i = 0; i < cfg->naccounts && used < sizeof(names); i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s",
				 i > 0 ? ", " : "", cfg->accounts[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (name == NULL)
		xerr_set(err, XE_CONFIG, "%s has no default account; choose one with -a NAME "
			 "(accounts: %s)", cfg->path, names);
	else
		xerr_set(err, XE_CONFIG, "%s has no account '%s' (accounts: %s)",
			 cfg->path, name, names);
	return NULL;
}

enum xerr_code account_resolve_password(struct account *acct, struct xerr *err)
{
	if (acct->password != NULL)
		return XE_OK;
	return password_run(acct->password_cmd, acct->name, &acct->password, err);
}
