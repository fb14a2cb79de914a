/* The manifest of a package, made from a file list and a build root: see
 * manifest-scan.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/hash.h"
#include "base/path.h"
#include "format/manifest.h"
#include "manifest-scan.h"

/* A file list names a few thousand paths; this is far beyond any real one. */
#define FILELIST_MAX (64 * 1024 * 1024)

/* One line of the file list. */
struct item {
	const char *path;     /* points into the file list buffer */
	unsigned line;
};

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path,
		      ((const struct item *)b)->path);
}

/* Split BUF (NUL-terminated, modified in place) into one item per line,
 * sorted by path. Blank lines are skipped; every other line must be a valid
 * relative path, once. */
static int split_filelist(struct pf_ctx *ctx, const char *name, char *buf,
			  size_t len, struct item **out, size_t *n_out)
{
	struct item *items = NULL;
	size_t n = 0, cap = 0;
	unsigned line = 0;
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *why = NULL;

		line++;
		if (l > 0 && !pf_path_valid(p, l, &why)) {
			char q[512];
			free(items);
			return pf_fail(ctx, PF_E_VERIFY, "%s line %u: '%s': %s",
				       name, line, pf_quote(p, l, q, sizeof(q)), why);
		}
		if (l > 0) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct item *grown = realloc(items, ncap * sizeof(*items));
				if (!grown) {
					free(items);
					return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
				}
				items = grown;
				cap = ncap;
			}
			p[l] = '\0';
			items[n++] = (struct item){ .path = p, .line = line };
		}
		p += l + 1;
	}
	if (n > 1)
		qsort(items, n, sizeof(*items), item_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(items[i - 1].path, items[i].path) == 0) {
			unsigned a = items[i - 1].line, b = items[i].line;
			pf_fail(ctx, PF_E_VERIFY, "%s line %u: '%s' is listed twice (also line %u)",
				name, a > b ? a : b, items[i].path, a < b ? a : b);
			free(items);
			return -1;
		}
	*out = items;
	*n_out = n;
	return 0;
}

/* Member names and link targets are stored as ASCII only, for now: a
 * non-ASCII name goes through libarchive's locale conversion (it fails in the
 * C locale, and a client in another locale would read other bytes), and
 * hdrcharset=BINARY would put a pax header on every member that GNU tar
 * warns about. Refused loudly until the encoding is settled in docs/. */
static int check_ascii(struct pf_ctx *ctx, const char *where, const char *what,
		       const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s: non-ASCII %s: not supported yet by this pakfire-repo",
				       where, what);
	return 0;
}

/* Fill E for a regular file: mode, size and the SHA-256 of its content. */
static int scan_file(struct pf_ctx *ctx, int parent, const char *base,
		     const struct stat *st, const char *where,
		     struct pf_entry *e)
{
	struct stat fst;
	uint64_t size = 0;
	int fd, r = -1;

	/* O_NOFOLLOW and O_NONBLOCK: if the path was swapped for a symlink or
	 * a FIFO since the lstat, fail instead of following or hanging. */
	fd = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: open", where);
	if (fstat(fd, &fst) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s: fstat", where);
		goto out;
	}
	if (!S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino ||
	    fst.st_dev != st->st_dev) {
		pf_fail(ctx, PF_E_OTHER, "%s: changed while it was being read", where);
		goto out;
	}
	if (pf_sha256_fd(ctx, fd, where, e->sha256, &size) < 0)
		goto out;
	if (size != (uint64_t)fst.st_size) {
		pf_fail(ctx, PF_E_OTHER, "%s: changed size while it was being read",
			where);
		goto out;
	}
	e->type = PF_ENTRY_FILE;
	e->mode = fst.st_mode & 07777;
	e->size = size;
	r = 0;
out:
	close(fd);
	return r;
}

static int scan_symlink(struct pf_ctx *ctx, int parent, const char *base,
			const char *where, struct pf_entry *e, char *target)
{
	ssize_t n = readlinkat(parent, base, target, PATH_MAX);

	if (n < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: readlink", where);
	if (n == 0 || n >= PATH_MAX)
		return pf_fail(ctx, PF_E_VERIFY, "%s: symlink target is empty or too long",
			       where);
	target[n] = '\0';
	/* A manifest line ends at a newline and splits at tabs. */
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)target[i] < 0x20 || target[i] == 0x7f)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s: symlink target has a control character",
				       where);
	if (check_ascii(ctx, where, "symlink target", target) < 0)
		return -1;
	e->type = PF_ENTRY_SYMLINK;
	e->target = target;
	return 0;
}

/* lstat ITEM below the build root and describe it as a manifest entry. The
 * parent directory is resolved inside the build root (a symlink there, even
 * an absolute one, cannot lead out of it); the last component is never
 * followed. E's strings borrow from ITEM and TARGET. */
