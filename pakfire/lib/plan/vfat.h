/* What a FAT file system (vfat: the EFI system partition at /boot/efi)
 * cannot hold, refused before anything changes. It has no symlinks, no
 * owners and no modes (it presents every file and every folder with the
 * owner and mode its mount gives), and it takes names that differ only in
 * case for one name. */
#ifndef PF_PLAN_VFAT_H
#define PF_PLAN_VFAT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pf_ctx;
struct pf_plan_env;
struct pf_transaction;

/* Every unit of T that installs something below a vfat mount (pf_fs_kind
 * PF_FS_VFAT; ENV: the mounts and the probe of the plan): a symlink there,
 * a file or folder whose mode or owner is not what the mount presents, two
 * paths of T that differ only in case there, or a new path whose name is
 * on the disk under another spelling. PF_E_OTHER (a file conflict's class:
 * a valid update that this system cannot take as it is), one message that
 * names the unit, the path, the mount and what is wrong; nothing changed. */
int pf_plan_vfat(struct pf_ctx *ctx, const struct pf_plan_env *env,
		 const struct pf_transaction *t);

/* The mode a FAT mount with super options OPTIONS (mountinfo) presents for
 * a file NAME: 0777 & ~fmask, without the x bits under showexec unless the
 * name ends in .exe, .com or .bat. A driver whose options give no fmask
 * (fusefat) presents files as its root folder: ROOT_MODE. */
mode_t pf_vfat_file_mode(const char *options, mode_t root_mode, const char *name);

/* Whether A and B (ALEN, BLEN bytes) are one name on FAT: equal but for
 * the case of ASCII letters (what every FAT code page folds alike). */
bool pf_vfat_same_name(const char *a, size_t alen, const char *b, size_t blen);

#endif
