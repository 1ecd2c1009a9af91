/* Unit tests for the disco#info and streamhost parsers in disco.c, over
 * reply stanzas shaped like those of XEP-0030, XEP-0065 and XEP-0363. */
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "../../src/disco.h"
#include "tap.h"

static xmpp_ctx_t *ctx;

static xmpp_stanza_t *st(const char *xml)
{
	xmpp_stanza_t *s = xmpp_stanza_new_from_string(ctx, xml);

	if (s == NULL) {
		printf("# cannot parse test stanza: %s\n", xml);
		exit(1);
	}
	return s;
}

static void svc_free(struct disco_service *v)
{
	free(v->sh_jid);
	free(v->sh_host);
	memset(v, 0, sizeof(*v));
}

static void test_info(void)
{
	struct disco_service v;
	xmpp_stanza_t *s;

	memset(&v, 0, sizeof(v));
	s = st("<iq type='result' from='proxy.localhost' id='1'>"
	       "<query xmlns='http://jabber.org/protocol/disco#info'>"
	       "<identity category='proxy' type='bytestreams' name='SOCKS5 Bytestreams'/>"
	       "<feature var='http://jabber.org/protocol/bytestreams'/></query></iq>");
	ok(disco_parse_info(s, &v) == 0, "info: proxy reply parses");
	ok(v.proxy == 1 && v.upload == 0, "info: proxy identity found");
	xmpp_stanza_release(s);

	memset(&v, 0, sizeof(v));
	s = st("<iq type='result' from='upload.localhost' id='2'>"
	       "<query xmlns='http://jabber.org/protocol/disco#info'>"
	       "<identity category='store' type='file'/>"
	       "<feature var='urn:xmpp:http:upload:0'/>"
	       "<x xmlns='jabber:x:data' type='result'>"
	       "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>"
	       "<field var='max-file-size'><value>5242880</value></field></x></query></iq>");
	ok(disco_parse_info(s, &v) == 0, "info: upload reply parses");
	ok(v.upload == 1 && v.proxy == 0, "info: upload feature found");
	ok(v.upload_max == 5242880, "info: max-file-size read");
	xmpp_stanza_release(s);

	memset(&v, 0, sizeof(v));
	s = st("<iq type='result' id='3'><query xmlns='http://jabber.org/protocol/disco#info'>"
	       "<feature var='urn:xmpp:http:upload:0'/>"
	       "<x xmlns='jabber:x:data' type='result'>"
	       "<field var='FORM_TYPE'><value>urn:example:other</value></field>"
	       "<field var='max-file-size'><value>12</value></field></x>"
	       "<x xmlns='jabber:x:data' type='result'>"
	       "<field var='FORM_TYPE'><value>urn:xmpp:http:upload:0</value></field>"
	       "<field var='max-file-size'><value>-5</value></field></x></query></iq>");
	ok(disco_parse_info(s, &v) == 0 && v.upload_max == -1,
	   "info: other forms and negative sizes ignored");
	xmpp_stanza_release(s);

	memset(&v, 0, sizeof(v));
	s = st("<iq type='result' id='4'><query xmlns='http://jabber.org/protocol/disco#info'>"
	       "<identity category='proxy' type='other'/>"
	       "<feature var='http://jabber.org/protocol/bytestreams'/></query></iq>");
	ok(disco_parse_info(s, &v) == 0 && v.proxy == 0,
	   "info: bytestreams feature alone is not a proxy");
	xmpp_stanza_release(s);

	s = st("<iq type='error' id='5'><error type='cancel'>"
	       "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
	ok(disco_parse_info(s, &v) == -1, "info: error reply refused");
	is_str(disco_error_condition(s), "item-not-found", "info: error condition named");
	xmpp_stanza_release(s);
	is_str(disco_error_condition(NULL), "no answer", "info: no reply is 'no answer'");

	s = st("<iq type='result' id='6'><query xmlns='urn:wrong'/></iq>");
	ok(disco_parse_info(s, &v) == -1, "info: wrong namespace refused");
	xmpp_stanza_release(s);
}

struct sh_case {
	const char *xml;
	int rc;
	const char *jid, *host;
	unsigned short port;
};

static const struct sh_case sh_cases[] = {
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='proxy.localhost' host='127.0.0.1' port='5000'/></query></iq>",
	  0, "proxy.localhost", "127.0.0.1", 5000 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='p' host='::1'/></query></iq>", 0, "p", "::1", 1080 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='p' host='h' port='0'/></query></iq>", -1, NULL, NULL, 0 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='p' host='h' port='70000'/></query></iq>", -1, NULL, NULL, 0 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='p' host='h' port='12ab'/></query></iq>", -1, NULL, NULL, 0 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='p' host=''/></query></iq>", -1, NULL, NULL, 0 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost host='h' port='1'/></query></iq>", -1, NULL, NULL, 0 },
	{ "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'/></iq>",
	  -1, NULL, NULL, 0 },
	{ "<iq type='error'><query xmlns='http://jabber.org/protocol/bytestreams'>"
	  "<streamhost jid='p' host='h' port='1'/></query></iq>", -1, NULL, NULL, 0 },
};

static void test_streamhost(void)
{
	size_t i;

	for (i = 0; i < sizeof(sh_cases) / sizeof(sh_cases[0]); i++) {
		const struct sh_case *c = &sh_cases[i];
		struct disco_service v;
		xmpp_stanza_t *s = st(c->xml);
		int rc;

		memset(&v, 0, sizeof(v));
		rc = disco_parse_streamhost(s, &v);
		ok(rc == c->rc, "streamhost case %zu: rc %d", i, c->rc);
		if (rc == 0 && c->rc == 0) {
			is_str(v.sh_jid, c->jid, "  jid");
			is_str(v.sh_host, c->host, "  host");
			ok(v.sh_port == c->port, "  port %u", c->port);
		}
		svc_free(&v);
		xmpp_stanza_release(s);
	}
}

int main(void)
{
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	test_info();
	test_streamhost();
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	return tap_done();
}
