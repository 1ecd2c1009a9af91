/* libFuzzer target for the disco#info and streamhost reply parsers
 * (disco.c) and the entity-caps verification string (caps.c): the input
 * as a stanza, bare and inside a result IQ (stanza.h). Replies are read
 * by disco_parse_info(), disco_parse_streamhost() and
 * disco_error_condition(), which must keep the contract of disco.h; the
 * identity and features of a disco#info query go through caps_ver(),
 * whose result must not depend on the order of the features (or on
 * duplicates) and is 28 characters of base64. Build and run it with
 * scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/caps.h"
#include "../../src/disco.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FEATURES 64

static void caps(xmpp_stanza_t *st)
{
	xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_DISCO_INFO), *c;
	const char *f[2 * MAX_FEATURES], *rev[2 * MAX_FEATURES], *cat = NULL, *type = NULL, *name = NULL;
	char ver[CAPS_VER_LEN], ver2[CAPS_VER_LEN];
	size_t n = 0, i;
	int rc;

	for (c = q != NULL ? xmpp_stanza_get_children(q) : NULL; c != NULL && n < MAX_FEATURES;
	     c = xmpp_stanza_get_next(c)) {
		const char *var = xmpp_stanza_get_attribute(c, "var");
		if (!xmpp_stanza_is_tag(c))
			continue;
		if (cat == NULL && strcmp(xmpp_stanza_get_name(c), "identity") == 0) {
			cat = xmpp_stanza_get_attribute(c, "category");
			type = xmpp_stanza_get_attribute(c, "type");
			name = xmpp_stanza_get_attribute(c, "name");
		} else if (strcmp(xmpp_stanza_get_name(c), "feature") == 0 && var != NULL) {
			f[n++] = var;
		}
	}
	if (cat == NULL || type == NULL)
		return;
	rc = caps_ver(cat, type, name != NULL ? name : "", f, n, ver);
	if (rc < 0)
		return;
	assert(strlen(ver) == CAPS_VER_LEN - 1);
	for (i = 0; i < n; i++)
		rev[i] = rev[2 * n - 1 - i] = f[n - 1 - i];	/* reversed, twice */
	assert(caps_ver(cat, type, name != NULL ? name : "", rev, 2 * n, ver2) == 0);
	assert(strcmp(ver, ver2) == 0);
}

static void run(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	struct disco_service svc;
	const char *cond;

	(void)ctx;
	memset(&svc, 0, sizeof(svc));
	if (disco_parse_info(st, &svc) == 0) {
		assert(svc.upload_max >= -1 && (svc.proxy == 0 || svc.proxy == 1));
		assert(svc.upload == 0 || svc.upload == 1);
	}
	memset(&svc, 0, sizeof(svc));
	if (disco_parse_streamhost(st, &svc) == 0) {
		assert(svc.sh_jid != NULL && svc.sh_host != NULL && svc.sh_host[0] != '\0');
		assert(svc.sh_port >= 1);
	}
	free(svc.sh_jid);
	free(svc.sh_host);
	cond = disco_error_condition(st);
	assert(cond != NULL && cond[0] != '\0');
	caps(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stanzas(data, size, FUZZ_IQ_RESULT, run);
	return 0;
}
