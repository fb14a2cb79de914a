/* pakfire diagnose: see diagnose.h. (Built by the diagnose part of issue
 * 19; until then it finds nothing.) */
#include <string.h>
#include <time.h>

#include "ops/diagnose.h"

int pf_diagnose(struct pf_session *s, struct pf_diagnosis *out)
{
	(void)s;
	memset(out, 0, sizeof(*out));
	out->now = time(NULL);
	return 0;
}

void pf_diagnosis_clear(struct pf_diagnosis *d)
{
	memset(d, 0, sizeof(*d));
}

int pf_diagnose_exit_code(const struct pf_diagnosis *d)
{
	return d->bits ? PF_DIAG_EXIT + (int)d->bits : 0;
}
