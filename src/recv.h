/* recv.h — receiving files: `xfer recv`, and the receiver that `xfer
 * daemon` shares with it.
 *
 * A receiver takes offers (SI and Jingle, with S5B or IBB, and XEP-0066
 * OOB) from allowed senders into one directory: it authorizes the sender,
 * checks size and space, and runs each transfer into a sink (temp file,
 * verified, linked), several at once up to max_concurrent. It lives longer
 * than a session: the daemon attaches it to each new connection and
 * detaches it when the connection is lost (every running transfer then
 * fails, no file is left).
 *
 * The negotiations and transports (negotiation.h, transport.h) handle the
 * stanzas of their namespaces for it; they read the receiver's fields and
 * call the receiver_*() functions below, which alone change its list and
 * counts. Every event is logged at info level: accepted, refused (and
 * why), received (method, size, duration, rate, path); failures at error
 * level. */
#ifndef XFER_RECV_H
#define XFER_RECV_H

#include "config.h"
#include "opts.h"
#include "session.h"
#include "transfer.h"
#include "xerr.h"

/* Stays online until o->count offers from allowed senders were handled,
 * printing the path of each delivered file on stdout. Returns XE_OK if
 * every one was delivered, else the first failure. */
enum xerr_code recv_run(struct account *acct, const struct xfer_opts *o, struct xerr *err);

/* A delivered file, as the owner's hook sees it (valid during the call). */
struct receiver_delivery {
	const char *path;	/* where it is now */
	const char *name;	/* the last part of path */
	const char *peer;	/* the sender's full JID */
	const char *method;	/* "s5b", "ibb" or "oob" */
	long long bytes;
};
typedef void (*receiver_delivered_fn)(void *arg, const struct receiver_delivery *d);

struct receiver {
	struct session *s;	/* NULL while not connected */
	int closing;		/* stopping: no new offers */
	int count;		/* files to handle before stopping */
	char *allow;		/* accept_from and --from, space-separated */
	char *dir;
	int order[METHODS_MAX];	/* what we accept, in our order of preference */
	unsigned methods;
	int max_block;
	long long max_size;	/* -1: unlimited */
	int max_active;		/* transfers at once, offered or open */
	long connect_ms;	/* per streamhost, and an OOB connect */
	long idle_ms;
	int bars;		/* progress bars on the terminal */
	int print_paths;	/* recv: each delivered path on stdout */
	receiver_delivered_fn delivered_fn;
	void *delivered_arg;
	int handled;
	int delivered;
	struct xerr first;	/* the first failure */
	struct transfer *rxs;	/* offered or running */
	unsigned char *buf;	/* one decoded IBB block */
};

/* accept_from and the --from words joined by spaces into *out (malloc'd).
 * XE_USAGE if a --from word is not a JID or pattern, or if nobody at all
 * is allowed. */
enum xerr_code receiver_allow_list(const char *accept_from, const char **from, char **out,
				   struct xerr *err);

/* A receiver into dir (copied) that stops taking offers after count
 * files, with methods, IBB block size and connect budget from acct (not
 * kept). NULL with err on failure. */
struct receiver *receiver_new(const struct account *acct, const char *dir, int count,
			      long idle_ms, struct xerr *err);
/* Who may send (allow is copied), max_size (-1: unlimited), transfers at
 * once (0: CONFIG_MAX_CONCURRENT). May be called again (configuration
 * reload); running transfers keep going. */
enum xerr_code receiver_policy(struct receiver *r, const char *allow, long long max_size,
			       int max_concurrent, struct xerr *err);
/* Progress bars on stderr, delivered paths on stdout, and a hook called
 * for each delivered file (fn may be NULL). */
void receiver_output(struct receiver *r, int bars, int print_paths, receiver_delivered_fn fn,
		     void *arg);
/* Serves on s (logged in): features, routes, roster, then available. */
void receiver_attach(struct receiver *r, struct session *s);
/* One pass: workers, idle limits, then the session's loop (100 ms at
 * most, much less while data flows). */
void receiver_step(struct receiver *r);
/* Transfers offered or running now. */
int receiver_active(const struct receiver *r);
/* From now on new offers are refused ("shutting down"). */
void receiver_close(struct receiver *r);
/* Ends every transfer now as failed (code, why), telling the peers. */
void receiver_end_all(struct receiver *r, enum xerr_code code, const char *why);
/* The session was lost: every transfer fails, and the receiver forgets s
 * (the caller frees it). */
void receiver_detach(struct receiver *r);
void receiver_free(struct receiver *r);

/* --- for the negotiations and transports ------------------------------- */

/* 1 if from may send here (accept_from, --from). */
int receiver_allowed(const struct receiver *r, const char *from);
/* The transfer from `from` whose transport uses sid, or NULL. */
struct transfer *receiver_find(struct receiver *r, const char *from, const char *sid);
/* The checks every new transfer passes (closing, count, concurrency): a
 * fresh transfer (not yet listed), or NULL after answering st with the
 * refusal. name is the offered file name, for the log (may be NULL);
 * *reserved gets the bytes the others still have to write. */
struct transfer *receiver_admit(struct receiver *r, xmpp_stanza_t *st, const char *from,
				const char *name, long long *reserved);
/* 1 if the sender may now use method m on t: agreed, and t waits for
 * it, or (si-multiple) the transport in use carried nothing yet. */
int receiver_may(const struct transfer *t, int m);
/* The transport in use is dropped (its worker took the sink with it: a
 * new temp file) for another one. */
enum xerr_code receiver_switch(struct receiver *r, struct transfer *t, struct xerr *err);
/* Method m failed on t before any data: it is off this transfer (a
 * sender may not make us connect out again and again); what is left may
 * follow, or (nothing left) the sender's new offer replaces t. */
void receiver_method_failed(struct receiver *r, struct transfer *t, int m);
/* Lists t (admitted): from now on it counts. */
void receiver_add(struct receiver *r, struct transfer *t);
/* The offered name into t->safe, saying so when it had to change. */
void receiver_name(struct transfer *t, const char *offered);
/* The checks on t's size (max_size, marked XF_POLICY; then free space
 * besides reserved) and its temp file into t->sink. */
enum xerr_code receiver_open_sink(struct receiver *r, struct transfer *t, long long reserved,
				  struct xerr *err);
/* Room for t's announced size now (an OOB download learns it late):
 * XE_OK, and t->size counts from now on. */
enum xerr_code receiver_reserve(struct receiver *r, struct transfer *t, long long size,
				struct xerr *err);
/* What the peer is told of a failure here: not our disk trouble (no local
 * paths), our max_size policy in full, the rest as it is. */
const char *receiver_peer_text(const struct xerr *e);
/* Ends t as failed: its negotiation (or its transport) tells the peer,
 * tell_peer: its stream is closed too; logged, counted, freed. */
void receiver_fail(struct receiver *r, struct transfer *t, const struct xerr *e, int tell_peer);
/* The same for a code and a message. */
void receiver_fail_with(struct receiver *r, struct transfer *t, enum xerr_code code,
			const char *why, int tell_peer);
/* t's file is at path: reported (log, stdout, the hook), counted, freed. */
void receiver_done(struct receiver *r, struct transfer *t, const char *path);
/* Drops t without counting it (a sender's new offer replaces it). */
void receiver_forget(struct receiver *r, struct transfer *t);

#endif
