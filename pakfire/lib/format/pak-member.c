/* Members of a .pak against its manifest: see pak.h. The words of each
 * refusal are the client's (tests and support staff read them), and
 * pakfire-repo check reports the same ones. */
#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"
#include "format/manifest.h"
#include "format/pak.h"

static int member_fail(struct pf_ctx *ctx, const char *pak, const char *name, const char *what)
{
	char q[256];

	pf_quote(name, strlen(name), q, sizeof(q));
	return pf_fail(ctx, PF_E_VERIFY, "%s: member '%s' %s", pak, q, what);
}

int pf_pak_check_manifest(struct pf_ctx *ctx, const char *pak, struct archive *a,
			  struct archive_entry *ae, const char *manifest, size_t len,
			  char *buf, size_t size)
{
	const char *name = archive_entry_pathname(ae);
	size_t got = 0;

	if (!name || strcmp(name, PF_PAK_MANIFEST) || archive_entry_filetype(ae) != AE_IFREG)
		return pf_fail(ctx, PF_E_VERIFY, "%s: first member is not %s", pak,
			       PF_PAK_MANIFEST);
	if (!archive_entry_size_is_set(ae) || (uint64_t)archive_entry_size(ae) != len)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s: %s differs from the published manifest (size)", pak,
			       PF_PAK_MANIFEST);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, size);

		if (n == 0)
			break;
		if (n < 0)
			return pf_fail(ctx, PF_E_VERIFY, "%s: %s", pak, archive_error_string(a));
		if ((size_t)n > len - got || memcmp(buf, manifest + got, (size_t)n))
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s: %s differs from the published manifest", pak,
				       PF_PAK_MANIFEST);
		got += (size_t)n;
	}
	return got == len ? 0 : pf_fail(ctx, PF_E_VERIFY, "%s: %s is truncated", pak,
					 PF_PAK_MANIFEST);
}

/* What the member's header says, against entry E. NULL when it agrees,
 * else the words of the refusal. */
static const char *mismatch(const struct pf_entry *e, struct archive_entry *ae)
{
	mode_t type = archive_entry_filetype(ae);

	if (archive_entry_hardlink(ae))
		return "is a hard link";
	if ((e->type == PF_ENTRY_FILE && type != AE_IFREG) ||
	    (e->type == PF_ENTRY_DIR && type != AE_IFDIR) ||
	    (e->type == PF_ENTRY_SYMLINK && type != AE_IFLNK))
		return e->type == PF_ENTRY_FILE ? "is not a regular file as its manifest says" :
		       e->type == PF_ENTRY_DIR ? "is not a directory as its manifest says" :
		       "is not a symlink as its manifest says";
	/* A symlink's mode and owner mean nothing on Linux: not compared. */
	if (e->type != PF_ENTRY_SYMLINK && (mode_t)(archive_entry_perm(ae) & 07777) != e->mode)
		return "has another mode than its manifest says";
	if (e->type != PF_ENTRY_SYMLINK &&
	    (archive_entry_uid(ae) != (la_int64_t)e->uid || archive_entry_gid(ae) != (la_int64_t)e->gid))
		return "has another owner than its manifest says";
	if (e->type == PF_ENTRY_FILE &&
	    (!archive_entry_size_is_set(ae) || (uint64_t)archive_entry_size(ae) != e->size))
		return "has another size than its manifest says";
	if (e->type == PF_ENTRY_SYMLINK &&
	    (!archive_entry_symlink(ae) || strcmp(archive_entry_symlink(ae), e->target)))
		return "points elsewhere than its manifest says";
	return NULL;
}

