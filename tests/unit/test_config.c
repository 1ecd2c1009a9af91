/* Unit tests for config.c and confkey.c: good files, every error path,
 * file modes, password_cmd (password.c), the config path search and
 * account selection. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/config.h"
#include "tap.h"

struct parse_case {
	const char *name;
	const char *text;
	enum xerr_code code;
	const char *msg;	/* expected substring of the error message */
};

static const struct parse_case parse_cases[] = {
	{ "minimal default account", "jid = a@example.org\npassword = x\n", XE_OK, NULL },
	{ "comments, blanks, spaces",
	  "# comment\n\n   jid=a@example.org   \n\tpassword =  x y  \n", XE_OK, NULL },
	{ "quoted value keeps spaces", "jid = a@example.org\npassword = \" p w \"\n", XE_OK, NULL },
	{ "all keys", "jid = a@example.org\npassword_cmd = echo x\nresource = r1\n"
	  "host = 127.0.0.1\nport = 5222\ntls = trust\ncafile = /x.pem\n", XE_OK, NULL },
	{ "named accounts", "[account one]\njid = a@x.org\npassword = p\n"
	  "[account two]\njid = b@y.org\npassword = q\n", XE_OK, NULL },
	{ "tls off on loopback", "jid = a@example.org\npassword = x\nhost = 127.0.0.1\n"
	  "tls = off\n", XE_OK, NULL },
	{ "tls off needs an explicit host", "jid = a@localhost\npassword = x\ntls = off\n",
	  XE_CONFIG, "plaintext is allowed only with 'host' set to a loopback address" },
	{ "transfer keys", "jid = a@b.c\npassword = x\ndrop_dir = /srv/in\n"
	  "accept_from = b@c.d, e@f.g/r  h@i.j\nmethods = ibb\nibb_block_size = 8192\n"
	  "ibb_window = 4\nmax_size = 10M\n", XE_OK, NULL },
	{ "unknown method", "jid = a@b.c\npassword = x\nmethods = ibb, carrier-pigeon\n",
	  XE_CONFIG, "t.conf:3: unknown method 'carrier-pigeon' in methods (known: s5b, ibb, oob)" },
	{ "empty methods", "jid = a@b.c\npassword = x\nmethods = ,\n", XE_CONFIG,
	  "unknown method ',' in methods" },
	{ "bad accept_from", "jid = a@b.c\npassword = x\naccept_from = b@c.d, @x\n",
	  XE_CONFIG, "t.conf:3: '@x' in accept_from is not a JID or a pattern like *@example.org "
	  "(empty localpart before '@')" },
	{ "accept_from patterns", "jid = a@b.c\npassword = x\naccept_from = *@b.c *@*.example.org x@y\n",
	  XE_OK, NULL },
	{ "pattern with a resource", "jid = a@b.c\npassword = x\naccept_from = *@b.c/home\n",
	  XE_CONFIG, "'*@b.c/home' in accept_from is not a JID or a pattern like *@example.org "
	  "(a pattern is *@DOMAIN or *@*.DOMAIN, with no resource)" },
	{ "pattern for every domain", "jid = a@b.c\npassword = x\naccept_from = *@*\n",
	  XE_CONFIG, "'*@*' in accept_from is not a JID or a pattern" },
	{ "pattern with a star inside", "jid = a@b.c\npassword = x\naccept_from = *@a.*.org\n",
	  XE_CONFIG, "'*@a.*.org' in accept_from is not a JID or a pattern" },
	{ "daemon keys", "jid = a@b.c\npassword = x\nmax_concurrent = 12\non_receive = echo \"$XFER_PATH\"\n"
	  "log = /var/log/xfer.log\npidfile = /run/xfer.pid\n", XE_OK, NULL },
	{ "max_concurrent zero", "jid = a@b.c\npassword = x\nmax_concurrent = 0\n",
	  XE_CONFIG, "t.conf:3: max_concurrent must be a number from 1 to 100, not '0'" },
	{ "max_concurrent too big", "jid = a@b.c\npassword = x\nmax_concurrent = 101\n",
	  XE_CONFIG, "max_concurrent must be a number from 1 to 100, not '101'" },
	{ "oob_fetch", "jid = a@b.c\npassword = x\noob_fetch = no\n", XE_OK, NULL },
	{ "oob_fetch not yes or no", "jid = a@b.c\npassword = x\noob_fetch = off\n",
	  XE_CONFIG, "t.conf:3: oob_fetch must be yes or no, not 'off'" },
	{ "relative log file", "jid = a@b.c\npassword = x\nlog = xfer.log\n",
	  XE_CONFIG, "t.conf:3: log must be syslog, stderr or an absolute file name, not 'xfer.log'" },
	{ "block size too small", "jid = a@b.c\npassword = x\nibb_block_size = 100\n",
	  XE_CONFIG, "t.conf:3: ibb_block_size must be a number from 512 to 65535, not '100'" },
	{ "block size too big", "jid = a@b.c\npassword = x\nibb_block_size = 65536\n",
	  XE_CONFIG, "ibb_block_size must be a number from 512 to 65535" },
	{ "window zero", "jid = a@b.c\npassword = x\nibb_window = 0\n", XE_CONFIG,
	  "ibb_window must be a number from 1 to 256, not '0'" },
	{ "bad max_size", "jid = a@b.c\npassword = x\nmax_size = 10Q\n", XE_CONFIG,
	  "t.conf:3: max_size must be a number of bytes with an optional K, M, G or T suffix" },
	{ "negative max_size", "jid = a@b.c\npassword = x\nmax_size = -1\n", XE_CONFIG,
	  "max_size must be a number of bytes" },
	/* Numbers past what the types hold are refused, never wrapped. */
	{ "max_size past 2^64", "jid = a@b.c\npassword = x\nmax_size = 99999999999999999999\n",
	  XE_CONFIG, "max_size must be a number of bytes" },
	{ "max_size past 2^62 by suffix", "jid = a@b.c\npassword = x\nmax_size = 4194305T\n",
	  XE_CONFIG, "max_size must be a number of bytes" },
	{ "max_size 2^62", "jid = a@b.c\npassword = x\nmax_size = 4194304T\n", XE_OK, NULL },
	{ "port past 2^64", "jid = a@b.c\npassword = x\nport = 18446744073709551617\n",
	  XE_CONFIG, "port must be a number from 1 to 65535" },
	{ "port 65536", "jid = a@b.c\npassword = x\nport = 65536\n",
	  XE_CONFIG, "port must be a number from 1 to 65535" },
	{ "block size past 2^64", "jid = a@b.c\npassword = x\nibb_block_size = 18446744073709555712\n",
	  XE_CONFIG, "ibb_block_size must be a number from 512 to 65535" },
	{ "window past 2^32", "jid = a@b.c\npassword = x\nibb_window = 4294967297\n",
	  XE_CONFIG, "ibb_window must be a number from 1 to 256" },
	{ "timeout past 2^64", "jid = a@b.c\npassword = x\ns5b_connect_timeout = 99999999999999999999\n",
	  XE_CONFIG, "s5b_connect_timeout must be a number of seconds from 1 to 600" },
	{ "timeout past 2^32", "jid = a@b.c\npassword = x\ns5b_connect_timeout = 4294967301\n",
	  XE_CONFIG, "s5b_connect_timeout must be a number of seconds from 1 to 600" },
	{ "max_concurrent negative past 2^63", "jid = a@b.c\npassword = x\nmax_concurrent = -99999999999999999999\n",
	  XE_CONFIG, "max_concurrent must be a number from 1 to 100" },
	{ "s5b_address port past 2^64", "jid = a@b.c\npassword = x\ns5b_address = 127.0.0.1:18446744073709551617\n",
	  XE_CONFIG, "s5b_address must be a host name or IP address, optionally with :PORT" },
	{ "resource too long", NULL, XE_CONFIG, "resource longer than 1023 bytes" },
	{ "tls off on ::1", "jid = a@example.org\npassword = x\nhost = ::1\ntls = off\n",
	  XE_OK, NULL },
	{ "empty file", "", XE_CONFIG, "no account configured" },
	{ "only comments", "# nothing\n\n", XE_CONFIG, "no account configured" },
	{ "unknown key", "jid = a@b.c\npassword = x\ncolour = red\n", XE_CONFIG,
	  "t.conf:3: unknown key 'colour'" },
	{ "no equals sign", "jid a@b.c\n", XE_CONFIG, "t.conf:1: expected 'key = value'" },
	{ "empty value", "jid =\n", XE_CONFIG, "t.conf:1: empty value for 'jid'" },
	{ "missing jid", "password = x\n", XE_CONFIG, "t.conf:1: account 'default' has no jid" },
	{ "missing jid in section", "[account w]\npassword = x\n", XE_CONFIG,
	  "t.conf:1: account 'w' has no jid" },
	{ "jid without user", "jid = example.org\npassword = x\n", XE_CONFIG,
	  "is not of the form user@domain (no user part)" },
	{ "jid with resource", "jid = a@example.org/r\npassword = x\n", XE_CONFIG,
	  "a resource belongs in the 'resource' key" },
	{ "jid with space", "jid = \"a b@example.org\"\npassword = x\n", XE_CONFIG,
	  "invalid character in localpart" },
	{ "no password", "jid = a@b.c\n", XE_CONFIG, "has neither password nor password_cmd" },
	{ "both passwords", "jid = a@b.c\npassword = x\npassword_cmd = echo y\n", XE_CONFIG,
	  "sets both password and password_cmd" },
	{ "duplicate key", "jid = a@b.c\npassword = x\njid = b@b.c\n", XE_CONFIG,
	  "t.conf:3: 'jid' is set twice in account 'default'" },
	{ "port zero", "jid = a@b.c\npassword = x\nport = 0\n", XE_CONFIG,
	  "t.conf:3: port must be a number from 1 to 65535, not '0'" },
	{ "port too big", "jid = a@b.c\npassword = x\nport = 65536\n", XE_CONFIG,
	  "port must be a number" },
	{ "port not a number", "jid = a@b.c\npassword = x\nport = 52x\n", XE_CONFIG,
	  "not '52x'" },
	{ "tls bad value", "jid = a@b.c\npassword = x\ntls = maybe\n", XE_CONFIG,
	  "t.conf:3: tls must be required, trust or off, not 'maybe'" },
	{ "tls off on remote host", "jid = a@example.org\npassword = x\ntls = off\n", XE_CONFIG,
	  "t.conf:3: tls = off is refused for host 'example.org'" },
	{ "tls off on remote host key", "jid = a@localhost\npassword = x\nhost = 10.1.2.3\n"
	  "tls = off\n", XE_CONFIG, "refused for host '10.1.2.3'" },
	{ "bad section", "[server x]\n", XE_CONFIG, "t.conf:1: unknown section [server x]" },
	{ "unterminated section", "[account x\n", XE_CONFIG, "t.conf:1: malformed section header" },
	{ "junk after section", "[account x] y\n", XE_CONFIG, "malformed section header" },
	{ "bad account name", "[account a b]\n", XE_CONFIG, "invalid account name 'a b'" },
	{ "duplicate account", "[account a]\njid = a@b.c\npassword = x\n[account a]\n",
	  XE_CONFIG, "t.conf:4: account 'a' is defined twice" },
	{ "default twice", "jid = a@b.c\npassword = x\n[account default]\n", XE_CONFIG,
	  "account 'default' is defined twice (keys before the first section" },
	{ "resource with slash", "jid = a@b.c\npassword = x\nresource = a/b\n", XE_CONFIG,
	  "resource must not contain '/'" },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct config cfg;
		struct xerr err;
		FILE *f = c->text != NULL ? fmemopen((void *)c->text, strlen(c->text), "r") : NULL;
		enum xerr_code rc;

		if (c->text == NULL) { /* the long-resource case, built here */
			static char text[1200];
			snprintf(text, sizeof(text), "jid = a@b.c\npassword = x\nresource = %01100d\n", 0);
			f = fmemopen(text, strlen(text), "r");
		} else if (strlen(c->text) == 0) {
			f = fopen("/dev/null", "r");
		}
		xerr_clear(&err);
		rc = config_parse(f, "t.conf", &cfg, &err);
		fclose(f);
		if (!ok(rc == c->code, "parse: %s: code %d", c->name, (int)c->code))
			printf("#   got code %d: %s\n", (int)rc, err.msg);
		if (c->msg != NULL && !ok(strstr(err.msg, c->msg) != NULL, "parse: %s: message",
					  c->name))
			printf("#   got:  '%s'\n#   want: '...%s...'\n", err.msg, c->msg);
		if (rc == XE_OK)
			config_free(&cfg);
	}
}

