/* transfer.h — one file between us and one peer, in one direction, and
 * the engine that drives it.
 *
 * A struct transfer is the only record of a transfer, whichever protocol
 * negotiated it (negotiation.h: SI, Jingle) and whichever transport moves
 * its bytes (transport.h: S5B, IBB, OOB). It holds the role, the agreed
 * methods and where we are in them, the attempts so far and why each
 * failed, the file (a source when sending, a sink when receiving), the
 * progress and the error that ended it. Negotiations and transports keep
 * their own state behind np and tp; they report what happened through the
 * transfer, and transfer.c alone decides what follows (transfer_next()).
 *
 * The sending side is driven one transfer at a time by transfer_send();
 * every wait of a transfer is transfer_wait(), the one loop: it runs the
 * session, steps the current transport and ends the wait on a signal, the
 * peer going offline or a lost connection. The receiving side (recv.c)
 * steps its list of transfers from its own loop, receiver_step().
 *
 * Ownership: a sending transfer borrows its source (send.c opens and
 * closes it); a transfer owns its sink, its progress bar, its worker job,
 * the request it still has to answer (iq) and the states behind np and tp
 * (freed by the tables' stop and end members, or with it when receiving). */
#ifndef XFER_TRANSFER_H
#define XFER_TRANSFER_H

#include <stdatomic.h>

#include "config.h"
#include "job.h"
#include "progress.h"
#include "session.h"
#include "sink.h"
#include "source.h"
#include "s5b.h"
#include "xerr.h"

struct negotiation;
struct transport;
struct peer;

/* The tables the sending side runs: transfer_engine (Jingle, SI and the
 * transports); the unit tests drive fakes through the same code. */
struct engine {
	const struct negotiation *first;	/* offered first when the peer
						 * lists it (Jingle) */
	const struct negotiation *rounds;	/* offers in rounds (SI) */
	const struct transport *const *transports;	/* NULL-terminated */
};
extern const struct engine transfer_engine;

#define TRANSFER_ATTEMPTS 8

/* What became of one step: the outcome every transport and negotiation
 * reports. */
enum outcome {
	OUT_OK,		/* the file arrived (the receiver said so) */
	OUT_NEXT,	/* failed before any byte reached the peer: fall back */
	OUT_FAIL,	/* failed for good: data lost midway, declined, signal */
	OUT_REOFFER,	/* IBB: offer again, with the smaller block in t->block */
};

/* A method tried and why it did not work, for the final message. */
struct attempt {
	int method;
	char why[300];
};

enum transfer_role { ROLE_SEND, ROLE_RECV };

/* Receiving: where a transfer is. */
enum transfer_state {
	TS_OFFERED,	/* accepted; waiting for its transport (t->tr NULL) */
	TS_CONNECTING,	/* S5B: trying the sender's streamhosts */
	TS_DATA,	/* the bytes flow (t->tr says how) */
};

/* What an offer carries for the transports, and what the peer chose: the
 * transports fill it, the negotiations put it into stanzas and back. */
struct transfer_params {
	struct s5b_host hosts[S5B_MAX_HOSTS];	/* streamhosts or candidates */
	char cids[S5B_MAX_HOSTS][64];		/* Jingle: their candidate ids */
	int proxy[S5B_MAX_HOSTS];		/* hosts[i] is a proxy */
	int nhosts;
	char hash[SOCKS5_HASH_LEN + 1];		/* the SOCKS5 DST.ADDR */
	int used;				/* the host the receiver reached; -1 */
	int refused;				/* connections to our listener refused */
};

struct transfer {
	enum transfer_role role;
	struct session *s;
	const struct negotiation *neg;	/* NULL: OOB offered by itself */
	const struct transport *tr;	/* the transport now in use, or NULL */
	struct peer *p;			/* sending: the recipient */
	const struct engine *engine;	/* sending: transfer_engine */
	char peer[3100];		/* the peer's full JID */
	char sid[128];			/* the stream id the transport uses */

	/* The file. */
	struct source *src;		/* sending */
	struct sink *sink;		/* receiving, while the main thread owns it */
	char name[1024];		/* as offered */
	char safe[SINK_NAME_MAX + 1];	/* receiving: the sanitized name */
	long long size;
	char hash[65];			/* expected, hex of halg; "" unknown */
	enum sink_hash halg;

