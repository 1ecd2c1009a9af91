/* Tests for httpd.c and fetch.c together, over 127.0.0.1 on ephemeral
 * ports: the server runs in a thread, fetch and raw sockets in this one,
 * and small fake servers (threads too) answer what httpd never would.
 * Every wait is bounded; alarm() turns a hang into a failure. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../src/fetch.h"
#include "../../src/httpd.h"
#include "../../src/httpreq.h"
#include "tap.h"

#define FILE_SIZE (3 * 1024 * 1024 + 12345)

static char root[4096], src_dir[4200], dst_dir[4200], file_path[4300];
static unsigned char *content;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A listening socket on 127.0.0.1, port chosen by the kernel. sndbuf > 0
 * makes accepted sockets inherit a small send buffer. */
static int listener(int *port, int sndbuf)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sndbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("listener");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A port on 127.0.0.1 that nothing listens on (bound, then released). */
static int closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int connect_to(int port, int rcvbuf)
{
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/* Sends req on a new connection and reads the answer until the server
 * closes (5 s at most); returns its length, NUL-terminated in out. */
static size_t raw(int port, const char *req, char *out, size_t outlen)
{
	int fd = connect_to(port, 0);
	size_t have = 0;

	send(fd, req, strlen(req), MSG_NOSIGNAL);
	while (have + 1 < outlen) {
		ssize_t n = recv(fd, out + have, outlen - 1 - have, 0);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	out[have] = '\0';
	close(fd);
	return have;
}

/* Entries in dir, hidden ones (temp files) included. */
static int dir_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	for (e = readdir(d); e != NULL; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void dir_clear(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[8192];

	if (d == NULL)
		return;
	for (e = readdir(d); e != NULL; e = readdir(d)) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

/* ---- the server under test, in a thread ---- */

struct server {
	struct httpd_args a;
	char path[128];
	int port;
	int cancel[2];
	_Atomic long long sent;
	_Atomic int served;
	enum xerr_code rc;
	struct xerr err;
	pthread_t th;
};

static void *server_run(void *p)
{
	struct server *s = p;

	s->rc = httpd_serve(&s->a, &s->err);
	return NULL;
}

static void server_start(struct server *s, const char *file, long head_ms, long idle_ms,
			 int sndbuf)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	xerr_clear(&s->err);
	httpreq_path(s->path, sizeof(s->path), "0123abcd", "my file.bin");
	s->a.listen_fd = listener(&s->port, sndbuf);
	s->a.path = s->path;
	s->a.file_fd = open(file, O_RDONLY | O_CLOEXEC);
	fstat(s->a.file_fd, &st);
	s->a.size = st.st_size;
	if (pipe(s->cancel) < 0) {
		perror("pipe");
		exit(1);
	}
	s->a.cancel_fd = s->cancel[0];
	s->a.head_ms = head_ms;
	s->a.idle_ms = idle_ms;
	s->a.sent = &s->sent;
	s->a.served = &s->served;
	pthread_create(&s->th, NULL, server_run, s);
}

/* Cancels the server; returns how long it took to return. */
static long long server_stop(struct server *s)
{
	long long t0 = now_ms();

	if (write(s->cancel[1], "x", 1) != 1)
		perror("write");
	pthread_join(s->th, NULL);
	t0 = now_ms() - t0;
	close(s->cancel[0]);
	close(s->cancel[1]);
	close(s->a.listen_fd);
	close(s->a.file_fd);
	return t0;
}

/* ---- fake servers: one connection, one canned answer ---- */

struct fake {
	int lfd, port;
	const char *resp;
	size_t len;
	long hold_ms;		/* keep the connection open this long after answering */
	int stop[2];		/* written to: stop holding */
	pthread_t th;
};

static void *fake_run(void *p)
{
	struct fake *f = p;
	struct pollfd pf = { .fd = f->lfd, .events = POLLIN };
	char buf[4096];
	size_t have = 0, off = 0;
	int fd;

	if (poll(&pf, 1, 5000) <= 0)
		return NULL;
	fd = accept(f->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	pf.fd = fd;
	while (have + 1 < sizeof(buf) && poll(&pf, 1, 5000) > 0) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	while (off < f->len) {
		ssize_t n = send(fd, f->resp + off, f->len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (f->hold_ms > 0) {
		struct pollfd s = { .fd = f->stop[0], .events = POLLIN };

		poll(&s, 1, (int)f->hold_ms);
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, const char *resp, size_t len, long hold_ms)
{
	memset(f, 0, sizeof(*f));
	f->lfd = listener(&f->port, 0);
	f->resp = resp;
	f->len = len;
	f->hold_ms = hold_ms;
	if (pipe(f->stop) < 0) {
		perror("pipe");
		exit(1);
	}
	pthread_create(&f->th, NULL, fake_run, f);
}

static void fake_stop(struct fake *f)
{
	if (write(f->stop[1], "x", 1) != 1)
		perror("write");
	pthread_join(f->th, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->lfd);
}

/* ---- fetch ---- */

struct got {
	enum xerr_code rc;
	struct xerr err;
	char path[8192];
	long long ms;
	_Atomic long long got, total;
};

static void get_url(struct got *g, const char *url, long long max_size, long idle_ms,
		  int cancel_fd)
{
	struct fetch_args a = {
		.url = url, .dir = dst_dir, .name = "file.bin", .max_size = max_size,
		.connect_ms = 3000, .idle_ms = idle_ms, .cancel_fd = cancel_fd,
	};
	long long t0 = now_ms();

	memset(g, 0, sizeof(*g));
	g->total = -1;
	a.got = &g->got;
	a.total = &g->total;
	xerr_clear(&g->err);
	g->rc = fetch_to_sink(&a, g->path, sizeof(g->path), &g->err);
	g->ms = now_ms() - t0;
}

static void fetch_port(struct got *g, int port, const char *path, long long max_size)
{
	char url[512];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	get_url(g, url, max_size, 3000, -1);
}

/* Whether the file at path holds exactly len bytes of want. */
static int same_file(const char *path, const unsigned char *want, size_t len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = malloc(len + 1);
	size_t n;
	int same;

	if (fp == NULL || buf == NULL) {
		free(buf);
		if (fp != NULL)
			fclose(fp);
		return 0;
	}
	n = fread(buf, 1, len + 1, fp);
	fclose(fp);
	same = n == len && memcmp(buf, want, len) == 0;
	free(buf);
	return same;
}

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* ---- the tests ---- */

static void test_get(void)
{
	struct server s;
	struct got g;
	char want[8300];

	server_start(&s, file_path, 10000, 10000, 0);
	fetch_port(&g, s.port, s.path, -1);
	ok(g.rc == XE_OK, "GET: fetched (%s)", g.err.msg);
	snprintf(want, sizeof(want), "%s/file.bin", dst_dir);
	is_str(g.path, want, "  delivered as dir/name");
	ok(same_file(g.path, content, FILE_SIZE), "  byte-identical, %d bytes", FILE_SIZE);
	ok(s.served == 1 && s.sent == FILE_SIZE, "  served 1, sent %lld", (long long)s.sent);
	ok(g.got == FILE_SIZE && g.total == FILE_SIZE, "  progress: got %lld of total %lld",
	   (long long)g.got, (long long)g.total);
	fetch_port(&g, s.port, s.path, FILE_SIZE);
	ok(g.rc == XE_OK && s.served == 2, "  max_size equal to the size is fine; served 2");
	ok(dir_count(dst_dir) == 2, "  the second one did not replace the first");
	dir_clear(dst_dir);

	fetch_port(&g, s.port, s.path, FILE_SIZE - 1);
	ok(g.rc == XE_CANTCREAT && strstr(g.err.msg, "max_size") != NULL,
	   "max_size one byte short: refused (%s)", g.err.msg);
	ok(dir_count(dst_dir) == 0, "  no file left");
	ok(server_stop(&s) < 1000 && s.rc == XE_OK, "cancelled: returns XE_OK");
}

static void test_empty_file(void)
{
	char empty[8300];
	struct server s;
	struct got g;
	struct stat st;
	int fd;

	snprintf(empty, sizeof(empty), "%s/empty", src_dir);
	fd = open(empty, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	server_start(&s, empty, 10000, 10000, 0);
	fetch_port(&g, s.port, s.path, -1);
	ok(g.rc == XE_OK && stat(g.path, &st) == 0 && st.st_size == 0 && s.served == 1,
	   "an empty file is fetched as an empty file (%s)", g.err.msg);
	server_stop(&s);
	dir_clear(dst_dir);
}

static void test_raw(void)
{
	struct server s;
	struct got g;
	char req[256], resp[4096], cl[64], *end;
	size_t n;

	server_start(&s, file_path, 10000, 10000, 0);
	snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", s.path);
	n = raw(s.port, req, resp, sizeof(resp));
	snprintf(cl, sizeof(cl), "\r\nContent-Length: %d\r\n", FILE_SIZE);
	end = strstr(resp, "\r\n\r\n");
	ok(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0 && strstr(resp, cl) != NULL &&
	   strstr(resp, "\r\nContent-Type: application/octet-stream\r\n") != NULL &&
	   strstr(resp, "\r\nConnection: close\r\n") != NULL, "HEAD: 200 with the size");
	ok(end != NULL && (size_t)(end + 4 - resp) == n, "  and no body");
	ok(s.served == 0, "  not counted as served");

	raw(s.port, "GET /0123abcd/other HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp));
	ok(strncmp(resp, "HTTP/1.1 404 Not Found\r\n", 24) == 0 &&
	   strstr(resp, "Content-Length: 0\r\n") != NULL, "another path: 404");
	raw(s.port, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", resp,
		sizeof(resp));
	ok(strncmp(resp, "HTTP/1.1 405 ", 13) == 0 && strstr(resp, "\r\nAllow: GET, HEAD\r\n"),
	   "POST: 405 with Allow");
	raw(s.port, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", resp, sizeof(resp));
	ok(strncmp(resp, "HTTP/1.1 400 ", 13) == 0, "garbage (a TLS hello): 400");
	raw(s.port, "GET / HTTP/2.0\r\n\r\n", resp, sizeof(resp));
	ok(strncmp(resp, "HTTP/1.1 505 ", 13) == 0, "HTTP/2.0: 505");

	/* the path differs only in the token */
	snprintf(resp, sizeof(resp), "http://127.0.0.1:%d/0123abce/my%%20file.bin", s.port);
	get_url(&g, resp, -1, 3000, -1);
	ok(g.rc == XE_UNAVAILABLE && strstr(g.err.msg, "404") != NULL,
	   "fetch of a wrong token: XE_UNAVAILABLE (%s)", g.err.msg);
	snprintf(cl, sizeof(cl), "127.0.0.1:%d", s.port);
	ok(strstr(g.err.msg, cl) != NULL, "  the message names host:port");
	ok(dir_count(dst_dir) == 0, "  no file left");
	ok(server_stop(&s) < 1000 && s.rc == XE_OK && s.served == 0, "  nothing served");
}

static void test_stalls(void)
{
	struct server s;
	struct got g;
	long long t0, ms;
	char c;
	int fd;

	/* half a head, then nothing: dropped after head_ms */
	server_start(&s, file_path, 300, 10000, 0);
	fd = connect_to(s.port, 0);
	send(fd, "GET /x HT", 9, MSG_NOSIGNAL);
	t0 = now_ms();
	ok(recv(fd, &c, 1, 0) == 0, "a partial head: the server closes the connection");
	ms = now_ms() - t0;
	ok(ms >= 250 && ms < 3000, "  after head_ms (300 ms): %lld ms", ms);
	close(fd);
	fetch_port(&g, s.port, s.path, -1);
	ok(g.rc == XE_OK && s.served == 1, "  then the server serves the next client");
	server_stop(&s);
	dir_clear(dst_dir);

	/* the same stall with a long head_ms does not delay cancellation */
	server_start(&s, file_path, 10000, 10000, 0);
	fd = connect_to(s.port, 0);
	send(fd, "GET /x HT", 9, MSG_NOSIGNAL);
	sleep_ms(200);
	ms = server_stop(&s);
	ok(ms < 500 && s.rc == XE_OK, "cancelled while a head is stalled: %lld ms", ms);
	close(fd);

	/* a client that asks for the file and reads nothing: dropped after
	 * idle_ms (a small send buffer, inherited from the listener, keeps the
	 * file from fitting into the kernel's buffers) */
	server_start(&s, file_path, 10000, 300, 16384);
	fd = connect_to(s.port, 4096);
	dprintf(fd, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", s.path);
	sleep_ms(100);
	fetch_port(&g, s.port, s.path, -1);
	/* were it not dropped, this fetch would see no answer for 3 s and fail */
	ok(g.rc == XE_OK, "a client that reads nothing is dropped; the next one gets the file "
	   "(%s)", g.err.msg);
	ok(s.served == 1, "  only the complete body counts as served");
	close(fd);
	server_stop(&s);
	dir_clear(dst_dir);

	/* and one that reads nothing does not delay cancellation */
	server_start(&s, file_path, 10000, 10000, 16384);
	fd = connect_to(s.port, 4096);
	dprintf(fd, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", s.path);
	sleep_ms(200);
	ms = server_stop(&s);
	ok(ms < 500 && s.rc == XE_OK && s.served == 0 && s.sent > 0 && s.sent < FILE_SIZE,
	   "cancelled while a body is stalled: %lld ms, %lld bytes sent", ms,
	   (long long)s.sent);
	close(fd);
}

struct fake_case {
	const char *name;
	const char *resp;
	long hold_ms;
	enum xerr_code rc;
	const char *words;	/* in the message */
};

static const struct fake_case fakes[] = {
	{ "a redirect", "HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/f\r\n"
	  "Content-Length: 0\r\n\r\n", 0, XE_UNAVAILABLE,
	  "redirected (302 Found) to http://elsewhere.example/f" },
	{ "a redirect with control characters", "HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n"
	  "Location: http://evil.example/\x1b[2J\r\n\r\n", 0, XE_UNAVAILABLE,
	  "to http://evil.example/?[2J;" },
	{ "no Content-Length", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", 0,
	  XE_PROTOCOL, "no Content-Length" },
	{ "chunked, no Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5\r\nhello\r\n0\r\n\r\n", 0, XE_PROTOCOL, "no Content-Length" },
	{ "two Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
	  "\r\nhello!", 0, XE_PROTOCOL, "invalid Content-Length" },
	{ "a Content-Length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n"
	  "\r\nhello", 0, XE_PROTOCOL, "invalid Content-Length" },
	{ "a short body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", 0,
	  XE_PROTOCOL, "after 9 of 100 bytes" },
	{ "a long body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello and more", 0,
	  XE_PROTOCOL, "more than the 5 bytes" },
	{ "a 500 with control characters", "HTTP/1.1 500 Oops\x1b]0;pwned\x07\r\n"
	  "Content-Length: 0\r\n\r\n", 0, XE_UNAVAILABLE, "answered 500 Oops" },
	{ "a 206", "HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\n\r\nhello", 0,
	  XE_PROTOCOL, "answered 206" },
	{ "nothing", "", 0, XE_PROTOCOL, "without answering" },
	{ "not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", 0, XE_PROTOCOL, "broken answer" },
	{ "a stall in the body", "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nsome", 5000,
	  XE_TEMPFAIL, "no data from" },
	{ "a stall before the head", "", 5000, XE_TEMPFAIL, "did not answer within 300 ms" },
};

static void test_fakes(void)
{
	const char *keep;
	char url[256], hp[64];
	struct fake f;
	struct got g;
	size_t i;

	for (i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		const struct fake_case *c = &fakes[i];

		fake_start(&f, c->resp, strlen(c->resp), c->hold_ms);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/f", f.port);
		snprintf(hp, sizeof(hp), "127.0.0.1:%d", f.port);
		get_url(&g, url, -1, 300, -1);
		fake_stop(&f);
		ok(g.rc == c->rc && strstr(g.err.msg, c->words) != NULL && !has_control(g.err.msg) &&
		   strstr(g.err.msg, hp) != NULL, "refused: %s (%s)", c->name, g.err.msg);
		ok(dir_count(dst_dir) == 0 && g.ms < 3000, "  no file left, %lld ms", g.ms);
		dir_clear(dst_dir);
	}

	/* the whole body, but the server does not close: delivered after a grace */
	keep = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	fake_start(&f, keep, strlen(keep), 10000);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/f", f.port);
	get_url(&g, url, -1, 10000, -1);
	fake_stop(&f);
	ok(g.rc == XE_OK && same_file(g.path, (const unsigned char *)"hello", 5) &&
	   g.ms < 5000, "a server that keeps the connection: delivered in %lld ms (%s)", g.ms,
	   g.err.msg);
	dir_clear(dst_dir);
}

static void *cancel_later(void *p)
{
	int *fds = p;

	sleep_ms(300);
	if (write(fds[1], "x", 1) != 1)
		perror("write");
	return NULL;
}

static void test_fetch_edges(void)
{
	static const char hi[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
	static const char slow[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nsome";
	char url[256];
	struct fake f;
	struct got g;
	pthread_t th;
	int fds[2];

	get_url(&g, "file:///etc/passwd", -1, 3000, -1);
	ok(g.rc == XE_PROTOCOL && strstr(g.err.msg, "only http and https") != NULL,
	   "file:// refused (%s)", g.err.msg);
	get_url(&g, "ftp://127.0.0.1/x", -1, 3000, -1);
	ok(g.rc == XE_PROTOCOL, "ftp:// refused (%s)", g.err.msg);
	get_url(&g, "http://", -1, 3000, -1);
	ok(g.rc == XE_PROTOCOL, "a URL without host refused (%s)", g.err.msg);
	ok(dir_count(dst_dir) == 0, "  no file left");

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", closed_port());
	get_url(&g, url, -1, 3000, -1);
	ok(g.rc == XE_UNAVAILABLE && g.ms < 2000 &&
	   strstr(g.err.msg, "Connection refused") != NULL,
	   "a closed port: XE_UNAVAILABLE in %lld ms (%s)", g.ms, g.err.msg);

	/* a proxy in the environment is not used */
	setenv("http_proxy", url, 1);
	setenv("HTTP_PROXY", url, 1);
	fake_start(&f, hi, strlen(hi), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/f", f.port);
	get_url(&g, url, -1, 3000, -1);
	fake_stop(&f);
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	ok(g.rc == XE_OK, "http_proxy is ignored (%s)", g.err.msg);
	dir_clear(dst_dir);

	/* cancelled while the server trickles nothing */
	fake_start(&f, slow, strlen(slow), 10000);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/f", f.port);
	if (pipe(fds) < 0) {
		perror("pipe");
		exit(1);
	}
	pthread_create(&th, NULL, cancel_later, fds);
	get_url(&g, url, -1, 10000, fds[0]);
	pthread_join(th, NULL);
	fake_stop(&f);
	ok(g.rc == XE_SIGNAL && g.ms < 1300, "cancelled: XE_SIGNAL in %lld ms (%s)", g.ms,
	   g.err.msg);
	ok(g.got == 4 && g.total == 1000000, "  progress up to then: %lld of %lld",
	   (long long)g.got, (long long)g.total);
	ok(dir_count(dst_dir) == 0, "  no file left");
	close(fds[0]);
	close(fds[1]);
}

static void make_dirs(void)
{
	const char *tmp = getenv("TMPDIR");
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	FILE *fp;
	size_t i;

	snprintf(root, sizeof(root), "%s/xfer-httpd-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(src_dir, sizeof(src_dir), "%s/src", root);
	snprintf(dst_dir, sizeof(dst_dir), "%s/dst", root);
	snprintf(file_path, sizeof(file_path), "%s/file", src_dir);
	mkdir(src_dir, 0700);
	mkdir(dst_dir, 0700);
	content = malloc(FILE_SIZE);
	for (i = 0; i < FILE_SIZE; i++) {	/* xorshift: no pattern sendfile could fake */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		content[i] = (unsigned char)(x >> 32);
	}
	fp = fopen(file_path, "wb");
	if (fp == NULL || fwrite(content, 1, FILE_SIZE, fp) != FILE_SIZE || fclose(fp) != 0) {
		perror(file_path);
		exit(1);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* as signals_init() does */
	alarm(120);
	fetch_global_init();
	make_dirs();
	test_get();
	test_empty_file();
	test_raw();
	test_stalls();
	test_fakes();
	test_fetch_edges();
	dir_clear(dst_dir);
	dir_clear(src_dir);
	rmdir(dst_dir);
	rmdir(src_dir);
	rmdir(root);
	free(content);
	return tap_done();
}
