/* check.h — `xfer check`: log in and report what matters for transfers. */
#ifndef XFER_CHECK_H
#define XFER_CHECK_H

#include "config.h"
#include "xerr.h"

/* Logs in as acct within timeout_s seconds, prints the report on stdout. */
enum xerr_code check_run(struct account *acct, int timeout_s, struct xerr *err);

#endif
