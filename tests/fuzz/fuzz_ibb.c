/* libFuzzer target for the XEP-0047 parsers (ibb.c): the input as a
 * stanza, bare and inside an IQ (stanza.h), through ibb_parse_open(),
 * ibb_parse_data() and ibb_parse_close(). An accepted stream id is 1..127
 * bytes without white space or controls, a block size 1..IBB_BLOCK_MAX
 * (a larger one is resource-constraint), a seq 0..65535 whose successor
 * wraps to 0; the data element returned is the stanza's own child, and
 * its payload, decoded as the receiver does, never exceeds the buffer.
 * Build and run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/codec.h"
#include "../../src/ibb.h"
#include "../../src/si.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sid(const char *sid)
{
	size_t i, n = strlen(sid);

	assert(n >= 1 && n < 128);
	for (i = 0; i < n; i++)
		assert((unsigned char)sid[i] > 0x20);
}

static void data_(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	static unsigned char buf[IBB_BLOCK_MAX];
	xmpp_stanza_t *d;
	unsigned seq = 70000;
	char sid[128], *text;
	long n;

	d = ibb_parse_data(st, sid, &seq);
	if (d == NULL)
		return;
	check_sid(sid);
	assert(seq <= 65535 && ibb_seq_next((uint16_t)seq) == (seq + 1) % 65536);
	assert(d == xmpp_stanza_get_child_by_name_and_ns(st, "data", NS_IBB));
	text = xmpp_stanza_get_text(d);
	if (text != NULL) {
		n = b64_decode(text, buf, 512);
		assert(n >= -1 && n <= 512);
		n = b64_decode(text, buf, sizeof(buf));
		assert(n >= -1 && n <= (long)sizeof(buf));
		xmpp_free(ctx, text);
	}
}

static void run(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	const char *cond = NULL;
	char sid[128];
	int block = -1, messages = -1;

	if (ibb_parse_open(st, sid, &block, &messages, &cond) == 0) {
		check_sid(sid);
		assert(cond == NULL && block >= 1 && block <= IBB_BLOCK_MAX);
		assert(messages == 0 || messages == 1);
	} else {
		assert(cond != NULL && (strcmp(cond, "bad-request") == 0 ||
					strcmp(cond, "resource-constraint") == 0));
	}
	data_(ctx, st);
	if (ibb_parse_close(st, sid) == 0)
		check_sid(sid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t s = (uint16_t)(size > 1 ? data[0] << 8 | data[1] : size);

	/* seq arithmetic: one step forward, wrapping at 65536 */
	assert(ibb_seq_next(s) == (uint16_t)((s + 1) % 65536) && ibb_seq_next(65535) == 0);
	fuzz_stanzas(data, size, FUZZ_IQ_SET, run);
	return 0;
}