static void test_nul_and_long_lines(void)
{
	static const char nul[] = "jid = a@b.c\npass\0word = x\n";
	char *longline = malloc(5000);
	struct config cfg;
	struct xerr err;
	FILE *f;

	xerr_clear(&err);
	f = fmemopen((void *)nul, sizeof(nul) - 1, "r");
	ok(config_parse(f, "t.conf", &cfg, &err) == XE_CONFIG, "parse: NUL byte refused");
	is_str(err.msg, "t.conf:2: NUL byte in line", "parse: NUL byte message");
	fclose(f);

	memset(longline, 'x', 4999);
	memcpy(longline, "jid = ", 6);
	xerr_clear(&err);
	f = fmemopen(longline, 4999, "r");
	ok(config_parse(f, "t.conf", &cfg, &err) == XE_CONFIG, "parse: long line refused");
	is_str(err.msg, "t.conf:1: line longer than 4096 bytes", "parse: long line message");
	fclose(f);
	free(longline);
}

static struct config parse_ok(const char *text)
{
	struct config cfg;
	struct xerr err;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	xerr_clear(&err);
	if (config_parse(f, "t.conf", &cfg, &err) != XE_OK) {
		printf("# unexpected parse failure: %s\n", err.msg);
		exit(1);
	}
	fclose(f);
	return cfg;
}

