/* sink.h — the only code that creates files in a destination directory.
 *
 * sink_sanitize_name() turns an offered file name (hostile input) into a
 * safe base name. A sink writes into a hidden temp file created in the
 * destination with O_EXCL|O_NOFOLLOW, mode 0600; sink_commit() checks the
 * byte count and (when given) the hash, fsyncs, applies the umask-derived
 * mode and links the file to a name that does not exist yet ("name",
 * "name (1)", ...), never overwriting. sink_abort() (and sink_commit() on
 * failure) removes the temp file. */
#ifndef XFER_SINK_H
#define XFER_SINK_H

#include <stddef.h>

#include "xerr.h"

#define SINK_NAME_MAX 240	/* bytes; leaves room for " (NNNN)" */

/* Writes a safe base name for offered into out (SINK_NAME_MAX + 1 bytes).
 * Returns 1 if the name had to be changed, 0 if it is used as offered. */
int sink_sanitize_name(const char *offered, char *out);

/* Refuses (XE_CANTCREAT) when dir lacks room for size bytes besides the
 * reserved bytes other transfers still have to write. Both numbers may come
 * from a peer: any value (negative counts as 0, the sum is never formed in
 * signed arithmetic) gives a verdict, never an overflow. */
enum xerr_code sink_check_space(const char *dir, long long size, long long reserved,
				struct xerr *err);

struct sink;

/* The digest a sink computes for sink_commit(): SI announces an MD5,
 * Jingle a SHA-256. */
enum sink_hash { SINK_HASH_NONE, SINK_HASH_MD5, SINK_HASH_SHA256 };

/* Creates the temp file in dir for a file called name (already safe) of
 * size bytes, computing hash on the way. */
enum xerr_code sink_open(struct sink **out, const char *dir, const char *name,
			 long long size, enum sink_hash hash, struct xerr *err);

/* Appends n bytes; more than the announced size is an error (XE_PROTOCOL). */
enum xerr_code sink_write(struct sink *s, const void *buf, size_t n, struct xerr *err);

long long sink_bytes(const struct sink *s);

/* Verifies (expect: lowercase hex of the sink's hash, or NULL), syncs and
 * delivers; writes the final path into path. On failure the temp file is
 * removed. The sink is freed either way. */
enum xerr_code sink_commit(struct sink *s, const char *expect, char *path, size_t len,
			   struct xerr *err);

/* Removes the temp file and frees the sink. NULL is fine. */
void sink_abort(struct sink *s);

#endif
