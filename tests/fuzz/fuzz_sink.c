/* libFuzzer target for the file-name sanitizer (sink.c): the input as an
 * offered name. The safe name is non-empty, at most SINK_NAME_MAX bytes,
 * valid UTF-8, has no '/' or '\\', no control character, does not start
 * with '.' or ' ' (so it is never "." or ".."), does not end with ' ',
 * and sanitizing it again changes nothing. Build and run it with
 * scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of a valid UTF-8 sequence at p (non-zero), else 0. */
static size_t utf8_ok(const unsigned char *p)
{
	size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
		 : (p[0] & 0xf8) == 0xf0 ? 4 : 0, i;

	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *offered = malloc(size + 1);
	char out[SINK_NAME_MAX + 1], again[SINK_NAME_MAX + 1];
	size_t len, i, n;
	int changed;

	if (offered == NULL)
		abort();
	memcpy(offered, data, size);
	offered[size] = '\0';
	memset(out, 'x', sizeof(out));
	changed = sink_sanitize_name(offered, out);
	len = strnlen(out, sizeof(out));
	assert(len >= 1 && len <= SINK_NAME_MAX);
	assert(strchr(out, '/') == NULL && strchr(out, '\\') == NULL);
	assert(strcmp(out, ".") != 0 && strcmp(out, "..") != 0);
	assert(out[0] != '.' && out[0] != ' ' && out[len - 1] != ' ');
	for (i = 0; i < len; i += n) {
		n = utf8_ok((const unsigned char *)out + i);
		assert(n > 0 && (unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
	}
	assert(changed == (strcmp(out, offered) != 0));
	assert(sink_sanitize_name(out, again) == 0 && strcmp(out, again) == 0);
	free(offered);
	return 0;
}
