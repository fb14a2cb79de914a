/* The support bundle: see bundle.h. This file makes FILE (where it may
 * go, the temporary beside it, the archive, the rename into place);
 * bundle-members.c makes what goes in. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"
#include "base/strings.h"
#include "ops/bundle-members.h"
#include "ops/bundle.h"
#include "ops/diagnose-parts.h"
#include "ops/diagnose.h"
#include "ops/session.h"
#include "plan/plan.h"
#include "state/backup.h"

/* Where FILE goes: its folder (resolved, open) and its name there, and the
 * private folder beside it that holds the work until the rename. */
struct target {
	const char *file;      /* as given, for messages */
	char dir[4096];        /* FILE's folder, resolved (realpath) */
	int dir_fd;
	const char *base;      /* FILE's last component */
	char tmp[4096];        /* the private folder: DIR/.BASE.XXXXXX, or "" */
	/* The private folder, opened once right after it was made and
	 * checked to be ours: everything in it is reached through this fd,
	 * never by TMP's path again (DIR may be writable by another user,
	 * who could put a folder or symlink of theirs in its place). */
	int tmp_fd;
	char archive[4096 + 32]; /* TMP/bundle.tar.gz: for messages */
	char db[4096 + 32];      /* TMP/pakfire.db: for messages */
	char db_at[64];          /* the same through tmp_fd, for SQLite */
};

#define ARCHIVE_NAME "bundle.tar.gz"
#define DB_NAME "pakfire.db"

/* Whether host path PATH is FOLDER or inside it. */
static bool under(const char *path, const char *folder)
{
	size_t n = strlen(folder);

	if (!strcmp(folder, "/"))
		return true;
	return !strncmp(path, folder, n) && (path[n] == '/' || !path[n]);
}

/* The host path of folder REL (relative to the root, symlinks resolved
 * inside it) into OUT; false when it does not exist (nothing can be in
 * it then). */
static bool root_folder_host(struct pf_ctx *ctx, const char *rel, char *out, size_t size)
{
	int fd = pf_root_open(ctx, rel, O_PATH | O_DIRECTORY, 0);
	char link[64];
	ssize_t n;

	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	close(fd);
	if (n < 0 || (size_t)n >= size - 1)
		return false;
	out[n] = '\0';
	return true;
}

/* pakfire writes nothing inside the root but its own state: FILE must lie
 * outside it. On the live root (/) everything is inside, so there FILE
 * only must not lie in pakfire's own folders (the database's, the cache,
 * the log), whose contents pakfire manages and cleans. */
static int check_inside(struct pf_session *s, const struct pf_diag_paths *p, struct target *t)
{
	struct pf_ctx *ctx = s->ctx;
	char root[4096], host[4096], db_dir[4096];
	const char *own[3];
	const char *slash = strrchr(p->database, '/');

	if (pf_root_host_path(ctx, root, sizeof(root)) < 0)
		return -1;
	if (strcmp(root, "/")) {
		if (under(t->dir, root))
			return pf_fail(ctx, PF_E_USAGE, "--bundle %s lies inside the root %s: pakfire"
				       " writes nothing there; write the bundle outside it (like"
				       " /tmp/pakfire-bundle.tar.gz)", t->file, ctx->root);
		return 0;
	}
	snprintf(db_dir, sizeof(db_dir), "%.*s", slash ? (int)(slash - p->database) : 0, p->database);
	own[0] = db_dir;
	own[1] = p->cache;
	own[2] = "/var/log/pakfire";
	for (size_t i = 0; i < 3; i++) {
		const char *rel = own[i] + strspn(own[i], "/");

		if (*rel && root_folder_host(ctx, rel, host, sizeof(host)) && under(t->dir, host))
			return pf_fail(ctx, PF_E_USAGE, "--bundle %s lies in %s, pakfire's own folder:"
				       " write the bundle elsewhere (like /tmp/pakfire-bundle.tar.gz)",
				       t->file, own[i]);
	}
	return 0;
}

/* FILE names a new file in an existing folder outside the root. */
static int check_target(struct pf_session *s, const struct pf_diag_paths *p, const char *file,
			struct target *t)
{
	struct pf_ctx *ctx = s->ctx;
	const char *slash = strrchr(file, '/');
	char *dir, *real;
	struct stat st;

