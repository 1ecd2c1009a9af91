/* libFuzzer target for what the OOB fetch reads itself from an HTTP
 * response head (fetch_head_line() in fetch.c; curl parses the status
 * code): the input cut into lines after each '\n' (the last one may be
 * unterminated), fed one at a time. The reason phrase and Location stay
 * printable C strings within their buffers, the size is -1 or a number
 * of at most 18 digits, a status line starts afresh, and the head is
 * over at the first empty line. Build and run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t len)
{
	size_t i;

	assert(memchr(s, '\0', len) != NULL);
	for (i = 0; s[i] != '\0'; i++)
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct fetch_head h;
	enum fetch_line ev;

	memset(&h, 0, sizeof(h));
	h.size = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl + 1 - p) : (size_t)(end - p);

		ev = fetch_head_line(&h, p, n);
		printable(h.reason, sizeof(h.reason));
		printable(h.location, sizeof(h.location));
		assert(h.size >= -1 && h.size < 1000000000000000000LL);
		assert(h.bad_size == 0 || h.bad_size == 1);
		if (ev == FETCH_LINE_STATUS)
			assert(h.location[0] == '\0' && h.size == -1 && !h.bad_size);
		if (ev == FETCH_LINE_END)
			assert(n <= 2 && (p[0] == '\r' || p[0] == '\n'));
		p += n;
	}
	return 0;
}
