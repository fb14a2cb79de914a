/* The planner's view of a real root: see plan.h. Read-only. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "state/files.h"
#include "base/path.h"
#include "plan/fsmodel.h"
#include "plan/plan.h"
#include "base/strmap.h"

static int fd_host_path(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0 || (size_t)n >= size - 1)
		return -1;
	out[n] = '\0';
	return 0;
}

int pf_root_host_path(struct pf_ctx *ctx, char *out, size_t size)
{
	if (fd_host_path(ctx->root_fd, out, size) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cannot tell where %s is", ctx->root);
	return 0;
}

/* Folders are resolved once per plan and kept in rp->dirs: a chain visits
 * the same folders again and again. A value is the folder's host path
 * after a mark, '+' when the whole folder exists and '-' when some of it is
 * missing (nothing can be in it then); a missing folder's host path is its
 * nearest existing ancestor's and the missing rest. */

/* Resolve folder DIR (LEN bytes, relative to the root) the sure way: an
 * openat2 walk inside the root, backing up to what exists. Returns the
 * marked value (malloc'd), or NULL after pf_fail. */
static char *dir_resolve(struct pf_root_probe *rp, const char *dir, size_t len)
{
	char host[4096], *copy, *v = NULL;
	size_t keep = len;
	int fd = -1;

	copy = strndup(dir, len);
	if (!copy) {
		pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	/* Walk up to what exists; the rest will be created. */
	for (;;) {
		copy[keep] = '\0';
		fd = pf_root_open(rp->ctx, copy, O_PATH | O_DIRECTORY, 0);
		if (fd >= 0 || keep == 0)
			break;
		if (errno != ENOENT && errno != ENOTDIR) {
			pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(rp->ctx), copy);
			free(copy);
			return NULL;
		}
		while (keep > 0 && dir[keep - 1] != '/')
			keep--;
		if (keep > 0)
			keep--;
	}
	free(copy);
	if (fd < 0 || fd_host_path(fd, host, sizeof(host)) < 0) {
		pf_fail_errno(rp->ctx, PF_E_OTHER, "cannot tell where %s/%.*s is",
			      pf_ctx_root_prefix(rp->ctx), (int)len, dir);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	if (asprintf(&v, "%c%s%s%.*s", keep < len ? '-' : '+', strcmp(host, "/") ? host : "",
		     keep < len ? "/" : "", (int)(len - keep - (keep < len && keep ? 1 : 0)),
		     dir + keep + (keep < len && keep ? 1 : 0)) < 0) {
		pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	return v;
}

/* The value of folder DIR (LEN bytes) whose parent's value is PARENT: one
 * lstat of the last name instead of a walk from the root. The parent's
 * host path is already resolved, so a real directory below it is at
 * parent/name (a mount point too: its host path is that name); only a
 * symlink needs the walk. */
static char *dir_below(struct pf_root_probe *rp, const char *parent, const char *dir, size_t len)
{
	size_t base = len;
	struct stat st;
	char *v;

	while (base > 0 && dir[base - 1] != '/')
		base--;
	if (asprintf(&v, "%c%s/%.*s", *parent, parent + 1, (int)(len - base), dir + base) < 0) {
		pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	if (*parent == '-')
		return v; /* below a missing folder */
	if (lstat(v + 1, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			v[0] = '-';
			return v;
		}
		pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%.*s", pf_ctx_root_prefix(rp->ctx), (int)len, dir);
		free(v);
		return NULL;
	}
	if (S_ISLNK(st.st_mode)) {
		free(v);
		return dir_resolve(rp, dir, len);
	}
	if (!S_ISDIR(st.st_mode))
		v[0] = '-'; /* a file where a folder should be: nothing is below it */
	return v;
}

/* The host path of folder DIR (LEN bytes; see above); *MISSING (may be
 * NULL) receives the mark's meaning. Uncached ancestors are resolved top
 * down, each from its parent, without recursion: a path may be thousands
 * of folders deep. */
static const char *dir_host(struct pf_root_probe *rp, const char *dir, size_t len, bool *missing)
{
	size_t *todo = NULL, n = 0, depth = 1, l = len;
	const char *parent = NULL, *value = NULL;

	if (!rp->dirs) {
		pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		depth += dir[i] == '/';
	/* Bottom up, to the nearest folder known (or the root). */
	for (;;) {
		void **slot = pf_strmap_get(rp->dirs, dir, l);

		if (slot && *slot) {
			parent = *slot;
			break;
		}
		if (!todo) {
			todo = malloc((depth + 1) * sizeof(*todo));
			if (!todo) {
				pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
				return NULL;
			}
		}
		todo[n++] = l;
		if (l == 0)
			break;
		while (l > 0 && dir[l - 1] != '/')
			l--;
		if (l > 0)
			l--;
	}
	/* Top down: each from the one above it. */
	while (n-- > 0) {
		bool added;
		void **slot = pf_strmap_put(rp->dirs, dir, todo[n], &added);
		char *v;

		if (!slot) {
			pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		v = parent ? dir_below(rp, parent, dir, todo[n]) : dir_resolve(rp, dir, todo[n]);
		if (!v)
			goto out;
		*slot = v;
		parent = v;
	}
	value = parent;
	if (missing)
		*missing = *value == '-';
	value++;
out:
	free(todo);
	return value;
}

/* PATH's host path into HOST; *MISSING (may be NULL): its folder does not
 * exist (so neither does PATH). */
static int resolve_path(struct pf_root_probe *rp, const char *path, char *host, size_t size,
			bool *missing)
{
	const char *slash = strrchr(path, '/');
	const char *dir = dir_host(rp, path, slash ? (size_t)(slash - path) : 0, missing);
	int n;

	if (!dir)
		return -1;
	n = snprintf(host, size, "%s/%s", dir, slash ? slash + 1 : path);
	if (n < 0 || (size_t)n >= size)
		return pf_fail(rp->ctx, PF_E_OTHER, "path too long: %s", path);
	return 0;
}

static int resolve(void *data, const char *path, char *host, size_t size)
{
	return resolve_path(data, path, host, size, NULL);
}

/* What the database records of one owned path. */
enum owned_kind { OWNED_FILE, OWNED_DIR, OWNED_SYMLINK };

struct pf_owned_rec {
	enum owned_kind kind;
	uint64_t size;      /* a file's size; a symlink's target length */
};

static int add_owned(void *data, const char *path, const char *type, uint64_t size,
		     uint64_t target_len)
{
	struct pf_root_probe *rp = data;
	enum owned_kind kind;
	bool added;
	void **slot;

	if (!strcmp(type, "file"))
		kind = OWNED_FILE;
	else if (!strcmp(type, "dir"))
		kind = OWNED_DIR;
	else if (!strcmp(type, "symlink"))
		kind = OWNED_SYMLINK;
	else
		return 0; /* a type this version does not know: ask the disk */
	if (rp->n_recs == rp->cap_recs) {
		size_t cap = rp->cap_recs ? 2 * rp->cap_recs : 4096;
		struct pf_owned_rec *p = realloc(rp->recs, cap * sizeof(*p));

		if (!p)
			return pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		rp->recs = p;
		rp->cap_recs = cap;
	}
	slot = pf_strmap_put(rp->owned, path, strlen(path), &added);
	if (!slot)
		return pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
	rp->recs[rp->n_recs] = (struct pf_owned_rec){
		kind, kind == OWNED_SYMLINK ? target_len : size,
	};
	*slot = (void *)(uintptr_t)(++rp->n_recs);
	return 0;
}

/* The files table, once per plan (the next plan reads it again: an update
 * committed in between changed it). */
static int load_owned(struct pf_root_probe *rp)
{
	if (rp->owned)
		return 0;
	rp->owned = pf_strmap_new(16384);
	if (!rp->owned)
		return pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
	rp->n_recs = 0;
	/* No database open: every path is asked of the disk. */
	return rp->db ? pf_db_each_owned(rp->db, add_owned, rp) : 0;
}

static void forget_owned(struct pf_root_probe *rp)
{
	pf_strmap_free(rp->owned);
	rp->owned = NULL;
	free(rp->recs);
	rp->recs = NULL;
	rp->n_recs = rp->cap_recs = 0;
}

/* lstat of HOST, the host path of PATH (for messages), resolved inside
 * the root (lstat does not follow its last component). Read only. */
static int lstat_host(struct pf_root_probe *rp, const char *path, const char *host,
		      struct pf_existing *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (lstat(host, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(rp->ctx), path);
	}
	out->exists = true;
	out->is_dir = S_ISDIR(st.st_mode);
	out->shared = !out->is_dir && st.st_nlink > 1;
	out->alloc = (uint64_t)st.st_blocks * 512;
	out->size = (uint64_t)st.st_size;
	return 0;
}

/* What the disk holds at PATH: nothing in a folder that does not exist
 * (known from resolving it), else what lstat says. */
static int on_disk(struct pf_root_probe *rp, const char *path, struct pf_existing *out)
{
	char host[4096];
	bool missing = false;

	memset(out, 0, sizeof(*out));
	if (resolve_path(rp, path, host, sizeof(host), &missing) < 0)
		return -1;
	return missing ? 0 : lstat_host(rp, path, host, out);
}

/* PATH is resolved: the path as the file system sees it. The database is
 * asked only about that form, so "lib/x" recorded through a root symlink
 * is looked up on the disk (the record's string is not this path's), and
 * only when PATH's folder exists (resolving it told). */
static int existing(void *data, const char *path, struct pf_existing *out)
{
	struct pf_root_probe *rp = data;
	const struct pf_owned_rec *rec;
	char host[4096];
	bool missing = false;
	void **v;

	memset(out, 0, sizeof(*out));
	if (load_owned(rp) < 0 || resolve_path(rp, path, host, sizeof(host), &missing) < 0)
		return -1;
	if (missing)
		return 0;
	v = pf_strmap_get(rp->owned, path, strlen(path));
	if (!v || !*v)
		return lstat_host(rp, path, host, out);
	rec = &rp->recs[(uintptr_t)*v - 1];
	out->exists = true;
	out->is_dir = rec->kind == OWNED_DIR;
	out->estimated = true;
	/* pakfire never makes a hard link in the root (manifests cannot
	 * express one, packages with one are refused, and the links kept for
	 * a rollback are gone before a plan runs): an owned file is its only
	 * name, as far as the database knows. */
	if (rec->kind == OWNED_FILE)
		out->size = rec->size;
	else if (rec->kind == OWNED_SYMLINK && rec->size >= PF_FAST_SYMLINK)
		out->size = rec->size;
	return 0;
}

/* The same rule apply.c uses, minus the hash (too slow for a plan): owned
 * by an earlier update, and still the size it was installed with, on the
 * disk. */
static int removable(void *data, const char *path, struct pf_existing *now, bool *out)
{
	struct pf_root_probe *rp = data;
	struct pf_owned own = { 0 };

	*out = false;
	if ((rp->db && pf_db_owned(rp->db, path, &own) < 0) || on_disk(rp, path, now) < 0)
		return -1;
	if (!own.found || !now->exists || !strcmp(own.type, "dir"))
		return 0;
	*out = strcmp(own.type, "file") || now->size == own.size;
	return 0;
}

static int space(void *data, const struct pf_mount *m, struct pf_space *out)
{
	struct pf_root_probe *rp = data;

	return pf_space_of(rp->ctx, m, out);
}

/* The entries of folder DIR as they are, counted the way S counts them,
 * and its blocks: one readdir, only for a folder that an update makes
 * names in on a file system where that tells its room (plan/dirgrowth.c). */
static int dir_usage(void *data, const char *dir, const struct pf_space *s, struct pf_fs_dir *out)
{
	struct pf_root_probe *rp = data;
	bool missing = false;
	const char *host = dir_host(rp, dir, strlen(dir), &missing);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	out->used = out->least = out->alloc = 0;
	if (!host)
		return -1;
	if (missing)
		return 0;
	fd = open(*host ? host : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !(d = fdopendir(fd))) {
		pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(rp->ctx), dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	out->alloc = (uint64_t)st.st_blocks * 512;
	errno = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			size_t len = strlen(de->d_name);

			out->used += pf_fs_name_bytes(s, de->d_name, len);
			out->least += pf_fs_name_bytes_least(s, de->d_name, len);
		}
	if (errno) {
		pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(rp->ctx), dir);
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

int pf_root_probe_init(struct pf_root_probe *rp, struct pf_ctx *ctx, struct pf_db *db,
		       struct pf_plan_probe *probe)
{
	memset(rp, 0, sizeof(*rp));
	rp->ctx = ctx;
	rp->db = db;
	*probe = (struct pf_plan_probe){ resolve, existing, removable, space, rp, dir_usage };
	rp->dirs = pf_strmap_new(1024);
	return rp->dirs ? 0 : pf_fail(ctx, PF_E_OTHER, "out of memory");
}

static void free_value(void *value, void *data)
{
	(void)data;
	free(value);
}

void pf_root_probe_clear(struct pf_root_probe *rp)
{
	struct pf_strmap *dirs = rp->dirs;

	/* Forget what the folders looked like and what the database said:
	 * the next plan looks again. */
	forget_owned(rp);
	if (!dirs)
		return;
	pf_strmap_each(dirs, free_value, NULL);
	pf_strmap_free(dirs);
	rp->dirs = pf_strmap_new(1024);
}

void pf_root_probe_free(struct pf_root_probe *rp)
{
	forget_owned(rp);
	if (rp->dirs)
		pf_strmap_each(rp->dirs, free_value, NULL);
	pf_strmap_free(rp->dirs);
	rp->dirs = NULL;
}
