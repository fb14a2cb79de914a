/* The planner's view of a real root: see plan.h. Read-only. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "db.h"
#include "path.h"
#include "plan.h"
#include "strmap.h"

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

/* The host path of folder DIR (relative to the root), resolved inside the
 * root; for a folder that does not exist yet, its nearest existing
 * ancestor's host path and the missing rest. Computed once per folder and
 * plan (rp->dirs): a chain visits the same folders again and again. */
static const char *dir_host(struct pf_root_probe *rp, const char *dir, size_t len)
{
	char host[4096], *copy = NULL;
	size_t keep = len;
	bool added;
	void **slot;
	int fd = -1;

	slot = rp->dirs ? pf_strmap_put(rp->dirs, dir, len, &added) : NULL;
	if (!slot) {
		pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	if (!added)
		return *slot;
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
	if (asprintf((char **)slot, "%s%s%.*s", strcmp(host, "/") ? host : "",
		     keep < len ? "/" : "", (int)(len - keep - (keep < len && keep ? 1 : 0)),
		     dir + keep + (keep < len && keep ? 1 : 0)) < 0) {
		*slot = NULL;
		pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	return *slot;
}

static int resolve(void *data, const char *path, char *host, size_t size)
{
	struct pf_root_probe *rp = data;
	const char *slash = strrchr(path, '/');
	const char *dir = dir_host(rp, path, slash ? (size_t)(slash - path) : 0);
	int n;

	if (!dir)
		return -1;
	n = snprintf(host, size, "%s/%s", dir, slash ? slash + 1 : path);
	if (n < 0 || (size_t)n >= size)
		return pf_fail(rp->ctx, PF_E_OTHER, "path too long: %s", path);
	return 0;
}

/* PATH's host path was resolved inside the root; lstat does not follow
 * its last component. Read only: nothing is opened for writing. */
static int existing(void *data, const char *path, struct pf_existing *out)
{
	struct pf_root_probe *rp = data;
	char host[4096];
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (resolve(rp, path, host, sizeof(host)) < 0)
		return -1;
	if (lstat(host, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(rp->ctx), path);
	}
	out->exists = true;
	out->is_dir = S_ISDIR(st.st_mode);
	out->alloc = (uint64_t)st.st_blocks * 512;
	out->size = (uint64_t)st.st_size;
	return 0;
}

/* The same rule apply.c uses, minus the hash (too slow for a plan): owned
 * by an earlier update, and still the size it was installed with. */
static int removable(void *data, const char *path, bool *out)
{
	struct pf_root_probe *rp = data;
	struct pf_existing ex;
	struct pf_owned own;

	*out = false;
	if (pf_db_owned(rp->ctx, path, &own) < 0 || existing(rp, path, &ex) < 0)
		return -1;
	if (!own.found || !ex.exists || !strcmp(own.type, "dir"))
		return 0;
	*out = strcmp(own.type, "file") || ex.size == own.size;
	return 0;
}

static int space(void *data, const struct pf_mount *m, struct pf_space *out)
{
	struct pf_root_probe *rp = data;

	return pf_space_of(rp->ctx, m, out);
}

int pf_root_probe_init(struct pf_root_probe *rp, struct pf_ctx *ctx, struct pf_plan_probe *probe)
{
	memset(rp, 0, sizeof(*rp));
	rp->ctx = ctx;
	*probe = (struct pf_plan_probe){ resolve, existing, removable, space, rp };
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

	/* Forget what the folders looked like: the next plan looks again. */
	if (!dirs)
		return;
	pf_strmap_each(dirs, free_value, NULL);
	pf_strmap_free(dirs);
	rp->dirs = pf_strmap_new(1024);
}

void pf_root_probe_free(struct pf_root_probe *rp)
{
	if (rp->dirs)
		pf_strmap_each(rp->dirs, free_value, NULL);
	pf_strmap_free(rp->dirs);
	rp->dirs = NULL;
}
