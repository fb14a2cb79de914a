/* TEMP: placeholder for the lead's hooks.c (drop when merging). It only
 * lets `pakfire hook rerun` link in this branch; it runs nothing and says
 * so. */
#include "base/context.h"
#include "hooks/hooks.h"

int pf_hooks_rerun(const struct pf_hooks *hk, int64_t id)
{
	(void)id;
	return pf_fail(hk->ctx, PF_E_OTHER, "not yet");
}
