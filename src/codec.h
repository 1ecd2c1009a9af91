/* codec.h — base64 and message digests, over OpenSSL.
 *
 * b64_decode() is strict about the alphabet and padding but skips ASCII
 * white space, which XEP-0047 senders may insert. Digests are incremental;
 * hex output is lowercase. */
#ifndef XFER_CODEC_H
#define XFER_CODEC_H

#include <stddef.h>

/* Encoded length of n bytes, without the terminating NUL. */
size_t b64_encoded_len(size_t n);

/* Encodes n bytes into out (b64_encoded_len(n) + 1 bytes); returns the
 * length written, not counting the NUL. */
size_t b64_encode(const unsigned char *in, size_t n, char *out);

/* Decodes in (a C string) into out, which has room for cap bytes. Returns
 * the number of bytes, or -1 if in is not valid base64 or does not fit. */
long b64_decode(const char *in, unsigned char *out, size_t cap);

/* bytes random bytes from OpenSSL as lowercase hex into out (2 * bytes
 * + 1 chars; bytes <= 32): ids and tokens nobody can guess. 0, or -1. */
int random_hex(char *out, size_t bytes);

enum digest_alg { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256 };

struct digest;

struct digest *digest_new(enum digest_alg alg);
void digest_update(struct digest *d, const void *buf, size_t n);
/* Writes the lowercase hex digest into hex (at least 65 bytes). The digest
 * can not be updated afterwards. */
void digest_final_hex(struct digest *d, char *hex);
void digest_free(struct digest *d);

#endif
