/* File conflicts: what an add-on may not install. Checked for the whole
 * transaction once every manifest is verified, before anything is planned
 * or changed (pacman's "exists in filesystem", apk's ownership check). */
#ifndef PF_PLAN_CONFLICTS_H
#define PF_PLAN_CONFLICTS_H

struct pf_ctx;
struct pf_db;
struct pf_transaction;

/* An add-on unit of T that ships a file or symlink at a path that is
 * owned by another unit (the core, another add-on) and not taken away by
 * this transaction, that another unit of T ships too, or that exists on
 * the system without any unit owning it: PF_E_OTHER naming the add-on, the
 * path and its owner, nothing changed. Core updates own the base system:
 * they replace what they ship, as they always did. */
int pf_plan_conflicts(struct pf_ctx *ctx, struct pf_db *db, const struct pf_transaction *t);

#endif
