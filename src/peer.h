/* peer.h — a recipient, from the JID the user typed to the full JID files
 * go to: roster and subscription, presence and resources (highest
 * priority first), and what each resource can do (disco#info).
 *
 * A struct peer lives for the whole `xfer send` run; peer_attach() ties it
 * to each new session (login). The presence handler keeps the list of
 * online resources and sets gone when the resource we send to leaves; the
 * transfer in progress reads it. */
#ifndef XFER_PEER_H
#define XFER_PEER_H

#include "config.h"
#include "jid.h"
#include "opts.h"
#include "s5b.h"
#include "session.h"
#include "xerr.h"

#define PEER_RESOURCES 16
#define IBB_DEFAULT_BLOCK 4096
#define IBB_DEFAULT_WINDOW 32	/* measured: see the closing note of issue 3 */

enum { PROTO_AUTO, PROTO_JINGLE, PROTO_SI };

struct peer_resource {
	char jid[3 * JID_PART_MAX + 3];
	int priority;
};

struct peer {
	struct session *s;		/* NULL between logins */
	const struct xfer_opts *o;
	const struct account *acct;
	struct jid target;
	char target_bare[2 * JID_PART_MAX + 2];
	char jid[3 * JID_PART_MAX + 3];	/* the full JID files go to */
	struct peer_resource res[PEER_RESOURCES];
	int nres;
	int refused;			/* the contact refused our subscription */
	int gone;			/* the resource we send to went offline */
	int not_online;			/* no resource online: may change */
	int methods[METHODS_MAX];	/* enabled here, in order */
	int protocol;			/* PROTO_*: --protocol */
	int block, window;		/* IBB: our block size and window */
	unsigned peer_methods;		/* SI methods and OOB its disco#info lists */
	int peer_disco;			/* it answered disco#info */
	int peer_jingle;		/* it lists Jingle file transfer */
	unsigned peer_jmethods;		/* and these Jingle transports */
	struct s5b_host proxy;		/* our server's SOCKS5 proxy; jid[0] == 0: none */
	int proxy_looked;		/* asked for it in this session */
};

/* p for the recipient jid (as typed) with the methods, protocol and IBB
 * sizes of o and acct (kept). XE_USAGE if jid is not a user's JID. */
enum xerr_code peer_init(struct peer *p, const char *jid, const struct xfer_opts *o,
			 const struct account *acct, struct xerr *err);
/* A new session: what the last one learnt about resources is forgotten. */
void peer_attach(struct peer *p, struct session *s);
/* Presence from anyone (arg: p); for every recipient of a batch. */
int peer_presence(struct session *s, xmpp_stanza_t *st, void *arg);
/* Finds the full JID to send to, by deadline: the typed resource, else the
 * highest-priority online resource that supports a method enabled here
 * (asking for a presence subscription if we have none). p->not_online
 * says a failure may pass. */
enum xerr_code peer_find(struct peer *p, long long deadline, struct xerr *err);
/* " with Jingle (--protocol jingle)" and the like, or "". */
const char *peer_protocol_said(const struct peer *p);

#endif
