/* The transaction: what flows through the stages. A resolver builds it (the
 * core chain for `upgrade`; later an add-on's dependencies for `install`, a
 * removal for `remove`, the crossing to a new series), then fetch fills each
 * unit's verified manifest and package, plan checks the space of the whole
 * transaction, apply applies it unit by unit, and state records each unit's
 * files, steps and journal under its id. No stage knows how the transaction
 * was built (libalpm's trans.c, FreeBSD pkg's pkg_jobs.c). */
#ifndef PF_TRANSACTION_H
#define PF_TRANSACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/event.h"

struct pf_ctx;
struct pf_index;
struct pf_index_entry;
struct pf_manifest;

enum pf_unit_kind { PF_UNIT_CORE, PF_UNIT_ADDON };

/* What a unit does: installs (or upgrades, or reinstalls) what its index
 * stanza describes, takes an installed add-on away, or (`verify --fix`,
 * ops/repair.c) restores some of the paths an installed unit owns from
 * its package, exactly as the database recorded them: then `m` holds only
 * those entries, `applies` their bytes (the journal keeps them), while
 * `manifest` stays the verified bytes the package's first member must
 * equal. A repair changes no row: not the core level, not the units, not
 * who owns what; it runs no hook. */
enum pf_unit_op { PF_UNIT_APPLY, PF_UNIT_REMOVE, PF_UNIT_REPAIR };

/* "core-141": ids are at most this long, NUL included. */
#define PF_UNIT_ID_MAX 64

struct pf_unit {
	enum pf_unit_kind kind;
	/* Owns files, names staged files, keys steps, space checks, events
	 * and the journal: "core-141", or an add-on's name. */
	char id[PF_UNIT_ID_MAX];
	enum pf_unit_op op;
	unsigned number;          /* core: its number; add-on: 0 */
	char version[128];        /* add-on: Version-Release; "" for core (a
				   * copy: the units array moves as it grows) */
	const char *series;       /* the series whose signed index lists it (a
				   * removal: the one it was installed from) */
	const struct pf_index_entry *entry; /* that index's stanza (NULL for a
					     * removal) */
	const char *reason;       /* add-on: "explicit" or "dependency" */

	/* Filled by fetch: the manifest bytes whose size and hash the index
	 * signs, parsed; the package when it is already verified in the
	 * cache (else -1: fetched when its turn comes). */
	char *manifest;
	size_t manifest_len;
	struct pf_manifest *m;
	int pak_fd;
	/* A repair: the manifest M was written from (pf_manifest_write),
	 * what the journal keeps; NULL otherwise (the journal keeps
	 * `manifest`). */
	char *applies;
	size_t applies_len;
};

struct pf_transaction {
	const char *series;       /* the system's series and arch */
	const char *arch;
	unsigned core;            /* the core level before the transaction */
	const char *keys;         /* the trusted keys folder (absolute, as
				   * configured): a core update may revoke a
				   * key there that the installer put */
	const char *own[3];       /* folders no add-on may write into
				   * (absolute): the keys, pakfire's database
				   * folder, its cache */
	struct pf_unit *units;    /* in the order they are applied */
	size_t n;
	/* The core update the chain stopped before because this pakfire
	 * cannot honour it (docs/formats.md, "Client levels"), and the index
	 * listing it; NULL when the chain ran to its end. */
	const struct pf_index_entry *blocked;
	const struct pf_index *blocked_idx;
};

struct pf_transaction *pf_transaction_new(struct pf_ctx *ctx, const char *series,
					  const char *arch, unsigned core);
void pf_transaction_free(struct pf_transaction *t);

/* Append a core update or an add-on from a verified index stanza. */
int pf_transaction_add(struct pf_ctx *ctx, struct pf_transaction *t,
		       const struct pf_index_entry *e, const char *series);

/* Drop the units from the Nth on (a resolver's attempt that came to
 * nothing). */
void pf_transaction_truncate(struct pf_transaction *t, size_t n);

/* Append the removal of installed add-on NAME (VERSION, from SERIES: that
 * string must outlive T). Its manifest (a `remove` entry per path it
 * owns) is the operation's to fill. */
int pf_transaction_add_removal(struct pf_ctx *ctx, struct pf_transaction *t, const char *name,
			       const char *version, const char *series);

/* The series T's last unit moves the system to (Series-Switch), or NULL:
 * the chain goes on in that series' index. */
const char *pf_transaction_switch(const struct pf_transaction *t);

/* The unit with this id, or NULL. */
struct pf_unit *pf_transaction_find(const struct pf_transaction *t, const char *id);

/* Whether NAME is a name an add-on may have (it names staged files). */
bool pf_addon_name_ok(const char *name);

/* Whether U applies a package (install, upgrade, repair): not a removal. */
bool pf_unit_has_package(const struct pf_unit *u);

/* The core level the system is at before unit I is applied. */
unsigned pf_transaction_level_before(const struct pf_transaction *t, size_t i);

/* How events name U (base/event.h). */
struct pf_unit_ref pf_unit_ref_of(const struct pf_unit *u);

/* The unit id of a core update: "core-141". */
void pf_unit_core_id(char out[PF_UNIT_ID_MAX], unsigned number);

/* How messages name a unit: "core 141", or the add-on's name. */
const char *pf_unit_label(const struct pf_unit *u, char buf[PF_UNIT_ID_MAX]);

/* A unit known only by its id (the journal, the files table): kind, number
 * and id filled from ID ("core-141" is core 141; anything else an add-on). */
void pf_unit_from_id(struct pf_unit *u, const char *id);

/* Whether a 'remove' entry of U may delete a path that OWNER installed: a
 * core update removes what an earlier core update installed; an add-on,
 * what its own earlier version installed. */
bool pf_unit_may_remove(const struct pf_unit *u, const char *owner);

#endif
