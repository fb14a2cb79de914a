/* Inside hooks/ only: what hooks.c (package hooks) and local.c (the
 * admin's) share. */
#ifndef PF_HOOKS_EXEC_H
#define PF_HOOKS_EXEC_H

#include <limits.h>
#include <stdint.h>

#include "hooks/hooks.h"

/* PAKFIRE_ROOT: the root as an absolute path. */
int pf_hooks_root(const struct pf_hooks *hk, char root[PATH_MAX]);

/* Run the executable REL (from the root) as run ID, a row of hook_runs
 * already made: events before and after, the row marked running and
 * ended. -1 with PF_E_HOOK naming it when it does not end ok (UNIT NULL:
 * a local hook). */
int pf_hooks_exec(const struct pf_hooks *hk, const struct pf_unit_ref *unit, const char *phase,
		  const char *name, const char *rel, int64_t id, const char *root);

#endif
