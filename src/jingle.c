/* jingle.c — see jingle.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "jingle.h"
#include "si.h"
#include "stanza.h"

static const struct {
	enum jingle_action a;
	const char *name;
} actions[] = {
	{ JA_SESSION_INITIATE, "session-initiate" },
	{ JA_SESSION_ACCEPT, "session-accept" },
	{ JA_SESSION_TERMINATE, "session-terminate" },
	{ JA_SESSION_INFO, "session-info" },
	{ JA_TRANSPORT_INFO, "transport-info" },
	{ JA_TRANSPORT_REPLACE, "transport-replace" },
	{ JA_TRANSPORT_ACCEPT, "transport-accept" },
	{ JA_TRANSPORT_REJECT, "transport-reject" },
};

/* The other actions of XEP-0166 7.2: known, but not taken by xfer. */
static const char *const other_actions[] = {
	"content-accept", "content-add", "content-modify", "content-reject", "content-remove",
	"description-info", "security-info",
};

#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

const char *jingle_action_name(enum jingle_action a)
{
	size_t i;

	for (i = 0; i < NACTIONS; i++)
		if (actions[i].a == a)
			return actions[i].name;
	return NULL;
}

void jingle_init(struct jingle *j, enum jingle_action a, const char *sid, const char *initiator,
		 const char *content, const char *creator, int ft_version)
{
	memset(j, 0, sizeof(*j));
	j->action = a;
	j->size = -1;
	snprintf(j->sid, sizeof(j->sid), "%s", sid);
	snprintf(j->initiator, sizeof(j->initiator), "%s", initiator);
	snprintf(j->content, sizeof(j->content), "%s", content);
	snprintf(j->creator, sizeof(j->creator), "%s", creator);
	j->ft_version = ft_version;
}

/* The reasons of XEP-0166 7.4 (a reason element holds one of them). */
static const char *const reasons[] = {
	"alternative-session", "busy", "cancel", "connectivity-error", "decline", "expired",
	"failed-application", "failed-transport", "general-error", "gone",
	"incompatible-parameters", "media-error", "security-error", "success", "timeout",
	"unsupported-applications", "unsupported-transports",
};

static xmpp_stanza_t *el(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *name,
			 const char *ns)
{
	return stanza_child(ctx, parent, name, ns, NULL);
}

static void attr_long(xmpp_stanza_t *e, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	xmpp_stanza_set_attribute(e, name, buf);
}

/* <hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>base64</hash> */
static void add_hash(xmpp_ctx_t *ctx, xmpp_stanza_t *file, const char *hex)
{
	char b64[45];

	if (hex[0] == '\0' || jingle_hash_from_hex(hex, b64) < 0)
		return;
	xmpp_stanza_set_attribute(stanza_child(ctx, file, "hash", NS_HASHES, b64), "algo",
				  "sha-256");
}

static void add_file(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const struct jingle *j,
		     int full)
{
	xmpp_stanza_t *file = el(ctx, parent, "file", NULL);

	if (full) {
		if (j->date[0] != '\0')
			stanza_child(ctx, file, "date", NULL, j->date);
		if (j->desc[0] != '\0')
			stanza_child(ctx, file, "desc", NULL, j->desc);
		if (j->media_type[0] != '\0')
			stanza_child(ctx, file, "media-type", NULL, j->media_type);
		stanza_child(ctx, file, "name", NULL, j->name);
		if (j->size >= 0) {
			char size[32];
			snprintf(size, sizeof(size), "%lld", j->size);
			stanza_child(ctx, file, "size", NULL, size);
		}
	}
	add_hash(ctx, file, j->sha256);
}

