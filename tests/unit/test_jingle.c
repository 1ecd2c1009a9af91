/* Unit tests for jingle.c: every stanza xfer sends, walked element by
 * element against the structure of the XEP-0166/0234/0260/0261 examples;
 * the XEPs' own kinds of stanza parsed; build -> text -> parse round trips;
 * hostile input; the sha-256 hex/base64 codec.
 *
 * The built stanzas are checked as trees, not as strings: a peer reads
 * elements, attributes and namespaces, so attribute order and quoting
 * must not make a test fail, and a missing or duplicated element must. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "../../src/jingle.h"
#include "tap.h"

#define ROMEO "romeo@montague.example/orchard"
#define JULIET "juliet@capulet.example/balcony"
#define PROXY "proxy.montague.example"

/* SHA-256 of the empty string, as hex and as the base64 of XEP-0300. */
#define EMPTY_HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define EMPTY_B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
/* SHA-256 of "abc": a second vector, so a codec that ignores its input
 * cannot pass. */
#define ABC_HEX "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_B64 "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
/* SHA-1 of the empty string: 20 bytes, valid base64, wrong size for sha-256. */
#define SHA1_B64 "2jmj7l5rSw0yVb/vlWAYkK/YBwk="

static xmpp_ctx_t *ctx;

static xmpp_stanza_t *st(const char *xml)
{
	return xmpp_stanza_new_from_string(ctx, xml);
}

/* ---- walking a tree ------------------------------------------------ */

/* The i-th child element called name (any namespace), or NULL. */
static xmpp_stanza_t *nth(xmpp_stanza_t *e, const char *name, int i)
{
	xmpp_stanza_t *c;

	for (c = e != NULL ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	     c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c) && strcmp(xmpp_stanza_get_name(c), name) == 0 && i-- == 0)
			return c;
	return NULL;
}

/* The one child element called name: NULL when there is none or more than
 * one, so a duplicated element fails the same checks as a missing one. */
static xmpp_stanza_t *only(xmpp_stanza_t *e, const char *name)
{
	return nth(e, name, 1) == NULL ? nth(e, name, 0) : NULL;
}

static int ntags(xmpp_stanza_t *e)
{
	xmpp_stanza_t *c;
	int n = 0;

	for (c = e != NULL ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	     c = xmpp_stanza_get_next(c))
		n += xmpp_stanza_is_tag(c);
	return n;
}

/* Attributes other than xmlns (libstrophe keeps the namespace as one):
 * catches a builder that writes a stray or misspelt attribute. */
static int nattrs(xmpp_stanza_t *e)
{
	const char *kv[32];
	int i, n, count = 0;

	if (e == NULL)
		return -1;
	n = xmpp_stanza_get_attributes(e, kv, 32);
	for (i = 0; i + 1 < n; i += 2)
		count += strcmp(kv[i], "xmlns") != 0;
	return count;
}

static const char *attr(xmpp_stanza_t *e, const char *name)
{
	return e != NULL ? xmpp_stanza_get_attribute(e, name) : NULL;
}

/* The namespace e is in: its own, else the one it inherits. A built
 * child carries no xmlns of its own and is serialized inside its parent,
 * so that is the namespace the peer sees. */
static const char *ns_in(xmpp_stanza_t *e, const char *inherited)
{
	const char *ns;

	if (e == NULL)
		return NULL;
	ns = xmpp_stanza_get_ns(e);
	return ns != NULL ? ns : inherited;
}

static int text_is(xmpp_stanza_t *e, const char *want, const char *name)
{
	char *t = e != NULL ? xmpp_stanza_get_text(e) : NULL;
	int same = is_str(t, want, name);

	if (t != NULL)
		xmpp_free(ctx, t);
	return same;
}

/* <iq type='set' to=TO><jingle xmlns=NS_JINGLE action sid/></iq>: the
 * envelope every Jingle stanza shares. Returns the <jingle/> element. */
static xmpp_stanza_t *envelope(xmpp_stanza_t *iq, const char *to, const char *action,
			       const char *sid)
{
	xmpp_stanza_t *jn = only(iq, "jingle");

	is_str(xmpp_stanza_get_name(iq), "iq", "  an <iq/>");
	is_str(xmpp_stanza_get_type(iq), "set", "  type='set'");
	is_str(xmpp_stanza_get_to(iq), to, "  to");
	ok(ntags(iq) == 1 && jn != NULL, "  one <jingle/> child");
	is_str(ns_in(jn, NULL), NS_JINGLE, "  jingle xmlns='urn:xmpp:jingle:1'");
	is_str(attr(jn, "action"), action, "  action");
	is_str(attr(jn, "sid"), sid, "  sid");
	return jn;
}

/* <content creator name [senders]/>: the one child of jingle. */
static xmpp_stanza_t *content_of(xmpp_stanza_t *jn, const char *senders, int children)
{
	xmpp_stanza_t *c = only(jn, "content");

	ok(c != NULL && ntags(jn) == 1, "  one <content/>, nothing else in <jingle/>");
	is_str(ns_in(c, NS_JINGLE), NS_JINGLE, "  content in the jingle namespace");
	is_str(attr(c, "creator"), "initiator", "  content creator='initiator'");
	is_str(attr(c, "name"), "a-file-offer", "  content name");
	is_str(attr(c, "senders"), senders, "  content senders");
	ok(ntags(c) == children, "  content has %d child element(s): %d", children, ntags(c));
	return c;
}

/* <hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>B64</hash> in file. */
static void check_hash(xmpp_stanza_t *file, const char *b64)
{
	xmpp_stanza_t *h = only(file, "hash");

	ok(h != NULL, "  one <hash/>");
	is_str(xmpp_stanza_get_ns(h), NS_HASHES, "  hash xmlns='urn:xmpp:hashes:2'");
	is_str(attr(h, "algo"), "sha-256", "  hash algo='sha-256'");
	text_is(h, b64, "  hash is the base64 of the 32 bytes");
}

/* A <file/> child with text in the file-transfer namespace. */
static void check_file_child(xmpp_stanza_t *file, const char *name, const char *want)
{
	xmpp_stanza_t *e = only(file, name);
	char label[64];

	snprintf(label, sizeof(label), "  file/%s", name);
	text_is(e, want, label);
	snprintf(label, sizeof(label), "  file/%s in the file-transfer:5 namespace", name);
	is_str(ns_in(e, NS_JINGLE_FT), NS_JINGLE_FT, label);
}

static void check_candidate(xmpp_stanza_t *k, const char *cid, const char *host,
			    const char *jid, const char *port, long prio, const char *type)
{
	char p[32];

	snprintf(p, sizeof(p), "%ld", prio);
	ok(k != NULL, "  candidate %s present", cid);
	is_str(ns_in(k, NS_JINGLE_S5B), NS_JINGLE_S5B, "  candidate in the s5b namespace");
	is_str(attr(k, "cid"), cid, "  candidate cid");
	is_str(attr(k, "host"), host, "  candidate host");
	is_str(attr(k, "jid"), jid, "  candidate jid");
	is_str(attr(k, "port"), port, "  candidate port");
	is_str(attr(k, "priority"), p, "  candidate priority");
	is_str(attr(k, "type"), type, "  candidate type");
	ok(nattrs(k) == 6, "  candidate has exactly cid host jid port priority type");
}

/* ---- what xfer sends ----------------------------------------------- */

/* The session-initiate of jingle-wire.md: one file offer with every
 * <file/> child, and a direct and a proxy s5b candidate (or ibb). */
