/* stanza.h — for the libFuzzer targets of stanza parsers: the fuzz bytes
 * as a stanza, parsed by libstrophe (xmpp_stanza_new_from_string), once
 * as they are and once inside an IQ so that a bare child element reaches
 * the code below the IQ. Header-only: each target is one program. */
#ifndef XFER_FUZZ_STANZA_H
#define XFER_FUZZ_STANZA_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#define FUZZ_IQ_SET "<iq type='set' from='peer@example.com/r' to='me@example.net/x' id='f1'>"
#define FUZZ_IQ_RESULT "<iq type='result' from='proxy.example.com' to='me@example.net/x' id='f1'>"

/* The one context, made on first use and kept for the process. */
static inline xmpp_ctx_t *fuzz_ctx(void)
{
	static xmpp_ctx_t *ctx;

	if (ctx == NULL) {
		xmpp_initialize();
		ctx = xmpp_ctx_new(NULL, NULL);
	}
	return ctx;
}

/* data as a C string (a NUL in it ends it early), between pre and post;
 * the caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size, const char *pre, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *s = malloc(a + size + b + 1);

	if (s == NULL)
		abort();
	memcpy(s, pre, a);
	memcpy(s + a, data, size);
	memcpy(s + a + size, post, b + 1);
	return s;
}

/* Calls fn with the stanza data is, if it is one, then with the stanza
 * wrap + data + "</iq>" (wrap: an opening iq tag). */
static inline void fuzz_stanzas(const uint8_t *data, size_t size, const char *wrap,
			 void (*fn)(xmpp_ctx_t *ctx, xmpp_stanza_t *st))
{
	xmpp_ctx_t *ctx = fuzz_ctx();
	int i;

	for (i = 0; i < 2; i++) {
		char *s = fuzz_string(data, size, i == 0 ? "" : wrap, i == 0 ? "" : "</iq>");
		xmpp_stanza_t *st = xmpp_stanza_new_from_string(ctx, s);

		free(s);
		if (st != NULL) {
			fn(ctx, st);
			xmpp_stanza_release(st);
		}
	}
}

/* A result IQ around child (a stanza made by a builder), as a parser of
 * replies expects it; the caller's reference to child goes to the IQ. */
static inline xmpp_stanza_t *fuzz_iq_around(xmpp_ctx_t *ctx, xmpp_stanza_t *child)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "result", "f1");

	xmpp_stanza_add_child(iq, child);
	xmpp_stanza_release(child);
	return iq;
}

#endif
