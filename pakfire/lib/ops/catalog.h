/* `pakfire list`: the add-ons of the index of the system's series beside
 * what the system has installed, as views (never database rows). Also
 * what `status` and `info` show of an add-on, built the same way. Reads
 * only: the index kept by `pakfire update` (an expired one is read, and
 * said to be expired) and the installed add-ons. */
#ifndef PF_OPS_CATALOG_H
#define PF_OPS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_addons;
struct pf_ctx;
struct pf_index;
struct pf_session;
struct pf_system;

/* One add-on as the index offers it and the system has it. */
struct pf_addon_view {
	char name[64];
	char summary[256];
	char depends[256];         /* "bar, baz": the index's Depends, or what
				    * was recorded when it was installed */
	bool offered;              /* the index of the system's series lists it */
	char version[128];         /* the index's build, Version-Release ("" if
				    * not offered) */
	uint64_t package_size;     /* the index's Package-Size (0 if not offered) */
	bool installed;
	char installed_version[128];
	char installed_series[64]; /* the series it was installed from */
	char reason[16];           /* explicit | dependency */
	/* Installed, offered, and the index's build is another one: another
	 * Version-Release, or the same from another series (`upgrade`
	 * replaces it, as resolve/addons.c decides). */
	bool upgradable;
};

enum pf_catalog_filter {
	PF_CATALOG_ALL,        /* what the index offers, and what is installed */
	PF_CATALOG_INSTALLED,
	PF_CATALOG_AVAILABLE,  /* offered and not installed: what `install` adds */
	PF_CATALOG_UPGRADABLE,
};

/* The index a reading command works from. */
struct pf_index_view {
	bool have;              /* `pakfire update` kept one for this series */
	uint64_t revision;
	time_t valid_until;
	bool expired;           /* past Valid-Until (and the grace) */
};

/* What list and info read from: the system and the index of its series. */
struct pf_reading {
	char series[64];
	char arch[64];
	unsigned core;
	struct pf_index_view index;
};

struct pf_catalog {
	struct pf_reading at;
	enum pf_catalog_filter filter;
	struct pf_addon_view *addons; /* malloc'd, by name */
	size_t n;
	size_t n_installed;     /* over every installed add-on, whatever the filter */
	size_t n_upgradable;
};

/* Calls FN on each name V depends on; a non-zero FN stops and is returned
 * (the front end lists them without knowing how Depends is written). */
int pf_addon_view_depends(const struct pf_addon_view *v, int (*fn)(const char *name, void *data),
			  void *data);

/* The views of IDX's add-ons (IDX may be NULL: no index yet) and of the
 * installed ones INST that FILTER keeps, by name. *N_UPGRADABLE (may be
 * NULL) counts the upgradable ones among all installed. */
int pf_addon_views(struct pf_ctx *ctx, const struct pf_index *idx, const struct pf_addons *inst,
		   enum pf_catalog_filter filter, struct pf_addon_view **out, size_t *n,
		   size_t *n_upgradable);

/* The system row (*SYS) and the index kept for its series (*IDX), for a
 * command that only reads, and AT, what they say: *IDX NULL (and
 * AT->index.have false) when there is none yet; past Valid-Until it is
 * read all the same, with a warning that says so and what to run. */
int pf_reading_open(struct pf_session *s, struct pf_system *sys, struct pf_index **idx,
		    struct pf_reading *at);

/* `pakfire list`. Without an index only PF_CATALOG_INSTALLED can answer;
 * the others fail as pf_current_index does (run 'pakfire update'). */
int pf_catalog(struct pf_session *s, enum pf_catalog_filter filter, struct pf_catalog *out);
void pf_catalog_clear(struct pf_catalog *c);

#endif