static void test_values(void)
{
	struct config cfg = parse_ok("jid = a@example.org\npassword = \" p w \"\nhost = h\n"
				     "port = 5223\ntls = trust\ncafile = /c.pem\nresource = r\n");
	struct account *a = &cfg.accounts[0];

	is_str(a->name, "default", "values: account name");
	is_str(a->jid, "a@example.org", "values: jid");
	is_str(a->password, " p w ", "values: quoted password keeps spaces");
	is_str(a->host, "h", "values: host");
	ok(a->port == 5223, "values: port");
	ok(a->tls == TLS_TRUST, "values: tls");
	is_str(a->cafile, "/c.pem", "values: cafile");
	is_str(a->resource, "r", "values: resource");
	ok(cfg.has_password == 1, "values: has_password");
	config_free(&cfg);

	cfg = parse_ok("jid = a@example.org\npassword_cmd = echo x\n");
	ok(cfg.accounts[0].tls == TLS_REQUIRED, "values: tls defaults to required");
	ok(cfg.accounts[0].port == 0 && cfg.accounts[0].host == NULL, "values: no host/port");
	ok(cfg.has_password == 0, "values: password_cmd is not a stored password");
	config_free(&cfg);
}

static void test_paths(void)
{
	struct config cfg;

	setenv("HOME", "/home/u", 1);
	cfg = parse_ok("jid = a@b.c\npassword = x\ndrop_dir = ~/in\ncafile = ~x/ca.pem\n");
	is_str(cfg.accounts[0].drop_dir, "/home/u/in", "paths: ~/ is HOME");
	is_str(cfg.accounts[0].cafile, "~x/ca.pem", "paths: ~user is not expanded");
	config_free(&cfg);
}

