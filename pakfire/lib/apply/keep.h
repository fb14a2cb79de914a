/* Keeping the original of a path that an update replaces (inside apply/
 * only): beside its target as .pakfire-old-TAG-I (journal.h) until the
 * commit point, so that a rollback can put it back. */
#ifndef PF_APPLY_KEEP_H
#define PF_APPLY_KEEP_H

#include <stdbool.h>
#include <stddef.h>

struct pf_entry;
struct stage;

/* Whether FD (any fd) is on a vfat file system (fstatfs: MSDOS_SUPER_MAGIC). */
bool pf_keep_on_vfat(int fd);

/* What is at BASE in the folder PFD, which entry IDX (E) of the stage will
 * replace: nothing (st->fresh[IDX] = '1'), or an original, kept as
 * .pakfire-old-TAG-I (fresh '0'): a hard link; where the file system has
 * none (st->parent_vfat, or linkat says so), a copy with the original's
 * bytes (and owner, mode and times where the file system holds them), on
 * disk (file and folder fsync'd) before this returns. A folder at BASE is
 * refused. */
int pf_keep_original(struct stage *st, int pfd, const char *base, const struct pf_entry *e,
		     size_t idx);

#endif
