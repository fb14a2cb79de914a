/* What diagnose asks the database about itself: SQLite's own checks and
 * the verified indexes of every series it keeps (docs/diagnose.md,
 * "Database", "Indexes"). Reads only. */
#ifndef PF_STATE_CHECK_H
#define PF_STATE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_db;

/* At most this many messages of a check are kept: the first ones say
 * where the damage is; a damaged file can yield thousands. */
#define PF_DB_CHECK_MESSAGES 8 /* check.c spells it in its pragmas */

/* PRAGMA integrity_check (QUICK false) or quick_check (QUICK true) into
 * OUT: "ok", or its first messages joined by "; ". A check that cannot
 * run at all (the file is not a database) fails with SQLite's message. */
int pf_db_check(struct pf_db *db, bool quick, char *out, size_t size);

/* One kept index (the `indexes` table), without its body. */
struct pf_index_row {
	char series[64], arch[64];
	uint64_t revision;
	time_t date, valid_until, fetched_at;
	char signer[128];
};
/* Every kept index, by series and arch (*OUT malloc'd, the caller's). */
int pf_db_index_list(struct pf_db *db, struct pf_index_row **out, size_t *n);

#endif