static void test_accounts(void)
{
	struct config cfg = parse_ok("jid = d@x.org\npassword = p\n"
				     "[account work]\njid = w@y.org\npassword = q\n");
	struct xerr err;
	struct account *a;

	xerr_clear(&err);
	a = config_account(&cfg, NULL, &err);
	ok(a != NULL && strcmp(a->jid, "d@x.org") == 0, "accounts: default");
	a = config_account(&cfg, "work", &err);
	ok(a != NULL && strcmp(a->jid, "w@y.org") == 0, "accounts: named");
	ok(a != NULL && a->line == 3, "accounts: section line");
	a = config_account(&cfg, "home", &err);
	ok(a == NULL && err.code == XE_CONFIG, "accounts: unknown name fails");
	is_str(err.msg, "t.conf has no account 'home' (accounts: default, work)",
	       "accounts: unknown name message");
	config_free(&cfg);

	cfg = parse_ok("[account work]\njid = w@y.org\npassword = q\n");
	xerr_clear(&err);
	a = config_account(&cfg, NULL, &err);
	ok(a == NULL && err.code == XE_CONFIG, "accounts: no default fails");
	is_str(err.msg, "t.conf has no default account; choose one with -a NAME (accounts: work)",
	       "accounts: no default message");
	config_free(&cfg);
}

