/* libFuzzer target for the configuration parser and the accept_from
 * allow-list (config.c, confkey.c, jid.c). The first byte, modulo 3,
 * chooses the mode:
 *   0  the rest is an xfer.conf, through config_parse() (fmemopen); of an
 *      accepted file every account's accept_from words pass
 *      jid_word_ok() and its own JID is a valid one;
 *   1  the rest is "LIST\nJID": jid_allowed(LIST, JID), and a JID
 *      (not itself of the form "*@...", a pattern) is always allowed by
 *      itself, by its bare form and, with a localpart, by "*@DOMAIN";
 *      every word goes through jid_word_ok();
 *   2  the rest goes through net_hostport_parse(), config_parse_size() and
 *      config_parse_methods(), which must keep their contracts.
 * Build and run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/config.h"
#include "../../src/jid.h"
#include "../../src/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void words_ok(const char *list, int must)
{
	char *copy = strdup(list), *w, *save = NULL;
	const char *why;

	if (copy == NULL)
		abort();
	for (w = strtok_r(copy, " ,\t", &save); w != NULL; w = strtok_r(NULL, " ,\t", &save)) {
		why = NULL;
		if (jid_word_ok(w, &why) < 0)
			assert(!must && why != NULL);
	}
	free(copy);
}

static void file(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct xerr err;
	struct jid j;
	FILE *f;
	size_t i;

	xerr_clear(&err);
	if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
		return;
	if (config_parse(f, "fuzz.conf", &cfg, &err) == XE_OK) {
		assert(cfg.naccounts > 0);
		for (i = 0; i < cfg.naccounts; i++) {
			assert(cfg.accounts[i].jid != NULL && jid_parse(cfg.accounts[i].jid, &j, NULL) == 0);
			if (cfg.accounts[i].accept_from != NULL)
				words_ok(cfg.accounts[i].accept_from, 1);
		}
		config_free(&cfg);
	} else {
		assert(err.code == XE_CONFIG || err.code == XE_IO || err.code == XE_SOFTWARE);
	}
	fclose(f);
}

static void allow(const char *s)
{
	const char *nl = strchr(s, '\n');
	char *list, own[2 * (JID_PART_MAX + 1) + 2];
	const char *jid;
	struct jid j;

	if (nl == NULL)
		return;
	list = strndup(s, (size_t)(nl - s));
	jid = nl + 1;
	if (list == NULL)
		abort();
	words_ok(list, 0);
	(void)jid_allowed(list, jid);
	/* "*@..." is always a pattern, even when it is also a JID. */
	if (jid_parse(jid, &j, NULL) == 0 && strpbrk(jid, " ,\t") == NULL &&
	    strncmp(jid, "*@", 2) != 0) {
		assert(jid_allowed(jid_bare(&j, own, sizeof(own)), jid) == 1);
		assert(jid_allowed(jid, jid) == 1);
		snprintf(own, sizeof(own), "*@%s", j.domain);
		assert(jid_allowed(own, jid) == (j.local[0] != '\0'));
	}
	free(list);
}

static void values(const char *s)
{
	char host[64], bad[64];
	unsigned short port = 0;
	long long v = -1;
	int ms[4], i, k;

	if (net_hostport_parse(s, host, sizeof(host), &port) == 0)
		assert(host[0] != '\0' && strlen(host) < sizeof(host));
	if (config_parse_size(s, &v) == 0)
		assert(v >= 0 && v <= (1LL << 62));
	if (config_parse_methods(s, ms, 4, bad) == 0) {
		for (i = 0; ms[i] != 0; i++) {
			assert(i < 3);
			for (k = 0; k < i; k++)
				assert(ms[k] != ms[i]);
		}
		assert(i > 0);
	} else {
		assert(strlen(bad) < sizeof(bad));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 0) {
		file(data + 1, size - 1);
		return 0;
	}
	s = strndup((const char *)data + 1, size - 1);
	if (s == NULL)
		abort();
	if (data[0] % 3 == 1)
		allow(s);
	else
		values(s);
	free(s);
	return 0;
}
