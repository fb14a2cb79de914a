/* Crash safety: the names an update uses beside its targets, how to undo an
 * update that did not reach its commit point, how to finish one that did,
 * and recovery at start. Every step is idempotent: recovery may itself be
 * interrupted and run again. */
#ifndef PF_JOURNAL_H
#define PF_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_db;
struct pf_manifest;
struct pf_unit;

/* ".pakfire-old-" + a unit id (< 64) + "-" + an index */
#define PF_NAME_MAX 112

/* ".pakfire-TAG-I": the staged new version of manifest entry I of the unit
 * whose journal row has TAG (its id, "core-141"; a row left by a pakfire
 * before units has the bare number, and its names are found the same way). */
void pf_stage_name(char out[PF_NAME_MAX], const char *tag, size_t idx);
/* ".pakfire-old-TAG-I": the original (a hard link, a copy on vfat: keep.c), kept
 * until the commit. */
void pf_backup_name(char out[PF_NAME_MAX], const char *tag, size_t idx);

/* Undo unit U, staged under TAG. Before renames (RENAMED false): remove temporaries and
 * backups; the targets are the originals. During renames: a target whose
 * temporary is gone was replaced: put the backup back, or delete it when
 * FRESH[I] == '1' (it did not exist before). Then the FOLDERS as they were
 * (apply/folders.h): modes and owners back, the folders it made removed.
 * Returns -1 if anything could not be undone (the message names it); the
 * caller keeps the journal then. */
int pf_journal_roll_back(struct pf_ctx *ctx, const struct pf_unit *u, const char *tag,
			 const struct pf_manifest *m, bool renamed, const char *fresh,
			 const char *folders);

/* After the commit point: delete the backups (none where FRESH[I] == '1':
 * the path was new; FRESH may be NULL) and the REMOVALS (one path a line; a
 * folder only if empty), then syncfs the file systems touched. REMOVED
 * counts what went. */
int pf_journal_clean_up(struct pf_ctx *ctx, const struct pf_unit *u, const char *tag,
			const struct pf_manifest *m, const char *fresh, const char *removals,
			uint64_t *removed);

/* Run by every command that takes the lock, before it does anything else:
 * finish or undo what an interrupted run left in the journal, and close
 * the transactions left open, but KEEP (0: none), the one a pakfire that
 * restarted itself goes on with. */
int pf_recover(struct pf_ctx *ctx, struct pf_db *db, int64_t keep);

#endif
