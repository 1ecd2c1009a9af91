/* caps.h — XEP-0115 entity capabilities: the verification string (pure).
 *
 * A client puts <c xmlns='http://jabber.org/protocol/caps' hash='sha-1'
 * node=CAPS_NODE ver=VER/> in its presence; VER is the base64 SHA-1 of its
 * disco#info identities and features in a canonical order, so others can
 * cache what it supports without asking again. */
#ifndef XFER_CAPS_H
#define XFER_CAPS_H

#include <stddef.h>

#define NS_CAPS "http://jabber.org/protocol/caps"
/* The URI naming the software (XEP-0115 4.1). */
#define CAPS_NODE "https://xfer.invalid/caps"
#define CAPS_VER_LEN 29	/* base64 of 20 bytes (28) + NUL */

/* The ver of one identity (category/type, no xml:lang, name) and the n
 * features (any order; they are sorted here). 0, or -1 when there is no
 * memory or a feature would make the string ambiguous (contains '<'). */
int caps_ver(const char *category, const char *type, const char *name,
	     const char *const *features, size_t n, char out[CAPS_VER_LEN]);

#endif
