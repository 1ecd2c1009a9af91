/* sink.c — see sink.h */
#define _GNU_SOURCE /* O_TMPFILE (Linux); the fallback needs nothing special */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "codec.h"
#include "log.h"
#include "sink.h"
#include "utf8.h"

/* Characters that must not appear in a delivered name: those that can
 * disguise it (utf8.h), and path separators. */
static int forbidden_cp(unsigned c)
{
	return utf8_disguising(c) || c == '/' || c == '\\';
}

int sink_sanitize_name(const char *offered, char *out)
{
	const unsigned char *p = (const unsigned char *)offered;
	const char *base = offered;
	size_t o = 0;
	int changed = 0;

	/* Keep the last path component, for either separator. */
	for (; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = (const char *)p + 1;
	changed = base != offered;
	p = (const unsigned char *)base;
	while (*p == '.' || *p == ' ') {	/* no hidden files, no "." or ".." */
		p++;
		changed = 1;
	}
	while (*p != '\0') {
		unsigned cp = 0;
		size_t n = utf8_decode(p, &cp);

		if (n == 0 || forbidden_cp(cp)) {
			changed = 1;
			if (o + 1 > SINK_NAME_MAX)
				break; /* cut */
			out[o++] = '_';
			p += n == 0 ? 1 : n;
			continue;
		}
		if (o + n > SINK_NAME_MAX) {
			changed = 1; /* cut at a character boundary */
			break;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	while (o > 0 && out[o - 1] == ' ') { /* no trailing spaces */
		o--;
		changed = 1;
	}
	out[o] = '\0';
	if (o == 0) {
		strcpy(out, "unnamed");
		changed = 1;
	}
	return changed;
}

enum xerr_code sink_check_space(const char *dir, long long size, long long reserved,
				struct xerr *err)
{
	struct statvfs vfs;
	unsigned long long avail, want, held;

	if (statvfs(dir, &vfs) < 0)
		return xerr_set(err, XE_CANTCREAT, "cannot use directory %s: %s", dir,
				strerror(errno));
	avail = (unsigned long long)vfs.f_bavail;
	avail = vfs.f_frsize != 0 && avail > ULLONG_MAX / vfs.f_frsize ? ULLONG_MAX
	      : avail * vfs.f_frsize;
	want = size > 0 ? (unsigned long long)size : 0;
	held = reserved > 0 ? (unsigned long long)reserved : 0;
	/* want + held > avail, without forming the sum */
	if (want > avail || held > avail - want) {
		if (held == 0)
			return xerr_set(err, XE_CANTCREAT, "not enough space in %s: the file "
					"has %llu bytes, %llu are free", dir, want, avail);
		return xerr_set(err, XE_CANTCREAT, "not enough space in %s: the file has "
				"%llu bytes, %llu are free, %llu are reserved for other "
				"transfers", dir, want, avail, held);
	}
	return XE_OK;
}

struct sink {
	int dirfd;
	int fd;
	int anonymous;		/* O_TMPFILE: no name until commit */
	char *dir;
	char name[SINK_NAME_MAX + 1];
	char tmp[64];
	long long size;
	long long bytes;
	struct digest *digest;
	const char *alg;	/* "MD5", "SHA-256" */
};

enum xerr_code sink_open(struct sink **out, const char *dir, const char *name,
			 long long size, enum sink_hash hash, struct xerr *err)
{
	struct sink *s;
	unsigned char rnd[8];
	enum xerr_code rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	s->dirfd = s->fd = -1;
	s->tmp[0] = '\0';
	s->size = size;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->dir = strdup(dir);
	if (s->dir == NULL || RAND_bytes(rnd, sizeof(rnd)) != 1) {
		sink_abort(s);
		return xerr_set(err, XE_SOFTWARE, "out of memory or randomness");
	}
	snprintf(s->tmp, sizeof(s->tmp), ".xfer-%02x%02x%02x%02x%02x%02x%02x%02x.part",
		 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = xerr_set(err, XE_CANTCREAT, "cannot open directory %s: %s", dir,
			      strerror(errno));
		sink_abort(s);
		return rc;
	}
	/* An unnamed file vanishes by itself if we die, even by SIGKILL; it
	 * is linked in at commit through /proc/self/fd. Where that is not
	 * available, a hidden named file is used (and removed on failure). */
#ifdef O_TMPFILE
	if (access("/proc/self/fd", X_OK) == 0) {
		s->fd = openat(s->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		s->anonymous = s->fd >= 0;
	}
#endif
	if (!s->anonymous)
		s->fd = openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			       O_CLOEXEC, 0600);
	if (s->anonymous)
		s->tmp[0] = '\0';
	if (s->fd < 0) {
		rc = xerr_set(err, XE_CANTCREAT, "cannot create a file in %s: %s", dir,
			      strerror(errno));
		sink_abort(s);
		return rc;
	}
	s->alg = hash == SINK_HASH_SHA256 ? "SHA-256" : "MD5";
	if (hash != SINK_HASH_NONE &&
	    (s->digest = digest_new(hash == SINK_HASH_SHA256 ? DIGEST_SHA256 : DIGEST_MD5)) == NULL) {
		sink_abort(s);
		return xerr_set(err, XE_SOFTWARE, "cannot set up %s", s->alg);
	}
	*out = s;
	return XE_OK;
}

long long sink_bytes(const struct sink *s)
{
	return s->bytes;
}

enum xerr_code sink_write(struct sink *s, const void *buf, size_t n, struct xerr *err)
{
	const char *p = buf;
	size_t off = 0;

	if ((long long)n > s->size - s->bytes)
		return xerr_set(err, XE_PROTOCOL, "the sender sent more than the %lld bytes it "
				"announced", s->size);
	while (off < n) {
		ssize_t w = write(s->fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return xerr_set(err, XE_IO,
					"cannot write to %s: %s", s->dir, strerror(errno));
		off += (size_t)w;
	}
	if (s->digest != NULL)
		digest_update(s->digest, buf, n);
	s->bytes += (long long)n;
	return XE_OK;
}

static mode_t sink_file_mode(void)
{
	mode_t mask = umask(077);

	umask(mask);
	return 0666 & ~mask;
}

enum xerr_code sink_commit(struct sink *s, const char *expect, char *path, size_t len,
			   struct xerr *err)
{
	char final[SINK_NAME_MAX + 16];
	char proc[64];
	char got[65];
	const char *dot;
	enum xerr_code rc = XE_OK;
	int i, fd;

	if (s->bytes != s->size) {
		rc = xerr_set(err, XE_PROTOCOL, "the stream ended after %lld of %lld bytes",
			      s->bytes, s->size);
		goto fail;
	}
	if (expect != NULL && s->digest != NULL) {
		digest_final_hex(s->digest, got);
		if (strcasecmp(got, expect) != 0) {
			rc = xerr_set(err, XE_PROTOCOL, "%s mismatch: the sender announced %s, "
				      "the data has %s", s->alg, expect, got);
			xerr_flag(err, XF_MISMATCH);
			goto fail;
		}
	}
	if (fchmod(s->fd, sink_file_mode()) < 0 || fsync(s->fd) < 0) {
		rc = xerr_set(err, XE_IO, "cannot sync the file in %s: %s", s->dir,
			      strerror(errno));
		goto fail;
	}
	if (s->anonymous)
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", s->fd);
	/* "name.ext", then "name (1).ext", ...: link() never replaces a file. */
	dot = strrchr(s->name, '.');
	if (dot == NULL || dot == s->name)
		dot = s->name + strlen(s->name);
	for (i = 0; i < 10000; i++) {
		int linked;

		if (i == 0)
			snprintf(final, sizeof(final), "%s", s->name);
		else
			snprintf(final, sizeof(final), "%.*s (%d)%s", (int)(dot - s->name),
				 s->name, i, dot);
		linked = s->anonymous
		       ? linkat(AT_FDCWD, proc, s->dirfd, final, AT_SYMLINK_FOLLOW)
		       : linkat(s->dirfd, s->tmp, s->dirfd, final, 0);
		if (linked == 0)
			break;
		if (errno != EEXIST) {
			rc = xerr_set(err, XE_CANTCREAT, "cannot create %s/%s: %s", s->dir,
				      final, strerror(errno));
			goto fail;
		}
	}
	if (i == 10000) {
		rc = xerr_set(err, XE_CANTCREAT, "%s/%s and 9999 numbered variants exist",
			      s->dir, s->name);
		goto fail;
	}
	fd = s->fd;
	s->fd = -1;
	if (close(fd) < 0) { /* e.g. NFS reports write errors only here */
		rc = xerr_set(err, XE_IO, "cannot write to %s: %s", s->dir, strerror(errno));
		unlinkat(s->dirfd, final, 0);
		goto fail;
	}
	if (!s->anonymous)
		unlinkat(s->dirfd, s->tmp, 0);
	fsync(s->dirfd);
	snprintf(path, len, "%s/%s", s->dir, final);
	s->tmp[0] = '\0';
	sink_abort(s);
	return XE_OK;
fail:
	sink_abort(s);
	return rc;
}

void sink_abort(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->dirfd >= 0) {
		if (s->tmp[0] != '\0' && unlinkat(s->dirfd, s->tmp, 0) < 0 && errno != ENOENT)
			log_warn("cannot remove %s/%s: %s", s->dir, s->tmp, strerror(errno));
		close(s->dirfd);
	}
	digest_free(s->digest);
	free(s->dir);
	free(s);
}
