/* neg_jingle.h — the responder's members of neg_jingle (negotiation.h),
 * defined in neg_jingle_recv.c; only neg_jingle.c's table uses them. */
#ifndef XFER_NEG_JINGLE_H
#define XFER_NEG_JINGLE_H

#include "negotiation.h"
#include "recv.h"

int jingle_on_recv_iq(struct session *s, xmpp_stanza_t *st, void *arg);
void jingle_recv_refuse(struct receiver *r, struct transfer *t, const struct xerr *e);
void jingle_recv_delivered(struct receiver *r, struct transfer *t);
void jingle_recv_s5b_report(struct receiver *r, struct transfer *t, enum s5b_report what,
			    int host, const char *why);

#endif
