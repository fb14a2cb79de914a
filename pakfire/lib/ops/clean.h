/* `pakfire clean`: empty the download cache. */
#ifndef PF_CLEAN_H
#define PF_CLEAN_H

#include <stdint.h>

struct pf_session;

/* Remove everything below the configured cache folder (the folder stays):
 * verified packages, partial downloads (partial/), kept manifests, and
 * say what went (an INFO event). */
int pf_clean(struct pf_session *s);

struct pf_ctx;
struct pf_index;

/* After `update`: delete the partial downloads in the cache of IDX's
 * series (<cache>/<series>/<arch>/partial/, fetch/units.h) whose hash no
 * package of IDX has any more: they could never be resumed. CACHE: the
 * configured cache folder (absolute, inside the root). */
int pf_clean_partial(struct pf_ctx *ctx, const char *cache, const struct pf_index *idx);

#endif
