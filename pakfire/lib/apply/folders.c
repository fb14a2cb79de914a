/* The folders of an update before it: see folders.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/folders.h"
#include "apply/fsset.h"
#include "base/context.h"
#include "base/path.h"
#include "base/strmap.h"
#include "format/manifest.h"

struct record {
	struct pf_ctx *ctx;
	struct pf_strmap *seen;   /* folders looked at: each once */
	char *text;
	size_t len, cap;
};

static int append(struct record *r, const char *line, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->text, cap);
		if (!p)
			return pf_fail(r->ctx, PF_E_OTHER, "out of memory");
		r->text = p;
		r->cap = cap;
	}
	memcpy(r->text + r->len, line, n);
	r->len += n;
	r->text[r->len] = '\0';
	return 0;
}

/* Folder PATH (the first LEN bytes of it); SETS: a `dir` entry will set
 * its mode and owner. */
static int look_at(struct record *r, const char *path, size_t len, bool sets)
{
	char rel[PATH_MAX], line[PATH_MAX + 64];
	struct stat sb;
	bool added;
	void **v;
	int fd, n;

	if (len >= sizeof(rel))
		return pf_fail(r->ctx, PF_E_OTHER, "path too long: %s", path);
	memcpy(rel, path, len);
	rel[len] = '\0';
	v = pf_strmap_put(r->seen, rel, len, &added);
	if (!v)
		return pf_fail(r->ctx, PF_E_OTHER, "out of memory");
	/* A folder is recorded once; a `dir` entry met after the folder was
	 * seen as a parent still records its mode (value 1: mode recorded). */
	if (!added && (!sets || *v))
		return 0;
	fd = pf_root_open(r->ctx, rel, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0) {
		if (errno != ENOENT)
			return 0; /* not a folder we can make: staging says why */
		*v = (void *)1;
		n = snprintf(line, sizeof(line), "+\t%s\n", rel);
		return added ? append(r, line, (size_t)n) : 0;
	}
	/* A `dir` entry on a symlink (inside the root) sets the folder it
	 * leads to, as the commit does: record that one's mode. */
	if (sets && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		close(fd);
		fd = pf_root_open(r->ctx, rel, O_PATH, 0);
		if (fd < 0)
			return 0; /* leads nowhere: staging says why */
	}
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return pf_fail_errno(r->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(r->ctx), rel);
	}
	close(fd);
	if (!sets || !S_ISDIR(sb.st_mode))
		return 0;
	*v = (void *)1;
	n = snprintf(line, sizeof(line), "=\t%o\t%u\t%u\t%s\n", (unsigned)(sb.st_mode & 07777),
		     (unsigned)sb.st_uid, (unsigned)sb.st_gid, rel);
	return append(r, line, (size_t)n);
}

int pf_folders_before(struct pf_ctx *ctx, const struct pf_manifest *m, char **out)
{
	struct record r = { .ctx = ctx, .seen = pf_strmap_new(256) };
	int rc = -1;

	*out = NULL;
	if (!r.seen || append(&r, "", 0) < 0) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];

		if (e->type != PF_ENTRY_FILE && e->type != PF_ENTRY_SYMLINK &&
		    e->type != PF_ENTRY_DIR)
			continue;
		/* Every folder above it, top down, then a `dir` entry itself. */
		for (const char *s = strchr(e->path, '/'); s; s = strchr(s + 1, '/'))
			if (look_at(&r, e->path, (size_t)(s - e->path), false) < 0)
				goto out;
		if (e->type == PF_ENTRY_DIR && look_at(&r, e->path, strlen(e->path), true) < 0)
			goto out;
	}
	*out = r.text;
	r.text = NULL;
	rc = 0;
out:
	free(r.text);
	pf_strmap_free(r.seen);
	return rc;
}

/* Errors that say the path is no folder of ours any more (gone, turned
 * into something else, a mount point): nothing to undo there. */
static bool not_ours(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EBUSY || err == EXDEV;
}

/* Put back the mode and owner of LINE ("MODE\tUID\tGID\tPATH"), the
 * folder reached as the commit reached it (through a symlink inside the
 * root too). */
static int restore(struct pf_ctx *ctx, char *line, struct pf_fsset *fss)
{
	unsigned mode, uid, gid;
	struct stat sb;
	int off = 0, fd, r = 0;

	if (sscanf(line, "%o\t%u\t%u\t%n", &mode, &uid, &gid, &off) != 3 || !off)
		return pf_fail(ctx, PF_E_OTHER, "journal: bad folder record '%s'", line);
	fd = pf_root_open(ctx, line + off, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return not_ours(errno) ? 0 : pf_fail_errno(ctx, PF_E_OTHER, "%s/%s",
							   pf_ctx_root_prefix(ctx), line + off);
	/* As it was: nothing to do (and nothing to ask of a file system
	 * without modes, vfat, which refuses any change). */
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 07777) == mode &&
	    (geteuid() != 0 || (sb.st_uid == uid && sb.st_gid == gid)))
		goto out;
	/* chown first: it clears set-group-ID bits that fchmod then sets. */
	if ((geteuid() == 0 && fchown(fd, uid, gid) < 0) || fchmod(fd, mode) < 0 ||
	    pf_fsset_add(ctx, fss, fd) < 0)
		r = pf_fail_errno(ctx, PF_E_OTHER, "cannot restore the mode of %s/%s",
				  pf_ctx_root_prefix(ctx), line + off);
out:
	close(fd);
	return r;
}

static int remove_created(struct pf_ctx *ctx, const char *path, struct pf_fsset *fss)
{
	const char *base;
	int pfd = pf_root_open_parent(ctx, path, &base), r = 0;

	if (pfd < 0)
		return not_ours(errno) ? 0 : pf_fail_errno(ctx, PF_E_OTHER, "%s/%s",
							   pf_ctx_root_prefix(ctx), path);
	if (unlinkat(pfd, base, AT_REMOVEDIR) == 0)
		r = pf_fsset_add(ctx, fss, pfd);
	else if (!not_ours(errno) && errno != ENOTEMPTY && errno != EEXIST)
		r = pf_fail_errno(ctx, PF_E_OTHER, "cannot remove the folder %s/%s",
				  pf_ctx_root_prefix(ctx), path);
	close(pfd);
	return r;
}

int pf_folders_roll_back(struct pf_ctx *ctx, const char *record, bool modes_set,
			 struct pf_fsset *fss)
{
	char *copy, **lines = NULL;
	size_t n = 0;
	int r = 0;

	if (!record || !*record)
		return 0;
	copy = strdup(record);
	for (const char *p = record; copy && *p; p++)
		n += *p == '\n';
	lines = calloc(n + 1, sizeof(*lines));
	if (!copy || !lines) {
		free(copy);
		free(lines);
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	n = 0;
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	/* Modes first, then the created folders deepest first (children were
	 * recorded after their parents). Keep going: undo all that can be. */
	for (size_t i = 0; modes_set && i < n; i++)
		if (lines[i][0] == '=' && lines[i][1] == '\t' && restore(ctx, lines[i] + 2, fss) < 0)
			r = -1;
	for (size_t i = n; i-- > 0;)
		if (lines[i][0] == '+' && lines[i][1] == '\t' &&
		    remove_created(ctx, lines[i] + 2, fss) < 0)
			r = -1;
	free(lines);
	free(copy);
	return r;
}
