/* Local hooks (docs/hooks.md, "Local hooks"): the admin's own executables
 * in <root>/etc/pakfire/hooks.d/, never from the network. Each regular file
 * right in that folder runs before (PAKFIRE_PHASE=pre-transaction) and after
 * (post-transaction) every transaction that changes the system, in lexical
 * order of names, with PAKFIRE_UNITS. One that another user than root could
 * change (group- or world-writable, not owned by root when pakfire runs as
 * root, or in a folder that is), a symlink, or anything but a regular
 * executable file is not run: it is reported (PF_EV_HOOK_REFUSED, a warning)
 * and recorded as refused. Names starting with '.' or ending in '~' are
 * skipped silently (editor leftovers). */
#ifndef PF_HOOKS_LOCAL_H
#define PF_HOOKS_LOCAL_H

#include "hooks/hooks.h"

#define PF_LOCAL_HOOKS_DIR "etc/pakfire/hooks.d"

/* Run the local hooks for PHASE with PAKFIRE_UNITS = UNITS. A failing
 * pre-transaction hook: -1 (PF_E_HOOK), the transaction must not begin.
 * A failing post-transaction hook: -1 too (PF_E_HOOK: reported, exit 6);
 * it blocks nothing. No folder: nothing to run, 0. */
int pf_local_hooks_run(const struct pf_hooks *hk, const char *phase, const char *units);

#endif
