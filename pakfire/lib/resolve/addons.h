/* Add-ons: the transactions of `install`, `remove`, and the add-on part of
 * `upgrade`, built from the signed index and what the system has
 * installed; dependencies first on the way in, dependents first on the
 * way out (libalpm's deps.c, apk's solver, in the small). */
#ifndef PF_RESOLVE_ADDONS_H
#define PF_RESOLVE_ADDONS_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;
struct pf_index;
struct pf_index_entry;
struct pf_transaction;

/* An installed add-on, as the resolver sees it (the operation fills these
 * from the database; the strings must outlive the transaction). */
struct pf_installed {
	const char *name;
	const char *version;    /* Version-Release */
	const char *series;     /* where it was installed from */
	const char *reason;     /* "explicit" | "dependency" */
	const char *depends;    /* as the index said when it was installed */
};

struct pf_installed_set {
	const struct pf_installed *v;
	size_t n;
};

/* The add-on stanza NAME of IDX, or NULL. */
const struct pf_index_entry *pf_index_find_addon(const struct pf_index *idx, const char *name);

/* "foo-1.0-2": what the system records of stanza E's build. */
void pf_addon_version(const struct pf_index_entry *e, char *buf, size_t size);

/* Calls FN on each name of a Depends value ("bar, baz"); a non-zero FN
 * stops and is returned. */
int pf_depends_each(const char *depends, int (*fn)(const char *name, void *data), void *data);

/* `install NAMES`: each from IDX, its missing dependencies before it
 * (recorded as pulled in), skipping what is installed at this build from
 * this series. A name the index does not offer: PF_E_USAGE; a dependency
 * it does not offer, or a cycle: PF_E_OTHER (the repository is broken);
 * nothing is changed either way. */
int pf_resolve_install(struct pf_ctx *ctx, const struct pf_index *idx,
		       const struct pf_installed_set *inst, const char *const *names, size_t n,
		       struct pf_transaction *t);

/* The add-on part of `upgrade`, appended to T: every installed add-on
 * whose build in IDX differs (another Version-Release, or IDX is the
 * series it is moving to), with dependencies it gained. An installed
 * add-on IDX does not offer stays, with a warning when it was built for
 * another series. */
int pf_resolve_addon_upgrades(struct pf_ctx *ctx, const struct pf_index *idx,
			      const struct pf_installed_set *inst, struct pf_transaction *t);

/* `remove NAMES`: each must be installed; refused (PF_E_USAGE, nothing
 * changed) while an installed add-on not being removed depends on one,
 * unless WITH_DEPENDENTS: then those are removed too, before what they
 * need. */
int pf_resolve_remove(struct pf_ctx *ctx, const struct pf_installed_set *inst,
		      const char *const *names, size_t n, bool with_dependents,
		      struct pf_transaction *t);

#endif
