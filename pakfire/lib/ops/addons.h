/* `pakfire install NAME...` and `pakfire remove NAME...`: transactions of
 * add-ons, built by the resolver (resolve/addons.c) and run through the
 * same pipeline as upgrade (pipeline.c): one space plan, journal, crash
 * safety and history. And what the system has installed, for every
 * operation that needs it. */
#ifndef PF_OPS_ADDONS_H
#define PF_OPS_ADDONS_H

#include <stdbool.h>
#include <stddef.h>

#include "resolve/addons.h"

struct pf_db;
struct pf_session;

/* The installed add-ons, as the database has them and the resolver reads
 * them. */
struct pf_addons {
	struct pf_addon_row *rows;
	struct pf_installed *v;
	struct pf_installed_set set;
};
int pf_addons_load(struct pf_db *db, struct pf_addons *out);
void pf_addons_clear(struct pf_addons *a);

struct pf_addons_opts {
	const char *const *names;
	size_t n;
	bool dry_run;
	bool with_dependents;      /* remove: take what depends on NAMES too */
	bool (*confirm)(void *data);
	void *confirm_data;
};

int pf_install(struct pf_session *s, const struct pf_addons_opts *opts);
int pf_remove(struct pf_session *s, const struct pf_addons_opts *opts);

#endif
