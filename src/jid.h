/* jid.h — parsing and comparing JIDs (RFC 7622), without libstrophe.
 *
 * The checks are the structural ones that matter for a file transfer tool:
 * a non-empty domain, parts within 1023 bytes, no whitespace or control
 * characters, and none of the characters RFC 7622 forbids in a localpart.
 * Full stringprep/PRECIS normalisation is not done; comparisons are exact
 * except that the domain and localpart compare ASCII-case-insensitively.
 * Allow-lists (accept_from, --from) are lists of JIDs and *@DOMAIN
 * patterns, matched here too. */
#ifndef XFER_JID_H
#define XFER_JID_H

#include <stddef.h>

#define JID_PART_MAX 1023

struct jid {
	char local[JID_PART_MAX + 1];	/* "" when absent */
	char domain[JID_PART_MAX + 1];
	char resource[JID_PART_MAX + 1]; /* "" when absent */
};

/* Parses s into out. Returns 0, or -1 with a short reason in *why. */
int jid_parse(const char *s, struct jid *out, const char **why);

/* Writes local@domain (or domain) into buf; returns buf. */
char *jid_bare(const struct jid *j, char *buf, size_t len);

/* 1 if a and b have the same bare JID. */
int jid_same_bare(const struct jid *a, const struct jid *b);

/* 1 if jid (a full or bare JID) is allowed by list (words separated by
 * spaces or commas): a bare JID allows every resource, a full JID only
 * itself, "*@DOMAIN" every account at DOMAIN and "*@*.DOMAIN" every
 * account at a subdomain of DOMAIN (not DOMAIN itself). */
int jid_allowed(const char *list, const char *jid);

/* 0 if word is a JID or a pattern that jid_allowed() takes (accept_from,
 * --from); else -1 with a short reason in *why. */
int jid_word_ok(const char *word, const char **why);

#endif
