/* Reading a .pak (docs/formats.md): a pax tar, zstd (or xz) compressed,
 * whose first member is .pakfire/manifest. Only ever called on a package
 * whose size and SHA-256 already matched the signed index. */
#ifndef PF_PAK_H
#define PF_PAK_H

#include <stddef.h>

struct archive;
struct pf_ctx;

#define PF_PAK_MANIFEST ".pakfire/manifest"

/* An archive reader on FD from its first byte, accepting nothing but what a
 * .pak may be. NAME is for messages. NULL after pf_fail (PF_E_VERIFY when
 * it is not a package). The caller frees it with archive_read_free. */
struct archive *pf_pak_open(struct pf_ctx *ctx, int fd, const char *name);

/* The first member of the package on FD, which must be PF_PAK_MANIFEST and
 * at most MAX bytes, into a malloc'd buffer. PF_E_VERIFY otherwise. */
int pf_pak_read_manifest(struct pf_ctx *ctx, int fd, const char *name, size_t max,
			 char **buf, size_t *len);

#endif
