/* config.c — see config.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "confkey.h"
#include "jid.h"
#include "net.h"
#include "password.h"
#include "si.h"

#define CONFIG_LINE_MAX 4096

static void wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void account_free(struct account *a)
{
	free(a->name);
	free(a->jid);
	wipe_free(a->password);
	free(a->password_cmd);
	free(a->resource);
	free(a->host);
	free(a->cafile);
	free(a->drop_dir);
	free(a->accept_from);
	free(a->s5b_listen);
	free(a->s5b_address);
	free(a->s5b_proxy);
	free(a->oob_listen);
	free(a->oob_address);
	free(a->on_receive);
	free(a->log);
	free(a->pidfile);
}

void config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++)
		account_free(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

enum xerr_code config_path(const char *explicit_path, char *buf, size_t len, struct xerr *err)
{
	const char *env, *home;
	int n;

	if (explicit_path != NULL)
		n = snprintf(buf, len, "%s", explicit_path);
	else if ((env = getenv("XFER_CONFIG")) != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env != '\0')
		n = snprintf(buf, len, "%s/xfer/config", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		n = snprintf(buf, len, "%s/.config/xfer/config", home);
	else
		return xerr_set(err, XE_CONFIG,
				"no config file: HOME is not set; name one with -c FILE");
	if (n < 0 || (size_t)n >= len)
		return xerr_set(err, XE_CONFIG, "config file path is too long");
	return XE_OK;
}

int config_parse_size(const char *s, long long *out)
{
	char *end;
	long long v, mult = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1LL << 10; end++; break;
	case 'm': case 'M': mult = 1LL << 20; end++; break;
	case 'g': case 'G': mult = 1LL << 30; end++; break;
	case 't': case 'T': mult = 1LL << 40; end++; break;
	default: return -1;
	}
	if (*end != '\0' || v > (1LL << 62) / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int config_parse_methods(const char *list, int *out, int max, char *bad)
{
	char copy[256], *w, *save = NULL;
	int n = 0, m, i;

	snprintf(copy, sizeof(copy), "%s", list);
	for (w = strtok_r(copy, " ,\t", &save); w != NULL; w = strtok_r(NULL, " ,\t", &save)) {
		m = method_from_name(w);
		if (m == 0) {
			snprintf(bad, 64, "%s", w);
			return -1;
		}
		for (i = 0; i < n && out[i] != m; i++)
			;
		if (i == n && n < max - 1)
			out[n++] = m;
	}
	if (n == 0) {
		snprintf(bad, 64, "%s", list);
		return -1;
	}
	out[n] = 0;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static struct account *config_add_account(struct config *cfg, const char *name, int line,
					  struct xerr *err)
{
	struct account *grown, *a;
	size_t i;

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0) {
			xerr_set(err, XE_CONFIG, "%s:%d: account '%s' is defined twice%s",
				 cfg->path, line, name,
				 strcmp(name, "default") == 0
				 ? " (keys before the first section belong to account 'default')" : "");
			return NULL;
		}
	}
	grown = realloc(cfg->accounts, (cfg->naccounts + 1) * sizeof(*grown));
	if (grown == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return NULL;
	}
	cfg->accounts = grown;
	a = &cfg->accounts[cfg->naccounts];
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	if (a->name == NULL) {
		xerr_set(err, XE_SOFTWARE, "out of memory");
		return NULL;
	}
	a->line = line;
	a->max_size = -1;
	cfg->naccounts++;
	return a;
}

static int valid_account_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-@", *s) == NULL)
			return 0;
	return 1;
}

static enum xerr_code config_section(struct config *cfg, char *line, int lineno,
				     struct account **cur, struct xerr *err)
{
	char *end = strchr(line, ']');
	char *name;

	if (end == NULL || trim(end + 1)[0] != '\0')
		return xerr_set(err, XE_CONFIG, "%s:%d: malformed section header "
				"(expected [account NAME])", cfg->path, lineno);
	*end = '\0';
	name = trim(line + 1);
	if (strncmp(name, "account", 7) != 0 || !isspace((unsigned char)name[7]))
		return xerr_set(err, XE_CONFIG, "%s:%d: unknown section [%s] "
				"(expected [account NAME])", cfg->path, lineno, name);
	name = trim(name + 7);
	if (!valid_account_name(name))
		return xerr_set(err, XE_CONFIG, "%s:%d: invalid account name '%s' "
				"(letters, digits and . _ - @ only)", cfg->path, lineno, name);
	*cur = config_add_account(cfg, name, lineno, err);
	return *cur != NULL ? XE_OK : err->code;
}

static enum xerr_code config_assignment(struct config *cfg, char *line, int lineno,
					struct account **cur, struct xerr *err)
{
	char *eq = strchr(line, '=');
	char *key, *value;
	size_t vlen;
	int i;

	if (eq == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: expected 'key = value'",
				cfg->path, lineno);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	vlen = strlen(value);
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value[vlen - 1] = '\0';
		value++;
	}
	i = confkey_find(key);
	if (i < 0)
		return xerr_set(err, XE_CONFIG, "%s:%d: unknown key '%s'", cfg->path, lineno, key);
	if (*cur == NULL) {
		*cur = config_add_account(cfg, "default", lineno, err);
		if (*cur == NULL)
			return err->code;
	}
	if ((*cur)->seen & (1UL << i))
		return xerr_set(err, XE_CONFIG, "%s:%d: '%s' is set twice in account '%s'",
				cfg->path, lineno, key, (*cur)->name);
	(*cur)->seen |= 1UL << i;
	if (strcmp(key, "password") == 0)
		cfg->has_password = 1;
	return confkey_set(i, *cur, value, cfg->path, lineno, err);
}

static enum xerr_code config_validate(struct config *cfg, struct account *a, struct xerr *err)
{
	struct jid j;
	const char *why = NULL;
	const char *host;

	if (a->jid == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s' has no jid",
				cfg->path, a->line, a->name);
	if (jid_parse(a->jid, &j, &why) == 0 && j.local[0] == '\0')
		why = "no user part";
	else if (why == NULL && j.resource[0] != '\0')
		why = "a resource belongs in the 'resource' key";
	if (why != NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s': jid '%s' is not of the "
				"form user@domain (%s)", cfg->path, a->line, a->name, a->jid, why);
	if (a->password != NULL && a->password_cmd != NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s' sets both password and "
				"password_cmd; keep one", cfg->path, a->line, a->name);
	if (a->password == NULL && a->password_cmd == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s' has neither password nor "
				"password_cmd", cfg->path, a->line, a->name);
	if (a->resource != NULL && strlen(a->resource) > JID_PART_MAX)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s': resource longer than "
				"%d bytes", cfg->path, a->line, a->name, JID_PART_MAX);
	if (a->resource != NULL && strpbrk(a->resource, "/\t\r\n") != NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: account '%s': resource must not "
				"contain '/' or control characters", cfg->path, a->line, a->name);
	/* Without 'host', the domain's SRV records decide where we connect,
	 * so only an explicit loopback host makes plaintext safe. */
	host = a->host != NULL ? a->host : j.domain;
	if (a->tls == TLS_OFF && (a->host == NULL || !net_host_is_loopback(host)))
		return xerr_set(err, XE_CONFIG, "%s:%d: tls = off is refused for host '%s': "
				"plaintext is allowed only with 'host' set to a loopback "
				"address (use tls = required)", cfg->path, a->tls_line, host);
	return XE_OK;
}

