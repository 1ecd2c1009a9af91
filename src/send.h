/* send.h — `xfer send JID FILE...`: items × recipients, --lock,
 * --files-from, retries with back-off, --json and the summary. It knows no
 * protocol: each file goes through transfer_send() (transfer.h). */
#ifndef XFER_SEND_H
#define XFER_SEND_H

#include "config.h"
#include "opts.h"
#include "xerr.h"

/* Sends every file in o->args[1..] to o->args[0]. Returns XE_OK only if
 * all arrived; otherwise the first failure (err holds its message; each
 * failure was logged as it happened). */
enum xerr_code send_run(struct account *acct, const struct xfer_opts *o, struct xerr *err);

#endif
