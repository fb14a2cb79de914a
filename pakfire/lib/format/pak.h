/* Reading a .pak (docs/formats.md): a pax tar, zstd (or xz) compressed,
 * whose first member is .pakfire/manifest. Only ever called on a package
 * whose size and SHA-256 already matched the signed index. */
#ifndef PF_PAK_H
#define PF_PAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct archive;
struct archive_entry;
struct pf_ctx;
struct pf_entry;
struct pf_manifest;

#define PF_PAK_MANIFEST ".pakfire/manifest"
/* Hook NAME of the manifest ("hook PHASE SHA256 NAME") is the member
 * PF_PAK_HOOKS_DIR NAME, right after the manifest, before the payload. */
#define PF_PAK_HOOKS_DIR ".pakfire/hooks/"
/* A hook is a script: read whole into memory, so bounded. */
#define PF_PAK_HOOK_MAX (1024 * 1024)

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

/* Hook members (pak-hooks.c). */

/* Whether member NAME is under PF_PAK_HOOKS_DIR (a hook member, whatever
 * else it is: pf_pak_hook_member judges it). */
bool pf_pak_is_hook(const char *name);

/* The hook entry of M that the member AE (PF_PAK_HOOKS_DIR NAME) stands
 * for: NAME is a hook entry of M, met for the first time (SEEN, one flag
 * per entry of M, set here), before any payload member (PAYLOAD says one
 * came), a regular file (no hard link) of at most PF_PAK_HOOK_MAX bytes.
 * NULL after pf_fail (PF_E_VERIFY). Its bytes are the caller's to read and
 * compare with the entry's SHA-256 (pf_pak_hook_bytes_check). */
const struct pf_entry *pf_pak_hook_member(struct pf_ctx *ctx, const char *pak,
					  const struct pf_manifest *m, struct archive_entry *ae,
					  bool *seen, bool payload);

/* The hook E's bytes, SIZE of them with SHA-256 SHA, are the manifest's:
 * else PF_E_VERIFY ("does not match the SHA-256 in its manifest"). */
int pf_pak_hook_bytes_check(struct pf_ctx *ctx, const char *pak, const struct pf_entry *e,
			    uint64_t size, const uint8_t sha[32]);

/* After the hook members: every hook entry of M was met ("is in the
 * manifest but missing from the package"). */
int pf_pak_hooks_complete(struct pf_ctx *ctx, const char *pak, const struct pf_manifest *m,
			  const bool *seen);

/* A hook of a package, as the client runs it. */
struct pf_pak_hook {
	const struct pf_entry *e; /* its entry in the manifest */
	char *bytes;              /* the script, checked against e->sha256 */
	size_t len;
};

/* The hooks of the package PAK on FD, read before anything of it is
 * staged: from its first byte, the manifest member (the LEN bytes
 * MANIFEST, as pf_pak_check_manifest), then every hook member up to the
 * first payload member, whose data is never read. *OUT gets one element
 * per hook entry of M, in manifest order (*N of them; NULL and 0 when M has
 * none, and then nothing is read). Every refusal is PF_E_VERIFY naming the
 * package and the member. Free with pf_pak_hooks_free. */
int pf_pak_read_hooks(struct pf_ctx *ctx, int fd, const char *pak, const struct pf_manifest *m,
		      const char *manifest, size_t len, struct pf_pak_hook **out, size_t *n);

void pf_pak_hooks_free(struct pf_pak_hook *h, size_t n);

#endif
