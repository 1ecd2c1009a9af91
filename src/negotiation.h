/* negotiation.h — how two ends agree on a file and a transport.
 *
 * SI (neg_si.c, XEP-0095/0096 with si-multiple) and Jingle (neg_jingle.c,
 * XEP-0166/0234) each implement this table once. A negotiation turns the
 * peer's IQs into calls on the transfer and the transports, and the
 * engine's decisions into IQs; it moves no bytes. Its state lives behind
 * t->np. Errors come back as an outcome with t->err set.
 *
 * The S5B exchange is signalled differently by each: under SI the
 * streamhosts travel in a XEP-0065 query whose answer names the one used;
 * under Jingle they travel as candidates in the offer, and transport-info
 * carries candidate-used/-error and activated/proxy-error. s5b_announce and
 * s5b_report are those two bindings of one mechanism (tr_s5b.c). */
#ifndef XFER_NEGOTIATION_H
#define XFER_NEGOTIATION_H

#include "session.h"
#include "transfer.h"

struct receiver;

enum s5b_report {
	S5B_USED,		/* receiving: host reached */
	S5B_NONE,		/* receiving: no host could be reached */
	S5B_ABANDONED,		/* receiving: the sender went on without S5B */
	S5B_ACTIVATED,		/* sending: the proxy activated the stream */
	S5B_PROXY_ERROR,	/* sending: it did not */
};

struct negotiation {
	const char *name;	/* "si", "jingle" */
	const char *title;	/* "SI", "Jingle": messages */
	const char *via;	/* the bar's label after the transport: " over Jingle" */
	const char *multiple_said;	/* " (si-multiple)": logs each agreed method
					 * (NULL: it does not) */
	const char *ns;		/* its IQs' namespace, routed to on_*_iq */
	const char *features[5];	/* disco#info, NULL-terminated */

	/* Sending. */
	/* Offers t's file with t->methods (prepared by their transports).
	 * OUT_OK: t->methods/nmethods/multiple now hold what the peer agreed,
	 * in its order; OUT_NEXT: it takes none of them. */
	enum outcome (*offer)(struct transfer *t);
	/* Moves the agreed offer to method m after the current one failed
	 * untouched (Jingle: transport-replace; SI: nothing to say). */
	enum outcome (*fall_back)(struct transfer *t, int m);
	/* S5B: the streamhosts in t->params go to the peer, and its answer
	 * (t->params.used) comes back: OUT_OK, OUT_NEXT if none worked. */
	enum outcome (*s5b_announce)(struct transfer *t, long ms);
	/* S5B, either role: what became of a host (Jingle: transport-info;
	 * SI, receiving: the answer to the XEP-0065 query); why lists the
	 * hosts that failed (S5B_NONE). r is NULL when sending. */
	void (*s5b_report)(struct receiver *r, struct transfer *t, enum s5b_report what,
			   int host, const char *why);
	/* Receiving S5B: how long the data job waits after the last byte
	 * for a checksum that may follow the data (Jingle: XEP-0234 8.1). */
	long hash_wait_ms;
	/* The file is over with out: Jingle ends the session (and may learn
	 * from the receiver's reason that it failed after all). */
	enum outcome (*end)(struct transfer *t, enum outcome out);

	/* Receiving. */
	/* The negotiation's IQs; arg is the receiver. */
	session_stanza_fn on_recv_iq;
	/* The sending side's IQs from the peer; arg is a struct transfer **
	 * to the transfer in progress. */
	session_stanza_fn on_send_iq;
	/* A transfer failed here with e: tell the peer. */
	void (*refuse)(struct receiver *r, struct transfer *t, const struct xerr *e);
	/* A transfer was delivered here: tell the peer. */
	void (*delivered)(struct receiver *r, struct transfer *t);
};

extern const struct negotiation neg_si, neg_jingle;
/* Both, NULL-terminated (transfer.c): their IQs are routed from here. */
extern const struct negotiation *const negotiation_all[];

#endif