enum xerr_code config_parse(FILE *f, const char *path, struct config *cfg, struct xerr *err)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	struct account *cur = NULL;
	int lineno = 0;
	size_t i;
	enum xerr_code rc = XE_OK;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(path);
	/* Sized so that getline() does not reallocate (and leave copies of
	 * a password behind) for any line we accept. */
	cap = CONFIG_LINE_MAX + 2;
	buf = malloc(cap);
	if (cfg->path == NULL || buf == NULL) {
		free(buf);
		free(cfg->path);
		cfg->path = NULL;
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	}
	while ((len = getline(&buf, &cap, f)) >= 0) {
		char *line;

		lineno++;
		if (len - (len > 0 && buf[len - 1] == '\n') > CONFIG_LINE_MAX) {
			rc = xerr_set(err, XE_CONFIG, "%s:%d: line longer than %d bytes",
				      path, lineno, CONFIG_LINE_MAX);
			goto out;
		}
		if (strlen(buf) != (size_t)len) {
			rc = xerr_set(err, XE_CONFIG, "%s:%d: NUL byte in line", path, lineno);
			goto out;
		}
		line = trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '[')
			rc = config_section(cfg, line, lineno, &cur, err);
		else
			rc = config_assignment(cfg, line, lineno, &cur, err);
		if (rc != XE_OK)
			goto out;
	}
	if (ferror(f)) {
		rc = xerr_set(err, XE_IO, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (cfg->naccounts == 0) {
		rc = xerr_set(err, XE_CONFIG, "%s: no account configured (add at least "
			      "'jid = ...' and 'password = ...'; see xfer.conf(5))", path);
		goto out;
	}
	for (i = 0; i < cfg->naccounts && rc == XE_OK; i++)
		rc = config_validate(cfg, &cfg->accounts[i], err);
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	if (rc != XE_OK)
		config_free(cfg);
	return rc;
}

enum xerr_code config_check_mode(const struct config *cfg, const struct stat *st,
				 uid_t euid, struct xerr *err)
{
	if (!S_ISREG(st->st_mode))
		return xerr_set(err, XE_CONFIG, "%s is not a regular file", cfg->path);
	/* Whoever can change the file can run commands as us (password_cmd)
	 * or send our password elsewhere (host): always refused. */
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xerr_set(err, XE_NOPERM, "%s can be written by group or others "
				"(mode %04o); run: chmod go-w %s", cfg->path,
				(unsigned)(st->st_mode & 07777), cfg->path);
	if (st->st_uid != euid)
		return xerr_set(err, XE_NOPERM, "%s belongs to uid %u, not to you (uid %u)",
				cfg->path, (unsigned)st->st_uid, (unsigned)euid);
	if (cfg->has_password && (st->st_mode & (S_IRWXG | S_IRWXO)))
		return xerr_set(err, XE_NOPERM, "%s contains a password and can be read by "
				"group or others (mode %04o); run: chmod 600 %s",
				cfg->path, (unsigned)(st->st_mode & 07777), cfg->path);
	return XE_OK;
}

enum xerr_code config_load(const char *path, struct config *cfg, struct xerr *err)
{
	char iobuf[8192];
	struct stat st;
	FILE *f = NULL;
	int fd;
	enum xerr_code rc;

	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return xerr_set(err, XE_CONFIG, "cannot open config file %s: %s "
				"(create it, or name another with -c; see xfer.conf(5))",
				path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = xerr_set(err, XE_IO, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return xerr_set(err, XE_CONFIG, "%s is not a regular file", path);
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return xerr_set(err, XE_SOFTWARE, "fdopen: %s", strerror(errno));
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)); /* ours, so it can be wiped */
	rc = config_parse(f, path, cfg, err);
	fclose(f);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	if (rc == XE_OK) {
		rc = config_check_mode(cfg, &st, geteuid(), err);
		if (rc != XE_OK)
			config_free(cfg);
	}
	return rc;
}

enum xerr_code config_check_files(const struct config *cfg, const struct account *a,
					 struct xerr *err)
{
	X509 *cert;
	FILE *f;

	if (a->cafile == NULL)
		return XE_OK;
	f = fopen(a->cafile, "re");
	if (f == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: cafile %s cannot be read: %s (fix the "
				"path, or remove the key to use the system's CAs)", cfg->path,
				a->cafile_line, a->cafile, strerror(errno));
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error(); /* nothing of this may reach the TLS diagnosis */
	if (cert == NULL)
		return xerr_set(err, XE_CONFIG, "%s:%d: cafile %s holds no PEM certificate",
				cfg->path, a->cafile_line, a->cafile);
	X509_free(cert);
	return XE_OK;
}

struct account *config_account(struct config *cfg, const char *name, struct xerr *err)
{
	char names[512] = "";
	size_t i, used = 0;

	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name != NULL ? name : "default") == 0)
			return &cfg->accounts[i];
	for (i = 0; i < cfg->naccounts && used < sizeof(names); i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s",
				 i > 0 ? ", " : "", cfg->accounts[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (name == NULL)
		xerr_set(err, XE_CONFIG, "%s has no default account; choose one with -a NAME "
			 "(accounts: %s)", cfg->path, names);
	else
		xerr_set(err, XE_CONFIG, "%s has no account '%s' (accounts: %s)",
			 cfg->path, name, names);
	return NULL;
}

enum xerr_code account_resolve_password(struct account *acct, struct xerr *err)
{
	if (acct->password != NULL)
		return XE_OK;
	return password_run(acct->password_cmd, acct->name, &acct->password, err);
}
