/* `pakfire clean`: empty the download cache. */
#ifndef PF_CLEAN_H
#define PF_CLEAN_H

#include <stdint.h>

struct pf_ctx;

/* Remove everything below the configured cache folder (the folder stays).
 * FILES and BYTES say what went. */
int pf_clean(struct pf_ctx *ctx, uint64_t *files, uint64_t *bytes);

#endif
