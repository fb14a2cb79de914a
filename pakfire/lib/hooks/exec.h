/* Inside hooks/ only: running one hook as a recorded run (exec.c), which
 * hooks.c (package hooks) and local.c (the admin's) share. */
#ifndef PF_HOOKS_EXEC_H
#define PF_HOOKS_EXEC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "hooks/hooks.h"

/* One run: what to copy and run, and how to name it. */
struct pf_hook_copy {
	const struct pf_unit_ref *unit; /* NULL: a local hook */
	const char *phase;
	const char *name;
	int64_t id;                     /* its row in hook_runs, made already */
	const char *root;               /* PAKFIRE_ROOT */
	const char *bytes;              /* the verified bytes (LEN of them), or */
	size_t len;
	int fd;                         /* >= 0: the checked file to copy instead */
};

/* PAKFIRE_ROOT: the root as an absolute path. */
int pf_hooks_root(const struct pf_hooks *hk, char root[PATH_MAX]);

/* "core 141", an add-on's name, or "local". */
const char *pf_hooks_label(const struct pf_unit_ref *u, char *buf, size_t size);

/* The private folder copies run from (made 0700 on first use): its fd in
 * *FD, its absolute path in PATH. */
int pf_hooks_run_dir(const struct pf_hooks *hk, int *fd, char path[PATH_MAX]);

/* Copy C's hook into the private folder and run the copy as run C->id:
 * events before and after, the row marked running and ended, the copy
 * deleted. -1 with PF_E_HOOK naming it when it does not end ok. */
int pf_hooks_exec(const struct pf_hooks *hk, const struct pf_hook_copy *c);

#endif