static void test_mode(void)
{
	struct config with = parse_ok("jid = a@b.c\npassword = x\n");
	struct config without = parse_ok("jid = a@b.c\npassword_cmd = echo x\n");
	struct stat st;
	struct xerr err;

	memset(&st, 0, sizeof(st));
	st.st_uid = 1000;
	st.st_mode = S_IFREG | 0600;
	xerr_clear(&err);
	ok(config_check_mode(&with, &st, 1000, &err) == XE_OK, "mode: 0600 with password");
	st.st_mode = S_IFREG | 0400;
	ok(config_check_mode(&with, &st, 1000, &err) == XE_OK, "mode: 0400 with password");
	st.st_mode = S_IFREG | 0644;
	ok(config_check_mode(&with, &st, 1000, &err) == XE_NOPERM, "mode: 0644 with password");
	is_str(err.msg, "t.conf contains a password and can be read by group or others "
	       "(mode 0644); run: chmod 600 t.conf", "mode: 0644 message names chmod");
	xerr_clear(&err);
	st.st_mode = S_IFREG | 0640;
	ok(config_check_mode(&with, &st, 1000, &err) == XE_NOPERM, "mode: 0640 with password");
	xerr_clear(&err);
	st.st_mode = S_IFREG | 0620;
	ok(config_check_mode(&with, &st, 1000, &err) == XE_NOPERM, "mode: group-writable");
	xerr_clear(&err);
	st.st_mode = S_IFREG | 0666;
	ok(config_check_mode(&without, &st, 1000, &err) == XE_NOPERM,
	   "mode: world-writable refused even without a password");
	is_str(err.msg, "t.conf can be written by group or others (mode 0666); run: chmod go-w "
	       "t.conf", "mode: writable message names chmod go-w");
	xerr_clear(&err);
	st.st_mode = S_IFREG | 0644;
	ok(config_check_mode(&without, &st, 0, &err) == XE_NOPERM,
	   "mode: another owner refused even without a password");
	xerr_clear(&err);
	st.st_mode = S_IFREG | 0644;
	ok(config_check_mode(&without, &st, 1000, &err) == XE_OK,
	   "mode: 0644 is fine without a password");
	st.st_mode = S_IFREG | 0600;
	ok(config_check_mode(&with, &st, 0, &err) == XE_NOPERM, "mode: other owner refused");
	ok(strstr(err.msg, "t.conf belongs to uid 1000, not to you (uid 0)") != NULL,
	   "mode: other owner message");
	xerr_clear(&err);
	st.st_mode = S_IFDIR | 0700;
	ok(config_check_mode(&with, &st, 1000, &err) == XE_CONFIG, "mode: directory refused");
	config_free(&with);
	config_free(&without);
}

struct pwcmd_case {
	const char *cmd;
	enum xerr_code code;
	const char *password;	/* expected password, or expected message substring */
};

