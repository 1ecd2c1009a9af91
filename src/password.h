/* password.h — password_cmd: a command that prints an account's password.
 *
 * The command runs as /bin/sh -c CMD, with SIGPIPE back at its default
 * (xfer ignores it; the command should not) and our environment. The
 * first line of its standard output, without "\n" or "\r\n", is the
 * password; it has 120 seconds to print it. Then the pipe is closed (a
 * command that goes on writing gets SIGPIPE, which is no failure) and it
 * has 5 seconds to exit before it is killed. The buffer that held the
 * line is wiped with OPENSSL_cleanse(). */
#ifndef XFER_PASSWORD_H
#define XFER_PASSWORD_H

#include "xerr.h"

/* Runs cmd for the account named account (for messages) and sets *out
 * to a malloc'd copy of the password, which the caller wipes and frees.
 * Errors: XE_CONFIG when the command cannot run, prints no line in time,
 * a line longer than 1022 bytes or an empty one, or exits with a failure
 * or a signal (other than SIGPIPE); XE_SOFTWARE when a pipe or memory
 * runs out. *out is untouched on failure. */
enum xerr_code password_run(const char *cmd, const char *account, char **out,
			    struct xerr *err);

#endif