static void offer(struct jingle *j, enum jingle_transport t)
{
	memset(j, 0, sizeof(*j));
	j->action = JA_SESSION_INITIATE;
	strcpy(j->sid, "851ba2");
	strcpy(j->initiator, ROMEO);
	strcpy(j->content, "a-file-offer");
	strcpy(j->creator, "initiator");
	strcpy(j->senders, "initiator");
	j->has_file = 1;
	j->ft_version = 5;
	strcpy(j->name, "test.txt");
	j->size = 6144;
	strcpy(j->date, "1969-07-21T02:56:15Z");
	strcpy(j->desc, "This is a test.");
	strcpy(j->media_type, "application/octet-stream");
	strcpy(j->sha256, EMPTY_HEX);
	j->transport = t;
	strcpy(j->tsid, "vj3hs98y");
	if (t == JT_IBB) {
		j->block = 4096;
		return;
	}
	j->ncand = 2;
	strcpy(j->cand[0].cid, "hft54dqy");
	strcpy(j->cand[0].h.host, "192.168.4.1");
	strcpy(j->cand[0].h.jid, ROMEO);
	j->cand[0].h.port = 5086;
	j->cand[0].priority = JINGLE_PRIO_DIRECT | 1;
	strcpy(j->cand[1].cid, "px7c1a0q");
	strcpy(j->cand[1].h.host, "24.24.24.1");
	strcpy(j->cand[1].h.jid, PROXY);
	j->cand[1].h.port = 7777;
	j->cand[1].priority = JINGLE_PRIO_PROXY;
	j->cand[1].proxy = 1;
}

/* The description of an offer (or its echo in session-accept). */
static void check_description(xmpp_stanza_t *c)
{
	xmpp_stanza_t *d = only(c, "description");
	xmpp_stanza_t *f = only(d, "file");

	is_str(ns_in(d, NULL), NS_JINGLE_FT,
	       "  description xmlns='urn:xmpp:jingle:apps:file-transfer:5'");
	ok(f != NULL && ntags(d) == 1, "  description holds one <file/>");
	is_str(ns_in(f, NS_JINGLE_FT), NS_JINGLE_FT, "  file in the file-transfer:5 namespace");
	check_file_child(f, "name", "test.txt");
	check_file_child(f, "size", "6144");
	check_file_child(f, "date", "1969-07-21T02:56:15Z");
	check_file_child(f, "desc", "This is a test.");
	check_file_child(f, "media-type", "application/octet-stream");
	check_hash(f, EMPTY_B64);
	ok(ntags(f) == 6, "  file has name size date desc media-type hash and no more: %d",
	   ntags(f));
}

static void test_build_initiate_s5b(void)
{
	struct jingle j;
	xmpp_stanza_t *iq, *jn, *c, *t;

	offer(&j, JT_S5B);
	iq = jingle_build(ctx, JULIET, &j);
	if (!ok(iq != NULL, "session-initiate (s5b) builds"))
		return;
	jn = envelope(iq, JULIET, "session-initiate", "851ba2");
	is_str(attr(jn, "initiator"), ROMEO, "  initiator");
	ok(attr(jn, "responder") == NULL, "  no responder on session-initiate");
	c = content_of(jn, "initiator", 2);
	check_description(c);
	t = only(c, "transport");
	is_str(ns_in(t, NULL), NS_JINGLE_S5B,
	       "  transport xmlns='urn:xmpp:jingle:transports:s5b:1'");
	is_str(attr(t, "sid"), "vj3hs98y", "  transport sid");
	is_str(attr(t, "mode"), "tcp", "  transport mode='tcp'");
	ok(nattrs(t) == 2, "  transport has sid and mode only (no dstaddr unless set)");
	ok(ntags(t) == 2, "  two candidates and nothing else: %d", ntags(t));
	check_candidate(nth(t, "candidate", 0), "hft54dqy", "192.168.4.1", ROMEO, "5086",
			126L << 16 | 1, "direct");
	check_candidate(nth(t, "candidate", 1), "px7c1a0q", "24.24.24.1", PROXY, "7777",
			10L << 16, "proxy");
	is_str(attr(nth(t, "candidate", 0), "priority"), "8257537",
	       "  direct priority is 126<<16 | 1 (XEP-0260 type preference)");
	xmpp_stanza_release(iq);
}

static void test_build_initiate_ibb(void)
{
	struct jingle j;
	xmpp_stanza_t *iq, *jn, *c, *t;

	offer(&j, JT_IBB);
	iq = jingle_build(ctx, JULIET, &j);
	if (!ok(iq != NULL, "session-initiate (ibb) builds"))
		return;
	jn = envelope(iq, JULIET, "session-initiate", "851ba2");
	is_str(attr(jn, "initiator"), ROMEO, "  initiator");
	c = content_of(jn, "initiator", 2);
	check_description(c);
	t = only(c, "transport");
	is_str(ns_in(t, NULL), NS_JINGLE_IBB,
	       "  transport xmlns='urn:xmpp:jingle:transports:ibb:1'");
	is_str(attr(t, "block-size"), "4096", "  ibb block-size");
	is_str(attr(t, "sid"), "vj3hs98y", "  ibb sid");
	ok(nattrs(t) == 2 && ntags(t) == 0, "  ibb transport: block-size and sid, empty");
	xmpp_stanza_release(iq);
}

/* The responder's answer: same content, a description echo, and a
 * transport without candidates (xfer's receiver offers none). */
static void answer(struct jingle *j, enum jingle_transport t)
{
	offer(j, t);
	j->action = JA_SESSION_ACCEPT;
	strcpy(j->responder, JULIET);
	j->ncand = 0;
}

static void test_build_accept(void)
{
	struct jingle j;
	xmpp_stanza_t *iq, *jn, *c, *t;

	answer(&j, JT_S5B);
	iq = jingle_build(ctx, ROMEO, &j);
	if (!ok(iq != NULL, "session-accept (s5b) builds"))
		return;
	jn = envelope(iq, ROMEO, "session-accept", "851ba2");
	is_str(attr(jn, "initiator"), ROMEO, "  initiator");
	is_str(attr(jn, "responder"), JULIET, "  responder");
	c = content_of(jn, "initiator", 2);
	check_description(c);
	t = only(c, "transport");
	is_str(ns_in(t, NULL), NS_JINGLE_S5B, "  s5b transport");
	is_str(attr(t, "sid"), "vj3hs98y", "  transport sid");
	is_str(attr(t, "mode"), "tcp", "  transport mode='tcp'");
	ok(ntags(t) == 0, "  no candidates");
	xmpp_stanza_release(iq);

	answer(&j, JT_IBB);
	j.block = 2048;
	iq = jingle_build(ctx, ROMEO, &j);
	if (!ok(iq != NULL, "session-accept (ibb) builds"))
		return;
	jn = envelope(iq, ROMEO, "session-accept", "851ba2");
	is_str(attr(jn, "responder"), JULIET, "  responder");
	c = content_of(jn, "initiator", 2);
	t = only(c, "transport");
	is_str(ns_in(t, NULL), NS_JINGLE_IBB, "  ibb transport");
	is_str(attr(t, "block-size"), "2048", "  the block-size the receiver takes");
	is_str(attr(t, "sid"), "vj3hs98y", "  ibb sid");
	xmpp_stanza_release(iq);
}

/* transport-info of XEP-0260 2.4-2.6: the transport holds the sid and
 * exactly one notification, never the candidates again (the struct still
 * has them: the sender reuses its session's struct). */