static const struct pwcmd_case pwcmd_cases[] = {
	{ "echo secret", XE_OK, "secret" },
	{ "printf 'first\\nsecond\\n'", XE_OK, "first" },
	{ "printf 'no-newline'", XE_OK, "no-newline" },
	{ "printf 'crlf\\r\\n'", XE_OK, "crlf" },
	{ "printf ' spaced \\n'", XE_OK, " spaced " },
	{ "seq 1 100000", XE_OK, "1" },
	{ "exit 3", XE_CONFIG, "password_cmd of account 'default' failed (exit status 3)" },
	{ "echo pw; exit 1", XE_CONFIG, "failed (exit status 1)" },
	{ "true", XE_CONFIG, "printed no password" },
	{ "echo", XE_CONFIG, "printed no password" },
	{ "kill -9 $$", XE_CONFIG, "did not exit normally (signal 9)" },
	{ "yes secret", XE_OK, "secret" },
	{ "echo pw; sleep 30 &", XE_OK, "pw" },
	{ "head -c 1500 /dev/zero | tr '\\0' a", XE_CONFIG, "printed a line longer than 1022 bytes" },
	{ "printf 'abc'; exit 2", XE_CONFIG, "failed (exit status 2)" },
};

static void test_password_cmd(void)
{
	size_t i;

	for (i = 0; i < sizeof(pwcmd_cases) / sizeof(pwcmd_cases[0]); i++) {
		const struct pwcmd_case *c = &pwcmd_cases[i];
		struct account a;
		struct xerr err;
		enum xerr_code rc;

		memset(&a, 0, sizeof(a));
		a.name = "default";
		a.password_cmd = (char *)c->cmd;
		xerr_clear(&err);
		rc = account_resolve_password(&a, &err);
		ok(rc == c->code, "password_cmd: %s: code", c->cmd);
		if (rc == XE_OK)
			is_str(a.password, c->password, "password_cmd: first line");
		else if (!ok(strstr(err.msg, c->password) != NULL, "password_cmd: %s: message",
			     c->cmd))
			printf("#   got: '%s'\n", err.msg);
		free(a.password);
	}
}

static void test_path(void)
{
	char buf[256];
	struct xerr err;

	xerr_clear(&err);
	setenv("XFER_CONFIG", "/env/cfg", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	config_path("/explicit", buf, sizeof(buf), &err);
	is_str(buf, "/explicit", "path: -c wins");
	config_path(NULL, buf, sizeof(buf), &err);
	is_str(buf, "/env/cfg", "path: XFER_CONFIG");
	unsetenv("XFER_CONFIG");
	config_path(NULL, buf, sizeof(buf), &err);
	is_str(buf, "/xdg/xfer/config", "path: XDG_CONFIG_HOME");
	setenv("XDG_CONFIG_HOME", "", 1);
	config_path(NULL, buf, sizeof(buf), &err);
	is_str(buf, "/home/u/.config/xfer/config", "path: HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	ok(config_path(NULL, buf, sizeof(buf), &err) == XE_CONFIG, "path: no HOME fails");
}

static void test_load(void)
{
	char dir[] = "/tmp/xfer-unit-XXXXXX";
	char path[300];
	struct config cfg;
	struct xerr err;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "load: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	f = fopen(path, "w");
	fputs("jid = a@b.c\npassword = x\n", f);
	fclose(f);
	chmod(path, 0644);
	xerr_clear(&err);
	ok(config_load(path, &cfg, &err) == XE_NOPERM, "load: world-readable file refused");
	ok(strstr(err.msg, "run: chmod 600") != NULL, "load: message names chmod 600");
	chmod(path, 0600);
	xerr_clear(&err);
	ok(config_load(path, &cfg, &err) == XE_OK, "load: 0600 file accepted");
	config_free(&cfg);
	xerr_clear(&err);
	ok(config_load(dir, &cfg, &err) == XE_CONFIG, "load: directory refused");
	unlink(path);
	xerr_clear(&err);
	ok(config_load(path, &cfg, &err) == XE_CONFIG, "load: missing file");
	ok(strstr(err.msg, "No such file or directory") != NULL, "load: missing file message");
	rmdir(dir);
}

int main(void)
{
	test_parse();
	test_nul_and_long_lines();
	test_values();
	test_paths();
	test_accounts();
	test_mode();
	test_password_cmd();
	test_path();
	test_load();
	return tap_done();
}
