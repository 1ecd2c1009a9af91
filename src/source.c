/* source.c — see source.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "source.h"

static long source_read_raw(int fd, char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = read(fd, buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	return (long)off;
}

enum xerr_code source_open(struct source **out, const char *path, int want_sha256,
			   struct xerr *err)
{
	struct source *s;
	struct stat st;
	struct digest *md5 = NULL, *sha = NULL;
	char *buf = NULL;
	long long total = 0;
	long n;
	enum xerr_code rc = XE_OK;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	}
	s->name = strrchr(s->path, '/') != NULL ? strrchr(s->path, '/') + 1 : s->path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0) {
		rc = xerr_set(err, XE_NOINPUT, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = xerr_set(err, XE_NOINPUT, "%s is not a regular file", path);
		goto out;
	}
	if (*s->name == '\0') {
		rc = xerr_set(err, XE_NOINPUT, "%s names no file", path);
		goto out;
	}
	s->size = st.st_size;
	s->mtime = st.st_mtime;
	md5 = digest_new(DIGEST_MD5);
	sha = want_sha256 ? digest_new(DIGEST_SHA256) : NULL;
	buf = malloc(1 << 16);
	if (md5 == NULL || buf == NULL || (want_sha256 && sha == NULL)) {
		rc = xerr_set(err, XE_SOFTWARE, "out of memory");
		goto out;
	}
	while ((n = source_read_raw(s->fd, buf, 1 << 16)) > 0) {
		digest_update(md5, buf, (size_t)n);
		if (sha != NULL)
			digest_update(sha, buf, (size_t)n);
		total += n;
	}
	if (n < 0) {
		rc = xerr_set(err, XE_IO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (total != s->size) {
		rc = xerr_set(err, XE_IO, "%s changed size while it was read", path);
		goto out;
	}
	digest_final_hex(md5, s->md5);
	if (sha != NULL)
		digest_final_hex(sha, s->sha256);
	if (lseek(s->fd, 0, SEEK_SET) < 0)
		rc = xerr_set(err, XE_IO, "cannot rewind %s: %s", path, strerror(errno));
out:
	free(buf);
	digest_free(md5);
	digest_free(sha);
	if (rc != XE_OK)
		source_free(s);
	else
		*out = s;
	return rc;
}

long source_read(struct source *s, void *buf, size_t n, struct xerr *err)
{
	long r;
	char extra;

	if ((long long)n > s->size - s->offset)
		n = (size_t)(s->size - s->offset);
	r = source_read_raw(s->fd, buf, n);
	if (r < 0) {
		xerr_set(err, XE_IO, "cannot read %s: %s", s->path, strerror(errno));
		return -1;
	}
	if ((size_t)r < n) {
		xerr_set(err, XE_IO, "%s became shorter while it was sent", s->path);
		return -1;
	}
	s->offset += r;
	if (s->offset == s->size && source_read_raw(s->fd, &extra, 1) != 0) {
		xerr_set(err, XE_IO, "%s grew while it was sent", s->path);
		return -1;
	}
	return r;
}

int source_changed(struct source *s, struct xerr *err)
{
	struct stat st;

	if (fstat(s->fd, &st) < 0 || st.st_size != s->size) {
		xerr_set(err, XE_IO, "%s changed size while it was sent", s->path);
		return 1;
	}
	return 0;
}

void source_date(const struct source *s, char buf[static 32])
{
	struct tm tm;

	gmtime_r(&s->mtime, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void source_free(struct source *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}
