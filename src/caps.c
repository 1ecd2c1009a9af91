/* caps.c — see caps.h */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "caps.h"
#include "codec.h"

static int caps_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int caps_ver(const char *category, const char *type, const char *name,
	     const char *const *features, size_t n, char out[CAPS_VER_LEN])
{
	const char **sorted = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t len, i;
	char *s = NULL;
	int rc = -1;

	/* category/type/lang/name< then feature< for each, in octet order. */
	len = strlen(category) + strlen(type) + strlen(name) + 5;
	for (i = 0; i < n; i++) {
		if (strchr(features[i], '<') != NULL)
			return -1;
		len += strlen(features[i]) + 1;
	}
	sorted = malloc((n > 0 ? n : 1) * sizeof(*sorted));
	s = malloc(len);
	if (sorted == NULL || s == NULL)
		goto out;
	if (n > 0)
		memcpy(sorted, features, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), caps_cmp);
	strcpy(s, category);
	strcat(s, "/");
	strcat(s, type);
	strcat(s, "//");
	strcat(s, name);
	strcat(s, "<");
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue; /* a feature is listed once */
		strcat(s, sorted[i]);
		strcat(s, "<");
	}
	if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
		goto out;
	b64_encode(md, mdlen, out);
	rc = 0;
out:
	free(sorted);
	free(s);
	return rc;
}
