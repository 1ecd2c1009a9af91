/* oob.h — Out-of-Band Data (XEP-0066, jabber:iq:oob): the request, built
 * and parsed (pure). The transport around it is tr_oob.c. */
#ifndef XFER_OOB_H
#define XFER_OOB_H

#include <stddef.h>
#include <strophe.h>

/* A jabber:iq:oob request to `to` for url, with desc when not empty. */
xmpp_stanza_t *oob_request_build(xmpp_ctx_t *ctx, const char *to, const char *url,
				 const char *desc);

/* The URL of a request (http or https only) into url, and the file name
 * it suggests (its last path segment, percent-decoded; "download" when
 * empty) into name. 0, or -1 when the request has no usable URL. */
int oob_parse(xmpp_stanza_t *iq, char *url, size_t ulen, char *name, size_t nlen);

#endif
