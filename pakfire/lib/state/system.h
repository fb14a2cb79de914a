/* The system row (series, arch, core level, the index last trusted) and the
 * verified indexes kept whole. */
#ifndef PF_STATE_SYSTEM_H
#define PF_STATE_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_db;

struct pf_system {
	char series[64];
	char arch[64];
	unsigned core;
	uint64_t revision;      /* last index Revision seen, 0 if none */
	char index_sha256[65];  /* its SHA-256, "" if none */
};

/* The row written by `pakfire init`. Fails if one exists. */
int pf_db_init_system(struct pf_db *db, const char *series, const char *arch, unsigned core);
int pf_db_get_system(struct pf_db *db, struct pf_system *out);

/* Move the system to SERIES, alone: only for a switching update applied by
 * a pakfire that could not cross series (a switching update's own commit
 * moves the series with it, state/units.c). */
int pf_db_set_series(struct pf_db *db, const char *series);

/* The reboot a unit with Reboot: yes asked for (state/units.h): PENDING,
 * the boot it was applied in (BOOT_ID: base/bootid.h pf_boot_mark) and
 * the unit ("core-141"). It stands until the system booted since. */
struct pf_reboot {
	bool pending;
	char boot_id[40];
	char unit[64];
};
int pf_db_get_reboot(struct pf_db *db, struct pf_reboot *out);
/* Under the lock, once the system booted since (pf_booted_since): forget
 * the reboot. */
int pf_db_clear_reboot(struct pf_db *db);

/* A verified index: stored whole (the bytes that were signed, and the
 * signature) so the client and support staff can always see what was
 * trusted; the system row remembers its Revision and hash. */
struct pf_stored_index {
	uint64_t revision;
	char sha256[65];
	time_t date;
	time_t valid_until;
	time_t fetched_at;
	char signer[128];
	char *body;             /* malloc'd, NUL-terminated */
	size_t body_len;
};
int pf_db_store_index(struct pf_db *db, const char *series, const char *arch,
		      const struct pf_stored_index *idx, const void *sig, size_t sig_len);
/* Loads the current index for series/arch; *found false if none. */
int pf_db_load_index(struct pf_db *db, const char *series, const char *arch,
		     struct pf_stored_index *out, bool *found);
void pf_stored_index_clear(struct pf_stored_index *idx);

#endif
