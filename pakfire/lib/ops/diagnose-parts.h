/* Inside ops/: the parts of pf_diagnose (ops/diagnose.h). The facts
 * (diagnose-facts.c, diagnose-runs.c) fill one section each and never end
 * the report: a section that cannot be read says why in its own fields
 * and the context's error is cleared; they return -1 only when memory
 * runs out. The verdict (diagnose-problems.c) is made from the filled
 * struct alone, so that the unit test can give it any. */
#ifndef PF_OPS_DIAGNOSE_PARTS_H
#define PF_OPS_DIAGNOSE_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "ops/diagnose.h"

struct pf_session;

/* The paths pakfire.conf names, or the defaults when it cannot be read. */
struct pf_diag_paths {
	const char *database, *keys, *cache;
	int64_t index_stale;
};

/* diagnose-facts.c */
void pf_diag_paths(const struct pf_session *s, struct pf_diag_paths *p);
int pf_diag_database(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d);
int pf_diag_journal(struct pf_session *s, struct pf_diagnosis *d);
int pf_diag_keys(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d);
int pf_diag_indexes(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d);
void pf_diag_cache(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d);
void pf_diag_lock(struct pf_session *s, struct pf_diagnosis *d);

/* diagnose-runs.c: the last runs and the failure that stands. */
int pf_diag_runs(struct pf_session *s, struct pf_diagnosis *d);
/* Whether run I of RUNS (N, oldest first) is a failure that stands: it
 * did not end ok, is no dry run and not running, and no later run of the
 * same command ended ok. */
bool pf_diag_stands(const struct pf_run *runs, size_t n, size_t i);

/* diagnose-problems.c: D->problems and D->bits from the rest of D. */
int pf_diag_problems(struct pf_diagnosis *d);
/* How urgent a cause is: lower first (the order of the verdict). */
int pf_diag_cause_rank(enum pf_diag_cause c);
/* Sort P (N) most urgent first, keeping the order among equals. */
void pf_diag_sort(struct pf_diag_problem *p, size_t n);
/* The cause of a recorded word ("space"), or -1 for an unknown word. */
int pf_diag_cause_of(const char *word);

#endif
