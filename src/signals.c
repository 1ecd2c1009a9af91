/* signals.c — see signals.h */
#include <signal.h>
#include <string.h>

#include "signals.h"

static volatile sig_atomic_t caught, count, hup, daemon_mode;

static void signals_handler(int sig)
{
	if (sig == SIGHUP && daemon_mode) {
		hup = 1;
		return;
	}
	if (caught == 0)
		caught = sig;
	if (count < 100)
		count++;
}

void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signals_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int signals_caught(void)
{
	return caught;
}

int signals_count(void)
{
	return count;
}

void signals_daemon(void)
{
	daemon_mode = 1;
}

int signals_reload_pending(void)
{
	return hup != 0;
}

int signals_reload(void)
{
	if (!hup)
		return 0;
	hup = 0;
	return 1;
}
