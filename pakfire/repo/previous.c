/* build --previous: see previous.h. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <fts.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/path.h"
#include "previous.h"

/* As the kernel: a chain of more symlinks than this resolves nowhere. */
#define HOPS_MAX 40
/* The names a shared library of a build root has: versioned
 * (libfoo.so.1.2.3), glibc's (libc-2.28.so, libpthread-2.28.so), the
 * dynamic loader (ld-2.28.so). By name only: a library is what the build
 * installed under such a name, whatever its bytes. */
static const char *const library_globs[] = { "lib*.so.*", "lib*-[0-9]*.so", "ld-[0-9]*.so" };

struct strs {
	char **v;
	size_t n, cap;
};

static int strs_add(struct pf_ctx *ctx, struct strs *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **grown = realloc(s->v, cap * sizeof(*grown));

		if (!grown)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		s->v = grown;
		s->cap = cap;
	}
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	s->n++;
	return 0;
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strs){ 0 };
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append component C (LEN bytes) to the path CUR ("" is the top). */
static bool append(char *cur, const char *c, size_t len)
{
	size_t n = strlen(cur);

	if (n + 1 + len >= PATH_MAX)
		return false;
	if (n)
		cur[n++] = '/';
	memcpy(cur + n, c, len);
	cur[n + len] = '\0';
	return true;
}

/* PATH inside the tree open at ROOTFD, as the kernel would resolve it with
 * that tree as "/": each component that is a symlink there replaced by its
 * target (an absolute one from the top), ".." the folder above (never above
 * the top), "." and empty ones dropped; components that do not exist kept
 * as written. OUT (PATH_MAX) gets it without a leading '/'. false when it
 * loops or grows beyond PATH_MAX: it points nowhere then. */
static bool resolve(int rootfd, const char *path, char *out)
{
	char rest[PATH_MAX], link[PATH_MAX], tmp[2 * PATH_MAX + 2];
	unsigned hops = 0;

	out[0] = '\0';
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return false;
	for (char *p = rest; *p;) {
		size_t len = strcspn(p, "/");
		char *next = p + len + (p[len] == '/');
		ssize_t k;

		if (len == 0 || (len == 1 && p[0] == '.')) {
			p = next;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out, '/');

			*(slash ? slash : out) = '\0';
			p = next;
			continue;
		}
		{
			size_t before = strlen(out);

			if (!append(out, p, len))
				return false;
			/* OUT has no symlink before its last component: read
			 * that one as the tree has it. */
			k = readlinkat(rootfd, out, link, sizeof(link) - 1);
			if (k < 0) {
				p = next;
				continue;
			}
			out[before] = '\0';
		}
		if (++hops > HOPS_MAX)
			return false;
		link[k] = '\0';
		if (link[0] == '/')
			out[0] = '\0';
		if (snprintf(tmp, sizeof(tmp), "%s/%s", link, next) >= PATH_MAX)
			return false;
		memcpy(rest, tmp, strlen(tmp) + 1);
		p = rest;
	}
	return true;
}

/* A walk of the tree TOP (no trailing '/'): every entry's path relative to
 * it, symlinks not followed but for TOP itself. */
static FTS *walk_open(struct pf_ctx *ctx, char *top)
{
	char *const roots[] = { top, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_COMFOLLOW | FTS_NOCHDIR, NULL);

	if (!fts)
		pf_fail_errno(ctx, PF_E_OTHER, "%s", top);
	return fts;
}

/* The next entry; NULL at the end, or after pf_fail (*FAILED set). */
static FTSENT *walk_next(struct pf_ctx *ctx, FTS *fts, const char *top, bool *failed)
{
	FTSENT *ent;

	errno = 0;
	ent = fts_read(fts);
	if (!ent && errno) {
		*failed = true;
		pf_fail_errno(ctx, PF_E_OTHER, "%s", top);
	}
	if (ent && (ent->fts_info == FTS_DNR || ent->fts_info == FTS_ERR ||
		    ent->fts_info == FTS_NS)) {
		*failed = true;
		errno = ent->fts_errno;
		pf_fail_errno(ctx, PF_E_OTHER, "%s", ent->fts_path);
		return NULL;
	}
	return ent;
}

/* ENT's path relative to the top of the walk (SKIP bytes). */
static const char *rel_of(const FTSENT *ent, size_t skip)
{
	return ent->fts_pathlen > skip ? ent->fts_path + skip + 1 : "";
}

/* The canonical targets of every symlink of the new root (the context's,
 * TOP), sorted, into T. */
