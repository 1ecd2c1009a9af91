/* xerr.h — the one error space of xfer, and its mapping to exit codes.
 *
 * A layer that gives up fills a struct xerr once (code + message) and returns
 * the code; callers above pass it up unchanged. main() prints the message and
 * exits with xerr_exit_code(). errno is turned into text where the system
 * call failed; it never travels further. */
#ifndef XFER_XERR_H
#define XFER_XERR_H

enum xerr_code {
	XE_OK = 0,
	XE_USAGE,	/* bad command line                       -> 64 */
	XE_NOINPUT,	/* an input file cannot be read             -> 66 */
	XE_UNAVAILABLE, /* host/peer unreachable, refused           -> 69 */
	XE_SOFTWARE,	/* internal error, out of memory            -> 70 */
	XE_CANTCREAT,	/* cannot create an output file             -> 73 */
	XE_IO,		/* local I/O error                          -> 74 */
	XE_TEMPFAIL,	/* timeout; trying again later may work     -> 75 */
	XE_PROTOCOL,	/* the peer or server broke the protocol    -> 76 */
	XE_NOPERM,	/* authentication, trust or file permission -> 77 */
	XE_CONFIG,	/* bad or missing configuration             -> 78 */
	XE_SIGNAL,	/* stopped by a signal                -> 128 + signal */
};

/* What kind of refusal a failure is, for what the peer is told: set with
 * xerr_flag() by the layer that knows, carried with the error. */
enum xerr_flag {
	XF_POLICY = 1 << 0,	/* our max_size: the sender may read it in full */
	XF_MISMATCH = 1 << 1,	/* the data differed from the announced hash */
};

struct xerr {
	enum xerr_code code;
	unsigned flags;		/* XF_* */
	char msg[1024];
};

/* Sets err (if not NULL) to code and the formatted message; returns code.
 * A second call on an already set err keeps the first failure. */
enum xerr_code xerr_set(struct xerr *err, enum xerr_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears err. */
void xerr_clear(struct xerr *err);

/* Marks err (set) as a refusal of kind flag; returns its code. */
enum xerr_code xerr_flag(struct xerr *err, enum xerr_flag flag);

/* The sysexits(3) value for code. */
int xerr_exit_code(enum xerr_code code);

#endif
