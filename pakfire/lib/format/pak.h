/* Reading a .pak (docs/formats.md): a pax tar, zstd (or xz) compressed,
 * whose first member is .pakfire/manifest. Only ever called on a package
 * whose size and SHA-256 already matched the signed index. */
#ifndef PF_PAK_H
#define PF_PAK_H

#include <stdbool.h>
#include <stddef.h>

struct archive;
struct archive_entry;
struct pf_ctx;
struct pf_entry;
struct pf_manifest;

#define PF_PAK_MANIFEST ".pakfire/manifest"

/* An archive reader on FD from its first byte, accepting nothing but what a
 * .pak may be. NAME is for messages. NULL after pf_fail (PF_E_VERIFY when
 * it is not a package). The caller frees it with archive_read_free. */
struct archive *pf_pak_open(struct pf_ctx *ctx, int fd, const char *name);

/* The first member of the package on FD, which must be PF_PAK_MANIFEST and
 * at most MAX bytes, into a malloc'd buffer. PF_E_VERIFY otherwise. */
int pf_pak_read_manifest(struct pf_ctx *ctx, int fd, const char *name, size_t max,
			 char **buf, size_t *len);

/* Checking members against the manifest (pak-member.c), shared by the
 * client's staging (apply/stage.c) and pakfire-repo check, so that the
 * two can never disagree on what a package may hold. PAK names the
 * package in messages; every refusal is PF_E_VERIFY. */

/* The first member AE, which must be PF_PAK_MANIFEST holding exactly the
 * LEN bytes MANIFEST (the published manifest, whose size and hash the
 * index vouches for). BUF (SIZE bytes) is scratch for reading it. */
int pf_pak_check_manifest(struct pf_ctx *ctx, const char *pak, struct archive *a,
			  struct archive_entry *ae, const char *manifest, size_t len,
			  char *buf, size_t size);

/* The entry of M that the payload member AE stands for: its path (a
 * directory may be written "name/") is in M and met for the first time
 * (SEEN has one flag per entry of M, set here), it is not a hard link, and
 * its type, permission bits, owner (not for symlinks), size (files) and
 * target (symlinks) are M's. NULL after pf_fail. A file's bytes are the
 * caller's to read and hash. */
const struct pf_entry *pf_pak_member(struct pf_ctx *ctx, const char *pak,
				     const struct pf_manifest *m, struct archive_entry *ae,
				     bool *seen);

/* After the last member: every file, dir and symlink of M was met. */
int pf_pak_complete(struct pf_ctx *ctx, const char *pak, const struct pf_manifest *m,
		    const bool *seen);

#endif