	/* The methods: offered, agreed (in order), tried and why. */
	int offered[METHODS_MAX];
	int noffered;
	int methods[METHODS_MAX];
	int nmethods;
	int multiple;			/* si-multiple: fallback on one stream */
	unsigned tried;			/* METHOD_* bits tried so far */
	struct attempt att[TRANSFER_ATTEMPTS];
	int natt;
	int block;			/* IBB block size agreed or wanted */
	int used;			/* the method that carried (or tried) it */
	int over;			/* the peer ended the negotiation: no
					 * fallback on this offer */
	int poll_ms;			/* transfer_wait()'s pass: 5 ms, less
					 * while in-band data flows */
	struct transfer_params params;

	enum transfer_state state;	/* receiving */
	struct job job;			/* the transport's worker, if any */
	struct progress pr;
	int pr_started;
	long long start_ms;		/* when the offer was accepted */
	long long last_ms;		/* the last sign of life (receiving) */
	xmpp_stanza_t *iq;		/* receiving: a request answered at the end */
	struct xerr err;		/* why it ended */

	void *np;			/* the negotiation's state */
	void *tp;			/* the transport's state */
	struct transfer *next;		/* the owner's list */
};

/* What follows an outcome; the decision transfer_next() makes. */
enum next_step {
	NEXT_DONE,	/* delivered: end, report */
	NEXT_FAIL,	/* end, failed for good */
	NEXT_METHOD,	/* the next agreed method on the same offer */
	NEXT_REOFFER,	/* a new offer of the methods not tried yet */
	NEXT_GIVE_UP,	/* every method tried: no method worked */
};

/* The facts transfer_next() decides from (pure: no I/O). */
struct next_input {
	enum outcome out;
	int multiple;		/* the offer allows the next agreed method */
	int more;		/* an agreed method is left on this offer */
	int untried;		/* an enabled method the peer takes is not tried */
	int rounds;		/* offers made so far for this file */
};
enum next_step transfer_next(const struct next_input *in);

/* t's fields start empty (src/sink NULL, fds none). */
void transfer_init(struct transfer *t, enum transfer_role role, struct session *s);

/* Records that method m did not work, and why (logged at info level). */
void transfer_attempt(struct transfer *t, int method, const char *why);
/* "s5b: why; ibb: why" into out. */
const char *transfer_attempts(const struct transfer *t, char *out, size_t len);

/* Sends one file (t->src open, t->p the resolved recipient): the protocol
 * the peer prefers, then each method in order until one carries it.
 * XE_OK once the receiver confirmed it; otherwise t->err says why, with
 * what was tried before. */
enum xerr_code transfer_send(struct transfer *t);

/* The one wait: runs the session and steps t's transport until done(t,
 * arg) is true (1), ms pass (0, t->err XE_TEMPFAIL with "PEER did not
 * WHAT within N s", unless what is NULL), or the wait is interrupted (-1,
 * t->err set): a signal, a lost connection, or (unless data) the peer
 * going offline. A data wait is ended by its bytestream instead: the
 * receiver may log off once it has stored the file. */
int transfer_wait(struct transfer *t, int (*done)(struct transfer *t, void *arg), void *arg,
		  long ms, int data, const char *what);

/* An IQ and its answer through transfer_wait() (ms: its deadline). The
 * answer (to release), or NULL with t->err set: no answer within ms,
 * interrupted, connection lost. */
xmpp_stanza_t *transfer_iq(struct transfer *t, xmpp_stanza_t *iq, long ms);

/* An error answer r (released here) to an offer: OUT_NEXT when its
 * condition says the offer's form did not fit (unfit says how; under
 * Jingle feature-not-implemented too), else OUT_FAIL: busy (wait),
 * declined, or the condition's code. */
enum outcome transfer_refusal(struct transfer *t, xmpp_stanza_t *r, const char *unfit,
			      int jingle);

/* The progress bar of a sending transfer (a terminal, not -q), and its
 * end, labelled with the transport ("s5b over Jingle"). */
void transfer_progress_start(struct transfer *t);
void transfer_progress_finish(struct transfer *t, int ok);
const char *transfer_label(const struct transfer *t, char *out, size_t len);

#endif
