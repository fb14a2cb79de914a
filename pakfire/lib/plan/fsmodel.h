/* What an object costs on a file system: the bytes the kernel will really
 * allocate for a file of a given size, a symlink, a new folder. The planner
 * asks here and nowhere else, so that each kind of file system (ext4, tmpfs,
 * vfat; pf_fs_kind) is modelled in one place; docs/space.md gives the
 * figures measured against df. */
#ifndef PF_FSMODEL_H
#define PF_FSMODEL_H

#include <stdint.h>

#include "plan/mounts.h"

/* A regular file of SIZE bytes. */
uint64_t pf_fs_file_bytes(const struct pf_space *s, uint64_t size);
/* A symlink whose target is TARGET_LEN bytes long. */
uint64_t pf_fs_symlink_bytes(const struct pf_space *s, uint64_t target_len);
/* A new, empty folder. */
uint64_t pf_fs_dir_bytes(const struct pf_space *s);

#endif
