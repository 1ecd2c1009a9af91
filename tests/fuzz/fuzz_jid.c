/* libFuzzer target for the JID parser (jid.c): the input as a C string
 * through jid_parse(). An accepted JID has a non-empty domain, parts of
 * at most JID_PART_MAX bytes without white space or controls, and written
 * out again (local@domain/resource, and its bare form) parses to the
 * same parts. Build and run it with scripts/fuzz. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/jid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean(const char *part)
{
	size_t i;

	assert(strlen(part) <= JID_PART_MAX);
	for (i = 0; part[i] != '\0'; i++)
		assert((unsigned char)part[i] >= 0x20 && part[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jid j, again;
	static char full[3 * (JID_PART_MAX + 1)], bare[2 * (JID_PART_MAX + 1)];
	char *s = malloc(size + 1);
	const char *why = NULL;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (jid_parse(s, &j, &why) < 0) {
		assert(why != NULL);
		free(s);
		return 0;
	}
	assert(j.domain[0] != '\0');
	clean(j.local);
	clean(j.domain);
	clean(j.resource);
	assert(strchr(j.local, '@') == NULL && strchr(j.domain, '@') == NULL);
	assert(strchr(j.local, '/') == NULL && strchr(j.domain, '/') == NULL);
	snprintf(full, sizeof(full), "%s%s%s%s%s", j.local, j.local[0] != '\0' ? "@" : "",
		 j.domain, j.resource[0] != '\0' ? "/" : "", j.resource);
	assert(jid_parse(full, &again, &why) == 0);
	assert(strcmp(j.local, again.local) == 0 && strcmp(j.domain, again.domain) == 0 &&
	       strcmp(j.resource, again.resource) == 0);
	jid_bare(&j, bare, sizeof(bare));
	assert(jid_parse(bare, &again, &why) == 0 && again.resource[0] == '\0');
	assert(jid_same_bare(&j, &again) && jid_same_bare(&again, &j));
	free(s);
	return 0;
}
