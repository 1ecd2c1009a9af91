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
	return tap_done();
}
