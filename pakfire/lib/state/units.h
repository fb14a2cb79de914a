/* The units applied to the system (core updates, later add-ons), and the
 * commit point of one unit. */
#ifndef PF_STATE_UNITS_H
#define PF_STATE_UNITS_H

#include <stddef.h>
#include <stdint.h>

struct pf_db;
struct pf_manifest;

/* What the database records of a unit. */
struct pf_unit_record {
	const char *id;         /* "core-141", or an add-on's name */
	const char *kind;       /* "core" | "addon" */
	unsigned number;        /* core: its number (the core level it reaches) */
	const char *version;    /* add-on: Version-Release; NULL for core */
	const char *series;
};

/* The commit point of a unit: in one transaction, record every entry of
 * the manifest as owned by the unit, forget the REMOVED paths, record the
 * unit applied, advance the core level (core units), mark the journal
 * committed (with the removals still to do) and log the step. */
int pf_db_commit_unit(struct pf_db *db, int64_t tx, const struct pf_unit_record *u,
		      const struct pf_manifest *m, char *const *removed, size_t n_removed);

#endif
