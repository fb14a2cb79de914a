/* SHA-256 through Nettle, and hex: see hash.h.
 *
 * Why Nettle and not OpenSSL's libcrypto (DESIGN.md's default): OpenSSL 3
 * sets up its provider tables on the first EVP call, which keeps 3.3 MiB of
 * libcrypto resident, a sixth of pakfire's peak memory while applying an
 * update (bench/RESULTS.md). Nettle is the library that libarchive and
 * GnuTLS already load, its SHA-256 uses the same SHA-NI instructions, and it
 * needs no set-up and cannot fail. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"

#define READ_BUF (256 * 1024)

struct pf_sha256 {
	struct sha256_ctx s;
};

struct pf_sha256 *pf_sha256_new(void)
{
	struct pf_sha256 *h = malloc(sizeof(*h));

	if (h)
		sha256_init(&h->s);
	return h;
}

void pf_sha256_update(struct pf_sha256 *h, const void *data, size_t len)
{
	sha256_update(&h->s, len, data);
}

void pf_sha256_final(struct pf_sha256 *h, uint8_t out[32])
{
	sha256_digest(&h->s, SHA256_DIGEST_SIZE, out);
}

void pf_sha256_free(struct pf_sha256 *h)
{
	free(h);
}

void pf_sha256_buf(const void *data, size_t len, uint8_t out[32])
{
	struct sha256_ctx s;

	sha256_init(&s);
	sha256_update(&s, len, data);
	sha256_digest(&s, SHA256_DIGEST_SIZE, out);
}

int pf_sha256_fd(struct pf_ctx *ctx, int fd, const char *name, uint8_t out[32],
		 uint64_t *size)
{
	struct pf_sha256 *h = NULL;
	uint64_t total = 0;
	char *buf;
	int r = -1;

	buf = malloc(READ_BUF);
	if (!buf)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	h = pf_sha256_new();
	if (!h) {
		pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pf_fail_errno(ctx, PF_E_OTHER, "%s: read", name);
			goto out;
		}
		if (n == 0)
			break;
		pf_sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	pf_sha256_final(h, out);
	if (size)
		*size = total;
	r = 0;
out:
	pf_sha256_free(h);
	free(buf);
	return r;
}

void pf_hex(const uint8_t in[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[64] = '\0';
}

/* Lowercase hex digit -> its value + 1; anything else -> 0. */
static const uint8_t hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

int pf_unhex(const char *in, size_t len, uint8_t out[32])
{
	uint8_t tmp[32], bad = 0;

	if (len != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		/* Minus one: a digit gives 0..15, anything else 255. */
		uint8_t hi = (uint8_t)(hexval[(unsigned char)in[2 * i]] - 1);
		uint8_t lo = (uint8_t)(hexval[(unsigned char)in[2 * i + 1]] - 1);

		bad |= hi | lo;
		tmp[i] = (uint8_t)(hi << 4 | (lo & 15));
	}
	if (bad & 0xf0)
		return -1;
	memcpy(out, tmp, 32);
	return 0;
}

bool pf_sha256_matches(const void *data, size_t len, uint64_t size, const uint8_t sha[32])
{
	uint8_t sum[32];

	if ((uint64_t)len != size)
		return false;
	pf_sha256_buf(data, len, sum);
	return memcmp(sum, sha, 32) == 0;
}

int pf_check_signed_size_hash(struct pf_ctx *ctx, const char *what, uint64_t got_size,
			      const uint8_t got[32], uint64_t size, const uint8_t sha[32])
{
	char want[65], have[65];

	if (got_size != size)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s: %llu bytes, but the signed index says its size is %llu", what,
			       (unsigned long long)got_size, (unsigned long long)size);
	if (memcmp(got, sha, 32) == 0)
		return 0;
	pf_hex(sha, want);
	pf_hex(got, have);
	return pf_fail(ctx, PF_E_VERIFY, "%s: SHA-256 %s does not match the signed index (%s)",
		       what, have, want);
}
