/* pakfire-repo build: one core update from its update.conf, its file list and
 * a built root tree, into REPODIR/core/core-N.manifest and core-N.pak.
 *
 * Two passes over the build root: the first lstat()s and hashes every listed
 * path to make the manifest (which must come first in the package), the
 * second streams the files into the package and checks that each is still
 * what the manifest says. Nothing is written before the first pass and
 * pf_manifest_check() have accepted the input. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/hash.h"
#include "base/numbers.h"
#include "format/manifest.h"
#include "outfile.h"
#include "pak-write.h"
#include "base/path.h"
#include "base/strings.h"
#include "repo.h"
#include "update-conf.h"

/* A file list names a few thousand paths; this is far beyond any real one. */
#define FILELIST_MAX (64 * 1024 * 1024)

struct build_opts {
	const char *update;   /* updates/N */
	const char *filelist; /* manifests/core-N.filelist */
	const char *root;     /* the built root tree */
	const char *out;      /* the repository (series/arch) folder */
};

static const struct pf_opt options[] = {
	{ .name = "update", .kind = PF_OPT_STRING, .arg = "DIR", .required = true,
	  .offset = offsetof(struct build_opts, update),
	  .help = "the update's folder, holding update.conf (updates/141)" },
	{ .name = "filelist", .kind = PF_OPT_STRING, .arg = "FILE", .required = true,
	  .offset = offsetof(struct build_opts, filelist),
	  .help = "the list of paths the update ships (manifests/core-141.filelist)" },
	{ .name = "root", .kind = PF_OPT_STRING, .arg = "BUILDROOT", .required = true,
	  .offset = offsetof(struct build_opts, root),
	  .help = "the built root tree the paths are taken from" },
	{ .name = "out", .kind = PF_OPT_STRING, .arg = "REPODIR", .required = true,
	  .offset = offsetof(struct build_opts, out),
	  .help = "the repository folder of the series and architecture" },
	{ NULL },
};

/* One line of the file list. */
struct item {
	const char *path;     /* points into the file list buffer */
	unsigned line;
};

/* SOURCE_DATE_EPOCH (reproducible-builds.org) or 0: the one mtime of every
 * member, so that a package depends on its content only. */
static int member_mtime(struct pf_ctx *ctx, time_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	*out = 0;
	if (!s || s[0] == '\0')
		return 0;
	/* Up to the year 9999: well inside what tar and time_t carry. */
	if (pf_parse_uint(s, 253402300799ULL, &v) < 0)
		return pf_fail(ctx, PF_E_USAGE,
			       "SOURCE_DATE_EPOCH '%s' is not a number of seconds", s);
	*out = (time_t)v;
	return 0;
}

/* The directory name of DIR, if it is all digits, must be the number in its
 * update.conf: publish looks update N up as UPDATESDIR/N. */
static int check_dir_number(struct pf_ctx *ctx, const char *dir,
			    const struct update_conf *uc)
{
	const char *base = pf_basename(dir);
	size_t len = strlen(base);
	uint64_t v;
	char name[32];

	if (len == 0 || len >= sizeof(name))
		return 0;
	memcpy(name, base, len + 1);
	if (pf_parse_uint(name, UINT_MAX, &v) < 0)
		return 0;
	if (v != uc->number)
		return pf_fail(ctx, PF_E_VERIFY, "%s: number %u, but the folder is %s",
			       uc->file, uc->number, name);
	return 0;
}

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
static int add_removes(struct pf_ctx *ctx, const struct update_conf *uc,
		       const char *listname, const struct item *items, size_t n,
		       struct pf_manifest *m)
{
	char **sorted = NULL;
	int r = -1;

	if (uc->n_removes == 0)
		return 0;
	sorted = malloc(uc->n_removes * sizeof(*sorted));
	if (!sorted)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", uc->file);
	memcpy(sorted, uc->removes, uc->n_removes * sizeof(*sorted));
	qsort(sorted, uc->n_removes, sizeof(*sorted), str_cmp);
	for (size_t i = 0; i < uc->n_removes; i++) {
		struct item key = { .path = sorted[i] };
		const struct item *hit = n ? bsearch(&key, items, n, sizeof(*items),
						     item_cmp) : NULL;

		if (hit) {
			pf_fail(ctx, PF_E_VERIFY,
				"%s: remove '%s' is also shipped (%s line %u)",
				uc->file, sorted[i], listname, hit->line);
			goto out;
		}
		if (pf_manifest_add(ctx, m, &(struct pf_entry){
				.type = PF_ENTRY_REMOVE, .path = sorted[i] }) < 0)
			goto out;
	}
	r = 0;
out:
	free(sorted); /* the strings belong to uc */
	return r;
}

/* The manifest of this update: the file list scanned in the build root,
 * then update.conf's removals; checked against every rule of the format. */