const struct pf_entry *pf_pak_member(struct pf_ctx *ctx, const char *pak,
				     const struct pf_manifest *m, struct archive_entry *ae,
				     bool *seen)
{
	const char *name = archive_entry_pathname(ae), *why;
	const struct pf_entry *e;
	char dir[PATH_MAX];
	size_t idx, len;

	if (!name) {
		pf_fail(ctx, PF_E_VERIFY, "%s: a member without a name", pak);
		return NULL;
	}
	/* tar writes directories as "name/"; the manifest says "name". */
	len = strlen(name);
	if (archive_entry_filetype(ae) == AE_IFDIR && len > 1 && len < sizeof(dir) &&
	    name[len - 1] == '/') {
		memcpy(dir, name, len - 1);
		dir[len - 1] = '\0';
		name = dir;
	}
	e = pf_manifest_find(m, name);
	if (!e) {
		member_fail(ctx, pak, name, "is not in the manifest");
		return NULL;
	}
	idx = (size_t)(e - m->entries);
	if (seen[idx]) {
		member_fail(ctx, pak, name, "appears twice");
		return NULL;
	}
	seen[idx] = true;
	why = mismatch(e, ae);
	if (why) {
		member_fail(ctx, pak, name, why);
		return NULL;
	}
	return e;
}

int pf_pak_complete(struct pf_ctx *ctx, const char *pak, const struct pf_manifest *m,
		    const bool *seen)
{
	for (size_t i = 0; i < m->n; i++) {
		enum pf_entry_type t = m->entries[i].type;

		if ((t == PF_ENTRY_FILE || t == PF_ENTRY_DIR || t == PF_ENTRY_SYMLINK) && !seen[i])
			return member_fail(ctx, pak, m->entries[i].path,
					   "is in the manifest but missing from the package");
	}
	return 0;
}

bool pf_pak_is_hook(const char *name)
{
	return name && !strncmp(name, PF_PAK_HOOKS_DIR, strlen(PF_PAK_HOOKS_DIR));
}

const struct pf_entry *pf_pak_hook_member(struct pf_ctx *ctx, const char *pak,
					  const struct pf_manifest *m, struct archive_entry *ae,
					  bool *seen, bool payload)
{
	const char *name = archive_entry_pathname(ae), *hook;
	const struct pf_entry *e = NULL;
	size_t i;

	if (!pf_pak_is_hook(name)) {
		pf_fail(ctx, PF_E_VERIFY, "%s: a member that is not under %s taken for a hook",
			pak, PF_PAK_HOOKS_DIR);
		return NULL;
	}
	hook = name + strlen(PF_PAK_HOOKS_DIR);
	for (i = 0; i < m->n && !e; i++)
		if (m->entries[i].type == PF_ENTRY_HOOK && !strcmp(m->entries[i].path, hook))
			e = &m->entries[i];
	if (!e) {
		member_fail(ctx, pak, name, "is not a hook of the manifest");
		return NULL;
	}
	i = (size_t)(e - m->entries);
	if (seen[i]) {
		member_fail(ctx, pak, name, "appears twice");
		return NULL;
	}
	seen[i] = true;
	if (payload) {
		member_fail(ctx, pak, name,
			    "comes after the payload (hooks come right after the manifest)");
		return NULL;
	}
	if (archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae)) {
		member_fail(ctx, pak, name, "is not a regular file");
		return NULL;
	}
	/* Read whole into memory by the client: bounded before a byte is. */
	if (!archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0 ||
	    (uint64_t)archive_entry_size(ae) > PF_PAK_HOOK_MAX) {
		member_fail(ctx, pak, name, "is larger than a hook may be (1 MiB)");
		return NULL;
	}
	return e;
}

int pf_pak_hook_bytes_check(struct pf_ctx *ctx, const char *pak, const struct pf_entry *e,
			    uint64_t size, const uint8_t sha[32])
{
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s%s", PF_PAK_HOOKS_DIR, e->path);
	if (size > PF_PAK_HOOK_MAX)
		return member_fail(ctx, pak, name, "is larger than a hook may be (1 MiB)");
	if (memcmp(sha, e->sha256, 32))
		return member_fail(ctx, pak, name, "does not match the SHA-256 in its manifest");
	return 0;
}

int pf_pak_hooks_complete(struct pf_ctx *ctx, const char *pak, const struct pf_manifest *m,
			  const bool *seen)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->entries[i].type == PF_ENTRY_HOOK && !seen[i]) {
			char name[PATH_MAX];

			snprintf(name, sizeof(name), "%s%s", PF_PAK_HOOKS_DIR, m->entries[i].path);
			return member_fail(ctx, pak, name,
					   "is in the manifest but missing from the package"
					   " (hooks come right after the manifest)");
		}
	return 0;
}
