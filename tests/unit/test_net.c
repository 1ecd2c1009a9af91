/* Unit tests for net.c: HOST:PORT parsing, the loopback and address
 * checks, the local addresses a listener advertises (over a real
 * loopback connection), the cancellable wait and the sends of a whole
 * buffer and a whole file. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/clock.h"
#include "../../src/net.h"
#include "tap.h"

static void test_hostport(void)
{
	char host[64];
	unsigned short port;

	port = 7;
	ok(net_hostport_parse("example.org", host, sizeof(host), &port) == 0 &&
	   strcmp(host, "example.org") == 0 && port == 7, "host alone keeps the port");
	ok(net_hostport_parse("10.0.0.1:8010", host, sizeof(host), &port) == 0 &&
	   strcmp(host, "10.0.0.1") == 0 && port == 8010, "address:port");
	ok(net_hostport_parse("[2001:db8::1]:9", host, sizeof(host), &port) == 0 &&
	   strcmp(host, "2001:db8::1") == 0 && port == 9, "[v6]:port");
	port = 3;
	ok(net_hostport_parse("2001:db8::1", host, sizeof(host), &port) == 0 &&
	   strcmp(host, "2001:db8::1") == 0 && port == 3, "bare v6");
	ok(net_hostport_parse("h:0", host, sizeof(host), &port) < 0, "port 0 refused");
	ok(net_hostport_parse("h:65536", host, sizeof(host), &port) < 0, "port 65536 refused");
	ok(net_hostport_parse("h:-1", host, sizeof(host), &port) < 0, "negative port refused");
	ok(net_hostport_parse("h:", host, sizeof(host), &port) < 0, "empty port refused");
	ok(net_hostport_parse(":80", host, sizeof(host), &port) < 0, "empty host refused");
	ok(net_hostport_parse("[::1", host, sizeof(host), &port) < 0, "unclosed bracket refused");
	ok(net_hostport_parse("[::1]x", host, sizeof(host), &port) < 0,
	   "junk after bracket refused");
	ok(net_hostport_parse("a b", host, sizeof(host), &port) < 0, "space refused");
	ok(net_hostport_parse("", host, sizeof(host), &port) < 0, "empty refused");
}

static void test_loopback(void)
{
	static const struct { const char *host; int want; } cases[] = {
		{ "localhost", 1 }, { "LOCALHOST", 1 }, { "127.0.0.1", 1 }, { "127.9.8.7", 1 },
		{ "::1", 1 }, { "0:0:0:0:0:0:0:1", 1 }, { "128.0.0.1", 0 }, { "10.0.0.1", 0 },
		{ "::2", 0 }, { "localhost.example.org", 0 }, { "example.org", 0 }, { "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(net_host_is_loopback(cases[i].host) == cases[i].want, "loopback: '%s'",
		   cases[i].host);
	ok(net_host_is_loopback(NULL) == 0, "loopback: NULL");
}

static void test_is_address(void)
{
	static const struct { const char *host; int want; } cases[] = {
		{ "127.0.0.1", 1 }, { "0.0.0.0", 1 }, { "::", 1 }, { "2001:db8::1", 1 },
		{ "::ffff:10.0.0.1", 1 }, { "localhost", 0 }, { "example.org", 0 },
		{ "10.0.0", 0 }, { "256.0.0.1", 0 }, { "[::1]", 0 }, { "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(net_is_address(cases[i].host) == cases[i].want, "address: '%s'",
		   cases[i].host);
}

/* The advertised addresses: the XMPP connection's local address first;
 * loopback only when that connection is over loopback. */
