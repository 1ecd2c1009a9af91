/* Unit tests for the S5B pieces: the hash, the bytestreams stanzas
 * (hostile streamhost lists), the OOB request parser, and the direct
 * listener against the connect job over 127.0.0.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <strophe.h>

#include "../../src/bytestreams.h"
#include "../../src/net.h"
#include "../../src/oob.h"
#include "../../src/s5b.h"
#include "../../src/si.h"
#include "tap.h"

static xmpp_ctx_t *ctx;

static xmpp_stanza_t *st(const char *xml)
{
	return xmpp_stanza_new_from_string(ctx, xml);
}

static void test_hash(void)
{
	char h[SOCKS5_HASH_LEN + 1];

	/* SHA-1 of the concatenation, checked with another implementation. */
	s5b_hash("vxf9n471bn46", "requester@example.com/foo", "target@example.org/bar", h);
	is_str(h, "98b8d688d0f5d895fd41c5e7309a2e9e33ba32ff", "hash of sid + requester + target");
}

#define BS "xmlns='http://jabber.org/protocol/bytestreams'"

static void test_bytestreams(void)
{
	struct s5b_host in[2], out[S5B_MAX_HOSTS];
	const char *cond, *why;
	char sid[128], jid[3100];
	xmpp_stanza_t *iq, *q, *wrap;
	char xml[8192];
	int n, i;

	memset(in, 0, sizeof(in));
	strcpy(in[0].jid, "a@x/r");
	strcpy(in[0].host, "127.0.0.1");
	in[0].port = 4000;
	strcpy(in[1].jid, "proxy.x");
	strcpy(in[1].host, "::1");
	in[1].port = 7777;
	iq = bytestreams_request(ctx, "b@y/z", "s1", in, 2);
	n = bytestreams_parse(iq, sid, out, &cond, &why);
	ok(n == 2 && strcmp(sid, "s1") == 0 && strcmp(out[0].jid, "a@x/r") == 0 &&
	   strcmp(out[0].host, "127.0.0.1") == 0 && out[0].port == 4000 &&
	   strcmp(out[1].host, "::1") == 0 && out[1].port == 7777, "request round trip, in order");
	xmpp_stanza_release(iq);

	iq = st("<iq type='set'><query " BS " sid='s'><streamhost jid='a@x' host='h'/>"
		"<streamhost jid='a@x' host='h' port='0'/><streamhost jid='a@x' host='h' port='70000'/>"
		"<streamhost jid='a@x' host='h' port='12a'/><streamhost jid='a@x' host='h;rm'/>"
		"<streamhost host='h' port='1'/><streamhost jid='a@x' port='1'/>"
		"<streamhost jid='' host='h' port='1'/><other jid='a@x' host='h' port='2'/>"
		"<streamhost jid='c@d' host='good' port='3'/></query></iq>");
	n = bytestreams_parse(iq, sid, out, &cond, &why);
	ok(n == 2, "hostile list: only the two well-formed streamhosts kept (%d)", n);
	ok(n == 2 && out[0].port == 1080 && strcmp(out[1].host, "good") == 0 && out[1].port == 3,
	   "  the default port is 1080; order kept");
	xmpp_stanza_release(iq);

	iq = st("<iq type='set'><query " BS " sid='s'><streamhost jid='a@x' host='h' port='0'/>"
		"</query></iq>");
	ok(bytestreams_parse(iq, sid, out, &cond, &why) == -1, "no usable streamhost refused");
	is_str(cond, "bad-request", "  as bad-request");
	xmpp_stanza_release(iq);

	iq = st("<iq type='set'><query " BS " sid='s' mode='udp'><streamhost jid='a@x' host='h' "
		"port='1'/></query></iq>");
	ok(bytestreams_parse(iq, sid, out, &cond, &why) == -1, "mode udp refused");
	is_str(cond, "not-acceptable", "  as not-acceptable");
	xmpp_stanza_release(iq);

	iq = st("<iq type='set'><query " BS "><streamhost jid='a@x' host='h' port='1'/></query></iq>");
	ok(bytestreams_parse(iq, sid, out, &cond, &why) == -1, "missing sid refused");
	xmpp_stanza_release(iq);
	iq = st("<iq type='set'><query " BS " sid='a b'><streamhost jid='a@x' host='h' port='1'/>"
		"</query></iq>");
	ok(bytestreams_parse(iq, sid, out, &cond, &why) == -1, "sid with a space refused");
	xmpp_stanza_release(iq);

	/* More than S5B_MAX_HOSTS: the rest is ignored. */
	n = snprintf(xml, sizeof(xml), "<iq type='set'><query " BS " sid='s'>");
	for (i = 0; i < 40; i++)
		n += snprintf(xml + n, sizeof(xml) - (size_t)n,
			      "<streamhost jid='a@x' host='h%d' port='%d'/>", i, i + 1);
	snprintf(xml + n, sizeof(xml) - (size_t)n, "</query></iq>");
	iq = st(xml);
	ok(bytestreams_parse(iq, sid, out, &cond, &why) == S5B_MAX_HOSTS,
	   "40 streamhosts: the first %d kept", S5B_MAX_HOSTS);
	xmpp_stanza_release(iq);

	q = bytestreams_used(ctx, "s1", "proxy.x");
	wrap = xmpp_iq_new(ctx, "result", "i1");
	xmpp_stanza_add_child(wrap, q);
	xmpp_stanza_release(q);
	ok(bytestreams_used_parse(wrap, jid, sizeof(jid)) == 0 && strcmp(jid, "proxy.x") == 0,
	   "streamhost-used round trip");
	xmpp_stanza_release(wrap);
	iq = st("<iq type='result'><query " BS "><streamhost-used/></query></iq>");
	ok(bytestreams_used_parse(iq, jid, sizeof(jid)) == -1, "streamhost-used without jid");
	xmpp_stanza_release(iq);

	iq = bytestreams_activate(ctx, "proxy.x", "s1", "b@y/z");
	{
		char *text;
		size_t len;
		xmpp_stanza_to_text(iq, &text, &len);
		ok(strstr(text, "<activate>b@y/z</activate>") != NULL && strstr(text, "sid=\"s1\"") != NULL &&
		   strstr(text, "to=\"proxy.x\"") != NULL, "activate names the target's full JID");
		xmpp_free(ctx, text);
	}
	xmpp_stanza_release(iq);
}

