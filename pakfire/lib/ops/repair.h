/* `pakfire verify --fix` (docs/diagnose.md, "verify --fix"): restore every
 * owned path that verify finds different from the package of the unit that
 * installed it, as a transaction of repair units (resolve/transaction.h,
 * PF_UNIT_REPAIR) through the same pipeline as an upgrade: the unit's
 * stanza in the signed index of the system's series, its manifest and
 * package verified against it, the space planned, staging beside the
 * targets, the journal, one commit, recovery after a crash. A path is
 * restored only when that verified manifest describes it exactly as the
 * database recorded it; otherwise it is not repairable and left alone.
 * Config files (owned paths under etc/) are the admin's: kept unless
 * FIX_CONFIG. Nothing the database does not own is touched. */
#ifndef PF_OPS_REPAIR_H
#define PF_OPS_REPAIR_H

#include <stdbool.h>

#include "ops/verify-files.h"

struct pf_session;

enum pf_repair_kind {
	PF_REPAIR_RESTORED,       /* put back (a dry run: would be) */
	PF_REPAIR_KEPT,           /* a config file the admin changed: kept */
	PF_REPAIR_NOT_REPAIRABLE, /* stays different: WHY says why */
};

/* One path's outcome. The strings live only during the callback. */
struct pf_repair_item {
	enum pf_repair_kind kind;
	const char *path;      /* relative to the root, as recorded */
	const char *unit;      /* the unit that installed it: "core-141" */
	unsigned core;         /* its core number (0: an add-on) */
	const char *why;       /* kept, not repairable: in words; NULL restored */
	bool dry_run;          /* restored: only shown, nothing was changed */
};

typedef void (*pf_repair_fn)(const struct pf_repair_item *it, void *data);

struct pf_repair_opts {
	bool fix_config;       /* restore changed config files too */
	bool dry_run;          /* show what would be restored, change nothing */
	bool (*confirm)(void *data); /* asked once the plan was shown; NULL: yes */
	void *confirm_data;
	pf_finding_fn finding; /* each finding of the verify pass */
	void *finding_data;
	pf_repair_fn item;     /* each path's outcome */
	void *item_data;
};

/* Verify (SUM as pf_verify_files fills it), then restore what can be.
 * 0 when every path that differed was restored or is a kept config file;
 * -1 with PF_E_VERIFY when a path stays different because it is not
 * repairable (each one told to ITEM), or the class of what failed (the
 * space, a download, a package that failed verification: nothing of its
 * unit changed). */
int pf_verify_fix(struct pf_session *s, const struct pf_repair_opts *opts,
		  struct pf_verify_summary *sum);

#endif
