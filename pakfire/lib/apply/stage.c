/* Staging: see stage.h. Each member of the package must be in the manifest
 * with the same type, mode, owner, size and hash; files and symlinks are
 * written beside their targets as .pakfire-TAG-I (O_EXCL, never through a
 * symlink), each original kept as .pakfire-old-TAG-I (keep.c: a hard link,
 * or a copy where there are none), missing parent folders created. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/keep.h"
#include "apply/stage.h"
#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "base/time.h"
#include "format/manifest.h"
#include "format/pak.h"

static int quoted_fail(struct pf_ctx *ctx, enum pf_errclass cls, const char *pak,
		       const char *name, const char *what)
{
	char q[256];

	pf_quote(name, strlen(name), q, sizeof(q));
	return pf_fail(ctx, cls, "%s: member '%s' %s", pak, q, what);
}

void pf_stage_tick(struct stage *st, const char *what, uint64_t done, uint64_t total)
{
	if (pf_due(&st->activity_ns, PF_STAGE_TICK_NS))
		pf_emit_activity(st->ctx, st->u->id, what, done, total);
}

int pf_stage_sync(struct stage *st)
{
	pf_emit_activity(st->ctx, st->u->id, "syncing", 0, 0);
	return pf_fsset_sync(st->ctx, &st->fss, st->label);
}

/* Open directory PATH below the root, creating what is missing (0755); the
 * journal's folder record (apply/folders.h) knows which, for a rollback. */