static int make_manifest(struct pf_ctx *ctx, const struct build_opts *o,
			 const struct update_conf *uc, const char *mname,
			 struct pf_manifest **out)
{
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
	if (pf_read_file_at(AT_FDCWD, o->filelist, FILELIST_MAX, &list, &len) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", o->filelist);
		goto out;
	}
	if (split_filelist(ctx, o->filelist, list, len, &items, &n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pf_entry e;

		if (scan_item(ctx, o->filelist, &items[i], &e, target) < 0 ||
		    pf_manifest_add(ctx, m, &e) < 0)
			goto out;
	}
	if (add_removes(ctx, uc, o->filelist, items, n, m) < 0 ||
	    pf_manifest_check(ctx, mname, m) < 0)
		goto out;
	pf_debug(ctx, "%s: %zu paths from %s found in %s, %zu removals",
		 mname, n, o->filelist, o->root, uc->n_removes);
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

/* REPODIR/core, made if missing (REPODIR too, but not its parents: a typo
 * in a long path should not grow a tree somewhere). */
static int open_core_dir(struct pf_ctx *ctx, const char *out, char **dirname,
			 int *dirfd)
{
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: mkdir", out);
	if (asprintf(dirname, "%s/core", out) < 0) {
		*dirname = NULL;
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", out);
	}
	if (mkdir(*dirname, 0755) < 0 && errno != EEXIST)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: mkdir", *dirname);
	*dirfd = open(*dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", *dirname);
	return 0;
}

struct artefacts {
	struct outfile pak, manifest;
	struct pak_stats stats;
};

/* Write both files under temporary names, then rename the package first:
 * publish looks for manifests, so a manifest never appears without its
 * package. */
static int write_artefacts(struct pf_ctx *ctx, int dirfd, const char *dir,
			   unsigned number, const struct pf_manifest *m,
			   const char *mbuf, size_t mlen, time_t mtime,
			   struct artefacts *art)
{
	char pname[64], mname[64];

	snprintf(pname, sizeof(pname), "core-%u.pak", number);
	snprintf(mname, sizeof(mname), "core-%u.manifest", number);
	if (outfile_open(ctx, &art->pak, dirfd, dir, pname) < 0 ||
	    pak_write(ctx, pname, m, mbuf, mlen, mtime, art->pak.fd, &art->stats) < 0 ||
	    outfile_finish(ctx, &art->pak) < 0)
		return -1;
	if (outfile_open(ctx, &art->manifest, dirfd, dir, mname) < 0 ||
	    outfile_write(ctx, &art->manifest, mbuf, mlen) < 0 ||
	    outfile_finish(ctx, &art->manifest) < 0)
		return -1;
	if (outfile_rename(ctx, &art->pak) < 0 ||
	    outfile_rename(ctx, &art->manifest) < 0)
		return -1;
	return outfile_sync_dir(ctx, dirfd, dir);
}

static void report(struct pf_ctx *ctx, unsigned number,
		   const struct pf_manifest *m, size_t mlen,
		   const struct pak_stats *st)
{
	size_t count[PF_ENTRY_HOOK + 1] = { 0 };
	char in[16], out[16], msize[16];

	for (size_t i = 0; i < m->n; i++)
		count[m->entries[i].type]++;
	repo_format_size(mlen, msize);
	repo_format_size(st->bytes_in, in);
	repo_format_size(st->bytes_out, out);
	pf_info(ctx, "core-%u.manifest: %zu entries (%zu files, %zu dirs, %zu symlinks, %zu removes), %s",
		number, m->n, count[PF_ENTRY_FILE], count[PF_ENTRY_DIR],
		count[PF_ENTRY_SYMLINK], count[PF_ENTRY_REMOVE], msize);
	pf_info(ctx, "core-%u.pak: %llu entries, %s in, %s out", number,
		(unsigned long long)st->members, in, out);
}

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct build_opts *o = opts;
	struct update_conf *uc = NULL;
	struct pf_manifest *m = NULL;
	struct artefacts art = { 0 };
	char mname[64], *mbuf = NULL, *dirname = NULL;
	size_t mlen = 0;
	time_t mtime;
	int dirfd = -1, r = -1;

	if (member_mtime(ctx, &mtime) < 0 ||
	    update_conf_load(ctx, o->update, &uc) < 0 ||
	    check_dir_number(ctx, o->update, uc) < 0 ||
	    pf_ctx_set_root(ctx, o->root) < 0)
		goto out;
	snprintf(mname, sizeof(mname), "core-%u.manifest", uc->number);
	if (make_manifest(ctx, o, uc, mname, &m) < 0 ||
	    pf_manifest_write(ctx, m, &mbuf, &mlen) < 0 ||
	    open_core_dir(ctx, o->out, &dirname, &dirfd) < 0 ||
	    write_artefacts(ctx, dirfd, dirname, uc->number, m, mbuf, mlen,
			    mtime, &art) < 0)
		goto out;
	report(ctx, uc->number, m, mlen, &art.stats);
	r = 0;
out:
	outfile_discard(&art.pak);
	outfile_discard(&art.manifest);
	if (dirfd >= 0)
		close(dirfd);
	free(dirname);
	free(mbuf);
	pf_manifest_free(m);
	update_conf_free(uc);
	return r;
}

const struct repo_command cmd_build = {
	.spec = {
		.name = "build", .summary = "one core update: its manifest and package",
		.opts = options, .opts_size = sizeof(struct build_opts),
	},
	.run = run,
};