static void add_transport(xmpp_ctx_t *ctx, xmpp_stanza_t *content, const struct jingle *j)
{
	xmpp_stanza_t *t;
	int i;

	if (j->transport == JT_IBB) {
		t = el(ctx, content, "transport", NS_JINGLE_IBB);
		attr_long(t, "block-size", j->block);
		xmpp_stanza_set_attribute(t, "sid", j->tsid);
		return;
	}
	if (j->transport != JT_S5B)
		return;
	t = el(ctx, content, "transport", NS_JINGLE_S5B);
	xmpp_stanza_set_attribute(t, "sid", j->tsid);
	if (j->s5b_info == JS_NONE) {
		xmpp_stanza_set_attribute(t, "mode", "tcp");
		if (j->dstaddr[0] != '\0')
			xmpp_stanza_set_attribute(t, "dstaddr", j->dstaddr);
	}
	for (i = 0; i < j->ncand && j->s5b_info == JS_NONE; i++) {
		xmpp_stanza_t *c = el(ctx, t, "candidate", NULL);
		xmpp_stanza_set_attribute(c, "cid", j->cand[i].cid);
		xmpp_stanza_set_attribute(c, "host", j->cand[i].h.host);
		xmpp_stanza_set_attribute(c, "jid", j->cand[i].h.jid);
		attr_long(c, "port", j->cand[i].h.port);
		attr_long(c, "priority", j->cand[i].priority);
		xmpp_stanza_set_attribute(c, "type", j->cand[i].proxy ? "proxy" : "direct");
	}
	switch (j->s5b_info) {
	case JS_CANDIDATE_USED:
		xmpp_stanza_set_attribute(el(ctx, t, "candidate-used", NULL), "cid", j->cid);
		break;
	case JS_ACTIVATED:
		xmpp_stanza_set_attribute(el(ctx, t, "activated", NULL), "cid", j->cid);
		break;
	case JS_CANDIDATE_ERROR:
		el(ctx, t, "candidate-error", NULL);
		break;
	case JS_PROXY_ERROR:
		el(ctx, t, "proxy-error", NULL);
		break;
	case JS_NONE:
		break;
	}
}

xmpp_stanza_t *jingle_build(xmpp_ctx_t *ctx, const char *to, const struct jingle *j)
{
	const char *action = jingle_action_name(j->action);
	const char *ftns = j->ft_version == 4 ? NS_JINGLE_FT4 : NS_JINGLE_FT;
	xmpp_stanza_t *iq, *jn;

	if (action == NULL)
		return NULL;
	iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_set_to(iq, to);
	jn = el(ctx, iq, "jingle", NS_JINGLE);
	xmpp_stanza_set_attribute(jn, "action", action);
	if (j->initiator[0] != '\0')
		xmpp_stanza_set_attribute(jn, "initiator", j->initiator);
	if (j->responder[0] != '\0')
		xmpp_stanza_set_attribute(jn, "responder", j->responder);
	xmpp_stanza_set_attribute(jn, "sid", j->sid);
	if (j->action == JA_SESSION_INFO && j->info == JI_CHECKSUM) {
		xmpp_stanza_t *c = el(ctx, jn, "checksum", ftns);
		xmpp_stanza_set_attribute(c, "creator", j->creator);
		xmpp_stanza_set_attribute(c, "name", j->content);
		add_file(ctx, c, j, 0);
	} else if (j->action == JA_SESSION_INFO && j->info == JI_RECEIVED) {
		xmpp_stanza_t *c = el(ctx, jn, "received", ftns);
		xmpp_stanza_set_attribute(c, "creator", j->creator);
		xmpp_stanza_set_attribute(c, "name", j->content);
	} else if (j->has_file || j->transport == JT_S5B || j->transport == JT_IBB) {
		xmpp_stanza_t *c = el(ctx, jn, "content", NULL);
		xmpp_stanza_set_attribute(c, "creator", j->creator);
		xmpp_stanza_set_attribute(c, "name", j->content);
		if (j->senders[0] != '\0')
			xmpp_stanza_set_attribute(c, "senders", j->senders);
		if (j->has_file)
			add_file(ctx, el(ctx, c, "description", ftns), j, 1);
		add_transport(ctx, c, j);
	}
	if (j->reason[0] != '\0') {
		xmpp_stanza_t *r = el(ctx, jn, "reason", NULL);
		el(ctx, r, j->reason, NULL);
		if (j->reason_text[0] != '\0')
			stanza_child(ctx, r, "text", NULL, j->reason_text);
	}
	return iq;
}