	t->file = file;
	t->base = slash ? slash + 1 : file;
	if (!*t->base || !strcmp(t->base, ".") || !strcmp(t->base, ".."))
		return pf_fail(ctx, PF_E_USAGE, "--bundle %s: name a file (like"
			       " /tmp/pakfire-bundle.tar.gz)", file);
	dir = slash ? strndup(file, slash == file ? 1 : (size_t)(slash - file)) : strdup(".");
	if (!dir)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	real = realpath(dir, NULL);
	if (!real) {
		pf_fail_errno(ctx, PF_E_USAGE, "--bundle %s: its folder %s", file, dir);
		free(dir);
		return -1;
	}
	free(dir);
	snprintf(t->dir, sizeof(t->dir), "%s", real);
	free(real);
	t->dir_fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->dir_fd < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "--bundle %s: its folder %s", file, t->dir);
	if (fstatat(t->dir_fd, t->base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return pf_fail(ctx, PF_E_USAGE, "--bundle %s exists: the bundle is made as a new"
			       " file, never over another; remove it or name another", file);
	if (errno != ENOENT)
		return pf_fail_errno(ctx, PF_E_USAGE, "--bundle %s", file);
	return check_inside(s, p, t);
}

/* The private folder T->TMP, just made: opened by its name in DIR (no
 * symlink followed) and checked to be the one mkdtemp made (a folder of
 * ours, 0700) before anything goes in. */
static int open_tmp(struct pf_ctx *ctx, struct target *t)
{
	struct stat st;

	t->tmp_fd = openat(t->dir_fd, pf_basename(t->tmp),
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->tmp_fd < 0 || fstat(t->tmp_fd, &st) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "the temporary folder %s", t->tmp);
	if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0700)
		return pf_fail(ctx, PF_E_OTHER, "the temporary folder %s is not ours (owner %u,"
			       " mode %04o; expected %u, 0700): another user may write %s; no bundle"
			       " was written", t->tmp, (unsigned)st.st_uid,
			       (unsigned)(st.st_mode & 07777), (unsigned)geteuid(), t->dir);
	snprintf(t->db_at, sizeof(t->db_at), "/proc/self/fd/%d/" DB_NAME, t->tmp_fd);
	return 0;
}

/* The private folder beside FILE, on FILE's file system (the rename into
 * place must not cross one), readable by root only. */
static int make_tmp(struct pf_ctx *ctx, struct target *t)
{
	if ((size_t)snprintf(t->tmp, sizeof(t->tmp), "%s/.%s.XXXXXX", t->dir, t->base) >=
	    sizeof(t->tmp) - 32) {
		t->tmp[0] = '\0';
		return pf_fail(ctx, PF_E_USAGE, "--bundle %s: path too long", t->file);
	}
	if (!mkdtemp(t->tmp)) {
		int e = errno;

		t->tmp[0] = '\0';
		errno = e;
		return pf_fail_errno(ctx, e == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
				     "cannot make a temporary folder beside %s", t->file);
	}
	snprintf(t->archive, sizeof(t->archive), "%s/" ARCHIVE_NAME, t->tmp);
	snprintf(t->db, sizeof(t->db), "%s/" DB_NAME, t->tmp);
	return open_tmp(ctx, t);
}

/* The folder every member is in: pakfire-diagnose-HOST-YYYYMMDDTHHMMSSZ.
 * A host name byte that a file name should not hold becomes '_'. */
static void folder_name(time_t now, char *out, size_t size)
{
	char host[256] = "", stamp[32] = "";
	struct tm tm;

	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		snprintf(host, sizeof(host), "unknown");
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			*p = '_';
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, size, "pakfire-diagnose-%s-%s", host, stamp);
}

/* The archive being written. */
struct writer {
	struct pf_ctx *ctx;
	struct archive *a;
	const struct target *t;
	const struct pf_diag_paths *paths;
	char folder[512];
	time_t now;
};

static int archive_failed(struct writer *w, const char *what)
{
	int e = archive_errno(w->a);

	/* libarchive's own words ("Write error") say little without errno's */
	return pf_fail(w->ctx, e == ENOSPC || e == EDQUOT ? PF_E_SPACE : PF_E_OTHER,
		       "%s: %s: %s%s%s%s", w->t->file, what, archive_error_string(w->a),
		       e > 0 ? " (" : "", e > 0 ? strerror(e) : "", e > 0 ? ")" : "");
}

static struct archive_entry *entry(struct writer *w, const char *name, mode_t type,
				   mode_t perm, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	char path[1024];

	if (!e)
		return NULL;
	snprintf(path, sizeof(path), "%s%s%s", w->folder, name ? "/" : "", name ? name : "");
	archive_entry_copy_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, w->now, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_copy_uname(e, "root");
	archive_entry_copy_gname(e, "root");
	return e;
}

/* One member from memory. 0600: the configuration and the database tell
 * much about the machine. */
static int add_bytes(struct writer *w, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = entry(w, name, AE_IFREG, 0600, (int64_t)len);
	int r = -1;

	if (!e)
		return pf_fail(w->ctx, PF_E_OTHER, "out of memory");
	if (archive_write_header(w->a, e) != ARCHIVE_OK) {
		archive_failed(w, name);
		goto out;
	}
	if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len) {
		archive_failed(w, name);
		goto out;
	}
	r = 0;
