/* si.c — see si.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "si.h"

static const struct {
	int m;
	const char *name, *ns;
} methods[] = {
	{ METHOD_S5B, "s5b", NS_S5B },
	{ METHOD_IBB, "ibb", NS_IBB },
	{ METHOD_OOB, "oob", NS_OOB },
};

#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

int method_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return methods[i].m;
	return 0;
}

const char *method_name(int m)
{
	size_t i;

	for (i = 0; i < NMETHODS; i++)
		if (methods[i].m == m)
			return methods[i].name;
	return "?";
}

const char *method_ns(int m)
{
	size_t i;

	for (i = 0; i < NMETHODS; i++)
		if (methods[i].m == m)
			return methods[i].ns;
	return NULL;
}

int method_from_ns(const char *ns)
{
	size_t i;

	for (i = 0; ns != NULL && i < NMETHODS; i++)
		if ((methods[i].m & METHODS_SI) && strcmp(methods[i].ns, ns) == 0)
			return methods[i].m;
	return 0;
}

static xmpp_stanza_t *el(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *name,
			 const char *ns)
{
	return stanza_child(ctx, parent, name, ns, NULL);
}

static void text(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *s)
{
	xmpp_stanza_t *t = xmpp_stanza_new(ctx);

	xmpp_stanza_set_text(t, s);
	xmpp_stanza_add_child(parent, t);
	xmpp_stanza_release(t);
}

xmpp_stanza_t *si_offer_build(xmpp_ctx_t *ctx, const char *to, const struct si_offer *o,
			      const int *ms, int nms)
{
	xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
	xmpp_stanza_t *si, *file, *x, *field;
	char size[32];
	int i;

	xmpp_stanza_set_to(iq, to);
	si = el(ctx, iq, "si", NS_SI);
	xmpp_stanza_set_attribute(si, "id", o->sid);
	xmpp_stanza_set_attribute(si, "mime-type", "application/octet-stream");
	xmpp_stanza_set_attribute(si, "profile", NS_SI_FT);
	file = el(ctx, si, "file", NS_SI_FT);
	snprintf(size, sizeof(size), "%lld", o->size);
	xmpp_stanza_set_attribute(file, "name", o->name);
	xmpp_stanza_set_attribute(file, "size", size);
	if (o->date[0] != '\0')
		xmpp_stanza_set_attribute(file, "date", o->date);
	if (o->md5[0] != '\0')
		xmpp_stanza_set_attribute(file, "hash", o->md5);
	if (o->desc[0] != '\0')
		text(ctx, el(ctx, file, "desc", NULL), o->desc);
	x = el(ctx, el(ctx, si, "feature", NS_FEATURE_NEG), "x", NS_XDATA);
	xmpp_stanza_set_type(x, "form");
	field = el(ctx, x, "field", NULL);
	xmpp_stanza_set_attribute(field, "var", "stream-method");
	xmpp_stanza_set_type(field, "list-single");
	for (i = 0; i < nms; i++)
		text(ctx, el(ctx, el(ctx, field, "option", NULL), "value", NULL), method_ns(ms[i]));
	el(ctx, si, "si-multiple", NS_SI_MULTIPLE);
	return iq;
}

/* The stream-method field of the form in <feature/>, or NULL. */
static xmpp_stanza_t *stream_method_field(xmpp_stanza_t *si)
{
	xmpp_stanza_t *feat = xmpp_stanza_get_child_by_name_and_ns(si, "feature", NS_FEATURE_NEG);
	xmpp_stanza_t *x = feat != NULL ? xmpp_stanza_get_child_by_name_and_ns(feat, "x", NS_XDATA)
				       : NULL;
	xmpp_stanza_t *f;

	for (f = x != NULL ? xmpp_stanza_get_children(x) : NULL; f != NULL;
	     f = xmpp_stanza_get_next(f)) {
		const char *var = xmpp_stanza_get_attribute(f, "var");
		if (xmpp_stanza_is_tag(f) && strcmp(xmpp_stanza_get_name(f), "field") == 0 &&
		    var != NULL && strcmp(var, "stream-method") == 0)
			return f;
	}
	return NULL;
}

