/* stanza.c — see stanza.h */
#include <string.h>

#include "stanza.h"

xmpp_stanza_t *stanza_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *name,
			    const char *ns, const char *text)
{
	xmpp_stanza_t *c = xmpp_stanza_new(ctx);

	xmpp_stanza_set_name(c, name);
	if (ns != NULL)
		xmpp_stanza_set_ns(c, ns);
	if (text != NULL) {
		xmpp_stanza_t *t = xmpp_stanza_new(ctx);
		xmpp_stanza_set_text(t, text);
		xmpp_stanza_add_child(c, t);
		xmpp_stanza_release(t);
	}
	xmpp_stanza_add_child(parent, c);
	xmpp_stanza_release(c);
	return c; /* owned by parent */
}

int stanza_text_copy(xmpp_stanza_t *v, char *buf, size_t len)
{
	char *t = v != NULL ? xmpp_stanza_get_text(v) : NULL;
	int rc = -1;

	if (t != NULL) {
		if (strlen(t) < len) {
			strcpy(buf, t);
			rc = 0;
		}
		xmpp_free(xmpp_stanza_get_context(v), t);
	}
	return rc;
}
