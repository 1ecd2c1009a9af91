/* Unit tests for si.c (offer build -> parse round trip, hostile offers,
 * accept) and the IBB parsers. */
#include <string.h>

#include <strophe.h>

#include "../../src/ibb.h"
#include "../../src/session.h"
#include "../../src/si.h"
#include "tap.h"

static xmpp_ctx_t *ctx;

static xmpp_stanza_t *st(const char *xml)
{
	return xmpp_stanza_new_from_string(ctx, xml);
}

#define OFFER(file, methods) \
	"<iq type='set' id='o1' from='a@x/r'><si xmlns='http://jabber.org/protocol/si' id='s1' " \
	"profile='http://jabber.org/protocol/si/profile/file-transfer'>" file \
	"<feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' " \
	"type='form'><field var='stream-method' type='list-single'>" methods \
	"</field></x></feature></si></iq>"
#define FT "xmlns='http://jabber.org/protocol/si/profile/file-transfer'"
#define IBBOPT "<option><value>http://jabber.org/protocol/ibb</value></option>"

static void test_roundtrip(void)
{
	struct si_offer o, back;
	int ms[] = { METHOD_IBB };
	xmpp_stanza_t *iq;
	const char *cond, *app, *why;
	char *text;
	size_t len;

	memset(&o, 0, sizeof(o));
	strcpy(o.sid, "0123abcd");
	strcpy(o.name, "r\xc3\xa9sum\xc3\xa9 <1>.pdf");
	o.size = 123456789012LL;
	strcpy(o.date, "2026-11-23T10:00:00Z");
	strcpy(o.md5, "9e107d9d372bb6826bd81d3542a419d6");
	strcpy(o.desc, "a & b");
	iq = si_offer_build(ctx, "b@y/z", &o, ms, 1);
	xmpp_stanza_to_text(iq, &text, &len);
	ok(strstr(text, "profile=\"http://jabber.org/protocol/si/profile/file-transfer\"") != NULL,
	   "offer names the file-transfer profile");
	ok(strstr(text, "<value>http://jabber.org/protocol/ibb</value>") != NULL, "offer lists IBB");
	ok(strstr(text, "type=\"list-single\"") != NULL, "stream-method is list-single");
	xmpp_free(ctx, text);
	ok(si_offer_parse(iq, &back, &cond, &app, &why) == 0, "own offer parses");
	is_str(back.sid, o.sid, "  sid");
	is_str(back.name, o.name, "  name with UTF-8 and markup characters");
	ok(back.size == o.size, "  size beyond 32 bits");
	is_str(back.md5, o.md5, "  md5");
	is_str(back.desc, o.desc, "  desc");
	is_str(back.date, o.date, "  date");
	ok(back.methods == METHOD_IBB, "  methods");
	xmpp_stanza_release(iq);
}

struct bad_case {
	const char *xml, *cond, *app;
};

static const struct bad_case bad[] = {
	{ "<iq type='set'><other/></iq>", "bad-request", NULL },
	{ "<iq type='set'><si xmlns='http://jabber.org/protocol/si' id='s' profile='urn:other'/></iq>",
	  "bad-request", "bad-profile" },
	{ OFFER("<file " FT " name='a' size='1'/>",
		"<option><value>urn:unknown</value></option>"), "bad-request", "no-valid-streams" },
	{ OFFER("<file " FT " name='a' size='-1'/>", IBBOPT), "bad-request", NULL },
	{ OFFER("<file " FT " name='a' size='1x'/>", IBBOPT), "bad-request", NULL },
	{ OFFER("<file " FT " name='a' size='99999999999999999999'/>", IBBOPT), "bad-request", NULL },
	{ OFFER("<file " FT " size='1'/>", IBBOPT), "bad-request", NULL },
	{ OFFER("<file " FT " name='a' size='1' hash='xyz'/>", IBBOPT), "bad-request", NULL },
	{ OFFER("<file " FT " name='a'/>", IBBOPT), "bad-request", NULL },
};

