/* What an object costs on a file system: the bytes the kernel will really
 * allocate for a file of a given size, a symlink, a new folder, and the
 * names a folder gains. The planner asks here and nowhere else, so that
 * each kind of file system (ext4, tmpfs, vfat; pf_fs_kind) is modelled in
 * one place; docs/space.md ("File systems as they are") gives the rules
 * and the figures measured against df.
 *
 * Every figure is on the safe side: never less than the kernel uses for a
 * new object, never more than an existing object surely holds (what
 * replacing or removing it frees). */
#ifndef PF_FSMODEL_H
#define PF_FSMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/mounts.h"

/* A new regular file of SIZE bytes: its data, rounded to the block or
 * cluster, and on ext4 the extent tree blocks it may need. */
uint64_t pf_fs_file_bytes(const struct pf_space *s, uint64_t size);
/* What an existing file of SIZE bytes holds at least (its data blocks):
 * what replacing or removing it frees when its blocks were not counted. */
uint64_t pf_fs_file_held(const struct pf_space *s, uint64_t size);
/* A symlink whose target is TARGET_LEN bytes long. */
uint64_t pf_fs_symlink_bytes(const struct pf_space *s, uint64_t target_len);
/* A new, empty folder. */
uint64_t pf_fs_dir_bytes(const struct pf_space *s);

/* The bytes the entry of NAME (LEN bytes) takes in its folder; 0 where a
 * folder's size does not depend on its names (tmpfs, kinds not modelled). */
uint64_t pf_fs_name_bytes(const struct pf_space *s, const char *name, size_t len);
/* The fewest bytes it can take there: what a folder surely holds. Only
 * vfat differs: an 8.3 name in small letters gets a long name from the
 * kernel's default (shortname=mixed), one slot under shortname=winnt and
 * from Windows or mtools, which mark its case in the short entry. */
uint64_t pf_fs_name_bytes_least(const struct pf_space *s, const char *name, size_t len);
/* Whether the entries a folder holds now (read with readdir) tell how much
 * room is left in it: the room of a deleted entry is found again by a
 * later name. On ext4 it goes to the entry before it, where any name that
 * fits uses it. On vfat it is a hole of as many slots as the name had: a
 * name of as many slots or fewer uses it. Most holes in a folder pakfire
 * keeps are its own temporaries' and backups' (3 slots), which the next
 * update's temporaries and backups (3 slots) fill again; a hole too short
 * for a later name is the one case where the plan counts too little, and
 * a write that then meets a full disk rolls the update back. */
bool pf_fs_dir_readable(const struct pf_space *s);

/* A folder as the planner knows it. */
struct pf_fs_dir {
	uint64_t alloc;     /* bytes allocated to it now (at least) */
	uint64_t used;      /* bytes of the entries made in it (pf_fs_name_bytes) */
	uint64_t least;     /* the same, counted by pf_fs_name_bytes_least */
	bool used_known;    /* USED is known (the chain made the folder, or it
			     * was read); else the folder is taken as full */
};

/* How much folder D grows when entries of ADDED bytes are made in it
 * (some of them deleted again: no folder shrinks, and the room of a
 * deleted entry is not counted on). */
uint64_t pf_fs_dir_growth(const struct pf_space *s, const struct pf_fs_dir *d, uint64_t added);
/* The bytes a folder surely has allocated while its entries take LEAST
 * bytes (pf_fs_name_bytes_least): they fit in no fewer blocks or
 * clusters. What an update surely leaves a folder with, for the updates
 * after it in a chain (plan/dirgrowth.c): never the growth counted for it,
 * which is the most it can take. */
uint64_t pf_fs_dir_least(const struct pf_space *s, uint64_t least);

#endif
