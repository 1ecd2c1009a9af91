/* libFuzzer target for the SI and feature-negotiation parsers (si.c):
 * the input as a stanza, bare and inside an IQ (stanza.h), through
 * si_offer_parse() and si_accept_parse(). What they accept must keep the
 * contract of si.h (a valid sid, a size >= 0, a lowercase MD5, only known
 * stream methods, without duplicates), and what is accepted, built again
 * with si_offer_build() / si_accept_build() and parsed again, must come
 * back the same. Build and run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/si.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_offer(const struct si_offer *o)
{
	size_t i;

	assert(o->sid[0] != '\0' && strlen(o->sid) < sizeof(o->sid));
	for (i = 0; o->sid[i] != '\0'; i++)
		assert((unsigned char)o->sid[i] > 0x20 && strchr("<>&'\"", o->sid[i]) == NULL);
	assert(strlen(o->name) < sizeof(o->name) && o->size >= 0);
	assert(o->md5[0] == '\0' || strspn(o->md5, "0123456789abcdef") == 32);
	assert(o->methods != 0 && (o->methods & ~(unsigned)METHODS_SI) == 0);
}

static void offer(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	struct si_offer o, again;
	const char *cond, *app, *why;
	int ms[2], n = 0;
	xmpp_stanza_t *iq;

	if (si_offer_parse(st, &o, &cond, &app, &why) < 0) {
		assert(cond != NULL && why != NULL);
		return;
	}
	check_offer(&o);
	if (o.methods & METHOD_S5B)
		ms[n++] = METHOD_S5B;
	if (o.methods & METHOD_IBB)
		ms[n++] = METHOD_IBB;
	iq = si_offer_build(ctx, "peer@example.com/r", &o, ms, n);
	assert(si_offer_parse(iq, &again, &cond, &app, &why) == 0);
	xmpp_stanza_release(iq);
	assert(strcmp(o.sid, again.sid) == 0 && strcmp(o.name, again.name) == 0);
	assert(o.size == again.size && strcmp(o.date, again.date) == 0);
	assert(strcmp(o.md5, again.md5) == 0 && strcmp(o.desc, again.desc) == 0);
	assert(o.methods == again.methods && again.multiple);
}

static void accept_(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	int out[4], again[4], multiple, multiple2, n, i, k;
	xmpp_stanza_t *iq;

	n = si_accept_parse(st, out, 4, &multiple);
	assert(n >= 0 && n <= 4 && (multiple || n <= 1));
	for (i = 0; i < n; i++) {
		assert(out[i] == METHOD_S5B || out[i] == METHOD_IBB);
		for (k = 0; k < i; k++)
			assert(out[k] != out[i]);
	}
	if (n == 0)
		return;
	iq = fuzz_iq_around(ctx, si_accept_build(ctx, out, n, multiple));
	assert(si_accept_parse(iq, again, 4, &multiple2) == n && multiple2 == multiple);
	assert(memcmp(out, again, (size_t)n * sizeof(out[0])) == 0);
	xmpp_stanza_release(iq);
}

static void run(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	offer(ctx, st);
	accept_(ctx, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stanzas(data, size, FUZZ_IQ_SET, run);
	return 0;
}
