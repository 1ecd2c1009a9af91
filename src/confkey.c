/* confkey.c — see confkey.h */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confkey.h"
#include "jid.h"
#include "log.h"
#include "net.h"

enum value_type {
	CT_STRING, CT_PATH, CT_PORT, CT_TLS, CT_METHODS, CT_JIDS, CT_BLOCK, CT_WINDOW, CT_SIZE,
	CT_LISTEN, CT_HOSTPORT, CT_PROXY, CT_SECONDS, CT_COUNT, CT_LOG, CT_YESNO,
};

struct key {
	const char *name;
	enum value_type type;
	size_t offset;
};

static const struct key keys[] = {
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

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= sizeof(unsigned long) * 8, "struct account's seen: a bit per key");

/* One "key = value" line being applied to an account. */
struct setting {
	const char *path;	/* of the file, for messages */
	struct account *a;
	const struct key *k;
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
				s->path, s->line, s->k->name);
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
				s->path, s->line, s->k->name);
	if (strncmp(s->value, "~/", 2) != 0)
		return set_copy(s, err);
	if (home == NULL || *home == '\0')
		return xerr_set(err, XE_CONFIG, "%s:%d: '%s' starts with ~/ but HOME is "
				"not set", s->path, s->line, s->k->name);
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
				"from 1 to 65535, not '%s'", s->path, s->line, s->value);
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
				"%ld, not '%s'", s->path, s->line, s->k->name, lo, hi,
				s->value);
	*(int *)s->field = (int)v;
	return XE_OK;
}

static enum xerr_code set_seconds(const struct setting *s, struct xerr *err)
{
	long v;

	if (number_in(s->value, 1, 600, &v) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: %s must be a number of seconds "
				"from 1 to 600, not '%s'", s->path, s->line, s->k->name,
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
				s->path, s->line, s->value);
	*(long long *)s->field = v;
	return XE_OK;
}

static enum xerr_code set_methods(const struct setting *s, struct xerr *err)
{
	char bad[64];

	if (config_parse_methods(s->value, (int *)s->field, METHODS_MAX, bad) < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: unknown method '%s' in methods "
				"(known: s5b, ibb, oob)", s->path, s->line, bad);
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
				 "or a pattern like *@example.org (%s)", s->path, s->line,
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
				":PORT, not '%s'", s->path, s->line, s->k->name,
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
				"(like proxy.example.org) or none, not '%s'%s%s", s->path,
				s->line, s->value, *why ? ": " : "", why);
	return set_copy(s, err);
}

static enum xerr_code set_yesno(const struct setting *s, struct xerr *err)
{
	if (strcmp(s->value, "yes") != 0 && strcmp(s->value, "no") != 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: %s must be yes or no, not '%s'",
				s->path, s->line, s->k->name, s->value);
	*(int *)s->field = strcmp(s->value, "yes") == 0 ? 1 : -1;
	return XE_OK;
}

static enum xerr_code set_log(const struct setting *s, struct xerr *err)
{
	if (!log_spec_ok(s->value))
		return xerr_set(err, XE_CONFIG, "%s:%d: log must be syslog, stderr or "
				"an absolute file name, not '%s'", s->path, s->line, s->value);
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
				"trust or off, not '%s'", s->path, s->line, s->value);
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

int confkey_find(const char *key)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			return (int)i;
	return -1;
}

enum xerr_code confkey_set(int i, struct account *a, const char *value, const char *path,
			   int line, struct xerr *err)
{
	struct setting s = { path, a, &keys[i], value, line, (char *)a + keys[i].offset };

	return setters[keys[i].type](&s, err);
}