int si_offer_parse(xmpp_stanza_t *iq, struct si_offer *o, const char **cond,
		   const char **app, const char **why)
{
	xmpp_stanza_t *si, *file, *field, *opt;
	const char *id, *profile, *name, *size, *date, *hash;
	char *end;
	size_t i;

	memset(o, 0, sizeof(*o));
	*cond = "bad-request";
	*app = NULL;
	si = xmpp_stanza_get_child_by_name_and_ns(iq, "si", NS_SI);
	if (si == NULL) {
		*why = "no <si/> element";
		return -1;
	}
	profile = xmpp_stanza_get_attribute(si, "profile");
	file = xmpp_stanza_get_child_by_name_and_ns(si, "file", NS_SI_FT);
	if (profile == NULL || strcmp(profile, NS_SI_FT) != 0 || file == NULL) {
		*app = "bad-profile";
		*why = "not a file-transfer offer";
		return -1;
	}
	id = xmpp_stanza_get_attribute(si, "id");
	if (id == NULL || *id == '\0' || strlen(id) >= sizeof(o->sid)) {
		*why = "missing or overlong stream id";
		return -1;
	}
	for (i = 0; id[i] != '\0'; i++) {
		if ((unsigned char)id[i] <= 0x20 || strchr("<>&'\"", id[i]) != NULL) {
			*why = "invalid characters in stream id";
			return -1;
		}
	}
	strcpy(o->sid, id);
	name = xmpp_stanza_get_attribute(file, "name");
	size = xmpp_stanza_get_attribute(file, "size");
	if (name == NULL || strlen(name) >= sizeof(o->name)) {
		*why = "missing or overlong file name";
		return -1;
	}
	strcpy(o->name, name);
	errno = 0;
	o->size = size != NULL && *size >= '0' && *size <= '9' ? strtoll(size, &end, 10) : -1;
	if (size == NULL || errno != 0 || o->size < 0 || *end != '\0') {
		*why = "missing or invalid file size";
		return -1;
	}
	date = xmpp_stanza_get_attribute(file, "date");
	if (date != NULL && strlen(date) < sizeof(o->date))
		strcpy(o->date, date);
	hash = xmpp_stanza_get_attribute(file, "hash");
	if (hash != NULL) {
		if (strlen(hash) != 32 || strspn(hash, "0123456789abcdefABCDEF") != 32) {
			*why = "hash is not an MD5 in hex";
			return -1;
		}
		for (i = 0; i < 32; i++)
			o->md5[i] = (char)(hash[i] | 0x20); /* lowercase */
	}
	if (stanza_text_copy(xmpp_stanza_get_child_by_name(file, "desc"), o->desc, sizeof(o->desc)) < 0)
		o->desc[0] = '\0';
	field = stream_method_field(si);
	if (field == NULL) {
		*why = "no stream-method field";
		return -1;
	}
	for (opt = xmpp_stanza_get_children(field); opt != NULL; opt = xmpp_stanza_get_next(opt)) {
		char ns[128];
		if (xmpp_stanza_is_tag(opt) && strcmp(xmpp_stanza_get_name(opt), "option") == 0 &&
		    stanza_text_copy(xmpp_stanza_get_child_by_name(opt, "value"), ns, sizeof(ns)) == 0)
			o->methods |= (unsigned)method_from_ns(ns);
	}
	o->multiple = xmpp_stanza_get_child_by_name_and_ns(si, "si-multiple", NS_SI_MULTIPLE) != NULL;
	if (o->methods == 0) {
		*app = "no-valid-streams";
		*why = "no stream method that xfer supports";
		return -1;
	}
	*cond = NULL;
	return 0;
}

xmpp_stanza_t *si_accept_build(xmpp_ctx_t *ctx, const int *ms, int n, int multiple)
{
	xmpp_stanza_t *si = xmpp_stanza_new(ctx);
	xmpp_stanza_t *x, *field, *list;
	int i;

	xmpp_stanza_set_name(si, "si");
	xmpp_stanza_set_ns(si, NS_SI);
	if (multiple) {
		/* The form Telepathy-Gabble, which defined the extension, sends. */
		list = el(ctx, si, "si-multiple", NS_SI_MULTIPLE);
		for (i = 0; i < n; i++)
			text(ctx, el(ctx, list, "value", NULL), method_ns(ms[i]));
		return si;
	}
	x = el(ctx, el(ctx, si, "feature", NS_FEATURE_NEG), "x", NS_XDATA);
	xmpp_stanza_set_type(x, "submit");
	field = el(ctx, x, "field", NULL);
	xmpp_stanza_set_attribute(field, "var", "stream-method");
	text(ctx, el(ctx, field, "value", NULL), method_ns(ms[0]));
	return si;
}

int si_accept_parse(xmpp_stanza_t *reply, int *out, int max, int *multiple)
{
	xmpp_stanza_t *si = xmpp_stanza_get_child_by_name_and_ns(reply, "si", NS_SI);
	xmpp_stanza_t *list = si != NULL ? xmpp_stanza_get_child_by_name_and_ns(si, "si-multiple",
										 NS_SI_MULTIPLE) : NULL;
	xmpp_stanza_t *field, *v;
	char ns[128];
	int n = 0, m, i, dup;

	*multiple = list != NULL;
	if (list != NULL) {
		for (v = xmpp_stanza_get_children(list); v != NULL && n < max;
		     v = xmpp_stanza_get_next(v)) {
			if (!xmpp_stanza_is_tag(v) || strcmp(xmpp_stanza_get_name(v), "value") != 0 ||
			    stanza_text_copy(v, ns, sizeof(ns)) < 0 || (m = method_from_ns(ns)) == 0)
				continue;
			for (i = 0, dup = 0; i < n; i++)
				dup |= out[i] == m;
			if (!dup)
				out[n++] = m;
		}
		return n;
	}
	field = si != NULL ? stream_method_field(si) : NULL;
	if (field == NULL || max < 1 ||
	    stanza_text_copy(xmpp_stanza_get_child_by_name(field, "value"), ns, sizeof(ns)) < 0)
		return 0;
	out[0] = method_from_ns(ns);
	return out[0] != 0;
}
