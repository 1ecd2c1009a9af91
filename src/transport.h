/* transport.h — a way to move one file's bytes, whatever negotiated it.
 *
 * Each transport (tr_s5b.c, tr_ibb.c, tr_oob.c) implements this table
 * once, for both roles, and transfer.c and recv.c drive it. A transport
 * owns its sockets, jobs and in-band data stanzas, and its state behind
 * t->tp. It never builds an offer or an answer: what an offer must carry
 * (streamhosts and their hash) it leaves in t->params, and what the peer
 * chose comes back there; the negotiation (negotiation.h) puts them into
 * stanzas. Errors come back as an outcome with t->err set; a transport
 * reports each failure once and never logs at error level.
 *
 * Adding a transport: one file that fills a struct transport, and one line
 * in transport_all[] (transfer.c). */
#ifndef XFER_TRANSPORT_H
#define XFER_TRANSPORT_H

#include "session.h"
#include "transfer.h"

struct receiver;

struct transport {
	const char *name;	/* "s5b", "ibb", "oob": logs, --json, disco */
	int method;		/* METHOD_* */
	int alone;		/* negotiates by itself (OOB): offered on its own,
				 * after the negotiated methods */

	/* Sending. */
	/* What an offer must carry (S5B: our streamhosts), into t->params:
	 * called by a negotiation whose offer carries it (Jingle) before the
	 * offer, else by send itself. XE_OK, or t->err set when there is
	 * nothing to offer (the method failed untouched). NULL: nothing. */
	enum xerr_code (*prepare)(struct transfer *t);
	/* The peer agreed to this method: move the bytes, waiting only
	 * through transfer_wait(). OUT_OK once the receiver confirmed. */
	enum outcome (*send)(struct transfer *t);
	/* Called by transfer_wait() on each pass while t is current: jobs,
	 * listeners, windows of data stanzas. NULL: nothing to step. */
	void (*step)(struct transfer *t);

	/* Receiving. */
	/* The peer's choice is in t->params (S5B: its streamhosts): begin.
	 * NULL: the transport starts from its own stanzas (on_recv_stanza). */
	void (*start)(struct receiver *r, struct transfer *t);
	/* From receiver_step() while t->job runs: its progress and its end
	 * (the transfer may be gone after the call). */
	void (*poll)(struct receiver *r, struct transfer *t);
	/* The path its worker delivered the file to, or NULL. */
	const char *(*delivered)(struct transfer *t);
	/* t failed here: tell the sender its stream is over (IBB: close).
	 * NULL: the stream's end says it. */
	void (*hang_up)(struct receiver *r, struct transfer *t);
	/* For a transport that negotiates by itself (OOB, t->neg NULL): t
	 * failed here with e, answer the sender's request. */
	void (*refuse)(struct receiver *r, struct transfer *t, const struct xerr *e);

	/* Both. */
	/* disco#info: the feature that announces it (its XEP's namespace),
	 * and its Jingle transport's (NULL: none); ours are listed while it
	 * is enabled, the peer's are read from them. */
	const char *feature, *jingle_feature;
	/* Stanzas of its namespace (ns NULL: it has none). arg: the
	 * receiver, or (sending) a struct transfer ** to the transfer in
	 * progress. on_recv_message: its data in messages (returns 0 when
	 * the message is not its). */
	const char *ns;
	session_stanza_fn on_send_stanza, on_recv_stanza, on_recv_message;
	/* Receiving: 1 while no byte of the file arrived, so the sender may
	 * still move to another method. NULL for a transport alone. */
	int (*untouched)(const struct transfer *t);
	/* Releases its state (t->tp, its job and sockets); the sink, when
	 * its worker still holds it, is aborted. */
	void (*stop)(struct transfer *t);
};

extern const struct transport tr_s5b, tr_ibb, tr_oob;
/* Every transport, NULL-terminated (transfer.c). */
extern const struct transport *const transport_all[];

/* The transport of method m, or NULL. */
const struct transport *transport_of(int method);
/* Every method, in transport_all[]'s order (the default preference),
 * 0-terminated. */
void transport_order(int out[METHODS_MAX]);

#endif
