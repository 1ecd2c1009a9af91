/* password.c — see password.h */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "password.h"

#define PASSWORD_CMD_SECONDS 120

extern char **environ;

/* Reads the first line of fd into buf (len bytes) by deadline. Returns its
 * length without the newline, -2 if it does not fit, -1 on timeout. */
static long read_first_line(int fd, char *buf, size_t len, long long deadline)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - clock_ms();
		char *nl;
		ssize_t r;
		int rc;

		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc <= 0)
			continue;
		if (n + 1 >= len)
			return -2;
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		nl = memchr(buf, '\n', n);
		if (nl != NULL) {
			n = (size_t)(nl - buf);
			break;
		}
	}
	if (n >= len - 1)
		return -2;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (long)n;
}

enum xerr_code password_run(const char *cmd, const char *account, char **out,
			    struct xerr *err)
{
	char buf[1024];
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t defaults;
	int pfd[2], status = 0, i;
	pid_t pid, w = 0;
	long n;
	enum xerr_code rc = XE_OK;

	if (pipe(pfd) < 0)
		return xerr_set(err, XE_SOFTWARE, "pipe: %s", strerror(errno));
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pfd[1]);
	posix_spawnattr_init(&attr);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE); /* we ignore it; the command should not */
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	i = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pfd[1]);
	if (i != 0) {
		close(pfd[0]);
		return xerr_set(err, XE_CONFIG, "cannot run password_cmd of account '%s': %s",
				account, strerror(i));
	}
	n = read_first_line(pfd[0], buf, sizeof(buf),
			    clock_ms() + PASSWORD_CMD_SECONDS * 1000LL);
	close(pfd[0]); /* a command that goes on writing gets SIGPIPE */
	/* Reap it within a few seconds; one that lingers is killed. */
	for (i = 0; i < 50; i++) {
		w = waitpid(pid, &status, WNOHANG);
		if (w != 0)
			break;
		usleep(100000);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		status = 0; /* we ended it, after it had answered (or timed out) */
	}
	if (n == -1)
		rc = xerr_set(err, XE_CONFIG, "password_cmd of account '%s' printed no line "
			      "within %d s", account, PASSWORD_CMD_SECONDS);
	else if (n == -2)
		rc = xerr_set(err, XE_CONFIG, "password_cmd of account '%s' printed a line "
			      "longer than %zu bytes", account, sizeof(buf) - 2);
	/* A command that kept writing after its first line was stopped by our
	 * closing the pipe: SIGPIPE, which the shell reports as 128 + 13. */
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
		 WEXITSTATUS(status) != 128 + SIGPIPE)
		rc = xerr_set(err, XE_CONFIG, "password_cmd of account '%s' failed "
			      "(exit status %d)", account, WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGPIPE)
		rc = xerr_set(err, XE_CONFIG, "password_cmd of account '%s' did not exit "
			      "normally (signal %d)", account, WTERMSIG(status));
	else if (n == 0)
		rc = xerr_set(err, XE_CONFIG, "password_cmd of account '%s' printed no "
			      "password", account);
	else {
		*out = strdup(buf);
		if (*out == NULL)
			rc = xerr_set(err, XE_SOFTWARE, "out of memory");
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}