static void test_build_transport_info(void)
{
	static const struct {
		enum jingle_s5b_info info;
		const char *el, *cid;
	} c[] = {
		{ JS_CANDIDATE_USED, "candidate-used", "hr65dqyd" },
		{ JS_CANDIDATE_ERROR, "candidate-error", NULL },
		{ JS_ACTIVATED, "activated", "px7c1a0q" },
		{ JS_PROXY_ERROR, "proxy-error", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct jingle j;
		xmpp_stanza_t *iq, *jn, *ct, *t, *n;

		offer(&j, JT_S5B);
		j.action = JA_TRANSPORT_INFO;
		j.has_file = 0;
		j.s5b_info = c[i].info;
		if (c[i].cid != NULL)
			strcpy(j.cid, c[i].cid);
		iq = jingle_build(ctx, JULIET, &j);
		if (!ok(iq != NULL, "transport-info <%s/> builds", c[i].el))
			continue;
		jn = envelope(iq, JULIET, "transport-info", "851ba2");
		ct = content_of(jn, "initiator", 1);
		t = only(ct, "transport");
		is_str(ns_in(t, NULL), NS_JINGLE_S5B, "  s5b transport");
		is_str(attr(t, "sid"), "vj3hs98y", "  transport sid");
		n = only(t, c[i].el);
		ok(n != NULL && ntags(t) == 1, "  only <%s/> in the transport", c[i].el);
		is_str(ns_in(n, NS_JINGLE_S5B), NS_JINGLE_S5B, "  in the s5b namespace");
		is_str(attr(n, "cid"), c[i].cid, "  cid");
		ok(nattrs(n) == (c[i].cid != NULL), "  no other attribute");
		xmpp_stanza_release(iq);
	}
}

/* transport-replace and transport-accept of XEP-0261 (fallback to IBB):
 * content and an ibb transport, no description. */
static void test_build_replace(void)
{
	static const enum jingle_action as[] = { JA_TRANSPORT_REPLACE, JA_TRANSPORT_ACCEPT };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct jingle j;
		xmpp_stanza_t *iq, *jn, *c, *t;
		const char *name = jingle_action_name(as[i]);

		offer(&j, JT_IBB);
		j.action = as[i];
		j.has_file = 0;
		strcpy(j.tsid, "ch3d9s71");
		iq = jingle_build(ctx, JULIET, &j);
		if (!ok(iq != NULL, "%s builds", name))
			continue;
		jn = envelope(iq, JULIET, name, "851ba2");
		c = content_of(jn, "initiator", 1);
		t = only(c, "transport");
		is_str(ns_in(t, NULL), NS_JINGLE_IBB, "  ibb transport");
		is_str(attr(t, "block-size"), "4096", "  block-size");
		is_str(attr(t, "sid"), "ch3d9s71", "  the new transport's sid");
		ok(only(c, "description") == NULL, "  no description");
		xmpp_stanza_release(iq);
	}
}

static void test_build_terminate(void)
{
	struct jingle j;
	xmpp_stanza_t *iq, *jn, *r;

	memset(&j, 0, sizeof(j));
	j.action = JA_SESSION_TERMINATE;
	strcpy(j.sid, "a73sjjvkla37jfea");
	strcpy(j.reason, "success");
	iq = jingle_build(ctx, ROMEO, &j);
	if (!ok(iq != NULL, "session-terminate <success/> builds"))
		return;
	jn = envelope(iq, ROMEO, "session-terminate", "a73sjjvkla37jfea");
	r = only(jn, "reason");
	ok(r != NULL && ntags(jn) == 1, "  only <reason/> in <jingle/>, no content");
	is_str(ns_in(r, NS_JINGLE), NS_JINGLE, "  reason in the jingle namespace");
	ok(only(r, "success") != NULL && ntags(r) == 1, "  <reason><success/></reason>");
	is_str(ns_in(only(r, "success"), NS_JINGLE), NS_JINGLE,
	       "  the condition in the jingle namespace");
	xmpp_stanza_release(iq);

	strcpy(j.reason, "decline");
	strcpy(j.reason_text, "file too large (max_size)");
	iq = jingle_build(ctx, ROMEO, &j);
	if (!ok(iq != NULL, "session-terminate <decline/> with a text builds"))
		return;
	jn = envelope(iq, ROMEO, "session-terminate", "a73sjjvkla37jfea");
	r = only(jn, "reason");
	ok(only(r, "decline") != NULL && ntags(r) == 2, "  <decline/> and <text/>");
	text_is(only(r, "text"), "file too large (max_size)", "  the text");
	is_str(ns_in(only(r, "text"), NS_JINGLE), NS_JINGLE, "  text in the jingle namespace");
	xmpp_stanza_release(iq);
}

/* XEP-0234 "Checksum": <checksum xmlns=ft creator name><file><hash/></file>. */
static void test_build_checksum(void)
{
	struct jingle j;
	xmpp_stanza_t *iq, *jn, *c, *f;

	memset(&j, 0, sizeof(j));
	j.action = JA_SESSION_INFO;
	j.info = JI_CHECKSUM;
	strcpy(j.sid, "851ba2");
	strcpy(j.content, "a-file-offer");
	strcpy(j.creator, "initiator");
	strcpy(j.sha256, ABC_HEX);
	iq = jingle_build(ctx, JULIET, &j);
	if (!ok(iq != NULL, "session-info <checksum/> builds"))
		return;
	jn = envelope(iq, JULIET, "session-info", "851ba2");
	c = only(jn, "checksum");
	ok(c != NULL && ntags(jn) == 1, "  only <checksum/> in <jingle/>");
	is_str(ns_in(c, NULL), NS_JINGLE_FT, "  checksum in the file-transfer:5 namespace");
	is_str(attr(c, "creator"), "initiator", "  checksum creator");
	is_str(attr(c, "name"), "a-file-offer", "  checksum name");
	f = only(c, "file");
	ok(f != NULL && ntags(c) == 1, "  one <file/>");
	check_hash(f, ABC_B64);
	ok(ntags(f) == 1, "  the file holds only the hash");
	xmpp_stanza_release(iq);
}

