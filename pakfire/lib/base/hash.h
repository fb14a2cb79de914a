/* SHA-256 (Nettle, see hash.c for why) and hex helpers. */
#ifndef PF_HASH_H
#define PF_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_sha256; /* streaming state, opaque */

struct pf_sha256 *pf_sha256_new(void);          /* NULL on out of memory */
void pf_sha256_update(struct pf_sha256 *h, const void *data, size_t len);
void pf_sha256_final(struct pf_sha256 *h, uint8_t out[32]);
void pf_sha256_free(struct pf_sha256 *h);

void pf_sha256_buf(const void *data, size_t len, uint8_t out[32]);

/* Hash the whole file open on fd from its current offset. */
int pf_sha256_fd(struct pf_ctx *ctx, int fd, const char *name, uint8_t out[32],
		 uint64_t *size);

/* 64 lowercase hex digits <-> 32 bytes. from_hex accepts exactly 64
 * lowercase hex digits and returns -1 otherwise. */
void pf_hex(const uint8_t in[32], char out[65]);

/* What came against what a signature vouches for (the index's size and
 * SHA-256 of a manifest or a package). Used wherever fetched or cached
 * bytes meet the index, so that a mismatch reads the same everywhere. */

/* DATA (LEN bytes) is exactly SIZE bytes with SHA-256 SHA. */
bool pf_sha256_matches(const void *data, size_t len, uint64_t size, const uint8_t sha[32]);

/* GOT_SIZE bytes with SHA-256 GOT against SIZE and SHA: 0 when they agree,
 * else PF_E_VERIFY naming WHAT ("WHAT: N bytes, but the signed index says
 * its size is M", "WHAT: SHA-256 X does not match the signed index (Y)"). */
int pf_check_signed_size_hash(struct pf_ctx *ctx, const char *what, uint64_t got_size,
			      const uint8_t got[32], uint64_t size, const uint8_t sha[32]);
int pf_unhex(const char *in, size_t len, uint8_t out[32]);

#endif