static void test_local_addrs(void)
{
	char addrs[8][64];
	struct xerr err;
	unsigned short port;
	int l, c, a, n, i, loop = 0;
	struct sockaddr_in sin;

	xerr_clear(&err);
	n = net_local_addrs(-1, addrs, 8);
	for (i = 0; i < n; i++)
		loop |= strncmp(addrs[i], "127.", 4) == 0 || strcmp(addrs[i], "::1") == 0;
	ok(!loop, "without a loopback XMPP connection, no loopback address (%d addresses)", n);

	l = net_listen("127.0.0.1", 0, &port, "test", &err);
	c = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok(l >= 0 && connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0, "a loopback connection");
	n = net_local_addrs(c, addrs, 8);
	ok(n >= 1 && strcmp(addrs[0], "127.0.0.1") == 0,
	   "over loopback: its local address comes first (%s)", n >= 1 ? addrs[0] : "none");
	for (i = 1, a = 1; i < n; i++)
		a &= strcmp(addrs[i], "127.0.0.1") != 0;
	ok(a, "  and is not repeated");
	close(c);
	if (l >= 0)
		close(l);
}

/* What a listener advertises: the override, else a specific listen
 * address, else the local addresses. */
static void test_advertised(void)
{
	char out[4][256], local[4][64];
	unsigned short port = 7000;
	int n;

	ok(net_advertised(-1, "10.0.0.1", "files.example.org:8010", out, 4, &port) == 1,
	   "advertised: the address override alone");
	is_str(out[0], "files.example.org", "  its host");
	ok(port == 8010, "  its port replaces the listener's");
	port = 7000;
	ok(net_advertised(-1, NULL, "[2001:db8::1]", out, 4, &port) == 1 && port == 7000,
	   "advertised: an override without a port keeps the listener's");
	is_str(out[0], "2001:db8::1", "  the bare v6 address");
	ok(net_advertised(-1, "10.0.0.1:99", NULL, out, 4, &port) == 1 && port == 7000,
	   "advertised: a specific listen address, the listener's port");
	is_str(out[0], "10.0.0.1", "  that address");
	n = net_local_addrs(-1, local, 4);
	ok(net_advertised(-1, "0.0.0.0", NULL, out, 4, &port) == n &&
	   (n == 0 || strcmp(out[0], local[0]) == 0),
	   "advertised: listening on every address, the local addresses (%d)", n);
	ok(net_advertised(-1, NULL, "bad host", out, 4, &port) == 0,
	   "advertised: a malformed override gives nothing");
	ok(net_advertised(-1, NULL, "x.org", out, 0, &port) == 0, "advertised: no room");
}

/* The one cancellable wait: ready, timeout, and a cancel that wins. */
static void test_wait(void)
{
	int data[2], idle[2], cancel[2];
	long long t0;

	if (pipe(data) < 0 || pipe(idle) < 0 || pipe(cancel) < 0) {
		ok(0, "wait: pipes");
		return;
	}
	(void)!write(data[1], "x", 1);
	ok(net_wait(data[0], POLLIN, cancel[0], 1000) == NET_OK, "wait: a readable fd is ready");
	t0 = clock_ms();
	ok(net_wait(idle[0], POLLIN, cancel[0], 50) == NET_TIMEOUT && clock_ms() - t0 >= 50,
	   "wait: nothing to read times out after ms");
	ok(net_wait(-1, 0, -1, 0) == NET_TIMEOUT, "wait: no fds, no time: a timeout");
	(void)!write(cancel[1], "x", 1);
	ok(net_wait(data[0], POLLIN, cancel[0], 1000) == NET_CANCELLED,
	   "wait: cancel wins over a ready fd");
	ok(net_wait(-1, 0, cancel[0], 0) == NET_CANCELLED, "wait: cancel alone, no time");
	close(cancel[0]);
	close(cancel[1]);
	if (pipe(cancel) < 0)
		return;
	close(cancel[1]);
	ok(net_wait(idle[0], POLLIN, cancel[0], 1000) == NET_CANCELLED,
	   "wait: a cancel pipe whose writer closed cancels");
	close(cancel[0]);
	close(data[0]);
	close(data[1]);
	close(idle[0]);
	close(idle[1]);
}

/* One send of a whole buffer: all of it, a peer that takes nothing, a
 * cancel, a peer that is gone. */
