/* Verifying the installed files: see verify-files.h.
 *
 * The rows come from one query in path order, so the folder of each path is
 * opened (through the root, RESOLVE_IN_ROOT) once per run of paths in it
 * (pf_folder_of);
 * the last component is then looked at with *at() calls relative to that
 * folder and never followed: a symlink where a file was installed is a
 * finding, and its target is not read. One buffer serves every file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "ops/session.h"
#include "resolve/transaction.h"
#include "state/files.h"
#include "state/journal.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "base/path.h"
#include "ops/verify-files.h"

/* Large reads keep the per-call cost small against hashing. */
#define VERIFY_BUF (256 * 1024)
/* How often a long file is interrupted to look for Ctrl-C. */
#define CHECK_EVERY (16 * 1024 * 1024)

struct walk {
	struct pf_ctx *ctx;
	pf_finding_fn fn;
	void *data;
	struct pf_verify_summary *sum;
	uint8_t *buf;              /* VERIFY_BUF bytes, for every file */
	/* the path being checked */
	const struct pf_entry *e;
	unsigned owner;          /* its core number (0: an add-on) */
	const char *unit;        /* the unit that installed it */
	struct pf_unit owner_unit;
	bool changed;
	struct pf_folder dir;      /* the folder of the last path */
	/* the values of a finding, as text */
	char expected[PATH_MAX];
	char found[PATH_MAX];
};

const char *pf_finding_name(enum pf_finding_kind kind)
{
	switch (kind) {
	case PF_FINDING_MISSING: return "missing";
	case PF_FINDING_TYPE: return "type";
	case PF_FINDING_MODE: return "mode";
	case PF_FINDING_OWNER: return "owner";
	case PF_FINDING_SIZE: return "size";
	case PF_FINDING_CONTENT: return "content";
	case PF_FINDING_TARGET: return "target";
	case PF_FINDING_UNREADABLE: return "unreadable";
	}
	return "unknown";
}

static void finding(struct walk *w, enum pf_finding_kind kind, const char *expected,
		    const char *found)
{
	w->changed = true;
	w->sum->findings++;
	w->fn(&(struct pf_finding){ .kind = kind, .path = w->e->path, .owner = w->owner, .unit = w->unit,
				    .expected = expected, .found = found, .row = w->e }, w->data);
}

/* ENOENT and ENOTDIR (a folder above it is not one) mean it is not there. */
static void not_there(struct walk *w, int err)
{
	if (err == ENOENT || err == ENOTDIR)
		finding(w, PF_FINDING_MISSING, NULL, NULL);
	else
		finding(w, PF_FINDING_UNREADABLE, NULL, strerror(err));
}

/* In the words of the manifest where there is one. */
static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	}
	return "unknown";
}

static bool same_type(enum pf_entry_type t, mode_t mode)
{
	return (t == PF_ENTRY_FILE && S_ISREG(mode)) || (t == PF_ENTRY_DIR && S_ISDIR(mode)) ||
	       (t == PF_ENTRY_SYMLINK && S_ISLNK(mode));
}

static int stopped(struct walk *w)
{
	return pf_fail(w->ctx, PF_E_OTHER, "interrupted by %s after %llu paths; nothing was changed",
		       strsignal(pf_interrupted(w->ctx)), (unsigned long long)w->sum->paths);
}

/* Mode and owner, of files and folders. */
static void check_attrs(struct walk *w, const struct stat *st)
{
	const struct pf_entry *e = w->e;

	if ((st->st_mode & 07777) != (e->mode & 07777)) {
		snprintf(w->expected, sizeof(w->expected), "%04o", (unsigned)(e->mode & 07777));
		snprintf(w->found, sizeof(w->found), "%04o", (unsigned)(st->st_mode & 07777));
		finding(w, PF_FINDING_MODE, w->expected, w->found);
	}
	if (st->st_uid != e->uid || st->st_gid != e->gid) {
		snprintf(w->expected, sizeof(w->expected), "%u:%u", (unsigned)e->uid, (unsigned)e->gid);
		snprintf(w->found, sizeof(w->found), "%u:%u", (unsigned)st->st_uid,
			 (unsigned)st->st_gid);
		finding(w, PF_FINDING_OWNER, w->expected, w->found);
	}
}

static void size_finding(struct walk *w, uint64_t found)
{
	snprintf(w->expected, sizeof(w->expected), "%llu", (unsigned long long)w->e->size);
	snprintf(w->found, sizeof(w->found), "%llu", (unsigned long long)found);
	finding(w, PF_FINDING_SIZE, w->expected, w->found);
}

static void check_target(struct walk *w, int dfd, const char *base)
{
	ssize_t n = readlinkat(dfd, base, w->found, sizeof(w->found) - 1);

	if (n < 0) {
		not_there(w, errno);
		return;
	}
	w->found[n] = '\0';
	if (strcmp(w->found, w->e->target))
		finding(w, PF_FINDING_TARGET, w->e->target, w->found);
}

/* Stream the open file through SHA-256 and compare. A read error is a
 * finding; -1 only when the walk must stop. */
