/* `pakfire info NAME|core-N`: one add-on whole, or one core update's stanza,
 * with what the system has of it. Reads only, like `list` (catalog.h). */
#ifndef PF_OPS_INFO_H
#define PF_OPS_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ops/catalog.h"

struct pf_session;

/* A core update as the index lists it and the system has it. */
struct pf_core_view {
	char unit[64];             /* "core-140" */
	unsigned number;
	bool offered;              /* the index of the system's series lists it */
	unsigned requires;
	char series_switch[64];    /* the series applying it moves to, or "" */
	char summary[256];
	bool reboot;
	uint64_t manifest_size;
	uint64_t package_size;
	bool applied;              /* the system's core level is at or past it */
	bool pending;              /* in the chain `upgrade` applies next */
};

enum pf_info_kind { PF_INFO_ADDON, PF_INFO_CORE };

struct pf_info {
	enum pf_info_kind kind;
	struct pf_reading at;
	struct pf_addon_view addon;   /* PF_INFO_ADDON */
	struct pf_core_view update;   /* PF_INFO_CORE */
	/* What the database records of the unit (both kinds): */
	bool recorded;                /* pakfire applied it (a core level the
				       * system was installed at is not) */
	time_t applied_at;
	char applied_series[64];      /* the series it was applied from */
	uint64_t files;               /* regular files it owns, and their size */
	uint64_t bytes;
	uint64_t paths;               /* every path it owns, folders and symlinks too */
};

/* WHAT: an add-on's name, or "core-N". Neither offered by the index nor
 * known to the system: PF_E_USAGE, saying how to see what exists. */
int pf_info_of(struct pf_session *s, const char *what, struct pf_info *out);

#endif