static void test_build_unexpressible(void)
{
	struct jingle j;
	static const struct {
		enum jingle_action a;
		const char *name;
	} names[] = {
		{ JA_SESSION_INITIATE, "session-initiate" },
		{ JA_SESSION_ACCEPT, "session-accept" },
		{ JA_SESSION_TERMINATE, "session-terminate" },
		{ JA_SESSION_INFO, "session-info" },
		{ JA_TRANSPORT_INFO, "transport-info" },
		{ JA_TRANSPORT_REPLACE, "transport-replace" },
		{ JA_TRANSPORT_ACCEPT, "transport-accept" },
		{ JA_TRANSPORT_REJECT, "transport-reject" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		is_str(jingle_action_name(names[i].a), names[i].name, "action name");
	ok(jingle_action_name(JA_UNKNOWN) == NULL && jingle_action_name(JA_OTHER) == NULL,
	   "no name for JA_UNKNOWN, JA_OTHER");
	offer(&j, JT_S5B);
	j.action = JA_UNKNOWN;
	ok(jingle_build(ctx, JULIET, &j) == NULL, "JA_UNKNOWN cannot be built");
	j.action = JA_OTHER;
	ok(jingle_build(ctx, JULIET, &j) == NULL, "JA_OTHER cannot be built");
}

/* ---- the XEPs' kinds of stanza ------------------------------------- */

#define IQ(body) \
	"<iq type='set' id='j1' from='" ROMEO "' to='" JULIET "'>" body "</iq>"
#define JN(action, body) \
	IQ("<jingle xmlns='urn:xmpp:jingle:1' action='" action "' initiator='" ROMEO \
	   "' sid='851ba2'>" body "</jingle>")
#define CONTENT(body) \
	"<content creator='initiator' name='a-file-offer' senders='initiator'>" body "</content>"
#define DESC(ns, file) "<description xmlns='" ns "'><file>" file "</file></description>"
#define FT5 "urn:xmpp:jingle:apps:file-transfer:5"
#define FT4 "urn:xmpp:jingle:apps:file-transfer:4"
#define S5B(body) \
	"<transport xmlns='urn:xmpp:jingle:transports:s5b:1' mode='tcp' sid='vj3hs98y'>" body \
	"</transport>"
#define IBB(bs) \
	"<transport xmlns='urn:xmpp:jingle:transports:ibb:1' block-size='" bs "' sid='ch3d9s71'/>"
#define CAND(cid, host, jid, port, prio, type) \
	"<candidate cid='" cid "' host='" host "' jid='" jid "' port='" port "' priority='" prio \
	"' type='" type "'/>"
#define FILE_META \
	"<date>1969-07-21T02:56:15Z</date><desc>This is a test. If this were a real file...</desc>" \
	"<media-type>text/plain</media-type><name>test.txt</name><range/><size>6144</size>"
#define HASH(ns, algo, b64) "<hash xmlns='" ns "' algo='" algo "'>" b64 "</hash>"
#define H2 "urn:xmpp:hashes:2"
#define TWO_DIRECT \
	CAND("hft54dqy", "192.168.4.1", ROMEO, "5086", "8257636", "direct") \
	CAND("hutr46fe", "24.24.24.1", ROMEO, "5087", "8258636", "direct")

static int parse(const char *xml, struct jingle *j, const char **cond, const char *what)
{
	xmpp_stanza_t *s = st(xml);
	const char *app, *why = NULL;
	int rc;

	if (!ok(s != NULL, "%s: test XML is well-formed", what))
		return -2;
	rc = jingle_parse(s, j, cond, &app, &why);
	if (rc == -1)
		printf("#   %s: %s\n", what, why != NULL ? why : "(no reason)");
	xmpp_stanza_release(s);
	return rc;
}

/* XEP-0234 "Offering a File", whitespace between elements as in the
 * example, and with only a sha-1 hash: xfer must take the offer and
 * simply have no sha-256 to check. */
static void test_parse_offer(void)
{
	struct jingle j;
	const char *cond;

	if (ok(parse(JN("session-initiate",
			"\n  " CONTENT("\n    " DESC(FT5, FILE_META HASH(H2, "sha-1", SHA1_B64))
				       "\n    " S5B("\n      " TWO_DIRECT "\n    ") "\n  ")
			"\n"), &j, &cond, "XEP-0234 offer (sha-1)") == 0,
	       "XEP-0234 session-initiate with a sha-1 hash parses")) {
		ok(j.action == JA_SESSION_INITIATE, "  action session-initiate");
		is_str(j.sid, "851ba2", "  sid");
		is_str(j.initiator, ROMEO, "  initiator");
		is_str(j.responder, "", "  no responder");
		is_str(j.content, "a-file-offer", "  content name");
		is_str(j.creator, "initiator", "  creator");
		is_str(j.senders, "initiator", "  senders");
		ok(j.has_file && j.ft_version == 5, "  a file, file-transfer:5");
		is_str(j.name, "test.txt", "  name");
		ok(j.size == 6144, "  size");
		is_str(j.date, "1969-07-21T02:56:15Z", "  date");
		is_str(j.desc, "This is a test. If this were a real file...", "  desc");
		is_str(j.media_type, "text/plain", "  media-type");
		is_str(j.sha256, "", "  sha-1 only: no sha-256");
		ok(j.transport == JT_S5B, "  s5b transport");
		is_str(j.tsid, "vj3hs98y", "  transport sid");
		ok(j.ncand == 2, "  two candidates");
		is_str(j.cand[1].cid, "hutr46fe", "  second cid");
		is_str(j.cand[1].h.host, "24.24.24.1", "  second host");
		is_str(j.cand[1].h.jid, ROMEO, "  second jid");
		ok(j.cand[1].h.port == 5087 && j.cand[1].priority == 8258636 && !j.cand[1].proxy,
		   "  second port, priority, direct");
		ok(j.s5b_info == JS_NONE && j.info == JI_NONE, "  no transport-info, no session-info");
		is_str(j.reason, "", "  no reason");
	}
	if (ok(parse(JN("session-initiate",
			CONTENT(DESC(FT5, FILE_META HASH(H2, "sha-1", SHA1_B64)
				     HASH(H2, "sha-256", ABC_B64)) S5B(TWO_DIRECT))),
		     &j, &cond, "offer (sha-1 + sha-256)") == 0,
	       "offer with sha-1 and sha-256 (hash agility) parses"))
		is_str(j.sha256, ABC_HEX, "  the sha-256 is taken, as lowercase hex");
	/* XEP-0234 "Checksum": an empty <hash/> announces the algorithm only;
	 * the value follows in session-info. */
	if (ok(parse(JN("session-initiate",
			CONTENT(DESC(FT5, FILE_META "<hash xmlns='" H2 "' algo='sha-256'/>")
				S5B(TWO_DIRECT))), &j, &cond, "offer (empty sha-256)") == 0,
	       "offer announcing sha-256 with an empty <hash/> parses (XEP-0234 Checksum)"))
		is_str(j.sha256, "", "  no value yet");
	/* XEP-0261: the same offer over IBB. */
	if (ok(parse(JN("session-initiate",
			CONTENT(DESC(FT5, "<name>a</name><size>0</size>") IBB("4096"))), &j, &cond,
		     "ibb offer") == 0, "XEP-0261 session-initiate parses")) {
		ok(j.transport == JT_IBB && j.block == 4096, "  ibb, block-size 4096");
		is_str(j.tsid, "ch3d9s71", "  ibb sid");
		ok(j.size == 0 && j.ncand == 0, "  size 0 is a size; no candidates");
	}
	/* An older peer: file-transfer:4 with the hashes:1 namespace. */
	if (ok(parse(JN("session-initiate",
			CONTENT(DESC(FT4, "<name>old.bin</name><size>12</size>"
				     HASH("urn:xmpp:hashes:1", "sha-256", EMPTY_B64)) IBB("512"))),
		     &j, &cond, "file-transfer:4") == 0, "file-transfer:4 offer parses")) {
		ok(j.ft_version == 4 && j.has_file, "  ft_version 4");
		is_str(j.sha256, EMPTY_HEX, "  hashes:1 sha-256 taken");
	}
	/* No size: -1, not 0. */
	if (ok(parse(JN("session-initiate", CONTENT(DESC(FT5, "<name>n</name>") IBB("4096"))), &j,
		     &cond, "no size") == 0, "offer without a size parses"))
		ok(j.size == -1, "  size -1 when absent");
}

/* XEP-0260 candidate lists: the responder's (direct, assisted, IPv6) and
 * a proxy, with dstaddr. */
static void test_parse_candidates(void)
{
	struct jingle j;
	const char *cond;

	if (ok(parse(IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-accept' responder='"
			JULIET "' sid='851ba2'>"
			CONTENT(DESC(FT5, "<name>test.txt</name>")
				"<transport xmlns='urn:xmpp:jingle:transports:s5b:1' "
				"dstaddr='972b7bf47291ca609517f67f86b5081086052dad' mode='tcp' "
				"sid='vj3hs98y'>"
				CAND("ht567dq", "192.169.1.10", JULIET, "6539", "8257636", "direct")
				CAND("hr65dqyd", "134.102.201.180", JULIET, "16453", "7929856",
				     "assisted")
				CAND("grt654q2", "2001:638:708:30c9:219:d1ff:fea4:a17d", JULIET, "6539",
				     "8257606", "direct")
				CAND("px7c1a0q", "24.24.24.1", PROXY, "7777", "655360", "proxy")
				"<candidate cid='nt1' host='10.0.0.1' jid='" JULIET "' port='1' "
				"priority='1'/>"
				"</transport>") "</jingle>"), &j, &cond, "XEP-0260 session-accept") == 0,
	       "XEP-0260 session-accept with candidates parses")) {
		ok(j.action == JA_SESSION_ACCEPT, "  action session-accept");
		is_str(j.responder, JULIET, "  responder");
		is_str(j.initiator, "", "  initiator absent");
		is_str(j.dstaddr, "972b7bf47291ca609517f67f86b5081086052dad", "  dstaddr");
		ok(j.ncand == 5, "  five candidates: %d", j.ncand);
		is_str(j.cand[2].h.host, "2001:638:708:30c9:219:d1ff:fea4:a17d", "  IPv6 host");
		ok(j.cand[1].priority == 7929856 && !j.cand[1].proxy, "  assisted is not a proxy");
		ok(j.cand[3].proxy && j.cand[3].h.port == 7777 && j.cand[3].priority == 655360,
		   "  proxy candidate");
		is_str(j.cand[3].h.jid, PROXY, "  the proxy's jid");
		ok(!j.cand[4].proxy, "  no type: direct (the XEP-0260 default)");
	}
}

static void test_parse_transport_info(void)
{
	static const struct {
		const char *what, *xml;
		enum jingle_s5b_info info;
		const char *cid;
	} c[] = {
		{ "candidate-used", JN("transport-info", CONTENT(S5B("<candidate-used cid='hr65dqyd'/>"))),
		  JS_CANDIDATE_USED, "hr65dqyd" },
		{ "activated", JN("transport-info", CONTENT(S5B("<activated cid='px7c1a0q'/>"))),
		  JS_ACTIVATED, "px7c1a0q" },
		{ "candidate-error", JN("transport-info", CONTENT(S5B("<candidate-error/>"))),
		  JS_CANDIDATE_ERROR, "" },
		{ "proxy-error", JN("transport-info", CONTENT(S5B("<proxy-error/>"))),
		  JS_PROXY_ERROR, "" },
	};
	struct jingle j;
	const char *cond;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (!ok(parse(c[i].xml, &j, &cond, c[i].what) == 0, "transport-info <%s/> parses",
			c[i].what))
			continue;
		ok(j.action == JA_TRANSPORT_INFO && j.transport == JT_S5B, "  s5b transport-info");
		ok(j.s5b_info == c[i].info, "  the notification is %s", c[i].what);
		is_str(j.cid, c[i].cid, "  cid");
		ok(!j.has_file && j.ncand == 0, "  no file, no candidates");
	}
	if (ok(parse(JN("transport-replace", CONTENT(IBB("4096"))), &j, &cond, "replace") == 0,
	       "XEP-0261 transport-replace parses"))
		ok(j.action == JA_TRANSPORT_REPLACE && j.transport == JT_IBB && j.block == 4096 &&
		   strcmp(j.tsid, "ch3d9s71") == 0, "  ibb, block-size, sid");
	if (ok(parse(JN("transport-accept", CONTENT(IBB("2048"))), &j, &cond, "accept") == 0,
	       "transport-accept parses"))
		ok(j.action == JA_TRANSPORT_ACCEPT && j.block == 2048, "  the lowered block-size");
	if (ok(parse(JN("transport-reject", CONTENT(IBB("2048"))
			"<reason><unsupported-transports/></reason>"), &j, &cond, "reject") == 0,
	       "transport-reject parses"))
		ok(j.action == JA_TRANSPORT_REJECT && strcmp(j.reason, "unsupported-transports") == 0,
		   "  with its reason");
}