static int check_content(struct walk *w, int fd, const struct stat *st)
{
	struct pf_sha256 *h = pf_sha256_new();
	uint64_t total = 0, next_check = CHECK_EVERY;
	uint8_t sum[32];
	int r = -1;

	if (!h)
		return pf_fail(w->ctx, PF_E_OTHER, "out of memory");
	/* Read-ahead advice only: a file system that ignores it is fine. */
	if (st->st_size > VERIFY_BUF)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, w->buf, VERIFY_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			finding(w, PF_FINDING_UNREADABLE, NULL, strerror(errno));
			r = 0;
			goto out;
		}
		if (n == 0)
			break;
		pf_sha256_update(h, w->buf, (size_t)n);
		total += (uint64_t)n;
		w->sum->bytes += (uint64_t)n;
		if (total >= next_check) {
			if (pf_interrupted(w->ctx)) {
				stopped(w);
				goto out;
			}
			next_check += CHECK_EVERY;
		}
	}
	pf_sha256_final(h, sum);
	if (total != w->e->size) {
		size_finding(w, total); /* it changed while we read it */
	} else if (memcmp(sum, w->e->sha256, sizeof(sum))) {
		pf_hex(w->e->sha256, w->expected);
		pf_hex(sum, w->found);
		finding(w, PF_FINDING_CONTENT, w->expected, w->found);
	}
	r = 0;
out:
	pf_sha256_free(h);
	return r;
}

/* A regular file whose type, mode and owner were looked at (ST, by name).
 * Opened without following a symlink and without waiting on a FIFO; if the
 * name now holds another inode, it was replaced under us. */
static int check_file(struct walk *w, int dfd, const char *base, const struct stat *st)
{
	struct stat now;
	int fd, r = 0;

	if ((uint64_t)st->st_size != w->e->size) {
		size_finding(w, (uint64_t)st->st_size);
		return 0;
	}
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		not_there(w, errno);
		return 0;
	}
	if (fstat(fd, &now) < 0)
		finding(w, PF_FINDING_UNREADABLE, NULL, strerror(errno));
	else if (now.st_ino != st->st_ino || now.st_dev != st->st_dev)
		finding(w, PF_FINDING_UNREADABLE, NULL, "replaced while it was being verified");
	else
		r = check_content(w, fd, &now);
	close(fd);
	return r;
}

/* One row of the files table (pf_db_file_fn). */
static int check_entry(const struct pf_entry *e, const char *owner, void *data)
{
	struct walk *w = data;
	const char *base;
	struct stat st;
	int dfd, r = 0;

	if (pf_interrupted(w->ctx))
		return stopped(w);
	w->e = e;
	pf_unit_from_id(&w->owner_unit, owner);
	w->owner = w->owner_unit.number;
	w->unit = owner;
	w->changed = false;
	dfd = pf_folder_of(w->ctx, &w->dir, e->path, &base);
	if (dfd < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		not_there(w, errno);
	} else if (!same_type(e->type, st.st_mode)) {
		finding(w, PF_FINDING_TYPE, pf_entry_type_name(e->type), type_name(st.st_mode));
	} else if (e->type == PF_ENTRY_SYMLINK) {
		check_target(w, dfd, base);
	} else {
		check_attrs(w, &st);
		if (e->type == PF_ENTRY_FILE)
			r = check_file(w, dfd, base, &st);
	}
	if (r < 0)
		return -1;
	w->sum->paths++;
	if (w->changed)
		w->sum->changed++;
	else
		w->sum->ok++;
	return 0;
}

/* An update in flight leaves some of its files old and some new until the
 * next run finishes or undoes it: findings are expected then. */
static int warn_journal(struct pf_ctx *ctx, struct pf_db *db)
{
	char label[PF_UNIT_ID_MAX];
	struct pf_journal_entry j;
	struct pf_unit u;
	bool found;

	if (pf_db_journal_first(db, &j, &found) < 0)
		return -1;
	pf_unit_from_id(&u, j.unit);
	if (found)
		pf_warn(ctx, "%s is being applied, or was interrupted (journal: %s): its files"
			" may be half-way until 'pakfire upgrade' finishes or undoes it",
			pf_unit_label(&u, label), j.state);
	pf_journal_entry_clear(&j);
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pf_verify_files(struct pf_session *s, pf_finding_fn fn, void *data,
		    struct pf_verify_summary *sum)
{
	struct pf_ctx *ctx = s->ctx;
	struct walk *w;
	double start = now_seconds();
	int r = -1;

	memset(sum, 0, sizeof(*sum));
	/* The walk holds two PATH_MAX buffers and the folder's path: not for
	 * the stack. */
	w = calloc(1, sizeof(*w));
	if (!w)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	w->ctx = ctx;
	w->fn = fn;
	w->data = data;
	w->sum = sum;
	w->dir = (struct pf_folder)PF_FOLDER_INIT;
	w->buf = malloc(VERIFY_BUF);
	if (!w->buf) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (warn_journal(ctx, s->db) < 0 || pf_db_each_file(s->db, check_entry, w) < 0)
		goto out;
	sum->complete = true;
	if (sum->changed) {
		pf_fail(ctx, PF_E_VERIFY, "%llu of %llu paths differ from what the core updates"
			" installed", (unsigned long long)sum->changed,
			(unsigned long long)sum->paths);
		goto out;
	}
	r = 0;
out:
	sum->seconds = now_seconds() - start;
	pf_folder_close(&w->dir);
	free(w->buf);
	free(w);
	return r;
}