static void test_bad_offers(void)
{
	struct si_offer o;
	const char *cond, *app, *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xmpp_stanza_t *s = st(bad[i].xml);
		int rc = s != NULL ? si_offer_parse(s, &o, &cond, &app, &why) : 0;
		ok(rc == -1, "hostile offer %zu refused", i);
		if (rc == -1) {
			is_str(cond, bad[i].cond, "  condition");
			is_str(app, bad[i].app, "  application condition");
		}
		if (s != NULL)
			xmpp_stanza_release(s);
	}
	{
		xmpp_stanza_t *s = st(OFFER("<file " FT " name='ok' size='5' hash='9E107D9D372BB6826BD81D3542A419D6'/>",
					    "<option><value>urn:x</value></option>" IBBOPT));
		ok(si_offer_parse(s, &o, &cond, &app, &why) == 0, "mixed known/unknown methods parse");
		is_str(o.md5, "9e107d9d372bb6826bd81d3542a419d6", "  uppercase hash lowered");
		xmpp_stanza_release(s);
	}
}

static xmpp_stanza_t *accept_iq(const int *ms, int n, int multiple)
{
	xmpp_stanza_t *si = si_accept_build(ctx, ms, n, multiple);
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "result", "o1");

	xmpp_stanza_add_child(iq, si);
	xmpp_stanza_release(si);
	return iq;
}

static void test_accept(void)
{
	int ms[] = { METHOD_S5B, METHOD_IBB }, out[4], multiple = -1;
	xmpp_stanza_t *iq = accept_iq(ms + 1, 1, 0);

	ok(si_accept_parse(iq, out, 4, &multiple) == 1 && out[0] == METHOD_IBB && !multiple,
	   "plain accept round trip");
	xmpp_stanza_release(iq);
	iq = accept_iq(ms, 2, 1);
	ok(si_accept_parse(iq, out, 4, &multiple) == 2 && out[0] == METHOD_S5B &&
	   out[1] == METHOD_IBB && multiple, "si-multiple accept keeps the receiver's order");
	xmpp_stanza_release(iq);
	/* Gabble's form; unknown, duplicate and non-SI values are skipped. */
	iq = st("<iq type='result'><si xmlns='http://jabber.org/protocol/si'><si-multiple "
		"xmlns='http://telepathy.freedesktop.org/xmpp/si-multiple'><value>urn:x</value>"
		"<value>http://jabber.org/protocol/ibb</value><value>jabber:iq:oob</value>"
		"<value>http://jabber.org/protocol/ibb</value><value>http://jabber.org/protocol/"
		"bytestreams</value></si-multiple></si></iq>");
	ok(si_accept_parse(iq, out, 4, &multiple) == 2 && out[0] == METHOD_IBB &&
	   out[1] == METHOD_S5B, "si-multiple: unknown, OOB and duplicates skipped");
	xmpp_stanza_release(iq);
	iq = st("<iq type='result'><si xmlns='http://jabber.org/protocol/si'/></iq>");
	ok(si_accept_parse(iq, out, 4, &multiple) == 0, "accept without a method is 0");
	xmpp_stanza_release(iq);
	iq = st("<iq type='result'><si xmlns='http://jabber.org/protocol/si'><feature xmlns="
		"'http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='submit'>"
		"<field var='stream-method'><value>jabber:iq:oob</value></field></x></feature>"
		"</si></iq>");
	ok(si_accept_parse(iq, out, 4, &multiple) == 0, "OOB is not an SI stream method");
	xmpp_stanza_release(iq);
}

