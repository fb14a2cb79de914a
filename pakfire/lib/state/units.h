/* The units applied to the system (core updates and add-ons), the commit
 * point of one unit, and what the system has installed. */
#ifndef PF_STATE_UNITS_H
#define PF_STATE_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_db;
struct pf_manifest;
struct pf_hook_body;

/* What the database records of a unit. */
struct pf_unit_record {
	const char *id;         /* "core-141", or an add-on's name */
	const char *kind;       /* "core" | "addon" */
	unsigned number;        /* core: its number (the core level it reaches) */
	const char *version;    /* add-on: Version-Release; NULL for core */
	const char *series;
	const char *series_switch; /* core: the series it moves the system to, or NULL */
	/* add-ons only: */
	bool removing;          /* the unit takes the add-on away */
	const char *reason;     /* "explicit" | "dependency" */
	const char *depends;    /* Depends, as the index said (NULL: none) */
	const char *summary;
	/* hooks (state/hooks.h): the unit's from now on (none for a
	 * removal), and the post hooks to queue as pending runs, whose ids
	 * go to POST_IDS */
	const struct pf_hook_body *hooks;
	size_t n_hooks;
	const struct pf_hook_body *post;
	size_t n_post;
	int64_t *post_ids;
	/* Reboot: yes: the boot it is applied in (base/bootid.h; "" when
	 * unknown), kept in the system row with its id until a later boot;
	 * NULL when it asks for no reboot. */
	const char *reboot_boot_id;
};

/* The commit point of a unit: in one transaction, record every entry of
 * the manifest as owned by the unit, forget the REMOVED paths, record the
 * unit applied (or, REMOVING, removed: then every path it owned is
 * forgotten, the ones kept on disk too), advance the core level and, for a
 * switching update, the series (core units), keep its hooks and queue its
 * post hooks, remember the reboot it asks for, mark the journal committed
 * (with the removals still to do) and log the step. */
int pf_db_commit_unit(struct pf_db *db, int64_t tx, const struct pf_unit_record *u,
		      const struct pf_manifest *m, char *const *removed, size_t n_removed);

/* An installed add-on, as the database has it. */
struct pf_addon_row {
	char name[64];
	char version[128];      /* Version-Release */
	char series[64];        /* the series it was installed from */
	char reason[16];        /* explicit | dependency */
	char *depends;          /* malloc'd, "" for none */
	char *summary;          /* malloc'd, "" for none */
};

/* Every installed add-on, by name. *OUT is freed with pf_addon_rows_free. */
int pf_db_addons(struct pf_db *db, struct pf_addon_row **out, size_t *n);
void pf_addon_rows_free(struct pf_addon_row *rows, size_t n);

/* An add-on installed as a dependency becomes one the admin asked for. */
int pf_db_addon_set_explicit(struct pf_db *db, const char *name);

/* Every path owned by unit ID, in reverse path order (what is inside a
 * folder before the folder): FN gets each; non-zero from FN stops. */
typedef int (*pf_unit_path_fn)(void *data, const char *path, const char *type);
int pf_db_unit_paths(struct pf_db *db, const char *id, pf_unit_path_fn fn, void *data);

#endif