/* An attribute copied into buf: 0, 1 when absent (buf ""), -1 when too
 * long or holding characters no id or JID has. */
static int attr_copy(xmpp_stanza_t *e, const char *name, char *buf, size_t len)
{
	const char *v = xmpp_stanza_get_attribute(e, name);
	size_t i;

	buf[0] = '\0';
	if (v == NULL)
		return 1;
	if (strlen(v) >= len)
		return -1;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 || strchr("<>&'\"", v[i]) != NULL)
			return -1;
	strcpy(buf, v);
	return 0;
}

/* A child element by name, whatever its namespace (children inherit it). */
static xmpp_stanza_t *child(xmpp_stanza_t *e, const char *name)
{
	xmpp_stanza_t *c;

	for (c = e != NULL ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	     c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c) && strcmp(xmpp_stanza_get_name(c), name) == 0)
			return c;
	return NULL;
}

static int ns_is(xmpp_stanza_t *e, const char *ns)
{
	const char *n = xmpp_stanza_get_ns(e);

	return n != NULL && strcmp(n, ns) == 0;
}

/* The sha-256 among the <hash/> children of file, into j->sha256.
 * Other algorithms are skipped; a malformed sha-256 is an error. */
static int parse_hash(xmpp_stanza_t *file, struct jingle *j, const char **why)
{
	xmpp_stanza_t *h;
	char b64[128];

	for (h = xmpp_stanza_get_children(file); h != NULL; h = xmpp_stanza_get_next(h)) {
		const char *algo = xmpp_stanza_get_attribute(h, "algo");
		if (!xmpp_stanza_is_tag(h) || strcmp(xmpp_stanza_get_name(h), "hash") != 0 ||
		    !(ns_is(h, NS_HASHES) || ns_is(h, NS_HASHES1)) || algo == NULL ||
		    strcmp(algo, "sha-256") != 0)
			continue;
		if (stanza_text_copy(h, b64, sizeof(b64)) < 0)
			continue; /* empty: the hash will follow in a checksum */
		if (jingle_hash_to_hex(b64, j->sha256) < 0) {
			*why = "the sha-256 hash is not 32 bytes of base64";
			return -1;
		}
	}
	return 0;
}

static int parse_file(xmpp_stanza_t *file, struct jingle *j, const char **why)
{
	char size[32], *end;

	if (stanza_text_copy(child(file, "name"), j->name, sizeof(j->name)) < 0 || j->name[0] == '\0') {
		*why = "missing or overlong file name";
		return -1;
	}
	if (stanza_text_copy(child(file, "size"), size, sizeof(size)) < 0) {
		j->size = -1;
	} else {
		errno = 0;
		j->size = size[0] >= '0' && size[0] <= '9' ? strtoll(size, &end, 10) : -1;
		if (errno != 0 || j->size < 0 || *end != '\0') {
			*why = "invalid file size";
			return -1;
		}
	}
	if (stanza_text_copy(child(file, "date"), j->date, sizeof(j->date)) < 0)
		j->date[0] = '\0';
	if (stanza_text_copy(child(file, "desc"), j->desc, sizeof(j->desc)) < 0)
		j->desc[0] = '\0';
	if (stanza_text_copy(child(file, "media-type"), j->media_type, sizeof(j->media_type)) < 0)
		j->media_type[0] = '\0';
	return parse_hash(file, j, why);
}

