/* Unit tests for log_printable(): nothing from a peer reaches the terminal
 * as a control sequence. */
#include <string.h>

#include "../../src/log.h"
#include "tap.h"

static const struct { const char *in, *out; } cases[] = {
	{ "plain text", "plain text" },
	{ "", "" },
	{ "tab\tnew\nline\r", "tab?new?line?" },
	{ "\x1b[2J\x1b]0;title\x07", "?[2J?]0;title?" },
	{ "del\x7f", "del?" },
	{ "c1 csi \xc2\x9b" "31m", "c1 csi ?31m" },
	{ "\xc3\xa9t\xc3\xa9 \xe2\x80\x94 ok", "\xc3\xa9t\xc3\xa9 \xe2\x80\x94 ok" },
	{ "nbsp \xc2\xa0 kept", "nbsp \xc2\xa0 kept" },
	/* Characters that reorder or hide what surrounds them. */
	{ "invoice\xe2\x80\xae" "gpj.exe", "invoice?gpj.exe" },		/* U+202E RLO */
	{ "a\xe2\x80\xaa" "b\xe2\x80\xac" "c", "a?b?c" },			/* U+202A, U+202C */
	{ "\xe2\x81\xa6" "x\xe2\x81\xa7" "y\xe2\x81\xa8" "z\xe2\x81\xa9", "?x?y?z?" },	/* U+2066..9 */
	{ "l\xe2\x80\x8e" "r\xe2\x80\x8f" ".\xd8\x9c", "l?r?.?" },		/* LRM, RLM, ALM */
	{ "zw\xe2\x80\x8b" "j\xe2\x80\x8d\xef\xbb\xbf", "zw?j??" },	/* ZWSP, ZWJ, BOM */
	{ "line\xe2\x80\xa8" "para\xe2\x80\xa9", "line?para?" },		/* U+2028, U+2029 */
	{ "\xe2\x80\x94 \xe2\x81\xb0 kept", "\xe2\x80\x94 \xe2\x81\xb0 kept" },	/* U+2014, U+2070 */
	{ "not utf-8 \xff\xfe", "not utf-8 ??" },
	{ "8-bit csi \x9b" "31m", "8-bit csi ?31m" },
	{ "cut \xe2\x80", "cut ??" },
	{ "shy\xc2\xad wj\xe2\x81\xa0 ann\xef\xbf\xb9", "shy? wj? ann?" },	/* U+00AD, U+2060, U+FFF9 */
	{ "tag\xf3\xa0\x80\x81 mvs\xe1\xa0\x8e", "tag? mvs?" },		/* U+E0001, U+180E */
};

int main(void)
{
	char buf[64], small[5];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(log_printable(cases[i].in, buf, sizeof(buf)), cases[i].out, cases[i].in);
	is_str(log_printable("abcdefgh", small, sizeof(small)), "abcd", "truncates to fit");
	strcpy(buf, "in\x1bplace");
	is_str(log_printable(buf, buf, sizeof(buf)), "in?place", "works in place");
	strcpy(buf, "a\xe2\x80\xae" "b\xc3\xa9\xe2\x81\xa6" "c");
	is_str(log_printable(buf, buf, sizeof(buf)), "a?b\xc3\xa9?c", "bidi controls, in place");
	is_str(log_printable("ab\xc3\xa9", small, sizeof(small)), "ab\xc3\xa9", "a character that fits");
	is_str(log_printable("abc\xc3\xa9", small, sizeof(small)), "abc", "cut at a character boundary");
	return tap_done();
}
