/* Unit tests for codec.c: base64 at every length boundary, strictness,
 * white space; digests against known values; IBB seq arithmetic. */
#include <stdlib.h>
#include <string.h>

#include "../../src/codec.h"
#include "../../src/ibb.h"
#include "tap.h"

static const struct { const char *plain, *b64; } vectors[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_vectors(void)
{
	unsigned char out[16];
	char enc[16];
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t n = strlen(vectors[i].plain);
		long got;

		ok(b64_encoded_len(n) == strlen(vectors[i].b64), "encoded length of %zu", n);
		b64_encode((const unsigned char *)vectors[i].plain, n, enc);
		is_str(enc, vectors[i].b64, "encode RFC 4648 vector");
		got = b64_decode(vectors[i].b64, out, sizeof(out));
		ok(got == (long)n && memcmp(out, vectors[i].plain, n) == 0, "decode '%s'",
		   vectors[i].b64);
	}
}

static void test_roundtrip(void)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 4095, 4096, 4097, 65534, 65535, 200000 };
	size_t i, k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		unsigned char *in = malloc(n), *out = malloc(n);
		char *enc = malloc(b64_encoded_len(n) + 1);
		long got;

		for (k = 0; k < n; k++)
			in[k] = (unsigned char)(k * 131 + 7);
		ok(b64_encode(in, n, enc) == b64_encoded_len(n), "encode %zu bytes", n);
		got = b64_decode(enc, out, n);
		ok(got == (long)n && memcmp(in, out, n) == 0, "round trip %zu bytes", n);
		ok(b64_decode(enc, out, n - 1) == -1, "decode of %zu bytes into %zu refused", n, n - 1);
		free(in);
		free(out);
		free(enc);
	}
}

static void test_strict(void)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z", "Zm9v!", "Zm9v=Zm9v", "Zg==Zg==", "Zm9vY===", "====", "Zm 9v Y",
		"Zm9v\x01", "Zg=a",
	};
	unsigned char out[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(b64_decode(bad[i], out, sizeof(out)) == -1, "invalid base64 refused: '%s'", bad[i]);
	ok(b64_decode("Zm9v\nYmFy\r\n", out, sizeof(out)) == 6 && memcmp(out, "foobar", 6) == 0,
	   "line breaks are skipped");
	ok(b64_decode(" Zm9v YmE= ", out, sizeof(out)) == 5, "spaces are skipped");
	ok(b64_decode("", out, 0) == 0, "empty input, no room needed");
}

static void test_digests(void)
{
	struct digest *d;
	char hex[65];

	d = digest_new(DIGEST_MD5);
	digest_final_hex(d, hex);
	is_str(hex, "d41d8cd98f00b204e9800998ecf8427e", "MD5 of nothing");
	digest_free(d);
	d = digest_new(DIGEST_MD5);
	digest_update(d, "The quick brown fox ", 20);
	digest_update(d, "jumps over the lazy dog", 23);
	digest_final_hex(d, hex);
	is_str(hex, "9e107d9d372bb6826bd81d3542a419d6", "MD5 in two updates");
	digest_free(d);
	d = digest_new(DIGEST_SHA256);
	digest_update(d, "abc", 3);
	digest_final_hex(d, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of abc");
	digest_free(d);
	digest_free(NULL);
}

static void test_seq(void)
{
	ok(ibb_seq_next(0) == 1, "seq 0 -> 1");
	ok(ibb_seq_next(65534) == 65535, "seq 65534 -> 65535");
	ok(ibb_seq_next(65535) == 0, "seq 65535 wraps to 0");
	{
		uint16_t s = 0;
		unsigned long i;
		for (i = 0; i < 65536UL * 2 + 5; i++)
			s = ibb_seq_next(s);
		ok(s == 5, "two full cycles and 5 more end at 5");
	}
}

int main(void)
{
	test_vectors();
	test_roundtrip();
	test_strict();
	test_digests();
	test_seq();
	return tap_done();
}