static void test_offer_multiple(void)
{
	struct si_offer o, back;
	int ms[] = { METHOD_S5B, METHOD_IBB };
	const char *cond, *app, *why;
	xmpp_stanza_t *iq, *s;

	memset(&o, 0, sizeof(o));
	strcpy(o.sid, "s2");
	strcpy(o.name, "f");
	o.size = 1;
	iq = si_offer_build(ctx, "b@y/z", &o, ms, 2);
	ok(si_offer_parse(iq, &back, &cond, &app, &why) == 0 && back.multiple &&
	   back.methods == (METHOD_S5B | METHOD_IBB), "offer with S5B, IBB and si-multiple");
	xmpp_stanza_release(iq);
	s = st(OFFER("<file " FT " name='a' size='1'/>", IBBOPT));
	ok(si_offer_parse(s, &back, &cond, &app, &why) == 0 && !back.multiple,
	   "plain offer: no si-multiple");
	xmpp_stanza_release(s);
}

static void test_ibb_parsers(void)
{
	char sid[128];
	int block, messages;
	unsigned seq;
	const char *cond;
	xmpp_stanza_t *s;

	s = st("<iq type='set'><open xmlns='http://jabber.org/protocol/ibb' block-size='4096' sid='s1' stanza='iq'/></iq>");
	ok(ibb_parse_open(s, sid, &block, &messages, &cond) == 0 && block == 4096 && !messages,
	   "open parses");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><open xmlns='http://jabber.org/protocol/ibb' block-size='70000' sid='s1'/></iq>");
	ok(ibb_parse_open(s, sid, &block, &messages, &cond) == -1, "open over 65535 refused");
	is_str(cond, "resource-constraint", "  as resource-constraint");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><open xmlns='http://jabber.org/protocol/ibb' block-size='0' sid='s1'/></iq>");
	ok(ibb_parse_open(s, sid, &block, &messages, &cond) == -1, "block-size 0 refused");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><open xmlns='http://jabber.org/protocol/ibb' block-size='512' sid='s1' stanza='message'/></iq>");
	ok(ibb_parse_open(s, sid, &block, &messages, &cond) == 0 && messages, "stanza='message'");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><data xmlns='http://jabber.org/protocol/ibb' seq='65535' sid='s1'>Zg==</data></iq>");
	ok(ibb_parse_data(s, sid, &seq) != NULL && seq == 65535, "data with seq 65535");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><data xmlns='http://jabber.org/protocol/ibb' seq='65536' sid='s1'/></iq>");
	ok(ibb_parse_data(s, sid, &seq) == NULL, "seq 65536 refused");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><data xmlns='http://jabber.org/protocol/ibb' seq='-1' sid='s1'/></iq>");
	ok(ibb_parse_data(s, sid, &seq) == NULL, "negative seq refused");
	xmpp_stanza_release(s);
	s = st("<message><data xmlns='http://jabber.org/protocol/ibb' seq='3' sid='s 1'/></message>");
	ok(ibb_parse_data(s, sid, &seq) == NULL, "sid with a space refused");
	xmpp_stanza_release(s);
	s = st("<iq type='set'><close xmlns='http://jabber.org/protocol/ibb' sid='s1'/></iq>");
	ok(ibb_parse_close(s, sid) == 0 && strcmp(sid, "s1") == 0, "close parses");
	xmpp_stanza_release(s);
}

static void test_conditions(void)
{
	static const struct { const char *cond; enum xerr_code code; } c[] = {
		{ "forbidden", XE_UNAVAILABLE }, { "not-acceptable", XE_UNAVAILABLE },
		{ "service-unavailable", XE_UNAVAILABLE }, { "recipient-unavailable", XE_UNAVAILABLE },
		{ "item-not-found", XE_UNAVAILABLE }, { "resource-constraint", XE_UNAVAILABLE },
		{ "bad-request", XE_PROTOCOL }, { "unexpected-request", XE_PROTOCOL },
		{ "undefined-condition", XE_PROTOCOL }, { "", XE_PROTOCOL },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ok(session_condition_code(c[i].cond) == c[i].code, "condition '%s' -> %d",
		   c[i].cond, (int)c[i].code);
}

int main(void)
{
	test_conditions();
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	test_roundtrip();
	test_bad_offers();
	test_accept();
	test_offer_multiple();
	test_ibb_parsers();
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	return tap_done();
}
