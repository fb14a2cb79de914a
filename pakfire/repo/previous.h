/* pakfire-repo build --previous OLD_BUILDROOT (core updates): the `remove`
 * entries for the shared libraries that the previous build root had and
 * the new one (the context's root) no longer has, so that a library the
 * distribution stopped building leaves the appliances with the update
 * that drops it (docs/hooks.md, "pakfire-repo build --previous").
 *
 * Considered: regular files of OLD named lib*.so.* (versioned shared
 * libraries: libfoo.so.1.2.3), lib*-[0-9]*.so (glibc's: libc-2.28.so) or
 * ld-[0-9]*.so (the dynamic loader), whatever their bytes.
 * Kept (no entry): a path that the new root still has in any form (file,
 * symlink, folder; its folders resolved inside the new root), and a path
 * that a symlink of the new root points to, resolved inside the new root
 * (relative and absolute targets, chains of symlinks). */
#ifndef PF_REPO_PREVIOUS_H
#define PF_REPO_PREVIOUS_H

#include <stddef.h>

struct pf_ctx;

/* The paths (relative, sorted, malloc'd; *N of them) for OLD against the
 * context's root. OLD that is not a folder: PF_E_USAGE. When the new root
 * lacks more than half of OLD's regular files (roots of single updates,
 * not whole systems), a warning says so; the result stands. */
int previous_removes(struct pf_ctx *ctx, const char *old, char ***out, size_t *n);

#endif