static void oob_case(const char *url_xml, int want_rc, const char *want_url, const char *want_name,
		     const char *what)
{
	char xml[2048], url[2048], name[256];
	xmpp_stanza_t *iq;
	int rc;

	snprintf(xml, sizeof(xml), "<iq type='set'><query xmlns='jabber:iq:oob'>%s</query></iq>",
		 url_xml);
	iq = st(xml);
	rc = oob_parse(iq, url, sizeof(url), name, sizeof(name));
	ok(rc == want_rc && (rc < 0 || (strcmp(url, want_url) == 0 && strcmp(name, want_name) == 0)),
	   "oob: %s", what);
	if (rc == 0 && want_rc == 0 && (strcmp(url, want_url) != 0 || strcmp(name, want_name) != 0))
		printf("#   got '%s' '%s'\n", url, name);
	xmpp_stanza_release(iq);
}

static void test_oob(void)
{
	oob_case("<url>http://h:1/t/a%20b.txt</url>", 0, "http://h:1/t/a%20b.txt", "a b.txt",
		 "percent-decoded last segment");
	oob_case("<url> https://h/x/y.bin?x=1#f </url>", 0, "https://h/x/y.bin?x=1#f", "y.bin",
		 "spaces trimmed, query and fragment dropped from the name");
	oob_case("<url>http://h/</url>", 0, "http://h/", "download", "empty name -> download");
	oob_case("<url>http://h/a%00b</url>", 0, "http://h/a%00b", "download", "NUL -> download");
	oob_case("<url>http://h/..%2F..%2Fetc%2Fpasswd</url>", 0, "http://h/..%2F..%2Fetc%2Fpasswd",
		 "../../etc/passwd", "a traversal name comes out raw (the sink sanitizes it)");
	oob_case("<url>ftp://h/f</url>", -1, "", "", "ftp refused");
	oob_case("<url>file:///etc/passwd</url>", -1, "", "", "file refused");
	oob_case("<url>http://</url>", -1, "", "", "no host refused");
	oob_case("<url>http:// h/f</url>", -1, "", "", "no host before white space refused");
	oob_case("<url> https://\n</url>", -1, "", "", "no host before the line end refused");
	oob_case("<desc>x</desc>", -1, "", "", "no url refused");
}

