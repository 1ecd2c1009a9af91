/* oob.h — Out-of-Band Data (XEP-0066, jabber:iq:oob) negotiation.
 *
 * oob_send() serves the file from a one-file HTTP server (httpd.c) in a
 * worker, sends its URL, http://ADDRESS:PORT/TOKEN/NAME with a 128-bit
 * random token, in a jabber:iq:oob IQ, and stops serving when the
 * receiver's answer arrives (result: it has the file) or when it stays
 * silent: o->timeout before the first byte, o->idle_timeout once bytes
 * flow. The receiving side (fetch.c into the sink) lives in xfer_recv.c;
 * oob_parse() reads the request for it. */
#ifndef XFER_OOB_H
#define XFER_OOB_H

#include <strophe.h>

#include "config.h"
#include "opts.h"
#include "session.h"
#include "source.h"
#include "xerr.h"

/* XE_OK when the receiver confirmed the file. When it answered with an
 * error (it could not fetch the file, or declined it: err says which),
 * *refused is set. *cancel stops the wait. */
enum xerr_code oob_send(struct session *s, const struct account *a, const struct xfer_opts *o,
			const char *peer, struct source *src, const int *cancel,
			int *refused, struct xerr *err);

/* The URL of a request (http or https only) into url, and the file name
 * it suggests (its last path segment, percent-decoded; "download" when
 * empty) into name. 0, or -1 when the request has no usable URL. */
int oob_parse(xmpp_stanza_t *iq, char *url, size_t ulen, char *name, size_t nlen);

#endif