static int open_dir(struct stage *st, const char *path)
{
	char *prefix = NULL;
	int fd = pf_root_open(st->ctx, path, O_RDONLY | O_DIRECTORY, 0);
	size_t len = strlen(path);

	if (fd >= 0 || errno != ENOENT)
		goto done;
	prefix = malloc(len + 1);
	if (!prefix)
		return pf_fail(st->ctx, PF_E_OTHER, "out of memory");
	/* Walk down from the root: each component exists or is made. */
	for (size_t i = 0; i <= len; i++) {
		const char *base;
		int pfd;

		if (i < len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		fd = pf_root_open(st->ctx, prefix, O_RDONLY | O_DIRECTORY, 0);
		if (fd >= 0) {
			if (i < len)
				close(fd);
			continue;
		}
		if (errno != ENOENT)
			goto done;
		pfd = pf_root_open_parent(st->ctx, prefix, &base);
		if (pfd < 0)
			goto done;
		if (mkdirat(pfd, base, 0755) < 0) {
			char target[PATH_MAX];
			int err = errno;
			ssize_t n = err == EEXIST ?
				readlinkat(pfd, base, target, sizeof(target) - 1) : -1;

			close(pfd);
			if (n >= 0) {
				/* A symlink that leads nowhere inside the root. */
				target[n] = '\0';
				pf_fail(st->ctx, PF_E_OTHER,
					"%s: %s/%s is a symlink to %s, which is not a directory"
					" inside %s; fix or remove it and try again", st->label,
					pf_ctx_root_prefix(st->ctx), prefix, target, st->ctx->root);
				free(prefix);
				return -1;
			}
			errno = err;
			goto done;
		}
		close(pfd);
		fd = pf_root_open(st->ctx, prefix, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			goto done;
		if (i < len)
			close(fd);
	}
done:
	if (fd < 0)
		pf_fail_errno(st->ctx, errno == ENOSPC || errno == EDQUOT ? PF_E_SPACE : PF_E_OTHER,
			      "%s: cannot create directory %s/%s", st->label,
			      pf_ctx_root_prefix(st->ctx), path);
	free(prefix);
	return fd;
}

/* The directory that holds PATH, cached: archives are in path order. */
int pf_stage_parent(struct stage *st, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int fd;

	*base = slash ? slash + 1 : path;
	parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (!parent)
		return pf_fail(st->ctx, PF_E_OTHER, "out of memory");
	if (st->parent && !strcmp(st->parent, parent)) {
		free(parent);
		return st->parent_fd;
	}
	fd = open_dir(st, parent);
	if (fd < 0 || pf_fsset_add(st->ctx, &st->fss, fd) < 0) {
		if (fd >= 0)
			close(fd);
		free(parent);
		return -1;
	}
	if (st->parent_fd >= 0)
		close(st->parent_fd);
	free(st->parent);
	st->parent = parent;
	st->parent_fd = fd;
	st->parent_vfat = pf_keep_on_vfat(fd);
	return fd;
}

int pf_stage_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Whether FD shows the owner (when we are root) and mode of E already. */
static bool shows(const struct stage *st, int fd, const struct pf_entry *e)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && (sb.st_mode & 07777) == e->mode &&
	       (!st->as_root || (sb.st_uid == e->uid && sb.st_gid == e->gid));
}

int pf_stage_owner_mode(struct stage *st, int fd, const struct pf_entry *e)
{
	int err;

	/* chown first: it clears set-user-ID bits that fchmod then sets. */
	if ((!st->as_root || fchown(fd, e->uid, e->gid) == 0) && fchmod(fd, e->mode) == 0)
		return 0;
	err = errno;
	/* A file system without owners and modes (vfat) presents its mount's
	 * and refuses to change them (EPERM; its FUSE drivers ENOSYS): what
	 * the manifest asks is fine if it is what is shown. plan/vfat.c
	 * refused any other before anything changed. */
	if ((err == EPERM || err == ENOSYS || err == EOPNOTSUPP) && shows(st, fd, e))
		return 0;
	errno = err;
	return pf_fail_errno(st->ctx, PF_E_OTHER, "%s: cannot give %s/%s mode %04o and owner %u:%u",
			     st->label, pf_ctx_root_prefix(st->ctx), e->path, (unsigned)e->mode,
			     (unsigned)e->uid, (unsigned)e->gid);
}

static int open_temp(struct stage *st, int pfd, struct staged *it, size_t idx)
{
	int fd;

	pf_stage_name(it->tmp, st->u->id, idx);
	fd = openat(pfd, it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* Left by an interrupted run of this very update: ours. */
		if (unlinkat(pfd, it->tmp, 0) == 0)
			fd = openat(pfd, it->tmp,
				    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		int err = errno;

		errno = err;
		return pf_fail_errno(st->ctx, err == ENOSPC || err == EDQUOT ? PF_E_SPACE : PF_E_OTHER,
				     "%s: cannot create a file beside %s/%s", st->label,
				     pf_ctx_root_prefix(st->ctx), it->e->path);
	}
	return fd;
}

/* Write a member to its temporary. Its SHA-256 is computed beside the
 * writes by the hashing thread and checked before anything is renamed
 * (stage_package); size, owner and mode are settled here. */
static int stage_file(struct stage *st, struct archive *a, struct staged *it, size_t idx)
{
	const struct pf_entry *e = it->e;
	const char *base;
	uint64_t got = 0;
	int pfd, fd = -1, r = -1;

	pfd = pf_stage_parent(st, e->path, &base);
	if (pfd < 0 || pf_keep_original(st, pfd, base, e, idx) < 0)
		return -1;
	fd = open_temp(st, pfd, it, idx);
	if (fd < 0)
		return -1;
	for (;;) {
		char *block = pf_hashq_block(st->hq);
		la_ssize_t n = archive_read_data(a, block, PF_HASHQ_BLOCK);

		if (n < 0) {
			pf_fail(st->ctx, PF_E_VERIFY, "%s: %s: %s", st->pak, e->path,
				archive_error_string(a));
			goto out;
		}
		got += (uint64_t)n;
		if (got > e->size) {
			quoted_fail(st->ctx, PF_E_VERIFY, st->pak, e->path, "is larger than its manifest says");
			goto out;
		}
		if (n == 0 && got < e->size)
			break; /* shorter than its header said: refused below */
		/* Hashed while it is written; the block that reaches the size
		 * the manifest gives ends the file. */
		pf_hashq_push(st->hq, idx, (size_t)n, got == e->size, e->sha256);
		if (pf_stage_write_all(fd, block, (size_t)n) < 0) {
			pf_fail_errno(st->ctx, errno == ENOSPC || errno == EDQUOT ? PF_E_SPACE : PF_E_OTHER,
				      "%s: writing %s/%s", st->label,
				      pf_ctx_root_prefix(st->ctx), e->path);
			goto out;
		}
		if (got == e->size)
			break;
	}
	if (got != e->size) {
		quoted_fail(st->ctx, PF_E_VERIFY, st->pak, e->path, "is shorter than its manifest says");
		goto out;
	}
	if (pf_stage_owner_mode(st, fd, e) < 0)
		goto out;
	r = 0;
out:
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = pf_fail_errno(st->ctx, PF_E_OTHER, "%s: writing %s", st->label, e->path);
	return r;
}

static int stage_symlink(struct stage *st, struct staged *it, size_t idx)
{
	const struct pf_entry *e = it->e;
	const char *base;
	int pfd, rc;

	pfd = pf_stage_parent(st, e->path, &base);
	if (pfd < 0 || pf_keep_original(st, pfd, base, e, idx) < 0)
		return -1;
	pf_stage_name(it->tmp, st->u->id, idx);
	rc = symlinkat(e->target, pfd, it->tmp);
	if (rc < 0 && errno == EEXIST && unlinkat(pfd, it->tmp, 0) == 0)
		rc = symlinkat(e->target, pfd, it->tmp); /* left by an interrupted run */
	if (rc < 0) {
		return pf_fail_errno(st->ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
				     "%s: cannot create symlink %s", st->label, e->path);
	}
	if (st->as_root && fchownat(pfd, it->tmp, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return pf_fail_errno(st->ctx, PF_E_OTHER, "%s: chown %s", st->label, e->path);
	return 0;
}

static int stage_dir(struct stage *st, const struct pf_entry *e)
{
	int fd = open_dir(st, e->path);
	int r;

	if (fd < 0)
		return -1;
	r = pf_fsset_add(st->ctx, &st->fss, fd);
	close(fd);
	return r;
}

/* Whether member AE is one that a repair restores (its manifest holds
 * only those): the others, hooks among them, are skipped unread. A
 * directory may be written "name/", as pf_pak_member knows too. */
static bool repaired(const struct stage *st, struct archive_entry *ae)
{
	const char *name = archive_entry_pathname(ae);
	char dir[PATH_MAX];
	size_t len;

	if (!name || pf_pak_is_hook(name))
		return false;
	len = strlen(name);
	if (len > 1 && len < sizeof(dir) && name[len - 1] == '/') {
		memcpy(dir, name, len - 1);
		dir[len - 1] = '\0';
		name = dir;
	}
	return pf_manifest_find(st->m, name) != NULL;
}

/* Check one archive header against the manifest; stage what it carries. A
 * hook member (read and checked before staging: pf_pak_read_hooks) is
 * checked again by the same rule, its data skipped; *PAYLOAD says that a
 * payload member came, after which no hook may. */
static int stage_member(struct stage *st, struct archive *a, struct archive_entry *ae,
			bool *payload)
{
	const struct pf_entry *e;
	struct staged *it;

	if (st->u->op == PF_UNIT_REPAIR && !repaired(st, ae))
		return 0; /* the whole package matched its signed size and hash */
	if (pf_pak_is_hook(archive_entry_pathname(ae)))
		return pf_pak_hook_member(st->ctx, st->pak, st->m, ae, st->seen, *payload) ? 0 : -1;
	*payload = true;
	e = pf_pak_member(st->ctx, st->pak, st->m, ae, st->seen);
	if (!e)
		return -1;
	if (e->type == PF_ENTRY_DIR)
		return stage_dir(st, e);
	it = &st->items[st->n_items++];
	it->e = e;
	return e->type == PF_ENTRY_FILE ? stage_file(st, a, it, (size_t)(e - st->m->entries))
					: stage_symlink(st, it, (size_t)(e - st->m->entries));
}

/* The members a package carries: what "staging" counts up to. */
static uint64_t members(const struct pf_manifest *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->entries[i].type == PF_ENTRY_FILE || m->entries[i].type == PF_ENTRY_DIR ||
		     m->entries[i].type == PF_ENTRY_SYMLINK;
	return n;
}

int pf_stage_package(struct stage *st, int pak_fd, const char *manifest, size_t len)
{
	struct archive *a = pf_pak_open(st->ctx, pak_fd, st->pak);
	struct archive_entry *ae;
	bool first = true, payload = false;
	size_t bad;
	int rc, r = -1;

	if (!a)
		return -1;
	st->hq = pf_hashq_start(st->ctx);
	if (!st->hq)
		goto out;
	st->to_stage = members(st->m);
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		if (pf_interrupted(st->ctx)) {
			pf_fail(st->ctx, PF_E_OTHER, "interrupted by %s while %s was staged;"
				" it was rolled back and nothing of it was written",
				strsignal(pf_interrupted(st->ctx)), st->label);
			goto out;
		}
		if (first ? pf_pak_check_manifest(st->ctx, st->pak, a, ae, manifest, len,
						  st->buf, IO_BUF) < 0
			  : stage_member(st, a, ae, &payload) < 0)
			goto out;
		if (!first && payload)
			pf_stage_tick(st, "staging", ++st->staged, st->to_stage);
		first = false;
	}
	if (rc != ARCHIVE_EOF) {
		pf_fail(st->ctx, PF_E_VERIFY, "%s: damaged package: %s", st->pak,
			archive_error_string(a));
		goto out;
	}
	if (first) {
		pf_fail(st->ctx, PF_E_VERIFY, "%s: empty package", st->pak);
		goto out;
	}
	if (pf_pak_complete(st->ctx, st->pak, st->m, st->seen) < 0)
		goto out;
	if (pf_hashq_finish(st->ctx, st->hq, &bad) < 0)
		goto out;
	if (bad != PF_HASHQ_NONE) {
		quoted_fail(st->ctx, PF_E_VERIFY, st->pak, st->m->entries[bad].path,
			    "does not match the SHA-256 in its manifest");
		goto out;
	}
	r = 0;
out:
	pf_hashq_free(st->hq);
	st->hq = NULL;
	archive_read_free(a);
	return r;
}

void pf_stage_clear(struct stage *st)
{
	pf_fsset_clear(&st->fss);
	if (st->parent_fd >= 0)
		close(st->parent_fd);
	free(st->parent);
	free(st->items);
	free(st->seen);
	free(st->fresh);
	free(st->buf);
}
