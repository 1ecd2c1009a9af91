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
	/* Before the offer: what it must carry, into t->params. XE_OK, or
	 * t->err set when there is nothing to offer (the method is then
	 * skipped). NULL: nothing to prepare. */
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
	/* 1 while no byte of the file reached the peer: a fallback is still
	 * allowed. */
	int (*untouched)(const struct transfer *t);
	/* Releases its state; tell: tell the peer the stream is over. */
	void (*stop)(struct transfer *t, int tell);
};

extern const struct transport tr_s5b, tr_ibb, tr_oob;
/* Every transport, NULL-terminated (transfer.c). */
extern const struct transport *const transport_all[];

/* The transport of method m, or NULL. */
const struct transport *transport_of(int method);
/* Every method, in transport_all[]'s order (the default preference),
 * 0-terminated. */
void transport_order(int out[4]);

#endif
