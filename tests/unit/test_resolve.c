/* Unit tests for resolve.c: numeric addresses without a thread, a name
 * (localhost, from /etc/hosts: no DNS query) through the lookup thread,
 * and giving up: a past deadline starts no thread; a readable cancel fd
 * returns at once, and the abandoned thread must free everything by
 * itself (the sanitizer build checks that). A lookup abandoned at its
 * deadline needs a resolver that does not answer: see
 * tests/integration/s5b-dns-stall.sh. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/clock.h"
#include "../../src/resolve.h"
#include "tap.h"

static unsigned short port_of(const struct addrinfo *ai)
{
	if (ai->ai_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ai->ai_addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ai->ai_addr)->sin6_port);
}

/* Waits (at most 5 s) until no lookup thread is left. */
static int settled(void)
{
	int i;

	for (i = 0; i < 500 && resolve_pending() > 0; i++)
		usleep(10000);
	return resolve_pending() == 0;
}

static void test_numeric(void)
{
	struct addrinfo *ai = NULL;
	char why[96] = "";

	ok(resolve_tcp("127.0.0.1", 1080, clock_ms() + 1000, -1, &ai, why, sizeof(why)) ==
	   RESOLVE_OK && ai != NULL && ai->ai_family == AF_INET && port_of(ai) == 1080 &&
	   ai->ai_socktype == SOCK_STREAM, "IPv4 address");
	ok(resolve_pending() == 0, "no thread for a numeric address");
	if (ai != NULL)
		freeaddrinfo(ai);
	ai = NULL;
	/* A numeric address needs no time: a past deadline does not matter. */
	ok(resolve_tcp("::1", 7777, clock_ms() - 1, -1, &ai, why, sizeof(why)) == RESOLVE_OK &&
	   ai != NULL && ai->ai_family == AF_INET6 && port_of(ai) == 7777,
	   "IPv6 address, past deadline");
	if (ai != NULL)
		freeaddrinfo(ai);
}

static void test_name(void)
{
	struct addrinfo *ai = NULL;
	char why[96] = "";

	ok(resolve_tcp("localhost", 80, clock_ms() + 5000, -1, &ai, why, sizeof(why)) ==
	   RESOLVE_OK && ai != NULL && port_of(ai) == 80, "localhost through the thread");
	if (ai != NULL)
		freeaddrinfo(ai);
	ok(settled(), "the lookup thread ended");
}

static void test_give_up(void)
{
	struct addrinfo *ai = (struct addrinfo *)&ai;
	char why[96] = "";
	long long t0;
	int pfd[2], i, all = 1;

	t0 = clock_ms();
	ok(resolve_tcp("localhost", 80, t0 - 1, -1, &ai, why, sizeof(why)) == RESOLVE_TIMEDOUT &&
	   ai == NULL, "a past deadline: timed out");
	is_str(why, "timed out", "the reason says so");
	ok(resolve_pending() == 0, "no thread when no time is left");
	ok(pipe(pfd) == 0 && write(pfd[1], "x", 1) == 1, "a cancel pipe");
	for (i = 0; i < 8; i++) {
		why[0] = '\0';
		all &= resolve_tcp("localhost", 80, clock_ms() + 5000, pfd[0], &ai, why,
				   sizeof(why)) == RESOLVE_CANCELLED && ai == NULL &&
		       strcmp(why, "cancelled") == 0;
	}
	ok(all, "a readable cancel fd: cancelled, each time");
	ok(clock_ms() - t0 < 1000, "giving up does not wait for the lookups");
	ok(settled(), "the abandoned lookups freed themselves");
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	test_numeric();
	test_name();
	test_give_up();
	return tap_done();
}
