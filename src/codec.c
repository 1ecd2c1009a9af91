/* codec.c — see codec.h */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <openssl/rand.h>

#include "codec.h"

size_t b64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t done = 0, w = 0;

	/* EVP_EncodeBlock takes an int; go in slices that keep it small. */
	while (n - done > 0) {
		size_t slice = n - done > 3 * 65536 ? 3 * 65536 : n - done;
		w += (size_t)EVP_EncodeBlock((unsigned char *)out + w, in + done, (int)slice);
		done += slice;
	}
	out[w] = '\0';
	return w;
}

static int b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

long b64_decode(const char *in, unsigned char *out, size_t cap)
{
	size_t len = strlen(in), n = 0, i, pad = 0, outlen;
	unsigned char *clean, *whole;
	long rc = -1;

	/* One buffer: the input without white space, then room for the
	 * decoded triplets (EVP_DecodeBlock writes padding bytes too). */
	clean = malloc(len + 1 + len / 4 * 3 + 3);
	if (clean == NULL)
		return -1;
	whole = clean + len + 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=')
			pad++;
		else if (!b64_char(c) || pad > 0)
			goto out; /* not base64, or data after padding */
		clean[n++] = c;
	}
	if (n % 4 != 0 || pad > 2)
		goto out;
	outlen = n / 4 * 3 - pad;
	if (outlen > cap)
		goto out;
	if (n > 0 && EVP_DecodeBlock(whole, clean, (int)n) < 0)
		goto out;
	memcpy(out, whole, outlen);
	rc = (long)outlen;
out:
	free(clean);
	return rc;
}

struct digest {
	EVP_MD_CTX *ctx;
};

struct digest *digest_new(enum digest_alg alg)
{
	struct digest *d = calloc(1, sizeof(*d));
	const EVP_MD *md;

	if (d == NULL)
		return NULL;
	d->ctx = EVP_MD_CTX_new();
	md = alg == DIGEST_MD5 ? EVP_md5() : alg == DIGEST_SHA1 ? EVP_sha1() : EVP_sha256();
	if (d->ctx == NULL || EVP_DigestInit_ex(d->ctx, md, NULL) != 1) {
		digest_free(d);
		return NULL;
	}
	return d;
}

void digest_update(struct digest *d, const void *buf, size_t n)
{
	EVP_DigestUpdate(d->ctx, buf, n);
}

void digest_final_hex(struct digest *d, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	static const char digits[] = "0123456789abcdef";

	EVP_DigestFinal_ex(d->ctx, md, &len);
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * len] = '\0';
}

void digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int random_hex(char *out, size_t bytes)
{
	unsigned char rnd[32];
	size_t i;

	if (bytes > sizeof(rnd) || RAND_bytes(rnd, (int)bytes) != 1)
		return -1;
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}
