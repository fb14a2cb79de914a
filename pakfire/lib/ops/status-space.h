/* What `status` shows of space: the figures of the pending chain per
 * mount (status.h, struct pf_status_space), before anyone runs upgrade.
 * For status.c only. */
#ifndef PF_OPS_STATUS_SPACE_H
#define PF_OPS_STATUS_SPACE_H

struct pf_session;
struct pf_status;
struct pf_transaction;

/* Fill OUT->space, and each pending update's installed size, for the
 * pending core chain T (OUT->pending lists its units in order). The
 * manifests are the kept ones (fetch/kept.h), each used only when it
 * matches the index: one missing means no figures (n_missing says how
 * many), never figures of part of the chain. Planned as the upgrade plans
 * (pf_space_open, pf_space_plan), reading only: no lock, no download,
 * nothing written, no record. A plan that cannot be made is said in
 * OUT->space.error; -1 only when out of memory. */
int pf_status_space(struct pf_session *s, struct pf_transaction *t, struct pf_status *out);

void pf_status_space_clear(struct pf_status *st);

#endif
