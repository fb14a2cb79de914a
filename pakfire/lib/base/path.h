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
 * '/', no empty, "." or ".." component, no byte < 0x20 or 0x7f, shorter than
 * PATH_MAX bytes (what the kernel accepts), each component at most NAME_MAX.
 * On failure *why (if not NULL) says what is wrong, for the caller's
 * message. */
bool pf_path_valid(const char *path, size_t len, const char **why);

/* Open PATH (relative to the root, may be "" for the root itself) below
 * ctx->root_fd with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
 * Returns the fd or -1 with errno set (no pf_fail: callers word it). */
int pf_root_open(struct pf_ctx *ctx, const char *path, int flags, int mode);

/* Open the folder that holds PATH (O_PATH | O_DIRECTORY, inside the root)
 * and point *BASE at PATH's last component. -1 with errno set. */
int pf_root_open_parent(struct pf_ctx *ctx, const char *path, const char **base);

/* The folder holding a path, kept open between calls: manifests and archives
 * are in path order, so consecutive entries mostly share one, and one
 * openat2 walk serves them all. */
struct pf_folder {
	char *path;     /* relative to the root; NULL while nothing is open */
	int fd;         /* O_PATH */
};
#define PF_FOLDER_INIT { NULL, -1 }

/* As pf_root_open_parent, through the cache F: the fd belongs to F (do not
 * close it) and stays valid until the next call or pf_folder_close. */
int pf_folder_of(struct pf_ctx *ctx, struct pf_folder *f, const char *path,
		 const char **base);
void pf_folder_close(struct pf_folder *f);

/* Make PATH (relative to the root) and every missing directory above it,
 * 0755, like mkdir -p; an existing directory (or a symlink to one, resolved
 * inside the root) is fine. pf_fail on error (PF_E_SPACE for ENOSPC). */
int pf_root_mkdirs(struct pf_ctx *ctx, const char *path);

/* Remove a tree below dirfd (no symlink followed; a symlink is removed, not
 * its target). A missing NAME is not an error. Returns -1 with errno set. */
int pf_rmtree_at(int dirfd, const char *name);

/* Quote S (LEN bytes) for a one-line message into OUT (SIZE bytes, at least
 * 8): a byte outside printable ASCII becomes \xNN, a backslash \\, and a
 * long S is cut with "...". Returns OUT; the caller adds the quotes. */
const char *pf_quote(const char *s, size_t len, char *out, size_t size);

/* Read a whole (small) file below dirfd into a malloc'd, NUL-terminated
 * buffer, refusing files larger than max. Returns -1 with errno set
 * (EFBIG when too large). */
int pf_read_file_at(int dirfd, const char *name, size_t max, char **buf,
		    size_t *len);

#endif
