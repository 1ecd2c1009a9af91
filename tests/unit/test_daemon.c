/* Unit tests for the daemon's pure parts: the XEP-0115 verification
 * string, the reconnect back-off, and the log file target. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/caps.h"
#include "../../src/daemon.h"
#include "../../src/log.h"
#include "tap.h"

static void test_caps(void)
{
	/* XEP-0115 5.2, the simple generation example. */
	const char *exodus[] = { "http://jabber.org/protocol/muc",
				 "http://jabber.org/protocol/disco#info",
				 "http://jabber.org/protocol/caps",
				 "http://jabber.org/protocol/disco#items" };
	const char *twice[] = { "http://jabber.org/protocol/muc",
				"http://jabber.org/protocol/disco#items",
				"http://jabber.org/protocol/disco#info",
				"http://jabber.org/protocol/caps",
				"http://jabber.org/protocol/muc",
				"http://jabber.org/protocol/disco#items" };
	const char *bad[] = { "urn:x<y" };
	char ver[CAPS_VER_LEN], ver2[CAPS_VER_LEN];

	ok(caps_ver("client", "pc", "Exodus 0.9.1", exodus, 4, ver) == 0, "caps: example computes");
	is_str(ver, "QgayPKawpkPSDYmwT/WM94uAlu0=", "caps: XEP-0115 example ver");
	ok(caps_ver("client", "pc", "Exodus 0.9.1", twice, 6, ver2) == 0 && strcmp(ver, ver2) == 0,
	   "caps: order and repeats do not change ver");
	ok(caps_ver("client", "console", "xfer", exodus, 4, ver2) == 0 && strcmp(ver, ver2) != 0,
	   "caps: the identity is part of ver");
	ok(caps_ver("client", "pc", "x", bad, 1, ver2) < 0, "caps: a feature with '<' is refused");
	ok(caps_ver("client", "pc", "x", NULL, 0, ver2) == 0 && strlen(ver2) == 28,
	   "caps: no features still gives 28 characters");
}

static void test_backoff(void)
{
	static const struct { int n; double rnd; long want; } cases[] = {
		{ 0, 1.0, 1000 }, { 0, 0.0, 500 }, { 1, 1.0, 2000 }, { 2, 0.5, 3000 },
		{ 5, 1.0, 32000 }, { 6, 1.0, 60000 }, { 6, 0.0, 30000 }, { 1000, 1.0, 60000 },
		{ 3, 7.0, 8000 }, { 3, -1.0, 4000 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(daemon_backoff_ms(cases[i].n, cases[i].rnd) == cases[i].want,
		   "backoff: attempt %d, rnd %.1f is %ld ms (got %ld)", cases[i].n, cases[i].rnd,
		   cases[i].want, daemon_backoff_ms(cases[i].n, cases[i].rnd));
}

static int file_has_line(const char *path, const char *pattern)
{
	char line[512];
	regex_t re;
	FILE *f = fopen(path, "r");
	int found = 0;

	if (f == NULL || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		if (f != NULL)
			fclose(f);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		found = regexec(&re, line, 0, NULL, 0) == 0;
	}
	regfree(&re);
	fclose(f);
	return found;
}

static void test_log_file(void)
{
	char dir[] = "/tmp/xfer-test-log.XXXXXX", path[64], moved[64], pattern[128];
	struct xerr err;

	if (mkdtemp(dir) == NULL) {
		ok(0, "log: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/d.log", dir);
	snprintf(moved, sizeof(moved), "%s/d.log.1", dir);
	log_init("xfer", 1);
	xerr_clear(&err);
	ok(log_target("daemon.log", &err) == XE_CONFIG, "log: a relative file is refused");
	ok(strstr(err.msg, "syslog, stderr or an absolute file name") != NULL, "log: its message");
	xerr_clear(&err);
	ok(log_target("/nonexistent-dir/x.log", &err) == XE_CANTCREAT, "log: unopenable file");
	ok(log_file_fd() < 0, "log: a failed target changes nothing");
	xerr_clear(&err);
	ok(log_target(path, &err) == XE_OK && log_file_fd() >= 0, "log: file target");
	log_info("first %s", "event");
	log_warn("careful\x1b[2J");
	snprintf(pattern, sizeof(pattern), "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z "
		 "xfer\\[%ld\\]: first event$", (long)getpid());
	ok(file_has_line(path, pattern), "log: stamped line");
	ok(file_has_line(path, "\\]: warning: careful\\?\\[2J$"), "log: level prefix, no escapes");
	ok(rename(path, moved) == 0, "log: rotate (rename)");
	ok(log_reopen(&err) == XE_OK, "log: reopen");
	log_info("after rotation");
	ok(file_has_line(path, "\\]: after rotation$"), "log: new file after reopen");
	ok(!file_has_line(moved, "after rotation"), "log: old file untouched");
	ok(log_target("stderr", &err) == XE_OK && log_file_fd() < 0, "log: back to stderr");
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

int main(void)
{
	test_caps();
	test_backoff();
	test_log_file();
	return tap_done();
}
