/* Unit tests for jid.c: parsing, bare JIDs, allow-lists. */
#include <string.h>

#include "../../src/jid.h"
#include "tap.h"

struct jid_case {
	const char *in;
	int ok;
	const char *local, *domain, *resource;	/* or, when !ok, the reason */
};

static const struct jid_case cases[] = {
	{ "alice@localhost", 1, "alice", "localhost", "" },
	{ "alice@localhost/xfer-1", 1, "alice", "localhost", "xfer-1" },
	{ "example.org", 1, "", "example.org", "" },
	{ "example.org/res", 1, "", "example.org", "res" },
	{ "a@b/r/with/slashes", 1, "a", "b", "r/with/slashes" },
	{ "a@b/res with space@x", 1, "a", "b", "res with space@x" },
	{ "a@example.org.", 1, "a", "example.org", "" },
	{ "a@[::1]", 1, "a", "[::1]", "" },
	{ "\xc3\xa9l\xc3\xa8ve@example.org", 1, "\xc3\xa9l\xc3\xa8ve", "example.org", "" },
	{ "", 0, "empty JID", NULL, NULL },
	{ "@example.org", 0, "empty localpart before '@'", NULL, NULL },
	{ "a@", 0, "no domain", NULL, NULL },
	{ "a@/r", 0, "no domain", NULL, NULL },
	{ "a@.", 0, "no domain", NULL, NULL },
	/* Only one final dot goes: "b.." would become "b.", another JID. */
	{ "a@b..", 0, "empty label at the end of the domain", NULL, NULL },
	{ "..", 0, "empty label at the end of the domain", NULL, NULL },
	{ "a@b/", 0, "empty resource after '/'", NULL, NULL },
	{ "a b@c", 0, "invalid character in localpart", NULL, NULL },
	{ "a'b@c", 0, "invalid character in localpart", NULL, NULL },
	{ "a<b@c", 0, "invalid character in localpart", NULL, NULL },
	{ "a@b c", 0, "invalid character in domain", NULL, NULL },
	{ "a@b'c", 0, "invalid character in domain", NULL, NULL },
	{ "a@b>c", 0, "invalid character in domain", NULL, NULL },
	{ "a@b\x01", 0, "invalid character in domain", NULL, NULL },
	{ "a@b/r\nx", 0, "control character in resource", NULL, NULL },
	{ "a@@b", 0, "invalid character in domain", NULL, NULL },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct jid_case *c = &cases[i];
		struct jid j;
		const char *why = NULL;
		int rc = jid_parse(c->in, &j, &why);

		if (c->ok) {
			ok(rc == 0, "parse '%s' succeeds", c->in);
			is_str(j.local, c->local, "  localpart");
			is_str(j.domain, c->domain, "  domain");
			is_str(j.resource, c->resource, "  resource");
		} else {
			ok(rc == -1, "parse '%s' fails", c->in);
			is_str(why, c->local, "  reason");
		}
	}
}

static void test_lengths(void)
{
	char buf[3000];
	struct jid j;
	const char *why;

	memset(buf, 'a', 1023);
	strcpy(buf + 1023, "@example.org");
	ok(jid_parse(buf, &j, &why) == 0, "1023-byte localpart accepted");
	memset(buf, 'a', 1024);
	strcpy(buf + 1024, "@example.org");
	ok(jid_parse(buf, &j, &why) == -1, "1024-byte localpart refused");
	is_str(why, "localpart longer than 1023 bytes", "  reason");
	strcpy(buf, "a@b/");
	memset(buf + 4, 'r', 1024);
	buf[4 + 1024] = '\0';
	ok(jid_parse(buf, &j, &why) == -1, "1024-byte resource refused");
}

static void test_bare(void)
{
	struct jid a, b;
	char buf[2048];

	jid_parse("Alice@Example.org/one", &a, NULL);
	jid_parse("alice@example.org/two", &b, NULL);
	is_str(jid_bare(&a, buf, sizeof(buf)), "Alice@Example.org", "bare of a full JID");
	ok(jid_same_bare(&a, &b), "same bare JID, case-insensitive");
	jid_parse("bob@example.org", &b, NULL);
	ok(!jid_same_bare(&a, &b), "different localparts differ");
	jid_parse("example.org", &b, NULL);
	is_str(jid_bare(&b, buf, sizeof(buf)), "example.org", "bare of a domain JID");
}

static void test_allowed(void)
{
	static const struct {
		const char *list, *jid;
		int want;
	} allow[] = {
		{ "alice@example.org", "alice@example.org/phone", 1 },
		{ "alice@example.org", "ALICE@Example.ORG/phone", 1 },
		{ "alice@example.org/home", "alice@example.org/phone", 0 },
		{ "alice@example.org/home", "alice@example.org/home", 1 },
		{ "bob@x.org, alice@example.org", "alice@example.org", 1 },
		{ "*@example.org", "anyone@example.org/r", 1 },
		{ "*@example.org", "anyone@EXAMPLE.org", 1 },
		{ "*@example.org", "anyone@sub.example.org", 0 },
		{ "*@example.org", "anyone@badexample.org", 0 },
		{ "*@example.org", "example.org", 0 },
		{ "*@*.example.org", "a@sub.example.org/r", 1 },
		{ "*@*.example.org", "a@deep.sub.example.org", 1 },
		{ "*@*.example.org", "a@example.org", 0 },
		{ "*@*.example.org", "a@badexample.org", 0 },
		{ "*@*.example.org", "a@.example.org", 0 },
		{ "*@*.example.org", "sub.example.org", 0 },
		{ "*@example.org.", "a@example.org", 1 },
		{ "*@*.example.org.", "a@sub.example.org", 1 },
		{ "*@*.example.org.", "a@example.org", 0 },
		{ "carol@x.org *@example.org", "carol@x.org/r", 1 },
		{ "", "alice@example.org", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		ok(jid_allowed(allow[i].list, allow[i].jid) == allow[i].want,
		   "allowed: '%s' by '%s' is %d", allow[i].jid, allow[i].list, allow[i].want);
	ok(jid_allowed(NULL, "a@b.c") == 0, "allowed: no list");
}

int main(void)
{
	test_parse();
	test_lengths();
	test_bare();
	test_allowed();
	return tap_done();
}
