/* bytestreams.h — XEP-0065 stanzas <-> struct s5b_host (pure).
 *
 * The streamhost list of a request is hostile input: bytestreams_parse()
 * keeps only well-formed entries (JID, host, port 1..65535) and says which
 * error to answer when nothing usable is left. */
#ifndef XFER_BYTESTREAMS_H
#define XFER_BYTESTREAMS_H

#include <strophe.h>

#include "s5b.h"

/* <iq type='set' to=to><query sid mode='tcp'>hosts</query></iq> */
xmpp_stanza_t *bytestreams_request(xmpp_ctx_t *ctx, const char *to, const char *sid,
				   const struct s5b_host *hosts, int n);

/* A request: fills sid (128 bytes) and up to S5B_MAX_HOSTS hosts in order.
 * Returns the count, or -1 with *cond (and *why for the log) set. */
int bytestreams_parse(xmpp_stanza_t *iq, char *sid, struct s5b_host *hosts,
		      const char **cond, const char **why);

/* The <query> child of the result naming the streamhost used. */
xmpp_stanza_t *bytestreams_used(xmpp_ctx_t *ctx, const char *sid, const char *jid);

/* The JID in <streamhost-used/> of a result into jid (len); 0 or -1. */
int bytestreams_used_parse(xmpp_stanza_t *reply, char *jid, size_t len);

/* <iq type='set' to=proxy><query sid><activate>target</activate></query></iq> */
xmpp_stanza_t *bytestreams_activate(xmpp_ctx_t *ctx, const char *proxy, const char *sid,
				    const char *target);

#endif
