/* source.h — a file being sent.
 *
 * source_open() opens a regular file, records its size and mtime, and
 * computes its MD5 (XEP-0096 puts the hash in the offer, before any data
 * flows). source_read() returns the next bytes and fails if the file
 * changes size while it is sent. */
#ifndef XFER_SOURCE_H
#define XFER_SOURCE_H

#include <stddef.h>
#include <time.h>

#include "xerr.h"

struct source {
	int fd;
	char *path;
	const char *name;	/* base name, inside path */
	long long size;
	long long offset;
	time_t mtime;
	char md5[33];
	char sha256[65];	/* "" unless asked for */
};

/* want_sha256: also compute the SHA-256 (for reports), in the same pass. */
enum xerr_code source_open(struct source **out, const char *path, int want_sha256,
			   struct xerr *err);

/* Reads up to n bytes (less only at the end). Returns the count, or -1
 * with err set. */
long source_read(struct source *s, void *buf, size_t n, struct xerr *err);

/* 1 (with err set) if the file no longer has the size it was offered
 * with: the receiver got something else than announced. */
int source_changed(struct source *s, struct xerr *err);

/* XEP-0082 date of the mtime: YYYY-MM-DDThh:mm:ssZ. */
void source_date(const struct source *s, char buf[static 32]);

void source_free(struct source *s);

#endif