static void test_parse_info_terminate(void)
{
	struct jingle j;
	const char *cond;

	if (ok(parse(JN("session-info",
			"<checksum xmlns='" FT5 "' creator='initiator' name='a-file-offer'><file>"
			HASH(H2, "sha-256", ABC_B64) "</file></checksum>"), &j, &cond,
		     "checksum") == 0, "XEP-0234 session-info <checksum/> parses")) {
		ok(j.action == JA_SESSION_INFO && j.info == JI_CHECKSUM, "  a checksum");
		is_str(j.sha256, ABC_HEX, "  its sha-256");
		is_str(j.content, "a-file-offer", "  content name");
		is_str(j.creator, "initiator", "  creator");
	}
	/* XEP-0234's own example sends sha-1: a checksum xfer cannot check
	 * is taken (and not used), not refused; so is one without <file/>. */
	if (ok(parse(JN("session-info",
			"<checksum xmlns='" FT5 "' creator='initiator' name='a-file-offer'><file>"
			HASH(H2, "sha-1", "w0mcJylzCn+AfvuGdqkty2+KP48=") "</file></checksum>"), &j,
		     &cond, "sha-1 checksum") == 0, "a sha-1 checksum parses"))
		ok(j.info == JI_CHECKSUM && j.sha256[0] == '\0', "  a checksum with no sha-256");
	if (ok(parse(JN("session-info", "<checksum xmlns='" FT5 "' creator='initiator' name='a'/>"),
		     &j, &cond, "checksum without file") == 0, "a checksum without <file/> parses"))
		ok(j.info == JI_CHECKSUM && j.sha256[0] == '\0', "  a checksum with no sha-256");
	if (ok(parse(JN("session-info", "<received xmlns='" FT5 "' creator='initiator' "
			"name='a-file-offer'/>"), &j, &cond, "received") == 0,
	       "session-info <received/> parses"))
		ok(j.info == JI_RECEIVED, "  JI_RECEIVED");
	if (ok(parse(JN("session-info", ""), &j, &cond, "ping") == 0,
	       "empty session-info (ping) parses"))
		ok(j.info == JI_NONE, "  JI_NONE");
	if (ok(parse(JN("session-info", "<ringing xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"), &j,
		     &cond, "ringing") == 0, "unknown session-info payload parses"))
		ok(j.info == JI_OTHER, "  JI_OTHER (the caller answers unsupported-info)");
	if (ok(parse(IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
			"sid='a73sjjvkla37jfea'><reason><decline/><text>No thanks</text>"
			"</reason></jingle>"), &j, &cond, "decline") == 0,
	       "session-terminate with a reason and a text parses")) {
		ok(j.action == JA_SESSION_TERMINATE, "  session-terminate");
		is_str(j.reason, "decline", "  reason");
		is_str(j.reason_text, "No thanks", "  text");
		ok(j.transport == JT_NONE && !j.has_file, "  no content");
	}
	if (ok(parse(IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
			"sid='a73sjjvkla37jfea'><reason>\n<success/>\n</reason></jingle>"), &j, &cond,
		     "success") == 0, "session-terminate <success/> parses"))
		is_str(j.reason, "success", "  success");
	if (ok(parse(IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
			"sid='s'><reason><frobnicated/></reason></jingle>"), &j, &cond,
		     "odd reason") == 0, "unknown reason condition parses"))
		is_str(j.reason, "general-error", "  as general-error");
}

/* ---- build -> text -> parse ---------------------------------------- */