static int scan_item(struct pf_ctx *ctx, const char *listname,
		     const struct item *it, struct pf_entry *e, char *target)
{
	const char *slash = strrchr(it->path, '/');
	const char *base = slash ? slash + 1 : it->path;
	char where[PATH_MAX + 128], q[512], *dir = NULL;
	struct stat st;
	int parent = -1, r = -1;

	snprintf(where, sizeof(where), "%s line %u: '%s'", listname, it->line,
		 pf_quote(it->path, strlen(it->path), q, sizeof(q)));
	if (check_ascii(ctx, where, "file name", it->path) < 0)
		return -1;
	dir = strndup(it->path, slash ? (size_t)(slash - it->path) : 0);
	if (!dir)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", where);
	parent = pf_root_open(ctx, dir, O_PATH | O_DIRECTORY, 0);
	if (parent < 0 || fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		pf_fail_errno(ctx, errno == ENOENT || errno == ENOTDIR ? PF_E_VERIFY
			      : PF_E_OTHER, "%s: in the build root %s",
			      where, ctx->root);
		goto out;
	}
	*e = (struct pf_entry){ .path = (char *)it->path };
	if (S_ISREG(st.st_mode)) {
		r = scan_file(ctx, parent, base, &st, where, e);
	} else if (S_ISDIR(st.st_mode)) {
		e->type = PF_ENTRY_DIR;
		e->mode = st.st_mode & 07777;
		r = 0;
	} else if (S_ISLNK(st.st_mode)) {
		r = scan_symlink(ctx, parent, base, where, e, target);
	} else {
		pf_fail(ctx, PF_E_VERIFY,
			"%s: is a device, FIFO or socket; a package can only carry files, directories and symlinks",
			where);
	}
out:
	if (parent >= 0)
		close(parent);
	free(dir);
	return r;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Cleanup entries, sorted after everything that is shipped. A path both
 * shipped and removed is a contradiction the maintainer must resolve. */
static int add_removes(struct pf_ctx *ctx, const struct scan_input *in,
		       const struct item *items, size_t n, struct pf_manifest *m)
{
	const char *listname = in->filelist;
	char **sorted = NULL;
	int r = -1;

	if (in->n_removes == 0)
		return 0;
	sorted = malloc(in->n_removes * sizeof(*sorted));
	if (!sorted)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", in->conf);
	memcpy(sorted, in->removes, in->n_removes * sizeof(*sorted));
	qsort(sorted, in->n_removes, sizeof(*sorted), str_cmp);
	for (size_t i = 0; i < in->n_removes; i++) {
		struct item key = { .path = sorted[i] };
		const struct item *hit = n ? bsearch(&key, items, n, sizeof(*items),
						     item_cmp) : NULL;

		if (hit) {
			pf_fail(ctx, PF_E_VERIFY,
				"%s: remove '%s' is also shipped (%s line %u)",
				in->conf, sorted[i], listname, hit->line);
			goto out;
		}
		if (pf_manifest_add(ctx, m, &(struct pf_entry){
				.type = PF_ENTRY_REMOVE, .path = sorted[i] }) < 0)
			goto out;
	}
	r = 0;
out:
	free(sorted); /* the strings belong to the caller */
	return r;
}

int scan_manifest(struct pf_ctx *ctx, const struct scan_input *in,
		  struct pf_manifest **out)
{
	const char *mname = in->mname;
	struct pf_manifest *m = pf_manifest_new();
	struct item *items = NULL;
	char *list = NULL, *target = NULL;
	size_t len = 0, n = 0;
	int r = -1;

	target = malloc(PATH_MAX);
	if (!m || !target) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (pf_read_file_at(AT_FDCWD, in->filelist, FILELIST_MAX, &list, &len) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", in->filelist);
		goto out;
	}
	if (split_filelist(ctx, in->filelist, list, len, &items, &n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pf_entry e;

		if (scan_item(ctx, in->filelist, &items[i], &e, target) < 0 ||
		    pf_manifest_add(ctx, m, &e) < 0)
			goto out;
	}
	if (add_removes(ctx, in, items, n, m) < 0)
		goto out;
	for (size_t i = 0; i < in->n_hooks; i++)
		if (pf_manifest_add(ctx, m, &in->hooks[i]) < 0)
			goto out;
	if (pf_manifest_check(ctx, mname, m) < 0)
		goto out;
	pf_debug(ctx, "%s: %zu paths from %s found in %s, %zu removals",
		 mname, n, in->filelist, ctx->root, in->n_removes);
	*out = m;
	m = NULL;
	r = 0;
out:
	pf_manifest_free(m);
	free(items);
	free(list);
	free(target);
	return r;
}

