/* Paths under the root. Every path that comes from a manifest, an index or
 * an archive goes through pf_path_valid() before it is used, and every file
 * operation below the root goes through the root directory fd with openat2()
 * RESOLVE_IN_ROOT, so no symlink can lead outside the root. */
#ifndef PF_PATH_H
#define PF_PATH_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;

/* A relative path as manifests carry them: non-empty, no leading or trailing
 * '/', no empty, "." or ".." component, no byte < 0x20 or 0x7f, at most
 * PATH_MAX bytes, each component at most NAME_MAX. On failure *why (if not
 * NULL) says what is wrong, for the caller's message. */
bool pf_path_valid(const char *path, size_t len, const char **why);

/* Open PATH (relative to the root, may be "" for the root itself) below
 * ctx->root_fd with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
 * Returns the fd or -1 with errno set (no pf_fail: callers word it). */
int pf_root_open(struct pf_ctx *ctx, const char *path, int flags, int mode);

/* Make every missing directory of PATH (relative to the root), 0755. */
int pf_root_mkdirs(struct pf_ctx *ctx, const char *path);

/* Remove a tree below dirfd (no symlink followed). */
int pf_rmtree_at(int dirfd, const char *name);

/* Read a whole (small) file below dirfd into a malloc'd, NUL-terminated
 * buffer, refusing files larger than max. Returns -1 with errno set
 * (EFBIG when too large). */
int pf_read_file_at(int dirfd, const char *name, size_t max, char **buf,
		    size_t *len);

#endif