static int parse_s5b(xmpp_stanza_t *t, struct jingle *j, const char **why)
{
	xmpp_stanza_t *c;

	if (attr_copy(t, "dstaddr", j->dstaddr, sizeof(j->dstaddr)) < 0) {
		*why = "invalid dstaddr";
		return -1;
	}
	for (c = xmpp_stanza_get_children(t); c != NULL; c = xmpp_stanza_get_next(c)) {
		const char *name = xmpp_stanza_is_tag(c) ? xmpp_stanza_get_name(c) : "";
		if (strcmp(name, "candidate") == 0) {
			struct jingle_candidate *k = &j->cand[j->ncand];
			const char *port = xmpp_stanza_get_attribute(c, "port");
			const char *prio = xmpp_stanza_get_attribute(c, "priority");
			const char *type = xmpp_stanza_get_attribute(c, "type");
			char *end;
			long p, pr;

			if (j->ncand == JINGLE_MAX_CANDIDATES)
				continue; /* more than we would try */
			memset(k, 0, sizeof(*k));
			p = port != NULL && *port != '\0' ? strtol(port, &end, 10) : 0;
			if (p < 1 || p > 65535 || *end != '\0')
				continue; /* unusable: skipped, like a bad streamhost */
			end = NULL;
			pr = prio != NULL && *prio != '\0' ? strtol(prio, &end, 10) : -1;
			if (pr < 0 || pr > 0x7fffffffL || end == NULL || *end != '\0')
				continue;
			if (attr_copy(c, "cid", k->cid, sizeof(k->cid)) != 0 ||
			    attr_copy(c, "jid", k->h.jid, sizeof(k->h.jid)) != 0 ||
			    attr_copy(c, "host", k->h.host, sizeof(k->h.host)) != 0 ||
			    k->cid[0] == '\0' || k->h.host[0] == '\0')
				continue;
			k->h.port = (unsigned short)p;
			k->priority = pr;
			k->proxy = type != NULL && strcmp(type, "proxy") == 0;
			j->ncand++;
		} else if (strcmp(name, "candidate-used") == 0 || strcmp(name, "activated") == 0) {
			j->s5b_info = name[0] == 'c' ? JS_CANDIDATE_USED : JS_ACTIVATED;
			if (attr_copy(c, "cid", j->cid, sizeof(j->cid)) != 0 || j->cid[0] == '\0') {
				*why = "candidate-used or activated without a valid cid";
				return -1;
			}
		} else if (strcmp(name, "candidate-error") == 0) {
			j->s5b_info = JS_CANDIDATE_ERROR;
		} else if (strcmp(name, "proxy-error") == 0) {
			j->s5b_info = JS_PROXY_ERROR;
		}
	}
	return 0;
}

static int parse_transport(xmpp_stanza_t *t, struct jingle *j, const char **why)
{
	if (ns_is(t, NS_JINGLE_S5B))
		j->transport = JT_S5B;
	else if (ns_is(t, NS_JINGLE_IBB))
		j->transport = JT_IBB;
	else
		return j->transport = JT_OTHER, 0;
	if (attr_copy(t, "sid", j->tsid, sizeof(j->tsid)) != 0 || j->tsid[0] == '\0') {
		*why = "transport without a valid sid";
		return -1;
	}
	if (j->transport == JT_IBB) {
		const char *b = xmpp_stanza_get_attribute(t, "block-size");
		char *end;
		long v = b != NULL ? strtol(b, &end, 10) : 0;
		if (b == NULL || *end != '\0' || v < 1 || v > 65535) {
			*why = "missing or invalid block-size";
			return -1;
		}
		j->block = (int)v;
		return 0;
	}
	return parse_s5b(t, j, why);
}