static void test_send_all(void)
{
	static char big[4 << 20];
	char got[16] = { 0 };
	int sv[2], cancel[2];
	struct xerr err;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0 || pipe(cancel) < 0) {
		ok(0, "send: socketpair");
		return;
	}
	xerr_clear(&err);
	ok(net_send_all(sv[0], "hello", 5, cancel[0], 1000, &err) == NET_OK &&
	   read(sv[1], got, sizeof(got) - 1) == 5, "send: a small buffer goes out whole");
	is_str(got, "hello", "  as it was");
	ok(net_send_all(sv[0], big, sizeof(big), cancel[0], 100, &err) == NET_TIMEOUT &&
	   err.code == XE_TEMPFAIL, "send: a peer that takes nothing times out (%s)", err.msg);
	(void)!write(cancel[1], "x", 1);
	xerr_clear(&err);
	ok(net_send_all(sv[0], big, sizeof(big), cancel[0], 5000, &err) == NET_CANCELLED &&
	   err.code == XE_SIGNAL, "send: a cancel ends the wait for room");
	close(sv[1]);
	xerr_clear(&err);
	ok(net_send_all(sv[0], "x", 1, -1, 1000, &err) == NET_EPEER &&
	   err.code == XE_UNAVAILABLE, "send: a peer that is gone is an error, not SIGPIPE");
	is_str(err.msg, strerror(EPIPE), "  with the system's words alone");
	close(sv[0]);
	close(cancel[0]);
	close(cancel[1]);
}

/* One send of a whole file: all of it with progress, a file shorter
 * than announced, a file that cannot be read, a peer that takes nothing. */
static void test_sendfile_all(void)
{
	static char buf[1000];
	char path[] = "/tmp/test_net.XXXXXX";
	_Atomic long long progress = -1;
	long long sent = -1;
	int sv[2], fd;
	struct xerr err;

	fd = mkstemp(path);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
		ok(0, "sendfile: temp file and socketpair");
		return;
	}
	unlink(path);
	memset(buf, 'a', sizeof(buf));
	(void)!write(fd, buf, sizeof(buf));
	xerr_clear(&err);
	ok(net_sendfile_all(sv[0], fd, 1000, -1, 1000, &progress, &sent, &err) == NET_OK &&
	   sent == 1000 && progress == 1000, "sendfile: the whole file, progress counted");
	ok(read(sv[1], buf, sizeof(buf)) == 1000 && lseek(fd, 0, SEEK_CUR) == 1000,
	   "  it arrives, and the file offset did not move");
	ok(net_sendfile_all(sv[0], fd, 1500, -1, 1000, NULL, &sent, &err) == NET_SHORT &&
	   sent == 1000 && err.code == XE_IO, "sendfile: a file shorter than its size");
	(void)!read(sv[1], buf, sizeof(buf));
	xerr_clear(&err);
	ok(net_sendfile_all(sv[0], -1, 10, -1, 1000, NULL, NULL, &err) == NET_EFILE &&
	   err.code == XE_IO, "sendfile: a file that cannot be read (%s)", err.msg);
	ok(ftruncate(fd, 64 << 20) == 0, "sendfile: a 64 MiB file");
	xerr_clear(&err);
	ok(net_sendfile_all(sv[0], fd, 64 << 20, -1, 100, &progress, &sent, &err) == NET_TIMEOUT
	   && err.code == XE_TEMPFAIL && sent > 0 && sent < 64 << 20 && sent == progress,
	   "sendfile: a peer that takes nothing times out, progress counted");
	close(sv[1]);
	xerr_clear(&err);
	ok(net_sendfile_all(sv[0], fd, 64 << 20, -1, 100, NULL, NULL, &err) == NET_EPEER &&
	   err.code == XE_UNAVAILABLE, "sendfile: a peer that is gone (%s)", err.msg);
	close(fd);
	close(sv[0]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* sendfile() raises it, as in xfer */
	test_hostport();
	test_loopback();
	test_is_address();
	test_local_addrs();
	test_advertised();
	test_wait();
	test_send_all();
	test_sendfile_all();
	return tap_done();
}
