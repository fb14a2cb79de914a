/* The verdicts of an update the pipeline refuses for space (plan/verdict.h,
 * docs/space.md "Verdicts"): what the owner can do, found before the
 * refusal is shown and recorded. */
#ifndef PF_OPS_VERDICTS_H
#define PF_OPS_VERDICTS_H

#include <stddef.h>

struct pf_plan;
struct pf_plan_input;
struct pf_session;
struct pf_space_check;
struct pf_transaction;

/* Judge update K of plan P, made from IN (N_IN units of T), into
 * P->updates[K].verdicts. REST, the units of T after those, and, when T ends before the end of the core chain (--to, or add-ons
 * only), the pending core updates after it (their manifests fetched as a
 * dry run would) are looked at for cleanups. Never fails the refusal: a
 * verdict that cannot be made is a warning, and the refusal goes on
 * without it. */
void pf_pipeline_judge(struct pf_session *s, const struct pf_transaction *t,
		       struct pf_space_check *sc, const struct pf_plan_input *in, size_t n_in,
		       const struct pf_plan_input *rest, size_t n_rest, struct pf_plan *p, size_t k);

#endif
