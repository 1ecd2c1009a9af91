/* xfer_recv.h — `xfer recv`: take offers from allowed senders. */
#ifndef XFER_XFER_RECV_H
#define XFER_XFER_RECV_H

#include "config.h"
#include "opts.h"
#include "xerr.h"

/* Stays online until o->count offers from allowed senders were handled,
 * printing the path of each delivered file on stdout. Returns XE_OK if
 * every one was delivered, else the first failure. */
enum xerr_code recv_run(struct account *acct, const struct xfer_opts *o, struct xerr *err);

#endif