out:
	archive_entry_free(e);
	return r;
}

/* NAME.missing in place of a member that could not be made: the reason
 * left on the context, which is cleared (the bundle goes on). */
static int add_missing(struct writer *w, const char *name)
{
	char member[128], *text = NULL;
	int n, r;

	snprintf(member, sizeof(member), "%s.missing", name);
	n = asprintf(&text, "%s could not be made: %s\n", name, pf_error_message(w->ctx));
	pf_clear_error(w->ctx);
	if (n < 0)
		return pf_fail(w->ctx, PF_E_OTHER, "out of memory");
	r = add_bytes(w, member, text, (size_t)n);
	free(text);
	return r;
}

/* A member made by MAKE (0 with the bytes, -1 with the reason: then
 * NAME.missing). */
static int add_made(struct writer *w, const char *name, int made, char *data, size_t len)
{
	int r = made == 0 ? add_bytes(w, name, data, len) : add_missing(w, name);

	free(data);
	return r;
}

/* The database: copied online into the private folder, then added. */
static int add_database(struct writer *w)
{
	struct archive_entry *e = NULL;
	char buf[65536];
	struct stat st;
	int fd = -1, r = -1;

	if (pf_db_backup_file(w->ctx, w->paths->database, w->t->db_at, w->t->db) < 0) {
		/* FILE's disk is full: the bundle cannot be made either, and
		 * one without the database is not what was asked for. */
		if (pf_error_class(w->ctx) == PF_E_SPACE)
			return -1;
		return add_missing(w, "pakfire.db");
	}
	fd = openat(w->t->tmp_fd, DB_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		pf_fail_errno(w->ctx, PF_E_OTHER, "%s", w->t->db);
		goto out;
	}
	e = entry(w, "pakfire.db", AE_IFREG, 0600, st.st_size);
	if (!e) {
		pf_fail(w->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (archive_write_header(w->a, e) != ARCHIVE_OK) {
		archive_failed(w, "pakfire.db");
		goto out;
	}
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* shorter than it was: nobody else writes it */
			pf_fail_errno(w->ctx, PF_E_OTHER, "%s", w->t->db);
			goto out;
		}
		if (archive_write_data(w->a, buf, (size_t)n) != n) {
			archive_failed(w, "pakfire.db");
			goto out;
		}
		done += n;
	}
	r = 0;
out:
	archive_entry_free(e);
	if (fd >= 0)
		close(fd);
	return r;
}

static int interrupted(struct writer *w)
{
	int sig = pf_interrupted(w->ctx);

	return sig ? pf_fail(w->ctx, PF_E_OTHER, "%s: interrupted by %s; no bundle written",
			     w->t->file, strsignal(sig)) : 0;
}

/* A report the front end rendered (NULL: it gave none). */
static int add_report(struct writer *w, const char *name, const char *text, size_t len)
{
	if (text)
		return add_bytes(w, name, text, len);
	pf_fail(w->ctx, PF_E_OTHER, "the front end gave no such report");
	return add_missing(w, name);
}

/* Every member, in the order support reads them. */
static int add_members(struct writer *w, struct pf_session *s, const struct pf_diagnosis *d,
		       const struct pf_bundle_parts *parts)
{
	struct archive_entry *e = entry(w, NULL, AE_IFDIR, 0700, 0);
	char *data = NULL;
	size_t len = 0;
	int r;

	if (!e)
		return pf_fail(w->ctx, PF_E_OTHER, "out of memory");
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_failed(w, w->folder);
	if (add_report(w, "report.txt", parts ? parts->report_txt : NULL,
		       parts ? parts->report_txt_len : 0) < 0 ||
	    add_report(w, "report.json", parts ? parts->report_json : NULL,
		       parts ? parts->report_json_len : 0) < 0 || interrupted(w) < 0)
		return -1;
	r = pf_bundle_log(s, &data, &len);
	if (add_made(w, "pakfire.log", r, data, len) < 0 || interrupted(w) < 0)
		return -1;
	if (add_database(w) < 0 || interrupted(w) < 0)
		return -1;
	r = pf_bundle_config(s, s->config_file, &data, &len);
	if (add_made(w, "pakfire.conf", r, data, len) < 0)
		return -1;
	r = pf_bundle_mountinfo(s, &data, &len);
	if (add_made(w, "mounts.txt", r, data, len) < 0)
		return -1;
	r = pf_bundle_df(s, d, &data, &len);
	if (add_made(w, "df.txt", r, data, len) < 0)
		return -1;
	return 0;
}

