/* Writing a .pak: a pax tar, zstd-compressed (DESIGN.md, "Repository").
 * First member ".pakfire/manifest" (the published manifest bytes), then
 * ".pakfire/hooks/NAME" for each hook entry (0755), then the payload at the manifest's paths in manifest order, read below the
 * context's root (the build root). Every member is root:root with one fixed
 * mtime, so the same input always gives the same bytes. */
#ifndef PF_REPO_PAK_H
#define PF_REPO_PAK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_ctx;
struct pf_manifest;
struct pf_pak_hook;

struct pak_stats {
	uint64_t members;   /* payload members (not those under .pakfire/) */
	uint64_t bytes_in;  /* payload file bytes archived */
	uint64_t bytes_out; /* compressed bytes written to fd */
};

/* Write the package to FD. NAME is used in messages ("core-141.pak").
 * HOOKS (N_HOOKS) hold the bytes of the hook entries of M, found by name. A
 * regular file whose size or SHA-256 no longer matches the manifest (it
 * changed since the manifest was made) fails the build. */
int pak_write(struct pf_ctx *ctx, const char *name, const struct pf_manifest *m,
	      const char *mbuf, size_t mlen, const struct pf_pak_hook *hooks,
	      size_t n_hooks, time_t mtime, int fd,
	      struct pak_stats *stats);

#endif
