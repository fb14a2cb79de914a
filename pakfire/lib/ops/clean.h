/* `pakfire clean`: empty the download cache. */
#ifndef PF_CLEAN_H
#define PF_CLEAN_H

#include <stdint.h>

struct pf_session;

/* Remove everything below the configured cache folder (the folder stays).
 * FILES and BYTES say what went. */
int pf_clean(struct pf_session *s, uint64_t *files, uint64_t *bytes);

#endif
