/* daemon.c — see daemon.h */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "daemon.h"
#include "daemon_proc.h"
#include "jid.h"
#include "log.h"
#include "session.h"
#include "signals.h"
#include "recv.h"

extern char **environ;

#define DAEMON_PING_EVERY_MS 60000L
#define DAEMON_PING_TIMEOUT_MS 30000L

/* An on_receive command still running. */
struct child {
	pid_t pid;
	char path[4096];
	struct child *next;
};

struct daemon {
	const struct xfer_opts *o;
	struct account *acct;	/* the account at start: the connection keys */
	const char *cfg_path;
	char dir[PATH_MAX];
	char bare[2100];
	char *on_receive;	/* reloadable */
	char *log_spec;		/* the target in use */
	struct receiver *r;
	struct session *s;
	int ping_out;		/* a ping is waiting for its answer */
	int ping_lost;		/* it was not answered */
	long long ping_next;
	struct child *children;
	int attempt;		/* logins failed or lost in a row: the back-off */
	long long online_ms;	/* when the current connection came up */
	struct daemon_proc proc;	/* the start-up pipe and the locks */
};

long daemon_backoff_ms(int n, double rnd)
{
	long full = n >= 6 ? 60000L : 1000L << n;

	if (full > 60000L)
		full = 60000L;
	if (rnd < 0)
		rnd = 0;
	if (rnd > 1)
		rnd = 1;
	return full / 2 + (long)((double)(full / 2) * rnd);
}

static double daemon_random(void)
{
	unsigned int v;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		return 1.0;
	return (double)v / (double)UINT_MAX;
}

/* NAME=value for the child's environment (malloc'd). */
static char *daemon_env(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}

/* Runs on_receive for a delivered file; does not wait for it. */
static void daemon_on_receive(void *arg, const struct receiver_delivery *dv)
{
	static const char *const names[] = { "XFER_PATH", "XFER_NAME", "XFER_SENDER",
					     "XFER_SIZE", "XFER_METHOD" };
	struct daemon *d = arg;
	char size[32], **envp;
	const char *values[5];
	struct child *c;
	size_t n = 0, i, k = 0;
	pid_t pid;

	if (d->on_receive == NULL)
		return;
	snprintf(size, sizeof(size), "%lld", dv->bytes);
	values[0] = dv->path;
	values[1] = dv->name;
	values[2] = dv->peer;
	values[3] = size;
	values[4] = dv->method;
	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 6, sizeof(*envp));
	c = calloc(1, sizeof(*c));
	if (envp == NULL || c == NULL)
		goto fail;
	/* Untrusted values go in the environment only, never into the
	 * command text: the shell does not expand them unless asked. */
	for (i = k = 0; i < n; i++)
		if (strncmp(environ[i], "XFER_", 5) != 0)
			envp[k++] = environ[i];
	for (i = 0; i < 5; i++)
		if ((envp[k + i] = daemon_env(names[i], values[i])) == NULL)
			goto fail;
	snprintf(c->path, sizeof(c->path), "%s", dv->path);
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here to exec. */
		sigset_t none;
		int null = open("/dev/null", O_RDONLY);
		char *argv[] = { "sh", "-c", d->on_receive, NULL };

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (null > STDIN_FILENO) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
		dup2(STDERR_FILENO, STDOUT_FILENO);
		if (chdir(d->dir) < 0)
			_exit(126);
		daemon_proc_close_from(3);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	if (pid < 0) {
		log_warn("on_receive for %s: cannot start it: %s", dv->path, strerror(errno));
		goto fail;
	}
	log_debug("on_receive for %s started (pid %ld)", dv->path, (long)pid);
	c->pid = pid;
	c->next = d->children;
	d->children = c;
	c = NULL;
fail:
	if (envp != NULL)
		for (i = 0; i < 5; i++)
			free(envp[k + i]);
	free(envp);
	free(c);
	if (envp == NULL)
		log_warn("on_receive for %s: out of memory", dv->path);
}

/* Collects on_receive commands that ended, logging the failed ones. */
static void daemon_reap(struct daemon *d)
{
	struct child **pp = &d->children, *c;
	int status;

	while ((c = *pp) != NULL) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR)) {
			pp = &c->next;
			continue;
		}
		if (r == c->pid && WIFEXITED(status) && WEXITSTATUS(status) != 0)
			log_warn("on_receive for %s exited with status %d", c->path,
				 WEXITSTATUS(status));
		else if (r == c->pid && WIFSIGNALED(status))
			log_warn("on_receive for %s was killed by signal %d", c->path,
				 WTERMSIG(status));
		else if (r == c->pid)
			log_debug("on_receive for %s succeeded", c->path);
		*pp = c->next;
		free(c);
	}
}

