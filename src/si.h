/* si.h — Stream Initiation file transfer (XEP-0095, XEP-0096).
 *
 * Translates between stanzas and plain structs; it sends nothing itself.
 * si_offer_parse() treats every field as hostile: it copies what it needs,
 * checks types and sizes, and says which XEP-0095 error applies. */
#ifndef XFER_SI_H
#define XFER_SI_H

#include <strophe.h>

#include "stanza.h"	/* stanza_child(), stanza_text_copy() */

#define NS_SI "http://jabber.org/protocol/si"
#define NS_SI_FT "http://jabber.org/protocol/si/profile/file-transfer"
#define NS_FEATURE_NEG "http://jabber.org/protocol/feature-neg"
#define NS_XDATA "jabber:x:data"
#define NS_IBB "http://jabber.org/protocol/ibb"
#define NS_S5B "http://jabber.org/protocol/bytestreams"
#define NS_OOB "jabber:iq:oob"
/* The si-multiple extension: the receiver answers with an ordered list of
 * methods instead of one, so the sender can fall back without a new offer. */
#define NS_SI_MULTIPLE "http://telepathy.freedesktop.org/xmpp/si-multiple"

/* Transfer methods, as bits; the default order is S5B, IBB, OOB. */
enum method { METHOD_S5B = 1 << 0, METHOD_IBB = 1 << 1, METHOD_OOB = 1 << 2 };

#define METHODS_SI (METHOD_S5B | METHOD_IBB)	/* stream methods of SI */

/* "ibb" -> METHOD_IBB; 0 if unknown. */
int method_from_name(const char *name);
const char *method_name(int m);
const char *method_ns(int m);
/* An SI stream method by namespace; 0 if unknown (OOB is not one). */
int method_from_ns(const char *ns);

struct si_offer {
	char sid[128];
	char name[1024];	/* as offered: NOT safe to use as a path */
	long long size;
	char date[64];		/* "" if absent */
	char md5[33];		/* lowercase hex, "" if absent */
	char desc[1024];	/* "" if absent */
	unsigned methods;	/* the offered SI methods we know */
	int multiple;		/* the offer carries <si-multiple/> */
};

/* The offer <iq type='set'> to to, with methods in order, and the
 * si-multiple element (so a receiver that knows it answers with a list). */
xmpp_stanza_t *si_offer_build(xmpp_ctx_t *ctx, const char *to, const struct si_offer *o,
			      const int *methods, int nmethods);

/* Parses an offer IQ. Returns 0, or -1 with *cond / *app set to the error
 * to answer with ("bad-request" + "bad-profile", "bad-request" +
 * "no-valid-streams" (with 0 returned methods), "bad-request" + NULL) and
 * *why to a message for the log. */
int si_offer_parse(xmpp_stanza_t *iq, struct si_offer *o, const char **cond,
		   const char **app, const char **why);

/* The <si> child for the result that accepts: with ms[0] alone (plain
 * SI), or with all n of ms in order inside <si-multiple/> when multiple. */
xmpp_stanza_t *si_accept_build(xmpp_ctx_t *ctx, const int *ms, int n, int multiple);

/* The methods an accepting result chose, in the receiver's order, into
 * out (max entries); *multiple says whether it answered with si-multiple.
 * Unknown methods are skipped. Returns the count; 0 if none or malformed. */
int si_accept_parse(xmpp_stanza_t *reply, int *out, int max, int *multiple);

#endif
