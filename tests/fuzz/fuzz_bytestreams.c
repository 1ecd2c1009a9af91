/* libFuzzer target for the XEP-0065 stanza parsers (bytestreams.c): the
 * input as a stanza, bare and inside an IQ (stanza.h), through
 * bytestreams_parse() and bytestreams_used_parse(). A request that is
 * accepted has a valid sid and 1..S5B_MAX_HOSTS streamhosts, each with a
 * JID, a host of the allowed characters and a port 1..65535; built again
 * with bytestreams_request() it must parse to the same list. Build and
 * run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/bytestreams.h"
#include "../../src/jid.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	static struct s5b_host hosts[S5B_MAX_HOSTS], again[S5B_MAX_HOSTS];
	const char *cond, *why;
	char sid[128], sid2[128];
	struct jid j;
	xmpp_stanza_t *iq;
	int n, i;

	n = bytestreams_parse(st, sid, hosts, &cond, &why);
	if (n < 0) {
		assert(n == -1 && cond != NULL && why != NULL);
		return;
	}
	assert(n >= 1 && n <= S5B_MAX_HOSTS && sid[0] != '\0' && strlen(sid) < sizeof(sid));
	for (i = 0; i < n; i++) {
		assert(jid_parse(hosts[i].jid, &j, NULL) == 0 && hosts[i].port >= 1);
		assert(hosts[i].host[0] != '\0' &&
		       strspn(hosts[i].host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789.-:") == strlen(hosts[i].host));
	}
	iq = bytestreams_request(ctx, "peer@example.com/r", sid, hosts, n);
	assert(bytestreams_parse(iq, sid2, again, &cond, &why) == n && strcmp(sid, sid2) == 0);
	xmpp_stanza_release(iq);
	for (i = 0; i < n; i++)
		assert(strcmp(hosts[i].jid, again[i].jid) == 0 &&
		       strcmp(hosts[i].host, again[i].host) == 0 && hosts[i].port == again[i].port);
}

static void used(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	char jid[3100], small[8], jid2[3100];
	xmpp_stanza_t *iq;

	if (bytestreams_used_parse(st, small, sizeof(small)) == 0)
		assert(strlen(small) < sizeof(small));
	if (bytestreams_used_parse(st, jid, sizeof(jid)) < 0)
		return;
	assert(strlen(jid) < sizeof(jid));
	iq = fuzz_iq_around(ctx, bytestreams_used(ctx, "sid", jid));
	assert(bytestreams_used_parse(iq, jid2, sizeof(jid2)) == 0 && strcmp(jid, jid2) == 0);
	xmpp_stanza_release(iq);
}

static void run(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	request(ctx, st);
	used(ctx, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stanzas(data, size, FUZZ_IQ_SET, run);
	return 0;
}
