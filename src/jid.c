/* jid.c — see jid.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jid.h"

static int jid_bad_char(unsigned char c, int in_local)
{
	if (c <= 0x20 || c == 0x7f)
		return 1;
	/* RFC 7622 forbids these in a localpart; in a domain (a DNS name or
	 * an IP literal) they can only be mistakes or attacks. */
	return strchr(in_local ? "\"&'/:<>@" : "\"&'/<>@\\", c) != NULL;
}

static int jid_copy_part(char *dst, const char *src, size_t n, int in_local,
			 const char **why, const char *what)
{
	size_t i;

	if (n > JID_PART_MAX) {
		*why = what[0] == 'l' ? "localpart longer than 1023 bytes"
		     : what[0] == 'd' ? "domain longer than 1023 bytes"
		     : "resource longer than 1023 bytes";
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		/* A resource may contain spaces and '@' and '/', not controls. */
		if (what[0] == 'r' ? (c < 0x20 || c == 0x7f) : jid_bad_char(c, in_local)) {
			*why = what[0] == 'l' ? "invalid character in localpart"
			     : what[0] == 'd' ? "invalid character in domain"
			     : "control character in resource";
			return -1;
		}
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int jid_parse(const char *s, struct jid *out, const char **why)
{
	const char *slash, *at, *dom;
	size_t domlen;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		*why = "empty JID";
		return -1;
	}
	slash = strchr(s, '/');
	at = memchr(s, '@', slash != NULL ? (size_t)(slash - s) : strlen(s));
	dom = at != NULL ? at + 1 : s;
	domlen = slash != NULL ? (size_t)(slash - dom) : strlen(dom);
	if (at != NULL) {
		if (at == s) {
			*why = "empty localpart before '@'";
			return -1;
		}
		if (jid_copy_part(out->local, s, (size_t)(at - s), 1, why, "local") < 0)
			return -1;
	}
	if (domlen == 0) {
		*why = "no domain";
		return -1;
	}
	if (dom[domlen - 1] == '.')
		domlen--; /* RFC 7622 3.2: a trailing dot is stripped */
	if (domlen > 0 && dom[domlen - 1] == '.') {
		/* one dot only: "b.." would become "b.", a different JID */
		*why = "empty label at the end of the domain";
		return -1;
	}
	if (domlen == 0 || jid_copy_part(out->domain, dom, domlen, 0, why, "domain") < 0) {
		if (domlen == 0)
			*why = "no domain";
		return -1;
	}
	if (slash != NULL) {
		if (slash[1] == '\0') {
			*why = "empty resource after '/'";
			return -1;
		}
		if (jid_copy_part(out->resource, slash + 1, strlen(slash + 1), 0, why, "resource") < 0)
			return -1;
	}
	return 0;
}

char *jid_bare(const struct jid *j, char *buf, size_t len)
{
	if (j->local[0] != '\0')
		snprintf(buf, len, "%s@%s", j->local, j->domain);
	else
		snprintf(buf, len, "%s", j->domain);
	return buf;
}

int jid_same_bare(const struct jid *a, const struct jid *b)
{
	return strcasecmp(a->local, b->local) == 0 && strcasecmp(a->domain, b->domain) == 0;
}

/* The domain a pattern word names ("*@D" or "*@*.D"), with *sub set for
 * the second form; NULL if word is not a pattern. */
static const char *pattern_domain(const char *word, int *sub)
{
	if (strncmp(word, "*@", 2) != 0)
		return NULL;
	*sub = strncmp(word + 2, "*.", 2) == 0;
	return word + (*sub ? 4 : 2);
}

int jid_word_ok(const char *word, const char **why)
{
	struct jid j;
	const char *domain;
	int sub;

	domain = pattern_domain(word, &sub);
	if (domain == NULL)
		return jid_parse(word, &j, why);
	if (jid_parse(domain, &j, why) < 0)
		return -1;
	if (j.local[0] != '\0' || j.resource[0] != '\0' || strchr(domain, '*') != NULL) {
		*why = "a pattern is *@DOMAIN or *@*.DOMAIN, with no resource";
		return -1;
	}
	return 0;
}

/* 1 if domain d is base (sub = 0) or a subdomain of it (sub = 1). A
 * final dot on base is ignored, as jid_parse() drops it from d. */
static int domain_match(const char *d, const char *base, int sub)
{
	size_t dl = strlen(d), bl = strlen(base);

	if (bl > 0 && base[bl - 1] == '.')
		bl--;
	if (!sub)
		return dl == bl && strncasecmp(d, base, bl) == 0;
	return dl > bl + 1 && d[dl - bl - 1] == '.' && strncasecmp(d + dl - bl, base, bl) == 0;
}

int jid_allowed(const char *list, const char *jid)
{
	char *copy, *w, *save = NULL;
	struct jid want, got;
	const char *domain;
	int ok = 0, sub;

	if (list == NULL || jid_parse(jid, &got, NULL) < 0)
		return 0;
	copy = strdup(list);
	if (copy == NULL)
		return 0;
	for (w = strtok_r(copy, " ,\t", &save); w != NULL && !ok; w = strtok_r(NULL, " ,\t", &save)) {
		domain = pattern_domain(w, &sub);
		if (domain != NULL) {
			/* Accounts only: a bare domain (a server or service) is
			 * not "an account at DOMAIN". */
			ok = got.local[0] != '\0' && domain_match(got.domain, domain, sub);
			continue;
		}
		if (jid_parse(w, &want, NULL) < 0 || !jid_same_bare(&want, &got))
			continue;
		ok = want.resource[0] == '\0' || strcmp(want.resource, got.resource) == 0;
	}
	free(copy);
	return ok;
}