/* The archive into the private folder, whole and on the disk. */
static int write_archive(struct pf_session *s, const struct pf_diagnosis *d,
			 const struct pf_bundle_parts *parts, const struct pf_diag_paths *p,
			 const struct target *t)
{
	struct writer w = {
		.ctx = s->ctx, .t = t, .paths = p, .now = d && d->now ? d->now : time(NULL),
	};
	int fd, r = -1;

	fd = openat(t->tmp_fd, ARCHIVE_NAME, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return pf_fail_errno(s->ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER, "%s",
				     t->archive);
	folder_name(w.now, w.folder, sizeof(w.folder));
	w.a = archive_write_new();
	if (!w.a) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (archive_write_add_filter_gzip(w.a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
	    archive_write_open_fd(w.a, fd) != ARCHIVE_OK) {
		archive_failed(&w, "cannot begin the archive");
		goto out;
	}
	if (add_members(&w, s, d, parts) < 0)
		goto out;
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		archive_failed(&w, "cannot end the archive");
		goto out;
	}
	if (fsync(fd) < 0) {
		pf_fail_errno(s->ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER, "%s", t->archive);
		goto out;
	}
	r = 0;
out:
	if (w.a)
		archive_write_free(w.a);
	if (close(fd) < 0 && r == 0)
		r = pf_fail_errno(s->ctx, PF_E_OTHER, "%s", t->archive);
	return r;
}

/* The whole archive becomes FILE in one step, never over a file that
 * appeared meanwhile; then FILE's folder is synced so that it stays. */
static int put_in_place(struct pf_ctx *ctx, const struct target *t)
{
	if (renameat2(t->tmp_fd, ARCHIVE_NAME, t->dir_fd, t->base, RENAME_NOREPLACE) < 0) {
		/* A file system without RENAME_NOREPLACE: a hard link is made
		 * new the same way (the temporary goes with its folder). */
		if (errno != EINVAL || linkat(t->tmp_fd, ARCHIVE_NAME, t->dir_fd, t->base, 0) < 0) {
			if (errno == EEXIST)
				return pf_fail(ctx, PF_E_USAGE, "--bundle %s appeared while the bundle"
					       " was made: it is kept, and no bundle was written",
					       t->file);
			return pf_fail_errno(ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
					     "%s", t->file);
		}
	}
	{
		int fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || fsync(fd) < 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			errno = e;
			return pf_fail_errno(ctx, PF_E_OTHER, "%s: sync its folder %s", t->file,
					     t->dir);
		}
		close(fd);
	}
	return 0;
}

/* The private folder goes: its files through its fd, then its name in
 * DIR, only while that name is still our folder (no symlink followed). A
 * folder that could not be opened as ours is left to its owner. */
static int remove_tmp(const struct target *t)
{
	/* what SQLite may leave beside the copy when it failed half-way */
	static const char *const names[] = { ARCHIVE_NAME, DB_NAME, DB_NAME "-journal",
					     DB_NAME "-wal", DB_NAME "-shm" };
	struct stat ours, now;

	if (t->tmp_fd < 0 || fstat(t->tmp_fd, &ours) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (unlinkat(t->tmp_fd, names[i], 0) < 0 && errno != ENOENT)
			return -1;
	if (fstatat(t->dir_fd, pf_basename(t->tmp), &now, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (now.st_dev != ours.st_dev || now.st_ino != ours.st_ino)
		return 0; /* not ours any more: nothing of ours is in it */
	return unlinkat(t->dir_fd, pf_basename(t->tmp), AT_REMOVEDIR);
}

int pf_bundle_check(struct pf_session *s, const char *file)
{
	struct target t = { .dir_fd = -1, .tmp_fd = -1 };
	struct pf_diag_paths p;
	int r;

	pf_diag_paths(s, &p);
	r = check_target(s, &p, file, &t);
	if (t.dir_fd >= 0)
		close(t.dir_fd);
	return r;
}

int pf_bundle_write(struct pf_session *s, const struct pf_diagnosis *d, const char *file,
		    const struct pf_bundle_parts *parts)
{
	struct target t = { .dir_fd = -1, .tmp_fd = -1 };
	struct pf_diag_paths p;
	int r = -1;

	/* pakfire.conf's paths, or the defaults when it could not be read
	 * (the bundle is made all the same: support needs it most then) */
	pf_diag_paths(s, &p);
	if (check_target(s, &p, file, &t) < 0 || make_tmp(s->ctx, &t) < 0 ||
	    write_archive(s, d, parts, &p, &t) < 0 || put_in_place(s->ctx, &t) < 0)
		goto out;
	r = 0;
out:
	/* The private folder goes in every case: the temporary archive (or
	 * its second name), the database copy. */
	if (t.tmp[0] && remove_tmp(&t) < 0 && r == 0)
		r = pf_fail_errno(s->ctx, PF_E_OTHER, "the bundle %s is written, but its temporary"
				  " folder %s (a copy of the database) is left: remove it", file,
				  t.tmp);
	if (t.tmp_fd >= 0)
		close(t.tmp_fd);
	if (t.dir_fd >= 0)
		close(t.dir_fd);
	return r;
}