/* The listener against the connect job: a closed port first, a wrong
 * hash refused, then the right one accepted. */
static void test_listener(void)
{
	struct s5b_listener *l = NULL;
	struct xerr err;
	struct s5b_host hosts[2];
	struct s5b_connect c;
	struct job j;
	char good[SOCKS5_HASH_LEN + 1], bad[SOCKS5_HASH_LEN + 1];
	unsigned short closed;
	int fd, i, got;

	s5b_hash("sid", "a@x/r", "b@y/z", good);
	s5b_hash("sid", "a@x/r", "b@y/other", bad);
	xerr_clear(&err);
	ok(s5b_listener_open(&l, "127.0.0.1", 0, good, 2000, &err) == XE_OK && l != NULL,
	   "listener on 127.0.0.1");
	if (l == NULL)
		return;
	fd = net_listen("127.0.0.1", 0, &closed, "test", &err);
	close(fd); /* now a closed port, most likely */
	memset(hosts, 0, sizeof(hosts));
	strcpy(hosts[0].jid, "a@x/r");
	strcpy(hosts[0].host, "127.0.0.1");
	hosts[0].port = closed;
	hosts[1] = hosts[0];
	hosts[1].port = s5b_listener_port(l);

	memset(&c, 0, sizeof(c));
	c.hosts = hosts;
	c.n = 2;
	c.budget_ms = 2000;
	strcpy(c.hash, bad);
	memset(&j, 0, sizeof(j));
	job_start(&j, s5b_connect_job, &c, &err);
	for (i = 0; i < 400 && !job_done(&j); i++) {
		s5b_listener_step(l);
		usleep(5000);
	}
	job_finish(&j);
	ok(c.used == -1 && j.err.code == XE_UNAVAILABLE, "wrong hash: no streamhost worked");
	ok(strstr(c.why[0], "refused") != NULL, "  closed port: '%s'", c.why[0]);
	ok(strstr(c.why[1], "SOCKS5") != NULL, "  wrong hash: '%s'", c.why[1]);
	ok(s5b_listener_refused(l) == 1, "  the listener counted one refusal");
	ok(s5b_listener_take(l) == -1, "  and kept no connection");

	memset(&c, 0, sizeof(c));
	c.hosts = hosts;
	c.n = 2;
	c.budget_ms = 2000;
	strcpy(c.hash, good);
	memset(&j, 0, sizeof(j));
	job_start(&j, s5b_connect_job, &c, &err);
	got = 0;
	for (i = 0; i < 400 && !job_done(&j); i++) {
		got |= s5b_listener_step(l);
		usleep(5000);
	}
	job_finish(&j);
	got |= s5b_listener_step(l);
	ok(c.used == 1 && c.fd >= 0 && j.err.code == XE_OK, "right hash: the second host used");
	fd = s5b_listener_take(l);
	ok(got && fd >= 0, "  the listener kept the connection");
	if (fd >= 0 && c.fd >= 0) {
		char buf[8] = { 0 };
		ssize_t n;
		(void)!write(fd, "data", 4);
		for (i = 0; i < 100 && (n = recv(c.fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) < 0; i++)
			usleep(5000);
		is_str(buf, "data", "  bytes flow after the handshake");
	}
	if (fd >= 0)
		close(fd);
	if (c.fd >= 0)
		close(c.fd);
	s5b_listener_close(l);
}

int main(void)
{
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	test_hash();
	test_bytestreams();
	test_oob();
	test_listener();
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	return tap_done();
}
