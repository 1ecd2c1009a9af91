/* libFuzzer target for the XEP-0066 request parser (oob.c): the input as
 * a stanza, bare and inside an IQ (stanza.h), through oob_parse() with
 * buffers of several sizes. An accepted URL is http or https, has
 * something after "//", no white space, and fits its buffer; the name is
 * a non-empty C string that fits its buffer. Build and run it with
 * scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../../src/oob.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(xmpp_stanza_t *st, size_t ulen, size_t nlen)
{
	char url[2048], name[256];

	assert(ulen <= sizeof(url) && nlen <= sizeof(name) && nlen > 0);
	memset(name, 'x', sizeof(name));
	if (oob_parse(st, url, ulen, name, nlen) < 0)
		return;
	assert(strlen(url) < ulen && strcspn(url, " \t\r\n") == strlen(url));
	assert(strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
	assert(url[strcspn(url, "/") + 2] != '\0');
	assert(memchr(name, '\0', nlen) != NULL && name[0] != '\0');
}

static void run(xmpp_ctx_t *ctx, xmpp_stanza_t *st)
{
	(void)ctx;
	parse(st, 2048, 256);
	parse(st, 16, 4);
	parse(st, 9, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stanzas(data, size, FUZZ_IQ_SET, run);
	return 0;
}