static int parse_reason(xmpp_stanza_t *r, struct jingle *j)
{
	xmpp_stanza_t *c;
	size_t i;

	for (c = xmpp_stanza_get_children(r); c != NULL; c = xmpp_stanza_get_next(c)) {
		const char *name = xmpp_stanza_is_tag(c) ? xmpp_stanza_get_name(c) : "";
		if (strcmp(name, "text") == 0) {
			if (stanza_text_copy(c, j->reason_text, sizeof(j->reason_text)) < 0)
				j->reason_text[0] = '\0';
			continue;
		}
		for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			if (strcmp(name, reasons[i]) == 0)
				snprintf(j->reason, sizeof(j->reason), "%s", reasons[i]);
	}
	if (j->reason[0] == '\0')
		snprintf(j->reason, sizeof(j->reason), "general-error");
	return 0;
}

static int ft_version(xmpp_stanza_t *e)
{
	return ns_is(e, NS_JINGLE_FT) ? 5 : ns_is(e, NS_JINGLE_FT4) ? 4 : 0;
}

int jingle_parse(xmpp_stanza_t *iq, struct jingle *j, const char **cond, const char **app,
		 const char **why)
{
	xmpp_stanza_t *jn = xmpp_stanza_get_child_by_name_and_ns(iq, "jingle", NS_JINGLE);
	xmpp_stanza_t *c, *d;
	const char *action;
	size_t i;

	memset(j, 0, sizeof(*j));
	j->size = -1;
	*cond = "bad-request";
	*app = NULL;
	if (jn == NULL) {
		*why = "no <jingle/> element";
		return -1;
	}
	action = xmpp_stanza_get_attribute(jn, "action");
	for (i = 0; action != NULL && i < NACTIONS; i++)
		if (strcmp(action, actions[i].name) == 0)
			j->action = actions[i].a;
	for (i = 0; action != NULL && j->action == JA_UNKNOWN &&
		    i < sizeof(other_actions) / sizeof(other_actions[0]); i++)
		if (strcmp(action, other_actions[i]) == 0)
			j->action = JA_OTHER;
	if (j->action == JA_UNKNOWN) {
		*why = "unknown or missing action";
		return -1;
	}
	if (attr_copy(jn, "sid", j->sid, sizeof(j->sid)) != 0 || j->sid[0] == '\0') {
		*why = "missing or invalid session id";
		return -1;
	}
	if (attr_copy(jn, "initiator", j->initiator, sizeof(j->initiator)) < 0 ||
	    attr_copy(jn, "responder", j->responder, sizeof(j->responder)) < 0) {
		*why = "invalid initiator or responder";
		return -1;
	}
	if ((d = child(jn, "reason")) != NULL)
		parse_reason(d, j);
	if (j->action == JA_SESSION_INFO) {
		for (c = xmpp_stanza_get_children(jn); c != NULL; c = xmpp_stanza_get_next(c)) {
			if (!xmpp_stanza_is_tag(c))
				continue;
			if (strcmp(xmpp_stanza_get_name(c), "checksum") == 0 && ft_version(c)) {
				xmpp_stanza_t *file = child(c, "file");
				j->info = JI_CHECKSUM;
				j->ft_version = ft_version(c);
				attr_copy(c, "name", j->content, sizeof(j->content));
				attr_copy(c, "creator", j->creator, sizeof(j->creator));
				/* Only sha-256 is checked; a checksum in
				 * another algorithm leaves sha256 empty. */
				if (file != NULL && parse_hash(file, j, why) < 0)
					return -1;
			} else if (strcmp(xmpp_stanza_get_name(c), "received") == 0 && ft_version(c)) {
				j->info = JI_RECEIVED;
			} else {
				j->info = JI_OTHER;
			}
		}
		return 0;
	}
	c = child(jn, "content");
	if (c == NULL) {
		if (j->action == JA_SESSION_TERMINATE || j->action == JA_OTHER)
			return 0;
		*why = "no <content/>";
		return -1;
	}
	if (attr_copy(c, "name", j->content, sizeof(j->content)) != 0 || j->content[0] == '\0' ||
	    attr_copy(c, "creator", j->creator, sizeof(j->creator)) != 0 ||
	    attr_copy(c, "senders", j->senders, sizeof(j->senders)) < 0) {
		*why = "content without a valid name or creator";
		return -1;
	}
	if ((d = child(c, "description")) != NULL) {
		xmpp_stanza_t *file = child(d, "file");
		j->ft_version = ft_version(d);
		if (j->ft_version == 0) {
			*cond = "feature-not-implemented";
			*why = "not a file transfer (unknown description)";
			return -1;
		}
		if (file != NULL) {
			j->has_file = 1;
			if (parse_file(file, j, why) < 0)
				return -1;
		}
	}
	if ((d = child(c, "transport")) != NULL && parse_transport(d, j, why) < 0)
		return -1;
	*cond = NULL;
	return 0;
}

