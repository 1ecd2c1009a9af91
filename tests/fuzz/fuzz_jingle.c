/* libFuzzer target for the Jingle parser (jingle.c): every action, the
 * file description (:5 and :4, hashes), the s5b and ibb transports and
 * their transport-info payloads, checksums, reasons. The input as a
 * stanza, bare and inside an IQ (stanza.h), through jingle_parse(). What
 * it accepts must keep the contract of jingle.h (usable candidates only,
 * block-size 1..65535, a lowercase sha-256), and what can be expressed
 * again, built with jingle_build() and parsed again, must come back the
 * same. The input as a C string also goes through the hash conversions,
 * which must be inverses. Build and run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../../src/jingle.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct jingle *j)
{
	int i;

	assert(j->action != JA_UNKNOWN && j->sid[0] != '\0');
	assert(j->sha256[0] == '\0' || strspn(j->sha256, "0123456789abcdef") == 64);
	assert(j->ncand >= 0 && j->ncand <= JINGLE_MAX_CANDIDATES);
	for (i = 0; i < j->ncand; i++) {
		const struct jingle_candidate *k = &j->cand[i];
		assert(k->cid[0] != '\0' && k->h.host[0] != '\0' && k->h.port >= 1);
		assert(k->priority >= 0 && k->priority <= 0x7fffffffL);
	}
	if (j->transport == JT_IBB)
		assert(j->block >= 1 && j->block <= 65535);
	if (j->transport == JT_S5B || j->transport == JT_IBB)
		assert(j->tsid[0] != '\0');
	if (j->has_file)
		assert(j->name[0] != '\0' && (j->ft_version == 4 || j->ft_version == 5));
	assert(j->size >= -1);
}

/* 1 if what jingle_build() writes for j can be parsed again: the actions
 * without a content, or a content with a file or a known transport. */
static int expressible(const struct jingle *j)
{
	return j->action == JA_SESSION_INFO || j->action == JA_SESSION_TERMINATE ||
	       j->has_file || j->transport == JT_S5B || j->transport == JT_IBB;
}

static void same_content(const struct jingle *a, const struct jingle *b)
{
	int i;

	assert(strcmp(a->content, b->content) == 0 && strcmp(a->creator, b->creator) == 0);
	assert(strcmp(a->senders, b->senders) == 0 && a->has_file == b->has_file);
	if (a->has_file) {
		assert(a->ft_version == b->ft_version && strcmp(a->name, b->name) == 0);
		assert(a->size == b->size && strcmp(a->date, b->date) == 0);
		assert(strcmp(a->desc, b->desc) == 0 && strcmp(a->media_type, b->media_type) == 0);
		assert(strcmp(a->sha256, b->sha256) == 0);
	}
	if (a->transport != JT_S5B && a->transport != JT_IBB)
		return;
	assert(a->transport == b->transport && strcmp(a->tsid, b->tsid) == 0);
	assert(a->block == b->block && a->s5b_info == b->s5b_info && strcmp(a->cid, b->cid) == 0);
	if (a->s5b_info != JS_NONE)
		return; /* the builder writes candidates only in an offer */
	assert(strcmp(a->dstaddr, b->dstaddr) == 0 && a->ncand == b->ncand);
	for (i = 0; i < a->ncand; i++) {
		assert(strcmp(a->cand[i].cid, b->cand[i].cid) == 0);
		assert(a->cand[i].priority == b->cand[i].priority);
		assert(a->cand[i].proxy == b->cand[i].proxy && a->cand[i].h.port == b->cand[i].h.port);
		assert(strcmp(a->cand[i].h.jid, b->cand[i].h.jid) == 0);
		assert(strcmp(a->cand[i].h.host, b->cand[i].h.host) == 0);
	}
}

static void same(const struct jingle *a, const struct jingle *b)
{
	assert(a->action == b->action && strcmp(a->sid, b->sid) == 0);
	assert(strcmp(a->initiator, b->initiator) == 0 && strcmp(a->responder, b->responder) == 0);
	assert(strcmp(a->reason, b->reason) == 0 && strcmp(a->reason_text, b->reason_text) == 0);
	if (a->action == JA_SESSION_INFO) {
		if (a->info != JI_CHECKSUM && a->info != JI_RECEIVED)
			return;
		assert(a->info == b->info);
		if (a->info == JI_CHECKSUM) {
			assert(a->ft_version == b->ft_version && strcmp(a->sha256, b->sha256) == 0);
			assert(strcmp(a->content, b->content) == 0);
			assert(strcmp(a->creator, b->creator) == 0);
		}
		return;
	}
	if (a->has_file || a->transport == JT_S5B || a->transport == JT_IBB)
		same_content(a, b);
}

static void run(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	static struct jingle j, again;	/* 60 KiB each: not on the stack */
	const char *cond, *app, *why;
	xmpp_stanza_t *iq;

	if (jingle_parse(st, &j, &cond, &app, &why) < 0) {
		assert(cond != NULL && why != NULL);
		return;
	}
	check(&j);
	if (!expressible(&j) || (iq = jingle_build(ctx, "peer@example.com/r", &j)) == NULL)
		return;
	assert(jingle_parse(iq, &again, &cond, &app, &why) == 0);
	xmpp_stanza_release(iq);
	same(&j, &again);
}

static void hashes(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size, "", "");
	char hex[65], hex2[65], b64[45];

	if (jingle_hash_to_hex(s, hex) == 0) {
		assert(strlen(hex) == 64);
		assert(jingle_hash_from_hex(hex, b64) == 0 && strlen(b64) == 44);
		assert(jingle_hash_to_hex(b64, hex2) == 0 && strcmp(hex, hex2) == 0);
	}
	if (jingle_hash_from_hex(s, b64) == 0) {
		assert(jingle_hash_to_hex(b64, hex) == 0 && strcasecmp(hex, s) == 0);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stanzas(data, size, FUZZ_IQ_SET, run);
	hashes(data, size);
	return 0;
}