static int link_targets(struct pf_ctx *ctx, char *top, struct strs *t)
{
	char target[PATH_MAX];
	FTS *fts = walk_open(ctx, top);
	FTSENT *ent;
	bool failed = false;
	int r = -1;

	if (!fts)
		return -1;
	while ((ent = walk_next(ctx, fts, top, &failed))) {
		if (ent->fts_info != FTS_SL && ent->fts_info != FTS_SLNONE)
			continue;
		if (resolve(ctx->root_fd, rel_of(ent, strlen(top)), target) &&
		    strs_add(ctx, t, target) < 0)
			goto out;
	}
	if (failed)
		goto out;
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), str_cmp);
	r = 0;
out:
	fts_close(fts);
	return r;
}

static bool is_library(const char *name)
{
	for (size_t i = 0; i < sizeof(library_globs) / sizeof(*library_globs); i++)
		if (fnmatch(library_globs[i], name, 0) == 0)
			return true;
	return false;
}

/* Whether the new root has PATH in any form. */
static bool present(struct pf_ctx *ctx, const char *path)
{
	int fd = pf_root_open(ctx, path, O_PATH | O_NOFOLLOW, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Whether the new root still needs PATH, a library of the old one. */
static bool kept(struct pf_ctx *ctx, const struct strs *targets, const char *path)
{
	char canon[PATH_MAX];
	const char *key = canon;

	if (present(ctx, path))
		return true;
	if (!resolve(ctx->root_fd, path, canon))
		return true; /* cannot say: keep it */
	return targets->n && bsearch(&key, targets->v, targets->n, sizeof(*targets->v), str_cmp);
}

/* What the walk of the old root saw: its regular files, and how many of
 * them the new root lacks (the guard against roots of single updates). */
struct old_counts {
	size_t files, lacking;
};

static int walk_old(struct pf_ctx *ctx, char *old, const struct strs *targets,
		    struct strs *out, struct old_counts *c)
{
	FTS *fts = walk_open(ctx, old);
	FTSENT *ent;
	bool failed = false;
	int r = -1;

	if (!fts)
		return -1;
	while ((ent = walk_next(ctx, fts, old, &failed))) {
		const char *rel = rel_of(ent, strlen(old));

		if (ent->fts_info != FTS_F)
			continue;
		c->files++;
		if (!present(ctx, rel))
			c->lacking++;
		if (!is_library(ent->fts_name) || kept(ctx, targets, rel))
			continue;
		if (strs_add(ctx, out, rel) < 0)
			goto out;
	}
	if (failed)
		goto out;
	r = 0;
out:
	fts_close(fts);
	return r;
}

static void strip_slashes(char *s)
{
	for (size_t len = strlen(s); len > 1 && s[len - 1] == '/'; len--)
		s[len - 1] = '\0';
}

int previous_removes(struct pf_ctx *ctx, const char *old, char ***out, size_t *n)
{
	struct strs targets = { 0 }, found = { 0 };
	struct old_counts c = { 0 };
	char *top = strdup(old), *newtop = strdup(ctx->root);
	struct stat st;
	int r = -1;

	*out = NULL;
	*n = 0;
	if (!top || !newtop) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	/* fts names children TOP/NAME: no trailing '/' to count twice */
	strip_slashes(top);
	strip_slashes(newtop);
	if (stat(top, &st) < 0 || !S_ISDIR(st.st_mode)) {
		pf_fail(ctx, PF_E_USAGE, "build: --previous %s: not a folder (the previous build root)",
			old);
		goto out;
	}
	if (link_targets(ctx, newtop, &targets) < 0 ||
	    walk_old(ctx, top, &targets, &found, &c) < 0)
		goto out;
	/* Roots that hold one update's files each (make-buildroot N) make
	 * every library of the old update look dropped. Said, not refused: a
	 * release that really drops most of the system is possible. */
	if (c.lacking > c.files / 2)
		pf_warn(ctx, "--previous %s: %s lacks %zu of the %zu regular files %s has:"
			" --previous compares whole systems as built, and with roots of single"
			" updates it removes every library the new update does not ship again",
			old, ctx->root, c.lacking, c.files, old);
	if (found.n > 1)
		qsort(found.v, found.n, sizeof(*found.v), str_cmp);
	*out = found.v;
	*n = found.n;
	found = (struct strs){ 0 };
	r = 0;
out:
	strs_free(&found);
	strs_free(&targets);
	free(newtop);
	free(top);
	return r;
}
