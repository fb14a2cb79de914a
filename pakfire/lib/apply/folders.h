/* The folders an update touches, as they were before it: the ones staging
 * will create (a rollback removes them again, deepest first, if empty) and
 * the existing ones whose mode or owner the manifest sets (a rollback puts
 * the old ones back). Computed before anything is written and kept in the
 * journal, so that recovery after a crash undoes folders as exactly as a
 * rollback in the same run. */
#ifndef PF_APPLY_FOLDERS_H
#define PF_APPLY_FOLDERS_H

#include <stdbool.h>

struct pf_ctx;
struct pf_fsset;
struct pf_manifest;

/* The record for manifest M under the root, one folder a line, parents
 * before children: "+\tPATH" (missing now: staging creates it) or
 * "=\tMODE\tUID\tGID\tPATH" (exists; a `dir` entry sets it). *OUT is
 * malloc'd ("" when nothing is recorded). */
int pf_folders_before(struct pf_ctx *ctx, const struct pf_manifest *m, char **out);

/* Undo RECORD (as made above; NULL or "" does nothing): with MODES_SET (the
 * commit had begun: it sets the folders' modes after the renames) the old
 * modes and owners back; created folders removed if empty. The folders'
 * file systems are added to FSS for the caller's sync. -1 (with pf_fail)
 * only for what could not be restored; a created folder that is not empty
 * (something else was put there) is kept, and so is a path that is no
 * folder any more. */
int pf_folders_roll_back(struct pf_ctx *ctx, const char *record, bool modes_set,
			 struct pf_fsset *fss);

#endif
