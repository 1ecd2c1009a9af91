/* Unit tests for sink.c: the name sanitizer over hostile names, and
 * delivery (size and MD5 checks, no overwrite, no temp file left). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/sink.h"
#include "tap.h"

static const struct { const char *offered, *saved; int changed; } names[] = {
	{ "report.pdf", "report.pdf", 0 },
	{ "été à la plage – notes.txt", "été à la plage – notes.txt", 0 },
	{ "with spaces.txt", "with spaces.txt", 0 },
	{ "../../etc/x", "x", 1 },
	{ "/abs", "abs", 1 },
	{ "/etc/passwd", "passwd", 1 },
	{ "C:\\Windows\\evil.exe", "evil.exe", 1 },
	{ "a/b\\c", "c", 1 },
	{ ".hidden", "hidden", 1 },
	{ "...dots", "dots", 1 },
	{ ".", "unnamed", 1 },
	{ "..", "unnamed", 1 },
	{ "", "unnamed", 1 },
	{ "dir/", "unnamed", 1 },
	{ "  spaced  ", "spaced", 1 },
	{ "tab\there", "tab_here", 1 },
	{ "new\nline", "new_line", 1 },
	{ "esc\x1b[31mred", "esc_[31mred", 1 },
	{ "del\x7f", "del_", 1 },
	{ "c1\xc2\x9b" "x", "c1_x", 1 },
	{ "invoice\xe2\x80\xaegpj.exe", "invoice_gpj.exe", 1 },	/* U+202E RLO */
	{ "pay\xc2\xad" "pal\xe2\x81\xa0.pdf", "pay_pal_.pdf", 1 },	/* U+00AD, U+2060 */
	{ "a\xf3\xa0\x80\x81" "b.txt", "a_b.txt", 1 },		/* U+E0001 tag */
	{ "a\xe2\x81\xa6" "b", "a_b", 1 },			/* U+2066 LRI */
	{ "zero\xe2\x80\x8bwidth", "zero_width", 1 },		/* U+200B */
	{ "\xef\xbb\xbf" "bom", "_bom", 1 },			/* U+FEFF */
	{ "bad\xff" "utf8", "bad_utf8", 1 },
	{ "overlong\xc0\xaf", "overlong__", 1 },
	{ "surrogate\xed\xa0\x80", "surrogate___", 1 },
	{ "-rf", "-rf", 0 },
};

static void test_names(void)
{
	char out[SINK_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int changed = sink_sanitize_name(names[i].offered, out);
		is_str(out, names[i].saved, names[i].offered);
		ok(changed == names[i].changed, "  changed flag");
	}
	{
		/* Cut where a forbidden character would have been replaced
		 * (found by tests/fuzz/fuzz_sink): still "changed". */
		char in[SINK_NAME_MAX + 3];
		memset(in, 'a', SINK_NAME_MAX);
		strcpy(in + SINK_NAME_MAX, "\x0e" "b");
		ok(sink_sanitize_name(in, out) == 1 && strlen(out) == SINK_NAME_MAX,
		   "a name cut at a control character is changed");
		in[SINK_NAME_MAX] = '\0';
		ok(sink_sanitize_name(in, out) == 0 && strcmp(in, out) == 0,
		   "a name of exactly %d bytes is kept", SINK_NAME_MAX);
	}
}

