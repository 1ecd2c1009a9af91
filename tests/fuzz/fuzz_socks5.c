/* libFuzzer target for the SOCKS5 codec: arbitrary bytes, in both roles,
 * split into pieces whose sizes the input itself chooses. The codec must
 * never read or write out of bounds, never consume more than it is given,
 * and once it reports an error it must stay in error. Build and run it
 * with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int role;

	if (size < 1)
		return 0;
	for (role = 0; role < 2; role++) {
		struct socks5 p;
		size_t off = 1, step = (size_t)(data[0] % 16) + 1;
		int failed = 0;

		socks5_init(&p, role == 0 ? SOCKS5_SERVER : SOCKS5_CLIENT);
		while (off < size) {
			size_t n = step < size - off ? step : size - off, used = 0;
			enum socks5_event ev = socks5_feed(&p, data + off, n, &used);

			assert(used <= n);
			if (failed)
				assert(ev == SOCKS5_ERROR);
			if (ev == SOCKS5_ERROR)
				failed = 1;
			if (ev == SOCKS5_REQUEST)
				assert(p.hash[SOCKS5_HASH_LEN] == '\0');
			if (used == 0 && ev != SOCKS5_ERROR && p.phase == 2)
				break; /* handshake over: the rest is data */
			off += used == 0 ? n : used;
		}
	}
	return 0;
}
