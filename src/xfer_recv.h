/* xfer_recv.h — receiving files: `xfer recv`, and the receiver that `xfer
 * daemon` shares with it.
 *
 * A receiver takes offers (SI with S5B/IBB, and XEP-0066 OOB) from allowed
 * senders into one directory: it authorizes the sender, checks size and
 * space, and runs each transfer into a sink (temp file, verified, linked),
 * several at once up to max_concurrent. It lives longer than a session:
 * the daemon attaches it to each new connection and detaches it when the
 * connection is lost (every running transfer then fails, no file is left).
 *
 * Every event is logged at info level: accepted, refused (and why),
 * received (method, size, duration, rate, path); failures at error level. */
#ifndef XFER_XFER_RECV_H
#define XFER_XFER_RECV_H

#include "config.h"
#include "opts.h"
#include "session.h"
#include "xerr.h"

/* Stays online until o->count offers from allowed senders were handled,
 * printing the path of each delivered file on stdout. Returns XE_OK if
 * every one was delivered, else the first failure. */
enum xerr_code recv_run(struct account *acct, const struct xfer_opts *o, struct xerr *err);

struct receiver;

/* A delivered file, as the owner's hook sees it (valid during the call). */
struct receiver_delivery {
	const char *path;	/* where it is now */
	const char *name;	/* the last part of path */
	const char *peer;	/* the sender's full JID */
	const char *method;	/* "s5b", "ibb" or "oob" */
	long long bytes;
};
typedef void (*receiver_delivered_fn)(void *arg, const struct receiver_delivery *d);

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

#endif
