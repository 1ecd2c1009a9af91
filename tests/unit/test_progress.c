/* Unit tests for the progress formatting: sizes, ETA, the bar at several
 * widths, huge sizes and zero rates. */
#include <string.h>

#include "../../src/progress.h"
#include "tap.h"

static void test_sizes(void)
{
	static const struct { long long n; const char *s; } c[] = {
		{ 0, "0 B" }, { 1, "1 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" }, { 10 * 1024, "10 KiB" }, { 3 * 1048576, "3.0 MiB" },
		{ 1073741824LL * 5, "5.0 GiB" }, { 1099511627776LL * 2048, "2.0 PiB" },
		{ 9223372036854775807LL, "8.0 EiB" }, { -5, "0 B" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		format_size(buf, sizeof(buf), c[i].n);
		is_str(buf, c[i].s, c[i].s);
	}
}

static void test_eta(void)
{
	static const struct { long long s; const char *e; } c[] = {
		{ 0, "0:00" }, { 7, "0:07" }, { 754, "12:34" }, { 3723, "1:02:03" },
		{ -1, "--:--" }, { 100LL * 3600, "--:--" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		format_eta(buf, sizeof(buf), c[i].s);
		is_str(buf, c[i].e, c[i].e);
	}
}

static void test_bar(void)
{
	char buf[512];
	static const int widths[] = { 20, 40, 80, 200 };
	size_t i;

	format_progress(buf, sizeof(buf), 80, "file.bin", 512, 1024, 1000);
	ok(strlen(buf) == 80, "80 columns wide (%zu)", strlen(buf));
	ok(strstr(buf, " 50% 512 B/1.0 KiB 512 B/s ETA 0:01") != NULL, "tail: %s", buf);
	ok(strncmp(buf, "file.bin [", 10) == 0, "starts with the name");
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		format_progress(buf, sizeof(buf), widths[i], "a-rather-long-file-name-for-a-bar.tar.gz",
				1LL << 40, 1LL << 41, 3600000);
		ok((int)strlen(buf) <= widths[i], "fits in %d columns (%zu)", widths[i], strlen(buf));
	}
	format_progress(buf, sizeof(buf), 80, "x", 0, 1000, 0);
	ok(strstr(buf, "  0% 0 B/1000 B 0 B/s ETA --:--") != NULL, "zero rate: no ETA: %s", buf);
	format_progress(buf, sizeof(buf), 80, "empty", 0, 0, 5);
	ok(strstr(buf, "100% 0 B/0 B") != NULL, "empty file is 100%%: %s", buf);
	format_progress(buf, sizeof(buf), 80, "x", 9223372036854775807LL, 9223372036854775807LL,
			1);
	ok(strstr(buf, "100%") != NULL, "huge sizes do not overflow: %s", buf);
	format_progress(buf, 30, 200, "x", 1, 2, 1);
	ok(strlen(buf) < 30, "never overruns the buffer");
}

int main(void)
{
	test_sizes();
	test_eta();
	test_bar();
	return tap_done();
}
