/* libFuzzer target for the HTTP request-head parser: arbitrary bytes split
 * into pieces whose sizes the input itself chooses, and the same bytes
 * whole. The parser must never read or write out of bounds, never consume
 * more than it is given nor past the head, give the same verdict however
 * the bytes are split, keep its limits, and stay DONE or in error. The
 * last part of the input is also run through httpreq_path. Build and run
 * it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/httpreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum httpreq_event run(struct httpreq *r, const char *p, size_t size, size_t step,
			      size_t *total)
{
	enum httpreq_event ev = HTTPREQ_NEED_MORE;
	size_t off = 0;

	*total = 0;
	while (off < size) {
		size_t n = step < size - off ? step : size - off, used = 0;

		ev = httpreq_feed(r, p + off, n, &used);
		assert(used <= n);
		*total += used;
		off += used;
		if (ev != HTTPREQ_NEED_MORE) {
			assert(httpreq_feed(r, p, size, &used) == ev && used == 0);
			break;
		}
		assert(used == n);
	}
	return ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	struct httpreq split, whole;
	size_t step, used_split, used_whole, cut;
	enum httpreq_event ev;
	char path[64], name[32];

	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 16) + 1;
	size--;
	httpreq_init(&split);
	httpreq_init(&whole);
	ev = run(&split, p, size, step, &used_split);
	assert(run(&whole, p, size, size == 0 ? 1 : size, &used_whole) == ev);
	assert(used_split == used_whole && used_split <= HTTPREQ_HEAD_MAX + 1);
	if (ev == HTTPREQ_ERROR) {
		assert(split.status == whole.status);
		assert(split.status == 400 || split.status == 405 || split.status == 414 ||
		       split.status == 431 || split.status == 505);
	}
	if (ev == HTTPREQ_DONE) {
		assert(split.method == HTTPREQ_GET || split.method == HTTPREQ_HEAD);
		assert(strlen(split.target) < HTTPREQ_LINE_MAX && split.target[0] != '\0');
		assert(strcmp(split.target, whole.target) == 0);
		assert(used_split >= 4 && p[used_split - 1] == '\n');
	}

	cut = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, p + size - cut, cut);
	name[cut] = '\0';
	if (httpreq_path(path, sizeof(path), "tok", name) >= 0)
		assert(strspn(path, "/%ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			      "0123456789-._~") == strlen(path));
	return 0;
}
