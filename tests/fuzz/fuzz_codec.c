/* libFuzzer target for base64 (codec.c): the input as a C string through
 * b64_decode() with a capacity the first byte chooses, and the raw bytes
 * through b64_encode(). A decode never reports more than its capacity;
 * what decodes, encoded again, decodes to the same bytes; every encoding
 * has b64_encoded_len() characters and decodes to the input. Build and
 * run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static void decode(const uint8_t *data, size_t size)
{
	size_t cap = size > 0 ? data[0] : 0;
	char *s = xmalloc(size + 1), *enc;
	unsigned char *out, *again;
	long n;

	memcpy(s, data, size);
	s[size] = '\0';
	out = xmalloc(size);
	n = b64_decode(s, out, cap < size ? cap : size);
	assert(n >= -1 && n <= (long)(cap < size ? cap : size));
	n = b64_decode(s, out, size);
	assert(n >= -1 && n <= (long)size);
	if (n >= 0) {
		enc = xmalloc(b64_encoded_len((size_t)n) + 1);
		assert(b64_encode(out, (size_t)n, enc) == b64_encoded_len((size_t)n));
		again = xmalloc((size_t)n);
		assert(b64_decode(enc, again, (size_t)n) == n);
		assert(memcmp(out, again, (size_t)n) == 0);
		free(again);
		free(enc);
	}
	free(out);
	free(s);
}

static void encode(const uint8_t *data, size_t size)
{
	char *enc = xmalloc(b64_encoded_len(size) + 1);
	unsigned char *back = xmalloc(size);

	assert(b64_encode(data, size, enc) == b64_encoded_len(size));
	assert(strlen(enc) == b64_encoded_len(size));
	assert(b64_decode(enc, back, size) == (long)size && memcmp(back, data, size) == 0);
	if (size > 0)
		assert(b64_decode(enc, back, size - 1) == -1);
	free(back);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	encode(data, size);
	return 0;
}