int jingle_hash_to_hex(const char *b64, char hex[65])
{
	unsigned char raw[48];
	int i;

	if (b64_decode(b64, raw, sizeof(raw)) != 32)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int jingle_hash_from_hex(const char *hex, char b64[45])
{
	unsigned char raw[32];
	int i;

	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdefABCDEF") != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		char two[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
		raw[i] = (unsigned char)strtol(two, NULL, 16);
	}
	b64_encode(raw, 32, b64);
	return 0;
}

/* The one table between Jingle reasons (XEP-0166 7.4) and the error
 * space: what a reason from the peer means (the others: XE_UNAVAILABLE,
 * but timeout), and which reason ends a session that failed here with a
 * code, receiving or sending (besides cancel for a signal, and
 * failed-transport for the rest). */
static const struct {
	const char *reason;
	enum xerr_code code;
	unsigned from_peer : 1;	/* the reason from a peer means code */
	unsigned recv : 1;	/* a receiver ends with it on code */
	unsigned send : 1;	/* a sender does */
} jingle_reasons[] = {
	{ "decline", XE_UNAVAILABLE, 1, 0, 0 },
	{ "busy", XE_TEMPFAIL, 1, 0, 0 },
	{ "media-error", XE_PROTOCOL, 1, 0, 0 },
	{ "timeout", XE_TEMPFAIL, 1, 1, 1 },
	{ "general-error", XE_IO, 0, 1, 0 },
	{ "general-error", XE_CANTCREAT, 0, 1, 0 },
	{ "failed-application", XE_PROTOCOL, 0, 1, 0 },
};

const char *jingle_reason_of(enum xerr_code code, int receiving)
{
	size_t i;

	if (code == XE_SIGNAL)
		return "cancel";
	for (i = 0; i < sizeof(jingle_reasons) / sizeof(jingle_reasons[0]); i++)
		if (jingle_reasons[i].code == code &&
		    (receiving ? jingle_reasons[i].recv : jingle_reasons[i].send))
			return jingle_reasons[i].reason;
	return "failed-transport";
}

int jingle_reason_error(const char *reason, const char *text, const char *peer,
			struct xerr *err)
{
	const char *sep = text[0] ? ": " : "";
	enum xerr_code code = XE_UNAVAILABLE;
	size_t i;

	for (i = 0; i < sizeof(jingle_reasons) / sizeof(jingle_reasons[0]); i++)
		if (jingle_reasons[i].from_peer && strcmp(jingle_reasons[i].reason, reason) == 0)
			code = jingle_reasons[i].code;
	if (strcmp(reason, "decline") == 0)
		xerr_set(err, code, "%s declined the file%s%s", peer, sep, text);
	else if (strcmp(reason, "busy") == 0)
		xerr_set(err, code, "%s is busy%s%s; try again later", peer, sep, text);
	else if (strcmp(reason, "media-error") == 0)
		xerr_set(err, code, "%s rejected the file (media-error%s%s)", peer, sep, text);
	else
		xerr_set(err, code, "%s ended the session (%s%s%s)", peer, reason, sep, text);
	return strcmp(reason, "unsupported-transports") == 0;
}
