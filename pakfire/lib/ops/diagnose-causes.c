/* The causes of diagnose's problems: their words, their exit bits and
 * how urgent each is (docs/diagnose.md, "Problems and the exit code"). */
#include <string.h>

#include "ops/diagnose-parts.h"

static const struct {
	const char *name;
	unsigned bit;
	int rank;              /* lower: more urgent */
} causes[] = {
	[PF_CAUSE_DATABASE]    = { "database",    PF_DIAG_DATABASE, 0 },
	[PF_CAUSE_INTERRUPTED] = { "interrupted", PF_DIAG_FAILED,   1 },
	[PF_CAUSE_LOCK]        = { "lock",        PF_DIAG_LOCK,     2 },
	[PF_CAUSE_NEVER_FITS]  = { "never-fits",  PF_DIAG_SPACE,    3 },
	[PF_CAUSE_SPACE]       = { "space",       PF_DIAG_SPACE,    4 },
	[PF_CAUSE_HOOK]        = { "hook",        PF_DIAG_FAILED,   5 },
	[PF_CAUSE_SIGNATURE]   = { "signature",   PF_DIAG_TRUST,    6 },
	[PF_CAUSE_HASH]        = { "hash",        PF_DIAG_TRUST,    7 },
	[PF_CAUSE_ROLLBACK]    = { "rollback",    PF_DIAG_TRUST,    8 },
	[PF_CAUSE_EXPIRED]     = { "expired",     PF_DIAG_TRUST,    9 },
	[PF_CAUSE_DOWNLOAD]    = { "download",    PF_DIAG_FAILED,   10 },
	[PF_CAUSE_FAILED]      = { "failed",      PF_DIAG_FAILED,   11 },
	[PF_CAUSE_KEY]         = { "key",         PF_DIAG_TRUST,    12 },
	[PF_CAUSE_STALE]       = { "stale",       PF_DIAG_TRUST,    13 },
};
#define N_CAUSES (sizeof(causes) / sizeof(causes[0]))

const char *pf_diag_cause_name(enum pf_diag_cause c)
{
	return (unsigned)c < N_CAUSES ? causes[c].name : "failed";
}

unsigned pf_diag_cause_bit(enum pf_diag_cause c)
{
	return (unsigned)c < N_CAUSES ? causes[c].bit : PF_DIAG_FAILED;
}

int pf_diag_cause_rank(enum pf_diag_cause c)
{
	return (unsigned)c < N_CAUSES ? causes[c].rank : (int)N_CAUSES;
}

int pf_diag_cause_of(const char *word)
{
	for (size_t i = 0; i < N_CAUSES; i++)
		if (!strcmp(causes[i].name, word))
			return (int)i;
	return -1;
}

void pf_diag_sort(struct pf_diag_problem *p, size_t n)
{
	/* insertion sort: stable, and a verdict has a handful of lines */
	for (size_t i = 1; i < n; i++) {
		struct pf_diag_problem t = p[i];
		size_t k = i;

		for (; k > 0 && pf_diag_cause_rank(p[k - 1].cause) > pf_diag_cause_rank(t.cause); k--)
			p[k] = p[k - 1];
		p[k] = t;
	}
}
