/* The planner's view of a real root: see plan.h. Read-only. */
#include <errno.h>
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

/* Point the probe at folder PARENT (relative to the root): open it, or
 * remember its nearest existing ancestor and the missing rest. */
static int visit(struct pf_root_probe *rp, const char *parent, size_t len)
{
	char *dir = strndup(parent, len);
	size_t keep = len;

	if (!dir)
		return pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
	if (rp->parent_fd >= 0)
		close(rp->parent_fd);
	free(rp->parent);
	rp->parent = dir;
	rp->missing = "";
	rp->parent_fd = pf_root_open(rp->ctx, dir, O_PATH | O_DIRECTORY, 0);
	if (rp->parent_fd < 0) {
		int fd = -1;

		if (errno != ENOENT && errno != ENOTDIR)
			return pf_fail_errno(rp->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(rp->ctx), dir);
		/* Walk up to what exists; the rest will be created. */
		while (fd < 0 && keep > 0) {
			char *up;

			while (keep > 0 && dir[keep - 1] != '/')
				keep--;
			up = strndup(dir, keep ? keep - 1 : 0);
			if (!up)
				return pf_fail(rp->ctx, PF_E_OTHER, "out of memory");
			fd = pf_root_open(rp->ctx, up, O_PATH | O_DIRECTORY, 0);
			free(up);
			if (keep)
				keep--;
		}
		if (fd < 0)
			return pf_fail_errno(rp->ctx, PF_E_OTHER, "%s", rp->ctx->root);
		rp->missing = dir + keep + (keep ? 1 : 0);
		if (fd_host_path(fd, rp->parent_host, sizeof(rp->parent_host)) < 0) {
			close(fd);
			return pf_fail_errno(rp->ctx, PF_E_OTHER, "%s", dir);
		}
		close(fd);
		return 0;
	}
	if (fd_host_path(rp->parent_fd, rp->parent_host, sizeof(rp->parent_host)) < 0)
		return pf_fail_errno(rp->ctx, PF_E_OTHER, "%s", dir);
	return 0;
}

static int at(struct pf_root_probe *rp, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	*base = slash ? slash + 1 : path;
	if (rp->parent && strlen(rp->parent) == len && !strncmp(rp->parent, path, len))
		return 0;
	return visit(rp, path, len);
}

static int resolve(void *data, const char *path, char *host, size_t size)
{
	struct pf_root_probe *rp = data;
	const char *base;
	int n;

	if (at(rp, path, &base) < 0)
		return -1;
	n = snprintf(host, size, "%s%s%s/%s", strcmp(rp->parent_host, "/") ? rp->parent_host : "",
		     rp->missing[0] ? "/" : "", rp->missing, base);
	if (n < 0 || (size_t)n >= size)
		return pf_fail(rp->ctx, PF_E_OTHER, "path too long: %s", path);
	return 0;
}

static int existing(void *data, const char *path, struct pf_existing *out)
{
	struct pf_root_probe *rp = data;
	const char *base;
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (at(rp, path, &base) < 0)
		return -1;
	if (rp->parent_fd < 0)
		return 0;
	if (fstatat(rp->parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
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

void pf_root_probe_init(struct pf_root_probe *rp, struct pf_ctx *ctx, struct pf_plan_probe *probe)
{
	memset(rp, 0, sizeof(*rp));
	rp->ctx = ctx;
	rp->parent_fd = -1;
	*probe = (struct pf_plan_probe){ resolve, existing, removable, space, rp };
}

void pf_root_probe_clear(struct pf_root_probe *rp)
{
	if (rp->parent_fd >= 0)
		close(rp->parent_fd);
	free(rp->parent);
	rp->parent = NULL;
	rp->parent_fd = -1;
}