/* The first field where a and b differ, or NULL. */
static const char *diff(const struct jingle *a, const struct jingle *b)
{
	int i;

#define F(f) if (a->f != b->f) return #f
#define S(f) if (strcmp(a->f, b->f) != 0) return #f
	F(action); S(sid); S(initiator); S(responder); S(content); S(creator); S(senders);
	F(has_file); F(ft_version); S(name); F(size); S(date); S(media_type); S(desc);
	S(sha256); F(transport); S(tsid); S(dstaddr); F(ncand); F(s5b_info); S(cid);
	F(block); F(info); S(reason); S(reason_text);
	for (i = 0; i < a->ncand; i++) {
		S(cand[i].cid); F(cand[i].priority); F(cand[i].proxy); S(cand[i].h.jid);
		S(cand[i].h.host); F(cand[i].h.port);
	}
#undef F
#undef S
	return NULL;
}

static void roundtrip(const struct jingle *j, const char *what)
{
	xmpp_stanza_t *iq = jingle_build(ctx, JULIET, j), *back = NULL;
	struct jingle got;
	const char *cond, *app, *why = NULL, *d;
	char *text = NULL;
	size_t len;

	if (!ok(iq != NULL, "round trip %s: builds", what))
		return;
	if (ok(xmpp_stanza_to_text(iq, &text, &len) == XMPP_EOK, "  serializes"))
		back = st(text);
	if (ok(back != NULL, "  the text parses as XML") &&
	    ok(jingle_parse(back, &got, &cond, &app, &why) == 0, "  jingle_parse takes it%s%s",
	       why != NULL ? ": " : "", why != NULL ? why : "")) {
		d = diff(j, &got);
		ok(d == NULL, "  every field comes back%s%s", d != NULL ? "; differs: " : "",
		   d != NULL ? d : "");
	}
	if (back != NULL)
		xmpp_stanza_release(back);
	if (text != NULL)
		xmpp_free(ctx, text);
	xmpp_stanza_release(iq);
}

static void test_roundtrip(void)
{
	struct jingle j;

	offer(&j, JT_S5B);
	/* Markup and UTF-8 in the offered text must survive escaping. */
	strcpy(j.name, "r\xc3\xa9sum\xc3\xa9 <1> & 'x' \"y\".pdf");
	strcpy(j.desc, "a & b < c > d");
	j.size = 123456789012LL;
	strcpy(j.sha256, ABC_HEX);
	strcpy(j.dstaddr, "972b7bf47291ca609517f67f86b5081086052dad");
	roundtrip(&j, "session-initiate s5b");
	offer(&j, JT_IBB);
	j.block = 65535;
	roundtrip(&j, "session-initiate ibb, block-size 65535");
	answer(&j, JT_S5B);
	roundtrip(&j, "session-accept s5b");
	offer(&j, JT_S5B);
	j.action = JA_TRANSPORT_INFO;
	j.has_file = 0;
	j.ft_version = 0;
	j.size = -1;
	j.name[0] = j.date[0] = j.desc[0] = j.media_type[0] = j.sha256[0] = '\0';
	j.ncand = 0;
	j.s5b_info = JS_ACTIVATED;
	strcpy(j.cid, "px7c1a0q");
	roundtrip(&j, "transport-info activated");
	j.s5b_info = JS_CANDIDATE_ERROR;
	j.cid[0] = '\0';
	roundtrip(&j, "transport-info candidate-error");
	memset(&j, 0, sizeof(j));
	j.action = JA_SESSION_TERMINATE;
	j.size = -1;
	strcpy(j.sid, "a73sjjvkla37jfea");
	strcpy(j.initiator, ROMEO);
	strcpy(j.reason, "media-error");
	strcpy(j.reason_text, "sha-256 mismatch: got <x> & \"y\"");
	roundtrip(&j, "session-terminate media-error with text");
	memset(&j, 0, sizeof(j));
	j.action = JA_SESSION_INFO;
	j.info = JI_CHECKSUM;
	j.ft_version = 5;
	j.size = -1;
	strcpy(j.sid, "851ba2");
	strcpy(j.content, "a-file-offer");
	strcpy(j.creator, "initiator");
	strcpy(j.sha256, EMPTY_HEX);
	roundtrip(&j, "session-info checksum");
}

/* ---- hostile input ------------------------------------------------- */

/* Refused, with the stanza error condition to answer. */
struct hostile {
	const char *what, *xml;
	const char *cond;
};

#define HOST_S5B(body) JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>") S5B(body)))
#define HOST_IBB(bs) JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>") IBB(bs)))
#define HOST_FILE(file) JN("session-initiate", CONTENT(DESC(FT5, file) IBB("4096")))

