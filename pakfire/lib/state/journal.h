/* The journal of the unit being applied (at most one row at a time):
 * staging -> committing -> committed, then deleted once cleaned up. The
 * manifest is kept so that recovery knows every name involved, and the tag
 * its staged names carry (apply/journal.h), so that recovery finds the
 * names whichever pakfire version wrote them. */
#ifndef PF_STATE_JOURNAL_H
#define PF_STATE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_db;

struct pf_journal_entry {
	char unit[64];         /* "core-141" */
	char tag[64];          /* in the staged names: ".pakfire-TAG-I" */
	int64_t tx;
	char state[16];
	char series[64];
	char *manifest;
	size_t manifest_len;
	char *removals;        /* one path a line */
	char *fresh;           /* per manifest entry '1': the path did not exist */
	char *folders;         /* the folders before the unit (apply/folders.h) */
};
int pf_db_journal_begin(struct pf_db *db, int64_t tx, const char *unit, const char *tag,
			const char *series, const char *manifest, size_t len, const char *folders);
/* All staged and on disk: renames may start. FRESH: per manifest entry,
 * '1' where the path did not exist before (rollback deletes it), else '0'. */
int pf_db_journal_committing(struct pf_db *db, const char *unit, const char *fresh);
/* Inside the commit transaction (units.c): the removals still to do. */
int pf_db_journal_committed(struct pf_db *db, const char *unit, char *const *removed, size_t n);
int pf_db_journal_done(struct pf_db *db, const char *unit);
/* The commit point of a repair (verify --fix): in one transaction, the
 * journal of UNIT marked committed (nothing to remove) and the step
 * `repaired` with DETAIL recorded. No other row changes: the files were
 * restored to what the database says already. */
int pf_db_commit_repair(struct pf_db *db, int64_t tx, const char *unit, const char *detail);
int pf_db_journal_first(struct pf_db *db, struct pf_journal_entry *out, bool *found);
void pf_journal_entry_clear(struct pf_journal_entry *j);

#endif