static enum xerr_code daemon_set_log(struct daemon *d, const char *spec, struct xerr *err)
{
	char *copy;

	if (d->log_spec != NULL && strcmp(d->log_spec, spec) == 0)
		return log_reopen(err);
	if ((copy = strdup(spec)) == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	if (log_target(spec, err) != XE_OK) {
		free(copy);
		return err->code;
	}
	free(d->log_spec);
	d->log_spec = copy;
	return XE_OK;
}

/* The log target: --log, else the `log` key, else stderr in the
 * foreground and syslog when detached. */
static const char *daemon_log_spec(const struct xfer_opts *o, const struct account *a)
{
	return o->log != NULL ? o->log : a->log != NULL ? a->log
	     : o->foreground ? "stderr" : "syslog";
}

/* After log_reopen() or a new target: commands started later write their
 * output to the current log file (stderr is where it goes). */
static void daemon_stderr_to_log(struct daemon *d)
{
	if (!d->o->foreground && log_file_fd() >= 0)
		dup2(log_file_fd(), STDERR_FILENO);
}

/* The policy keys of acct (and --from) into the receiver. */
static enum xerr_code daemon_policy(struct daemon *d, const struct account *a,
				    const char *allow, struct xerr *err)
{
	enum xerr_code rc = receiver_policy(d->r, allow, a->max_size, a->max_concurrent, err);

	if (rc != XE_OK)
		return rc;
	free(d->on_receive);
	d->on_receive = NULL;
	if (a->on_receive != NULL && (d->on_receive = strdup(a->on_receive)) == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	return XE_OK;
}

/* SIGHUP: the policy keys and the log target from the file again. All
 * is checked before anything changes; a refused reload changes nothing
 * but still reopens the log file (logrotate sends SIGHUP too). */
static void daemon_reload(struct daemon *d)
{
	struct config cfg = { 0 };
	struct account *a = NULL;
	struct xerr err;
	char *allow = NULL;

	xerr_clear(&err);
	if (config_load(d->cfg_path, &cfg, &err) == XE_OK &&
	    (a = config_account(&cfg, d->o->account, &err)) != NULL) {
		if (strcmp(a->jid, d->acct->jid) != 0)
			xerr_set(&err, XE_CONFIG, "the account's jid is now %s, not %s: restart "
				 "the daemon to change accounts", a->jid, d->acct->jid);
		else
			receiver_allow_list(a->accept_from, d->o->from, &allow, &err);
	}
	if (err.code == XE_OK) /* with --log the same target: reopened */
		daemon_set_log(d, daemon_log_spec(d->o, a), &err);
	else
		log_reopen(NULL);
	if (err.code == XE_OK)
		daemon_policy(d, a, allow, &err);
	free(allow);
	daemon_stderr_to_log(d);
	if (err.code != XE_OK)
		log_error("cannot reload %s: %s; keeping the old configuration", d->cfg_path,
			  err.msg);
	else
		log_info("reloaded the configuration from %s", d->cfg_path);
	config_free(&cfg);
}

static void daemon_ping_cb(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct daemon *d = arg;

	/* An error reply proves the server is there just as well. */
	d->ping_out = 0;
	if (reply == NULL)
		d->ping_lost = 1;
	(void)s;
}

/* Sleeps ms, or less if a stop or reload signal arrives. 1 if stopped. */
static int daemon_pause(long ms)
{
	long long until = session_now_ms() + ms;

	while (session_now_ms() < until) {
		if (signals_caught() || signals_reload_pending())
			break;
		poll(NULL, 0, 100);
	}
	return signals_caught() != 0;
}

/* Logs in, retrying temporary failures with back-off. XE_OK with d->s
 * connected, XE_SIGNAL when stopped while waiting, or a failure that
 * retrying cannot fix. */
static enum xerr_code daemon_connect(struct daemon *d, struct xerr *err)
{
	for (;;) {
		struct xerr e;
		long wait;

		xerr_clear(&e);
		if (session_open(&d->s, d->acct, OPTS_DEFAULT_TIMEOUT * 1000L, &e) == XE_OK)
			break;
		if (e.code == XE_SIGNAL || signals_caught())
			return XE_SIGNAL;
		if (e.code == XE_NOPERM || e.code == XE_CONFIG || e.code == XE_SOFTWARE) {
			daemon_proc_notify(&d->proc, e.code, e.msg);
			return xerr_set(err, e.code, "%s", e.msg);
		}
		wait = daemon_backoff_ms(d->attempt++, daemon_random());
		log_warn("cannot connect: %s; retrying in %ld s", e.msg, (wait + 500) / 1000);
		daemon_proc_notify(&d->proc, XE_OK, e.msg);
		if (daemon_pause(wait))
			return XE_SIGNAL;
		if (signals_reload())
			daemon_reload(d);
	}
	receiver_attach(d->r, d->s);
	d->online_ms = session_now_ms();
	d->ping_out = d->ping_lost = 0;
	d->ping_next = session_now_ms() + DAEMON_PING_EVERY_MS;
	log_info("online as %s; receiving into %s", session_jid(d->s), d->dir);
	daemon_proc_notify(&d->proc, XE_OK, "");
	return XE_OK;
}

/* Serves until the connection is lost (XE_UNAVAILABLE) or a stop signal. */
static enum xerr_code daemon_serve(struct daemon *d)
{
	while (!signals_caught()) {
		if (signals_reload())
			daemon_reload(d);
		receiver_step(d->r);
		daemon_reap(d);
		if (!session_connected(d->s) || d->ping_lost)
			return XE_UNAVAILABLE;
		if (!d->ping_out && session_now_ms() >= d->ping_next) {
			/* XEP-0199: a server that is gone without a word is noticed. */
			xmpp_ctx_t *ctx = session_ctx(d->s);
			xmpp_stanza_t *iq = xmpp_iq_new(ctx, "get", NULL);
			xmpp_stanza_t *ping = xmpp_stanza_new(ctx);

			xmpp_stanza_set_name(ping, "ping");
			xmpp_stanza_set_ns(ping, "urn:xmpp:ping");
			xmpp_stanza_add_child(iq, ping);
			xmpp_stanza_release(ping);
			xmpp_stanza_set_to(iq, session_domain(d->s));
			d->ping_out = 1;
			d->ping_next = session_now_ms() + DAEMON_PING_EVERY_MS;
			session_iq(d->s, iq, DAEMON_PING_TIMEOUT_MS, daemon_ping_cb, d);
		}
	}
	return XE_OK;
}

/* A stop signal: no new offers; running transfers get the grace period,
 * a second signal ends it. */
static void daemon_stop(struct daemon *d)
{
	long long until = session_now_ms() + (long long)d->o->grace * 1000;
	int active = receiver_active(d->r);

	receiver_close(d->r);
	log_info("stopping on signal %d: waiting up to %d s for %d transfer%s",
		 signals_caught(), d->o->grace, active, active == 1 ? "" : "s");
	while (d->s != NULL && receiver_active(d->r) > 0 && session_now_ms() < until &&
	       signals_count() < 2 && session_connected(d->s)) {
		receiver_step(d->r);
		daemon_reap(d);
	}
	if (d->s != NULL && session_connected(d->s)) {
		session_presence(d->s, NULL, "unavailable");
		receiver_end_all(d->r, XE_SIGNAL, "the daemon stopped before the transfer ended");
		until = session_now_ms() + 300;
		while (session_now_ms() < until && session_connected(d->s))
			session_run(d->s, 20);
	}
	if (d->s != NULL)
		receiver_detach(d->r);
}

static void daemon_drop_session(struct daemon *d)
{
	if (d->s == NULL)
		return;
	session_iq_forget(d->s, d);
	receiver_detach(d->r);
	session_free(d->s);
	d->s = NULL;
}

/* Both locks, with --pidfile over the config's pidfile (else the default). */
static enum xerr_code daemon_locks(struct daemon *d, struct xerr *err)
{
	return daemon_proc_lock(&d->proc, d->o->pidfile != NULL ? d->o->pidfile : d->acct->pidfile,
				d->bare, d->dir, err);
}

/* *path, if relative, made absolute against the current directory. */
static enum xerr_code daemon_absolute(char **path, struct xerr *err)
{
	char cwd[PATH_MAX], *abs;
	size_t n;

	if (*path == NULL || (*path)[0] == '/')
		return XE_OK;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return xerr_set(err, XE_SOFTWARE, "getcwd: %s", strerror(errno));
	n = strlen(cwd) + strlen(*path) + 2;
	if ((abs = malloc(n)) == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	snprintf(abs, n, "%s/%s", cwd, *path);
	free(*path);
	*path = abs;
	return XE_OK;
}

/* Start-up checks that need no network and no fork. */
static enum xerr_code daemon_check(struct daemon *d, struct xerr *err)
{
	const struct xfer_opts *o = d->o;
	const char *dir = o->dir != NULL ? o->dir : d->acct->drop_dir;
	const char *why;
	struct jid j;

	if (dir == NULL)
		return xerr_set(err, XE_USAGE, "the daemon needs a drop directory: -d DIR, or "
				"'drop_dir' in the config");
	if (realpath(dir, d->dir) == NULL)
		return xerr_set(err, XE_CANTCREAT, "drop directory %s: %s", dir, strerror(errno));
	if (access(d->dir, W_OK | X_OK) < 0)
		return xerr_set(err, XE_CANTCREAT, "cannot write to %s: %s", d->dir,
				strerror(errno));
	if (jid_parse(d->acct->jid, &j, &why) < 0)
		return xerr_set(err, XE_CONFIG, "invalid jid '%s': %s", d->acct->jid, why);
	jid_bare(&j, d->bare, sizeof(d->bare));
	/* The detached daemon works from /: file names from the config that
	 * are relative mean the directory it was started in. */
	if (daemon_absolute(&d->acct->cafile, err) != XE_OK ||
	    daemon_absolute(&d->acct->pidfile, err) != XE_OK)
		return err->code;
	return XE_OK;
}

enum xerr_code daemon_run(struct account *acct, const char *cfg_path,
			  const struct xfer_opts *o, struct xerr *err)
{
	struct daemon d;
	char cfg_abs[PATH_MAX];
	const char *spec;
	char *allow = NULL;
	enum xerr_code rc;
	struct child *c;

	/* SIGHUP must not stop a daemon that is still starting. */
	signals_daemon();
	daemon_proc_stdio();
	memset(&d, 0, sizeof(d));
	d.o = o;
	d.acct = acct;
	d.proc.notify_fd = d.proc.pid_fd = d.proc.dir_fd = -1;
	/* Events are what a daemon's log is for: they show without -v. */
	log_init("xfer", o->quiet ? 0 : o->verbose + 1);
	if ((rc = daemon_check(&d, err)) != XE_OK)
		return rc;
	if (realpath(cfg_path, cfg_abs) == NULL)
		return xerr_set(err, XE_CONFIG, "%s: %s", cfg_path, strerror(errno));
	d.cfg_path = cfg_abs;
	d.r = receiver_new(acct, d.dir, INT_MAX, (long)o->idle_timeout * 1000, err);
	if (d.r == NULL)
		return err->code;
	if ((rc = receiver_allow_list(acct->accept_from, o->from, &allow, err)) != XE_OK ||
	    (rc = daemon_policy(&d, acct, allow, err)) != XE_OK)
		goto out;
	free(allow);
	allow = NULL;
	receiver_output(d.r, 0, 0, daemon_on_receive, &d);
	spec = daemon_log_spec(o, acct); /* opts.c and config.c checked it */
	if ((rc = account_resolve_password(acct, err)) != XE_OK)
		goto out;
	if (!o->foreground && daemon_proc_detach(&d.proc, err)) {
		rc = err->code; /* the starting process: the daemon's verdict */
		receiver_free(d.r);
		free(d.on_receive);
		return rc;
	}
	if ((rc = daemon_locks(&d, err)) != XE_OK) {
		daemon_proc_notify(&d.proc, rc, err->msg);
		goto out;
	}
	/* From here on, messages go where the configuration says. */
	if ((rc = daemon_set_log(&d, spec, err)) != XE_OK) {
		daemon_proc_notify(&d.proc, rc, err->msg);
		goto out;
	}
	daemon_stderr_to_log(&d);

	for (;;) {
		long wait;

		rc = daemon_connect(&d, err);
		if (rc != XE_OK)
			break;
		if (daemon_serve(&d) == XE_OK) {
			daemon_stop(&d);
			break;
		}
		/* Lost. A connection that stayed up a while starts the back-off
		 * over; one that keeps dropping at once does not. */
		if (session_now_ms() - d.online_ms >= 60000)
			d.attempt = 0;
		wait = daemon_backoff_ms(d.attempt++, daemon_random());
		log_warn("connection to the server lost; reconnecting in %ld s", (wait + 500) / 1000);
		daemon_drop_session(&d);
		if (daemon_pause(wait)) {
			rc = XE_SIGNAL;
			break;
		}
		if (signals_reload())
			daemon_reload(&d);
	}
	if (rc == XE_SIGNAL) {
		rc = XE_OK; /* asked to stop: a clean end */
		xerr_clear(err);
	}
	if (rc == XE_OK)
		log_info("stopped");
out:
	daemon_drop_session(&d);
	daemon_reap(&d);
	while ((c = d.children) != NULL) {
		/* Still running: left alone, not waited for. */
		d.children = c->next;
		free(c);
	}
	if (d.proc.notify_fd >= 0)
		daemon_proc_notify(&d.proc, rc != XE_OK ? rc : XE_TEMPFAIL, rc != XE_OK ? err->msg
				   : "the daemon was stopped during start-up");
	daemon_proc_unlock(&d.proc);
	receiver_free(d.r);
	free(allow);
	free(d.on_receive);
	free(d.log_spec);
	return rc;
}
