/* The hooks of a package being built: see build-hooks.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/path.h"
#include "build-hooks.h"
#include "conf-util.h"
#include "format/manifest.h"
#include "format/pak.h"

/* Why the script cannot be read, in words. */
static const char *why(int err)
{
	switch (err) {
	case ENOENT:
		return "does not exist (a relative path is taken from the directory pakfire-repo"
		       " runs in, then from the project's top above the update's folder)";
	case EISDIR:
	case EINVAL:
	case ELOOP:
		return "is not a regular file (a hook is a script, not a folder, device or symlink)";
	case EFBIG:
		return "is larger than a hook may be (1 MiB)";
	case EACCES:
		return "is not readable (it has no read permission: a hook is shipped 0755)";
	default:
		return strerror(err);
	}
}

/* Read the script PATH into P, from the current directory or, relative and
 * not there, from TOP; -1 with errno set. A file without any read
 * permission bit is EACCES also for root, who could read it: what a build
 * ships must not depend on who runs it. */
static int read_hook(const char *path, const char *top, struct pf_pak_hook *p)
{
	char *alt = NULL;
	const char *use = path;
	struct stat st;
	int r = -1, e;

	if (fstatat(AT_FDCWD, use, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
	    path[0] != '/' && top) {
		if (asprintf(&alt, "%s/%s", top, path) < 0) {
			alt = NULL;
			errno = ENOMEM;
			return -1;
		}
		use = alt;
		if (fstatat(AT_FDCWD, use, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto out;
	}
	if (S_ISREG(st.st_mode) && !(st.st_mode & (S_IRUSR | S_IRGRP | S_IROTH))) {
		errno = EACCES;
		goto out;
	}
	r = pf_read_file_at(AT_FDCWD, use, PF_PAK_HOOK_MAX, &p->bytes, &p->len);
out:
	e = errno;
	free(alt);
	errno = e;
	return r;
}

int build_hooks_load(struct pf_ctx *ctx, const char *conf, const char *top,
		     const struct conf_hook *h, size_t n, struct build_hooks *out)
{
	*out = (struct build_hooks){ 0 };
	if (n == 0)
		return 0;
	out->entries = calloc(n, sizeof(*out->entries));
	out->pak = calloc(n, sizeof(*out->pak));
	if (!out->entries || !out->pak)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct pf_entry *e = &out->entries[i];
		struct pf_pak_hook *p = &out->pak[i];

		out->n = i + 1; /* p->bytes is freed by build_hooks_clear from here */
		if (read_hook(h[i].path, top, p) < 0)
			return pf_fail(ctx, PF_E_USAGE, "%s line %u: hook %s: %s", conf, h[i].line,
				       h[i].path, why(errno));
		*e = (struct pf_entry){ .type = PF_ENTRY_HOOK, .path = h[i].name,
					.phase = h[i].phase };
		pf_sha256_buf(p->bytes, p->len, e->sha256);
		p->e = e;
	}
	return 0;
}

void build_hooks_clear(struct build_hooks *b)
{
	pf_pak_hooks_free(b->pak, b->n);
	free(b->entries);
	*b = (struct build_hooks){ 0 };
}