static void test_long_names(void)
{
	char in[400], out[SINK_NAME_MAX + 1];
	size_t i;

	memset(in, 'a', 300);
	in[300] = '\0';
	ok(sink_sanitize_name(in, out) == 1 && strlen(out) == SINK_NAME_MAX,
	   "300-byte name cut to %d bytes", SINK_NAME_MAX);
	/* a multi-byte character is never cut in half */
	for (i = 0; i + 2 <= 300; i += 2)
		memcpy(in + i, "\xc3\xa9", 2);
	in[300] = '\0';
	sink_sanitize_name(in, out);
	ok(strlen(out) == SINK_NAME_MAX && strlen(out) % 2 == 0, "cut at a character boundary");
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_delivery(void)
{
	char dir[] = "/tmp/xfer-sink-XXXXXX", path[512], want[600];
	struct sink *s;
	struct xerr err;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	xerr_clear(&err);
	ok(sink_open(&s, dir, "a.txt", 3, SINK_HASH_MD5, &err) == XE_OK, "open");
	ok(count_entries(dir) <= 1, "at most one (hidden or unnamed) temp file while receiving");
	ok(sink_write(s, "abc", 3, &err) == XE_OK, "write");
	ok(sink_commit(s, "900150983cd24fb0d6963f7d28e17f72", path, sizeof(path), &err) == XE_OK,
	   "commit with the right MD5");
	snprintf(want, sizeof(want), "%s/a.txt", dir);
	is_str(path, want, "delivered under its name");
	ok(count_entries(dir) == 1, "no temp file left");

	sink_open(&s, dir, "a.txt", 3, 0, &err);
	sink_write(s, "xyz", 3, &err);
	ok(sink_commit(s, NULL, path, sizeof(path), &err) == XE_OK, "commit a second a.txt");
	snprintf(want, sizeof(want), "%s/a (1).txt", dir);
	is_str(path, want, "second one is 'a (1).txt'");
	f = fopen(strcat(strcpy(want, dir), "/a.txt"), "r");
	ok(f != NULL && fgetc(f) == 'a', "the first a.txt is untouched");
	if (f != NULL)
		fclose(f);

	xerr_clear(&err);
	sink_open(&s, dir, "bad.txt", 3, SINK_HASH_MD5, &err);
	sink_write(s, "abd", 3, &err);
	ok(sink_commit(s, "900150983cd24fb0d6963f7d28e17f72", path, sizeof(path), &err) == XE_PROTOCOL,
	   "MD5 mismatch refused");
	ok(strstr(err.msg, "MD5 mismatch") != NULL, "  message says MD5 mismatch");

	xerr_clear(&err);
	sink_open(&s, dir, "short.txt", 4, 0, &err);
	sink_write(s, "abc", 3, &err);
	ok(sink_commit(s, NULL, path, sizeof(path), &err) == XE_PROTOCOL, "short file refused");
	is_str(err.msg, "the stream ended after 3 of 4 bytes", "  message");

	xerr_clear(&err);
	sink_open(&s, dir, "long.txt", 2, 0, &err);
	ok(sink_write(s, "abc", 3, &err) == XE_PROTOCOL, "more than announced refused");
	sink_abort(s);
	ok(count_entries(dir) == 2, "failures left nothing behind");

	xerr_clear(&err);
	ok(sink_open(&s, "/nonexistent-dir", "x", 1, 0, &err) == XE_CANTCREAT, "missing dir refused");
	xerr_clear(&err);
	ok(sink_check_space(dir, 1LL << 60, 0, &err) == XE_CANTCREAT, "an exabyte does not fit");
	xerr_clear(&err);
	ok(sink_check_space(dir, 1, 0, &err) == XE_OK, "one byte fits");
	/* Sizes and reservations come from peers: extremes give a verdict,
	 * never an overflow (the sanitizer build traps one). */
	{
		static const struct { long long size, reserved; enum xerr_code want; } t[] = {
			{ LLONG_MAX, 0, XE_CANTCREAT }, { LLONG_MAX, 6, XE_CANTCREAT },
			{ LLONG_MAX, LLONG_MAX, XE_CANTCREAT }, { 6, LLONG_MAX, XE_CANTCREAT },
			{ 1, LLONG_MAX - 1, XE_CANTCREAT }, { LLONG_MIN, 0, XE_OK },
			{ 0, LLONG_MIN, XE_OK }, { -1, -1, XE_OK }, { 0, 0, XE_OK },
		};
		size_t i;
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			xerr_clear(&err);
			ok(sink_check_space(dir, t[i].size, t[i].reserved, &err) == t[i].want,
			   "space for %lld bytes with %lld reserved: %s", t[i].size, t[i].reserved,
			   t[i].want == XE_OK ? "fits" : "refused");
		}
	}
	xerr_clear(&err);
	sink_check_space(dir, 1LL << 60, 6, &err);
	ok(strstr(err.msg, "the file has 1152921504606846976 bytes") != NULL &&
	   strstr(err.msg, "6 are reserved for other transfers") != NULL,
	   "the refusal names the file's size and the reservation apart: %s", err.msg);
	xerr_clear(&err);
	sink_check_space(dir, 1LL << 60, 0, &err);
	ok(strstr(err.msg, "reserved") == NULL, "no reservation, none named: %s", err.msg);

	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	if (system(want) != 0)
		printf("# cleanup failed\n");
}

int main(void)
{
	test_names();
	test_long_names();
	test_delivery();
	return tap_done();
}