static const struct hostile hostile[] = {
	{ "no <jingle/>", IQ("<query xmlns='jabber:iq:version'/>"), "bad-request" },
	{ "jingle:0 namespace", IQ("<jingle xmlns='urn:xmpp:jingle:0' action='session-initiate' "
				   "sid='s'/>"), "bad-request" },
	{ "missing sid", IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate'>"
			    "<reason><success/></reason></jingle>"), "bad-request" },
	{ "empty sid", IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
			  "sid=''/>"), "bad-request" },
	{ "sid with a double quote", IQ("<jingle xmlns='urn:xmpp:jingle:1' "
					"action='session-terminate' sid='a&quot;b'/>"), "bad-request" },
	{ "sid with an apostrophe", IQ("<jingle xmlns='urn:xmpp:jingle:1' "
				       "action='session-terminate' sid=\"a'b\"/>"), "bad-request" },
	{ "sid with <", IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
			   "sid='a&lt;b'/>"), "bad-request" },
	{ "sid with a tab", IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
			       "sid='a&#9;b'/>"), "bad-request" },
	{ "initiator with a quote", IQ("<jingle xmlns='urn:xmpp:jingle:1' "
				       "action='session-terminate' sid='s' "
				       "initiator='a&quot;@b/c'/>"), "bad-request" },
	{ "missing action", IQ("<jingle xmlns='urn:xmpp:jingle:1' sid='s'/>"), "bad-request" },
	{ "unknown action", IQ("<jingle xmlns='urn:xmpp:jingle:1' action='session-explode' "
			       "sid='s'/>"), "bad-request" },
	{ "action in upper case", IQ("<jingle xmlns='urn:xmpp:jingle:1' "
				     "action='SESSION-INITIATE' sid='s'/>"), "bad-request" },
	{ "session-initiate without content", JN("session-initiate", ""), "bad-request" },
	{ "transport-info without content", JN("transport-info", ""), "bad-request" },
	{ "content without name",
	  JN("session-initiate", "<content creator='initiator'>" DESC(FT5, "<name>f</name>")
	     IBB("4096") "</content>"), "bad-request" },
	{ "content with an empty name",
	  JN("session-initiate", "<content creator='initiator' name=''>"
	     DESC(FT5, "<name>f</name>") IBB("4096") "</content>"), "bad-request" },
	{ "content without creator",
	  JN("session-initiate", "<content name='a'>" DESC(FT5, "<name>f</name>") IBB("4096")
	     "</content>"), "bad-request" },
	{ "unknown description",
	  JN("session-initiate", CONTENT("<description xmlns='urn:xmpp:jingle:apps:rtp:1' "
					 "media='audio'/>" IBB("4096"))), "feature-not-implemented" },
	{ "ibb block-size 0", HOST_IBB("0"), "bad-request" },
	{ "ibb block-size 70000", HOST_IBB("70000"), "bad-request" },
	{ "ibb block-size 65536", HOST_IBB("65536"), "bad-request" },
	{ "ibb block-size abc", HOST_IBB("abc"), "bad-request" },
	{ "ibb block-size empty", HOST_IBB(""), "bad-request" },
	{ "ibb block-size -4096", HOST_IBB("-4096"), "bad-request" },
	{ "ibb block-size 4096x", HOST_IBB("4096x"), "bad-request" },
	{ "ibb without block-size",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='x'/>")), "bad-request" },
	{ "ibb without sid",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:ibb:1' block-size='4096'/>")),
	  "bad-request" },
	{ "ibb with an empty sid",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:ibb:1' block-size='4096' sid=''/>")),
	  "bad-request" },
	{ "s5b without sid",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' mode='tcp'/>")), "bad-request" },
	{ "s5b dstaddr with a quote",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='x' dstaddr='a&quot;'/>")),
	  "bad-request" },
	{ "candidate-used without cid", HOST_S5B("<candidate-used/>"), "bad-request" },
	{ "activated with an empty cid", HOST_S5B("<activated cid=''/>"), "bad-request" },
	{ "sha-256 of 20 bytes", HOST_FILE("<name>f</name>" HASH(H2, "sha-256", SHA1_B64)),
	  "bad-request" },
	{ "sha-256 not base64", HOST_FILE("<name>f</name>" HASH(H2, "sha-256", "!!not-base64!!")),
	  "bad-request" },
	{ "sha-256 of 33 bytes",
	  HOST_FILE("<name>f</name>" HASH(H2, "sha-256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA")),
	  "bad-request" },
	{ "no file name", HOST_FILE("<size>1</size>"), "bad-request" },
	{ "empty file name", HOST_FILE("<name></name>"), "bad-request" },
	{ "size -1", HOST_FILE("<name>f</name><size>-1</size>"), "bad-request" },
	{ "size 12x", HOST_FILE("<name>f</name><size>12x</size>"), "bad-request" },
	{ "size +12", HOST_FILE("<name>f</name><size>+12</size>"), "bad-request" },
	{ "size beyond 2^63", HOST_FILE("<name>f</name><size>99999999999999999999</size>"),
	  "bad-request" },
	{ "checksum with a bad sha-256",
	  JN("session-info", "<checksum xmlns='" FT5 "' creator='initiator' name='a'><file>"
	     HASH(H2, "sha-256", SHA1_B64) "</file></checksum>"), "bad-request" },
};

/* Odd but not errors: parsed, and the caller decides what to answer. */
static const struct {
	const char *what, *xml;
	enum jingle_action action;
	enum jingle_transport transport;
} odd[] = {
	/* Known to XEP-0166 but not taken by xfer: feature-not-implemented. */
	{ "content-add", JN("content-add", CONTENT(DESC(FT5, "<name>f</name>") IBB("4096"))),
	  JA_OTHER, JT_IBB },
	{ "description-info without content", JN("description-info", ""), JA_OTHER, JT_NONE },
	/* A transport we do not know: unsupported-transports. */
	{ "unknown transport",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'/>")),
	  JA_SESSION_INITIATE, JT_OTHER },
	{ "old s5b:0 transport",
	  JN("session-initiate", CONTENT(DESC(FT5, "<name>f</name>")
	     "<transport xmlns='urn:xmpp:jingle:transports:s5b:0' sid='x'/>")),
	  JA_SESSION_INITIATE, JT_OTHER },
};

static void test_hostile(void)
{
	struct jingle j;
	const char *cond;
	size_t i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];
		xmpp_stanza_t *s = st(h->xml);
		const char *app = "unset", *why = NULL;

		cond = "unset";
		if (!ok(s != NULL, "%s: test XML is well-formed", h->what))
			continue;
		if (ok(jingle_parse(s, &j, &cond, &app, &why) == -1, "%s: refused", h->what)) {
			is_str(cond, h->cond, "  condition");
			ok(app == NULL, "  no Jingle-specific condition");
			ok(why != NULL && why[0] != '\0', "  a message for the log");
		}
		xmpp_stanza_release(s);
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		if (!ok(parse(odd[i].xml, &j, &cond, odd[i].what) == 0, "%s: parses", odd[i].what))
			continue;
		ok(j.action == odd[i].action, "  action %d: %d", (int)odd[i].action, (int)j.action);
		ok(j.transport == odd[i].transport, "  transport %d: %d", (int)odd[i].transport,
		   (int)j.transport);
		if (odd[i].transport != JT_NONE)
			ok(j.has_file, "  the file kept");
	}
}

/* Long values built at run time: at the limit and one past it. */
static void test_lengths(void)
{
	struct jingle j;
	const char *cond;
	char name[1100], sid[200], xml[4096];

	memset(name, 'n', sizeof(name));
	name[sizeof(j.name) - 1] = '\0';
	snprintf(xml, sizeof(xml), JN("session-initiate",
		 CONTENT(DESC(FT5, "<name>%s</name>") IBB("4096"))), name);
	if (ok(parse(xml, &j, &cond, "name 1023") == 0, "a 1023-byte name fits"))
		ok(strlen(j.name) == sizeof(j.name) - 1, "  whole");
	name[sizeof(j.name) - 1] = 'n';
	name[sizeof(j.name)] = '\0';
	snprintf(xml, sizeof(xml), JN("session-initiate",
		 CONTENT(DESC(FT5, "<name>%s</name>") IBB("4096"))), name);
	ok(parse(xml, &j, &cond, "name 1024") == -1, "an overlong (1024-byte) name is refused");
	is_str(cond, "bad-request", "  bad-request");

	memset(sid, 's', sizeof(sid));
	sid[sizeof(j.sid)] = '\0';
	snprintf(xml, sizeof(xml), IQ("<jingle xmlns='urn:xmpp:jingle:1' "
		 "action='session-terminate' sid='%s'/>"), sid);
	ok(parse(xml, &j, &cond, "sid 128") == -1, "an overlong (128-byte) sid is refused");
	sid[sizeof(j.sid) - 1] = '\0';
	snprintf(xml, sizeof(xml), IQ("<jingle xmlns='urn:xmpp:jingle:1' "
		 "action='session-terminate' sid='%s'/>"), sid);
	ok(parse(xml, &j, &cond, "sid 127") == 0, "a 127-byte sid fits");
}

/* XEP-0260 candidates a receiver cannot use are skipped, as a bad
 * streamhost is in XEP-0065, and the offer stays usable. */
