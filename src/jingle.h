/* jingle.h — Jingle (XEP-0166) file transfer (XEP-0234) over the SOCKS5
 * (XEP-0260) and IBB (XEP-0261) transports: stanzas <-> struct jingle.
 *
 * Pure, like si.c: it sends nothing. One struct describes any Jingle IQ
 * xfer sends or reads (one content, one file, one transport); the builder
 * and the parser are inverses, so what is built can be checked by parsing
 * it. jingle_parse() treats every field as hostile: it copies what it
 * needs, checks types and sizes, and says which error applies.
 *
 * Accepted on receive: file-transfer:5 and :4 (the same <file> element;
 * hashes:2 or hashes:1). Sent: :5 only, with a sha-256 hash (XEP-0300). */
#ifndef XFER_JINGLE_H
#define XFER_JINGLE_H

#include <strophe.h>

#include "s5b.h"

#define NS_JINGLE "urn:xmpp:jingle:1"
#define NS_JINGLE_ERRORS "urn:xmpp:jingle:errors:1"
#define NS_JINGLE_FT "urn:xmpp:jingle:apps:file-transfer:5"
#define NS_JINGLE_FT4 "urn:xmpp:jingle:apps:file-transfer:4"
#define NS_JINGLE_S5B "urn:xmpp:jingle:transports:s5b:1"
#define NS_JINGLE_IBB "urn:xmpp:jingle:transports:ibb:1"
#define NS_HASHES "urn:xmpp:hashes:2"
#define NS_HASHES1 "urn:xmpp:hashes:1"
#define NS_HASH_SHA256 "urn:xmpp:hash-function-text-names:sha-256"

/* XEP-0260 2.2: type preference << 16 | local preference. */
#define JINGLE_PRIO_DIRECT (126L << 16)
#define JINGLE_PRIO_PROXY (10L << 16)

enum jingle_action {
	JA_UNKNOWN,
	JA_SESSION_INITIATE,
	JA_SESSION_ACCEPT,
	JA_SESSION_TERMINATE,
	JA_SESSION_INFO,
	JA_TRANSPORT_INFO,
	JA_TRANSPORT_REPLACE,
	JA_TRANSPORT_ACCEPT,
	JA_TRANSPORT_REJECT,
	JA_OTHER,	/* an XEP-0166 action xfer does not take (content-add ...) */
};

enum jingle_transport { JT_NONE, JT_S5B, JT_IBB, JT_OTHER };

/* transport-info payloads of XEP-0260. */
enum jingle_s5b_info {
	JS_NONE,
	JS_CANDIDATE_USED,
	JS_CANDIDATE_ERROR,
	JS_ACTIVATED,
	JS_PROXY_ERROR,
};

/* session-info payloads of XEP-0234 (JI_OTHER: an unknown element). */
enum jingle_info { JI_NONE, JI_CHECKSUM, JI_RECEIVED, JI_OTHER };

struct jingle_candidate {
	char cid[64];
	long priority;
	int proxy;		/* type='proxy' (else direct, assisted, tunnel) */
	struct s5b_host h;	/* jid, host, port */
};

#define JINGLE_MAX_CANDIDATES S5B_MAX_HOSTS

struct jingle {
	enum jingle_action action;
	char sid[128];
	char initiator[3100];	/* "" when absent */
	char responder[3100];
	/* The one content. */
	char content[128];	/* its name */
	char creator[16];	/* "initiator" or "responder" */
	char senders[16];	/* "" when absent */
	/* <description>: has_file when present. */
	int has_file;
	int ft_version;		/* 5 or 4 */
	char name[1024];	/* as offered: NOT safe to use as a path */
	long long size;		/* -1: absent */
	char date[64];
	char media_type[128];
	char desc[1024];
	char sha256[65];	/* lowercase hex; "" when none (description or checksum) */
	/* <transport>. */
	enum jingle_transport transport;
	char tsid[128];
	char dstaddr[64];	/* s5b; "" when absent */
	int ncand;
	struct jingle_candidate cand[JINGLE_MAX_CANDIDATES];
	enum jingle_s5b_info s5b_info;
	char cid[64];		/* of candidate-used or activated */
	int block;		/* ibb block-size */
	/* session-info. */
	enum jingle_info info;
	/* <reason> (session-terminate; also transport-reject). */
	char reason[32];	/* "success", "decline" ...; "" when absent */
	char reason_text[256];
};

const char *jingle_action_name(enum jingle_action a);

/* An empty j for action a of session sid (no file, no transport, size
 * -1), with the fields every IQ of the session repeats. */
void jingle_init(struct jingle *j, enum jingle_action a, const char *sid, const char *initiator,
		 const char *content, const char *creator, int ft_version);

/* The IQ set to to that j describes; NULL if j cannot be expressed
 * (unknown action). The builder writes what is set: a description when
 * has_file, a transport when transport is JT_S5B or JT_IBB, a reason when
 * reason is not empty, a checksum for session-info JI_CHECKSUM. */
xmpp_stanza_t *jingle_build(xmpp_ctx_t *ctx, const char *to, const struct jingle *j);

/* Parses a Jingle IQ. Returns 0, or -1 with *cond (and *app, a Jingle
 * error condition, or NULL) set to the error to answer and *why to a
 * message for the log. Unknown transports give JT_OTHER, not an error:
 * the caller decides (unsupported-transports). */
int jingle_parse(xmpp_stanza_t *iq, struct jingle *j, const char **cond, const char **app,
		 const char **why);

/* A 32-byte SHA-256 as base64 <-> lowercase hex. 0, or -1 if malformed. */
int jingle_hash_to_hex(const char *b64, char hex[65]);
int jingle_hash_from_hex(const char *hex, char b64[45]);

/* A peer's session-terminate reason as an error into err (xerr_set: an
 * error already set stays), in PEER's name. 1 when the reason leaves room
 * for another transport or protocol (unsupported-transports). */
int jingle_reason_error(const char *reason, const char *text, const char *peer,
			struct xerr *err);
/* The reason that ends a session failed here with code (receiving: as
 * the responder, else as the initiator). */
const char *jingle_reason_of(enum xerr_code code, int receiving);

#endif
