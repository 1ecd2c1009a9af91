/* daemon_proc.c — see daemon_proc.h */
#define _GNU_SOURCE /* close_range() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "clock.h"
#include "daemon_proc.h"
#include "log.h"
#include "signals.h"

#define DAEMON_START_WAIT_MS 120000	/* the starter waits this long for news */
#define DAEMON_LOCK_NAME ".xfer-daemon.lock"

void daemon_proc_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	while (fd >= 0 && fd <= 2)
		fd = open("/dev/null", O_RDWR);
	if (fd > 2)
		close(fd);
}

void daemon_proc_close_from(int first)
{
	int fd;

	if (close_range((unsigned)first, ~0U, 0) == 0)
		return;
	for (fd = first; fd < 4096; fd++) /* a kernel before 5.9 */
		close(fd);
}

void daemon_proc_notify(struct daemon_proc *p, enum xerr_code code, const char *msg)
{
	char line[1100];
	int n;

	if (p->notify_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%d %s", (int)code, msg);
	if (n > 0 && write(p->notify_fd, line, (size_t)n < sizeof(line) ? (size_t)n
			   : sizeof(line) - 1) < 0) {
		/* The starter is gone; nobody to tell. */
	}
	close(p->notify_fd);
	p->notify_fd = -1;
}

/* The starting process: wait for the daemon's verdict on its start. */
static enum xerr_code daemon_proc_wait_start(int fd, pid_t pid, struct xerr *err)
{
	char buf[1100];
	size_t len = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long deadline = clock_ms() + DAEMON_START_WAIT_MS;
	char *end;
	long code;

	for (;;) {
		long long left = deadline - clock_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return xerr_set(err, XE_TEMPFAIL, "the daemon (pid %ld) did not report "
					"within %d s; see its log", (long)pid,
					DAEMON_START_WAIT_MS / 1000);
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR) {
			if (signals_caught())
				return xerr_set(err, XE_SIGNAL, "stopped by signal %d while the "
						"daemon (pid %ld) starts", signals_caught(),
						(long)pid);
			continue;
		}
		if (rc <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || len + (size_t)n >= sizeof(buf) - 1) {
			if (n > 0)
				len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	code = strtol(buf, &end, 10);
	if (len == 0 || end == buf || *end != ' ')
		return xerr_set(err, XE_SOFTWARE, "the daemon (pid %ld) ended during start-up; "
				"see its log", (long)pid);
	if (code != XE_OK)
		return xerr_set(err, (enum xerr_code)code, "%s", end + 1);
	if (end[1] != '\0')
		log_warn("the daemon (pid %ld) runs, but %s; it keeps trying", (long)pid, end + 1);
	else
		log_info("the daemon runs (pid %ld)", (long)pid);
	return XE_OK;
}

int daemon_proc_detach(struct daemon_proc *p, struct xerr *err)
{
	int fds[2], null;
	pid_t pid;

	if (pipe(fds) < 0) {
		xerr_set(err, XE_SOFTWARE, "pipe: %s", strerror(errno));
		return 1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		xerr_set(err, XE_SOFTWARE, "cannot start the daemon: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 1;
	}
	if (pid > 0) {
		close(fds[1]);
		daemon_proc_wait_start(fds[0], pid, err);
		close(fds[0]);
		return 1;
	}
	close(fds[0]);
	/* Whatever the starter's caller left open (a pipe of ssh, make or
	 * CI) must not be held for months: only the notify pipe stays. */
	if (fds[1] != 3)
		dup2(fds[1], 3);
	daemon_proc_close_from(4);
	p->notify_fd = 3;
	fcntl(p->notify_fd, F_SETFD, FD_CLOEXEC);
	setsid();
	if (chdir("/") < 0) {
		/* Everything after this uses absolute paths. */
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(log_file_fd() >= 0 ? log_file_fd() : null, STDERR_FILENO);
		close(null);
	}
	return 0;
}

/* Reads the pid written in a lock file, or 0. */
static long daemon_proc_lock_pid(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Opens and flocks path, then writes our pid (and what, unless NULL: a
 * pidfile holds the pid alone, for `kill $(cat FILE)`) into it. Returns
 * the descriptor, -1 with err set, or -2 when another process holds it
 * (*holder: its pid, or 0 if unknown). */
static int daemon_proc_lock_file(const char *path, const char *what, long *holder,
				 struct xerr *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	char line[2200];
	int n;

	if (fd < 0) {
		xerr_set(err, XE_CANTCREAT, "cannot create the lock file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		*holder = daemon_proc_lock_pid(fd);
		close(fd);
		if (e == EWOULDBLOCK)
			return -2;
		xerr_set(err, XE_CANTCREAT, "cannot lock %s: %s", path, strerror(e));
		return -1;
	}
	{
		/* The daemon before us may have removed the file between our
		 * open and our lock: the lock must be on the file at path. */
		struct stat a, b;
		if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino ||
		    a.st_dev != b.st_dev) {
			close(fd);
			*holder = 0;
			return -3;
		}
	}
	n = snprintf(line, sizeof(line), "%ld\n%s%s", (long)getpid(), what != NULL ? what : "",
		     what != NULL ? "\n" : "");
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n) {
		xerr_set(err, XE_IO, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The default pidfile: in $XDG_RUNTIME_DIR, else in /tmp/xfer-UID (ours). */
static enum xerr_code daemon_proc_default_pidfile(struct daemon_proc *p, const char *bare,
						       struct xerr *err)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char dir[PATH_MAX];
	struct stat st;

	if (run != NULL && run[0] == '/') {
		if (snprintf(p->pidfile, sizeof(p->pidfile), "%s/xfer-daemon-%s.pid", run,
			     bare) >= (int)sizeof(p->pidfile))
			return xerr_set(err, XE_CANTCREAT, "the pidfile name is too long; set "
					"--pidfile");
		return XE_OK;
	}
	snprintf(dir, sizeof(dir), "/tmp/xfer-%ld", (long)geteuid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return xerr_set(err, XE_CANTCREAT, "cannot create %s for the pidfile: %s "
				"(or set --pidfile)", dir, strerror(errno));
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)
		return xerr_set(err, XE_NOPERM, "%s is not a private directory of this user; "
				"set --pidfile", dir);
	if (snprintf(p->pidfile, sizeof(p->pidfile), "%s/daemon-%s.pid", dir, bare) >=
	    (int)sizeof(p->pidfile))
		return xerr_set(err, XE_CANTCREAT, "the pidfile name is too long; set --pidfile");
	return XE_OK;
}

enum xerr_code daemon_proc_lock(struct daemon_proc *p, const char *pidfile, const char *bare,
				const char *dir, struct xerr *err)
{
	char path[PATH_MAX + 32], pid[40] = "";
	long holder = 0;
	enum xerr_code rc;
	int i;

	if (pidfile != NULL) {
		snprintf(p->pidfile, sizeof(p->pidfile), "%s", pidfile);
	} else {
		rc = daemon_proc_default_pidfile(p, bare, err);
		if (rc != XE_OK)
			return rc;
	}
	for (i = 0; i < 5; i++) {
		p->pid_fd = daemon_proc_lock_file(p->pidfile, NULL, &holder, err);
		if (p->pid_fd != -3)
			break;
	}
	if (holder > 0)
		snprintf(pid, sizeof(pid), " (pid %ld)", holder);
	if (p->pid_fd == -2 || p->pid_fd == -3) {
		xerr_set(err, XE_TEMPFAIL, "another xfer daemon%s is running for %s "
			 "(pidfile %s)", pid, bare, p->pidfile);
		p->pidfile[0] = '\0'; /* not ours to remove */
		return XE_TEMPFAIL;
	}
	if (p->pid_fd < 0) {
		p->pidfile[0] = '\0';
		return err->code;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, DAEMON_LOCK_NAME);
	holder = 0;
	p->dir_fd = daemon_proc_lock_file(path, bare, &holder, err); /* never removed: no -3 */
	if (holder > 0)
		snprintf(pid, sizeof(pid), " (pid %ld)", holder);
	if (p->dir_fd == -2 || p->dir_fd == -3)
		return xerr_set(err, XE_TEMPFAIL, "another xfer daemon%s receives into %s",
				pid, dir);
	return p->dir_fd < 0 ? err->code : XE_OK;
}

void daemon_proc_unlock(struct daemon_proc *p)
{
	if (p->pid_fd >= 0) {
		if (p->pidfile[0] != '\0')
			unlink(p->pidfile);
		close(p->pid_fd);
	}
	if (p->dir_fd >= 0)
		close(p->dir_fd); /* the file stays: a lock, not a record */
	p->pid_fd = p->dir_fd = -1;
}
