/* `pakfire clean`: empty the download cache. */
#ifndef PF_CLEAN_H
#define PF_CLEAN_H

#include <stdint.h>

struct pf_session;

/* Remove everything below the configured cache folder (the folder stays),
 * and say what went (an INFO event). */
int pf_clean(struct pf_session *s);

#endif
