/* A second thread that hashes what the staging loop writes.
 *
 * Staging decompresses a member into a block, hands the block over and
 * writes it out while this worker computes its SHA-256: on two cores the
 * hash leaves the critical path (it was a fifth of pakfire's CPU time in
 * bench/RESULTS.md). Nothing is renamed before pf_hashq_finish has said that
 * every file matched, so a late verdict changes no outcome: a mismatch still
 * refuses the update with nothing changed. */
#ifndef PF_HASHQ_H
#define PF_HASHQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_hashq;

#define PF_HASHQ_BLOCK (128 * 1024)
#define PF_HASHQ_NONE SIZE_MAX

/* Start the worker; NULL after pf_fail. */
struct pf_hashq *pf_hashq_start(struct pf_ctx *ctx);

/* A free block of PF_HASHQ_BLOCK bytes to fill (waits while all are busy). */
char *pf_hashq_block(struct pf_hashq *q);

/* Hand over the block from pf_hashq_block, filled with LEN bytes of file
 * ID. LAST ends the file (an empty file is one push of LEN 0 and LAST): its
 * digest is then compared with EXPECT, which must stay valid until
 * pf_hashq_finish. The block may still be read (write(2) from it) until the
 * next pf_hashq_block. */
void pf_hashq_push(struct pf_hashq *q, size_t id, size_t len, bool last,
		   const uint8_t expect[32]);

/* Wait until every block is hashed; *BAD is the ID of the first file whose
 * digest did not match its EXPECT, or PF_HASHQ_NONE. Returns -1 (after
 * pf_fail) if the worker ran out of memory: then no file was checked. */
int pf_hashq_finish(struct pf_ctx *ctx, struct pf_hashq *q, size_t *bad);

/* Stop the worker (also half way through a file) and free everything. */
void pf_hashq_free(struct pf_hashq *q);

#endif
