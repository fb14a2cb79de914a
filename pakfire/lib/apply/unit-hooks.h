/* The hooks of the unit being applied (inside apply/ only): read from its
 * package (verified against its manifest before anything runs) and, for an
 * add-on, the ones its installed build shipped (kept in the database);
 * arranged in the order they run (docs/hooks.md):
 *   core update    pre             | commit | post
 *   add-on install pre-install     | commit | post-install
 *   add-on upgrade pre-remove (old), pre-install (new) | commit |
 *                  post-remove (old), post-install (new)
 *   add-on removal pre-remove      | commit | post-remove
 * The post hooks are queued as pending runs in the unit's commit, so that
 * a crash before they end leaves them for recovery. */
#ifndef PF_APPLY_UNIT_HOOKS_H
#define PF_APPLY_UNIT_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "state/hooks.h"

struct pf_ctx;
struct pf_db;
struct pf_hooks;
struct pf_pak_hook;
struct pf_unit;

struct pf_unit_hooks {
	struct pf_pak_hook *pak;     /* read from the package */
	size_t n_pak;
	struct pf_hook_body *mine;   /* the same: the unit's hooks from its commit on */
	size_t n_mine;
	struct pf_hook_stored *old;  /* an installed add-on's, from the database */
	size_t n_old;
	struct pf_hook_body *old_bodies;
	struct pf_hook_body *pre;    /* before staging, in order */
	size_t n_pre;
	struct pf_hook_body *post;   /* after the commit, in order */
	size_t n_post;
	int64_t *post_ids;           /* their pending runs, made by the commit */
};

/* Read and arrange the hooks of U (PAK_FD its verified package, -1 for a
 * removal). A hook of a phase the unit's kind has not, or one that does
 * not match its manifest: PF_E_VERIFY, nothing run. */
int pf_unit_hooks_load(struct pf_ctx *ctx, struct pf_db *db, const struct pf_unit *u,
		       int pak_fd, const char *pak_name, struct pf_unit_hooks *uh);
/* Run the pre or the post hooks, phase by phase; the first that does not
 * end ok stops them (PF_E_HOOK). */
int pf_unit_hooks_pre(const struct pf_hooks *hk, const struct pf_unit *u,
		      const struct pf_unit_hooks *uh);
int pf_unit_hooks_post(const struct pf_hooks *hk, const struct pf_unit *u,
		       const struct pf_unit_hooks *uh);
void pf_unit_hooks_clear(struct pf_unit_hooks *uh);

#endif
