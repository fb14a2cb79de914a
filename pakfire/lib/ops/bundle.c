/* The support bundle: see bundle.h. (Built by the bundle part of issue 19;
 * until then it says so.) */
#include "ops/bundle.h"
#include "base/context.h"
#include "base/error.h"
#include "ops/session.h"

int pf_bundle_write(struct pf_session *s, const struct pf_diagnosis *d, const char *file,
		    const struct pf_bundle_parts *parts)
{
	(void)d;
	(void)parts;
	return pf_fail(s->ctx, PF_E_OTHER, "%s: the bundle is not built yet", file);
}
