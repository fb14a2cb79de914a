/* Applying one verified unit (a core update, later an add-on) to the root: stage every member of the
 * package beside its target under a temporary name, check it against the
 * manifest as it streams by, and only when the whole package matched, make
 * it durable, rename it into place, record it, and clean up. */
#ifndef PF_APPLY_H
#define PF_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_db;
struct pf_hooks;
struct pf_transaction;
struct pf_unit;

struct pf_apply_result {
	uint64_t files;    /* files, directories and symlinks installed */
	uint64_t removed;  /* paths removed by 'remove' entries */
	uint64_t kept;     /* 'remove' entries kept (modified or not ours) */
	bool undecided;    /* failed at the commit point itself: the next run
			    * learns from the database whether it took */
	bool committed;    /* the unit is applied (its commit point passed),
			    * even if cleaning up after it then failed */
	bool hook_failed;  /* committed, but a post hook did not end ok: it
			    * is recorded and open (hooks/hooks.h) */
};

/* PAK_FD: the package of unit U, whose size and SHA-256 already matched the
 * signed index; U->m its parsed manifest, U->manifest the verified bytes it
 * was parsed from (the package's first member must be identical). Any
 * mismatch between package and manifest is PF_E_VERIFY and leaves the root
 * as it was. On success the unit is recorded as applied in DB (a core unit
 * moves the core level to its number); TX is the transaction record the
 * steps go to. Its hooks (docs/hooks.md) run as HK says, HK->core being
 * the core level before the unit: the pre hooks before anything is
 * staged (a failure undoes the unit, PF_E_HOOK), the post hooks after the
 * commit (a failure leaves it committed: RESULT->hook_failed). */
/* A repair unit (PF_UNIT_REPAIR, verify --fix) goes the same way with
 * U->m holding only the entries it restores (the journal keeps
 * U->applies): members not in it are skipped, no hook runs, and its
 * commit records the step `repaired` and changes no other row. */
int pf_apply_unit(struct pf_ctx *ctx, struct pf_db *db, const struct pf_hooks *hk, int64_t tx,
		  const struct pf_transaction *t, const struct pf_unit *u, int pak_fd,
		  const char *pak_name, struct pf_apply_result *result);

#endif
