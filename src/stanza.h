/* stanza.h — generic helpers to build and read libstrophe stanzas.
 *
 * Pure: no connection, no log; only the stanzas given are touched. */
#ifndef XFER_STANZA_H
#define XFER_STANZA_H

#include <stddef.h>

#include <strophe.h>

/* Adds a child element name (in ns, if not NULL) to parent and returns
 * it (owned by parent); with text, a text node inside it. */
xmpp_stanza_t *stanza_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *name,
			    const char *ns, const char *text);

/* The text of v into buf: 0 if it fits, -1 if v is NULL or the text is
 * too long. */
int stanza_text_copy(xmpp_stanza_t *v, char *buf, size_t len);

#endif
