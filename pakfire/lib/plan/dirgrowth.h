/* The folders that the updates of a planned chain make names in, and how
 * much each grows (plan/fsmodel.c says by how much). A staged update makes
 * a temporary name beside each file and symlink, a backup name beside each
 * file it replaces, and the file's own name when it is new: a folder that
 * gains many names grows by blocks (ext4) or clusters (vfat), and never
 * shrinks again. plan.c tells each name as it plans an entry and asks for
 * the growth when the update is planned. */
#ifndef PF_DIRGROWTH_H
#define PF_DIRGROWTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_plan_fs;
struct pf_plan_probe;
struct pf_dirgrowth;

struct pf_dirgrowth *pf_dirgrowth_new(size_t hint);
void pf_dirgrowth_free(struct pf_dirgrowth *g);

/* Folder REL (resolved, relative to the root) is made by the chain,
 * empty, with ALLOC bytes, in its parent on file system FS; PARENT_ALLOC:
 * the bytes the parent has, as far as the planner knows (it is asked
 * only the first time a folder is named). */
int pf_dirgrowth_made(struct pf_ctx *ctx, struct pf_dirgrowth *g, const struct pf_plan_fs *fs_table,
		      const char *rel, size_t fs, uint64_t alloc, uint64_t parent_alloc);

/* Entry K of update UNIT, a file or symlink at REL, is staged in its
 * folder on FS: a temporary name, and the backup of the file it replaces
 * (REPLACES) or else its own name (apply/journal.c: pf_stage_name,
 * pf_backup_name). */
int pf_dirgrowth_staged(struct pf_ctx *ctx, struct pf_dirgrowth *g, const struct pf_plan_fs *fs_table,
			const char *rel, size_t fs, uint64_t parent_alloc, const char *unit, size_t k,
			bool replaces);

/* The update is planned: add each folder's growth to GROWTH[fs] (zeroed by
 * the caller), reading a folder that exists on the disk once through
 * PROBE's dir_usage where that tells its room. The growth is the most the
 * update can take; the next update of the chain counts only on what the
 * folder then surely has (pf_fs_dir_least). */
int pf_dirgrowth_settle(struct pf_dirgrowth *g, const struct pf_plan_probe *probe,
			const struct pf_plan_fs *fs_table, uint64_t *growth);

#endif
