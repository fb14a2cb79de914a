/* Sizes and hashes of a published manifest and its package, as they are on
 * disk now: see publish-parts.h. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/hash.h"
#include "base/path.h"
#include "format/index.h"
#include "format/manifest.h"
#include "publish-parts.h"
#include "repo.h"

/* Manifests are fetched before anything else; the client caps them too. */
#define MANIFEST_MAX (64 * 1024 * 1024)

static int describe_manifest(struct pf_ctx *ctx, int dirfd, const char *dir,
			     const char *name, struct pf_index_entry *e)
{
	struct pf_manifest *m = NULL;
	char *buf = NULL, label[PATH_MAX];
	size_t len = 0;

	snprintf(label, sizeof(label), "%s/%s", dir, name);
	if (pf_read_file_at(dirfd, name, MANIFEST_MAX, &buf, &len) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", label);
	if (pf_manifest_parse(ctx, label, buf, len, &m) < 0) {
		free(buf);
		return -1;
	}
	/* Hooks need a client of level 3 (docs/formats.md, "Client levels"):
	 * older ones must stop before the update, not meet its hooks. */
	for (size_t i = 0; i < m->n; i++)
		if (m->entries[i].type == PF_ENTRY_HOOK && e->min_client < REPO_LEVEL_HOOKS) {
			pf_info(ctx, "%s: Min-Client %u, as its manifest has hooks (it said %u)",
				label, REPO_LEVEL_HOOKS, e->min_client);
			e->min_client = REPO_LEVEL_HOOKS;
		}
	pf_manifest_free(m);
	pf_sha256_buf(buf, len, e->manifest_sha256);
	e->manifest_size = len;
	free(buf);
	return 0;
}

/* Packages are large: streamed, never read whole. */
static int describe_package(struct pf_ctx *ctx, int dirfd, const char *dir,
			    const char *name, struct pf_index_entry *e)
{
	struct stat st;
	char label[PATH_MAX];
	int fd, r = -1;

	snprintf(label, sizeof(label), "%s/%s", dir, name);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", label);
	if (fstat(fd, &st) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", label);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pf_fail(ctx, PF_E_OTHER, "%s: not a regular file", label);
		goto out;
	}
	r = pf_sha256_fd(ctx, fd, label, e->package_sha256, &e->package_size);
out:
	close(fd);
	return r;
}

int publish_describe_files(struct pf_ctx *ctx, int dirfd, const char *dir,
			   const char *mname, const char *pname,
			   struct pf_index_entry *e)
{
	if (describe_manifest(ctx, dirfd, dir, mname, e) < 0 ||
	    describe_package(ctx, dirfd, dir, pname, e) < 0)
		return -1;
	pf_debug(ctx, "%s/%s: manifest %llu bytes, package %llu bytes", dir, mname,
		 (unsigned long long)e->manifest_size,
		 (unsigned long long)e->package_size);
	return 0;
}