static void test_bad_candidates(void)
{
	static const char *const bad[] = {
		CAND("p0", "10.0.0.1", ROMEO, "0", "1", "direct"),
		CAND("p70000", "10.0.0.1", ROMEO, "70000", "1", "direct"),
		CAND("px", "10.0.0.1", ROMEO, "x", "1", "direct"),
		CAND("p5x", "10.0.0.1", ROMEO, "5x", "1", "direct"),
		CAND("pempty", "10.0.0.1", ROMEO, "", "1", "direct"),
		"<candidate cid='pnone' host='10.0.0.1' jid='" ROMEO "' priority='1'/>",
		CAND("prneg", "10.0.0.1", ROMEO, "5086", "-1", "direct"),
		CAND("prx", "10.0.0.1", ROMEO, "5086", "x", "direct"),
		CAND("prbig", "10.0.0.1", ROMEO, "5086", "2147483648", "direct"),
		CAND("prempty", "10.0.0.1", ROMEO, "5086", "", "direct"),
		"<candidate cid='prnone' host='10.0.0.1' jid='" ROMEO "' port='5086'/>",
		"<candidate host='10.0.0.1' jid='" ROMEO "' port='5086' priority='1'/>",
		CAND("", "10.0.0.1", ROMEO, "5086", "1", "direct"),
		CAND("c&quot;", "10.0.0.1", ROMEO, "5086", "1", "direct"),
		"<candidate cid='nohost' jid='" ROMEO "' port='5086' priority='1'/>",
		"<candidate cid='nojid' host='10.0.0.1' port='5086' priority='1'/>",
	};
	struct jingle j;
	const char *cond;
	char xml[8192], body[6144];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "%s" CAND("good", "10.0.0.2", ROMEO, "5086", "1",
						      "direct"), bad[i]);
		snprintf(xml, sizeof(xml), HOST_S5B("%s"), body);
		if (ok(parse(xml, &j, &cond, "bad candidate") == 0,
		       "bad candidate %zu does not fail the offer", i))
			ok(j.ncand == 1 && strcmp(j.cand[0].cid, "good") == 0,
			   "  skipped, the good one kept: %s", bad[i]);
	}

	/* More than we would ever try: bad ones first must not take slots,
	 * then the first JINGLE_MAX_CANDIDATES good ones are kept. */
	n = 0;
	body[0] = '\0';
	for (i = 0; i < 3; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s", bad[i]);
	for (i = 0; i < JINGLE_MAX_CANDIDATES + 8; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "<candidate cid='c%zu' host='10.0.0.%zu' jid='" ROMEO "' "
				      "port='%zu' priority='%zu' type='direct'/>", i, i + 1, 1000 + i, i);
	ok(n < sizeof(body), "test: candidate list fits");
	snprintf(xml, sizeof(xml), HOST_S5B("%s"), body);
	if (ok(parse(xml, &j, &cond, "many candidates") == 0, "%d candidates do not fail the offer",
	       JINGLE_MAX_CANDIDATES + 8)) {
		char last[16];

		snprintf(last, sizeof(last), "c%d", JINGLE_MAX_CANDIDATES - 1);
		ok(j.ncand == JINGLE_MAX_CANDIDATES, "  capped at %d: %d", JINGLE_MAX_CANDIDATES,
		   j.ncand);
		is_str(j.cand[JINGLE_MAX_CANDIDATES - 1].cid, last, "  the first ones kept, in order");
		ok(j.cand[JINGLE_MAX_CANDIDATES - 1].h.port == 1000 + JINGLE_MAX_CANDIDATES - 1,
		   "  with their own port");
	}
}

/* ---- the hash codec ------------------------------------------------ */

static void test_hash(void)
{
	static const char *const bad_b64[] = {
		"", SHA1_B64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=AAAA",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF*=", "====",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	};
	static const char *const bad_hex[] = {
		"", "e3b0", EMPTY_HEX "0", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ",
		"0xb0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	char hex[65], b64[45];
	size_t i;

	ok(jingle_hash_to_hex(EMPTY_B64, hex) == 0, "to_hex: SHA-256('')");
	is_str(hex, EMPTY_HEX, "  e3b0c442...");
	ok(jingle_hash_to_hex(ABC_B64, hex) == 0, "to_hex: SHA-256('abc')");
	is_str(hex, ABC_HEX, "  ba7816bf...");
	ok(jingle_hash_from_hex(EMPTY_HEX, b64) == 0, "from_hex: SHA-256('')");
	is_str(b64, EMPTY_B64, "  47DEQpj8...");
	ok(jingle_hash_from_hex(ABC_HEX, b64) == 0, "from_hex: SHA-256('abc')");
	is_str(b64, ABC_B64, "  ungWv48B...");
	ok(jingle_hash_from_hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
				b64) == 0, "from_hex: upper case accepted");
	is_str(b64, EMPTY_B64, "  same base64");
	/* XML text may be wrapped: white space inside base64 is not data. */
	ok(jingle_hash_to_hex("47DEQpj8HBSa+/TImW+5JCeu\n  QeRkm5NMpJWZG3hSuFU=", hex) == 0,
	   "to_hex: line-wrapped base64");
	is_str(hex, EMPTY_HEX, "  same value");
	for (i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++)
		ok(jingle_hash_to_hex(bad_b64[i], hex) == -1, "to_hex refuses '%s'", bad_b64[i]);
	for (i = 0; i < sizeof(bad_hex) / sizeof(bad_hex[0]); i++)
		ok(jingle_hash_from_hex(bad_hex[i], b64) == -1, "from_hex refuses '%s'", bad_hex[i]);
}

/* The one table between reasons and the error space, both ways. */
static void test_reasons(void)
{
	static const struct {
		const char *reason, *text;
		enum xerr_code code;
		int fallback;
		const char *msg;
	} from_peer[] = {
		{ "decline", "", XE_UNAVAILABLE, 0, "bob declined the file" },
		{ "decline", "too big", XE_UNAVAILABLE, 0, "bob declined the file: too big" },
		{ "busy", "", XE_TEMPFAIL, 0, "bob is busy; try again later" },
		{ "media-error", "hash", XE_PROTOCOL, 0, "bob rejected the file (media-error: hash)" },
		{ "timeout", "", XE_TEMPFAIL, 0, "bob ended the session (timeout)" },
		{ "cancel", "", XE_UNAVAILABLE, 0, "bob ended the session (cancel)" },
		{ "general-error", "disk", XE_UNAVAILABLE, 0, "bob ended the session (general-error: disk)" },
		{ "unsupported-transports", "", XE_UNAVAILABLE, 1,
		  "bob ended the session (unsupported-transports)" },
	};
	static const struct {
		enum xerr_code code;
		int receiving;
		const char *reason;
	} ours[] = {
		{ XE_SIGNAL, 0, "cancel" }, { XE_SIGNAL, 1, "cancel" },
		{ XE_TEMPFAIL, 0, "timeout" }, { XE_TEMPFAIL, 1, "timeout" },
		{ XE_IO, 1, "general-error" }, { XE_CANTCREAT, 1, "general-error" },
		{ XE_PROTOCOL, 1, "failed-application" }, { XE_UNAVAILABLE, 1, "failed-transport" },
		{ XE_IO, 0, "failed-transport" }, { XE_PROTOCOL, 0, "failed-transport" },
		{ XE_UNAVAILABLE, 0, "failed-transport" },
	};
	size_t i;

	for (i = 0; i < sizeof(from_peer) / sizeof(from_peer[0]); i++) {
		struct xerr e;
		int fb;

		xerr_clear(&e);
		fb = jingle_reason_error(from_peer[i].reason, from_peer[i].text, "bob", &e);
		ok(e.code == from_peer[i].code && fb == from_peer[i].fallback,
		   "reason %s: code %d, fallback %d", from_peer[i].reason, e.code, fb);
		is_str(e.msg, from_peer[i].msg, "reason: the message");
	}
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		is_str(jingle_reason_of(ours[i].code, ours[i].receiving), ours[i].reason,
		       ours[i].receiving ? "our reason, receiving" : "our reason, sending");
}

int main(void)
{
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	test_build_initiate_s5b();
	test_build_initiate_ibb();
	test_build_accept();
	test_build_transport_info();
	test_build_replace();
	test_build_terminate();
	test_build_checksum();
	test_build_unexpressible();
	test_parse_offer();
	test_parse_candidates();
	test_parse_transport_info();
	test_parse_info_terminate();
	test_roundtrip();
	test_hostile();
	test_lengths();
	test_bad_candidates();
	test_hash();
	test_reasons();
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	return tap_done();
}
