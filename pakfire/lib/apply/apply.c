/* Applying one verified unit: see apply.h.
 *
 * Three phases, like dpkg's unpack/configure split:
 *   stage   (stage.c) stream the package; each member must be in the
 *           manifest with the same type, mode, owner, size and hash; files
 *           and symlinks are written beside their targets as .pakfire-TAG-I
 *           (O_EXCL, never through a symlink), and each original is kept as
 *           .pakfire-old-TAG-I (keep.c: a hard link, or on vfat a copy);
 *           missing parent directories are created (the journal records
 *           which). Any failure undoes what was staged:
 *           root unchanged.
 *   commit  syncfs every file system touched (the staged data is on disk
 *           before any name points at it), journal "committing", rename each
 *           temporary over its target, syncfs again, then record the update
 *           unit in one database transaction (the commit point).
 *   clean   delete the backups and do the removals, which only happen once
 *           the database no longer owns the paths.
 * The journal (state/journal.c, apply/journal.c) says how far this got, so that a run killed
 * at any instant is undone or finished by the next one (pf_recover). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/stage.h"
#include "apply/unit-hooks.h"
#include "hooks/hooks.h"
#include "base/bootid.h"
#include "base/context.h"
#include "resolve/transaction.h"
#include "state/files.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/units.h"
#include "apply/folders.h"
#include "apply/fsset.h"
#include "base/hash.h"
#include "apply/hashq.h"
#include "apply/journal.h"
#include "format/index.h"
#include "format/manifest.h"
#include "format/pak.h"
#include "base/path.h"
#include "base/strings.h"

/* Undo what this run did, as recovery would: temporaries, backups, the
 * folders it made or changed. Returns -1 if something could not be
 * restored: then the journal stays for the next run to retry. */
static int unstage(struct stage *st, const char *folders)
{
	return pf_journal_roll_back(st->ctx, st->u, st->u->id, st->m, st->renaming, st->fresh,
				    folders);
}

/* Rename every staged temporary over its target; set directory modes. */
static int commit_names(struct stage *st)
{
	for (size_t i = 0; i < st->n_items; i++) {
		struct staged *it = &st->items[i];
		const char *base;
		int pfd = pf_stage_parent(st, it->e->path, &base);

		if (pfd < 0)
			return -1;
		pf_stage_tick(st, "committing", i, st->n_items);
		if (renameat(pfd, it->tmp, pfd, base) < 0)
			return pf_fail_errno(st->ctx, PF_E_OTHER, "%s: cannot put %s/%s in place",
					     st->label, pf_ctx_root_prefix(st->ctx), it->e->path);
	}
	for (size_t i = 0; i < st->m->n; i++) {
		const struct pf_entry *e = &st->m->entries[i];
		int fd;

		if (e->type != PF_ENTRY_DIR)
			continue;
		fd = pf_root_open(st->ctx, e->path, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return pf_fail_errno(st->ctx, PF_E_OTHER, "%s: directory %s/%s", st->label,
					     pf_ctx_root_prefix(st->ctx), e->path);
		if (pf_stage_owner_mode(st, fd, e) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static void kept(struct stage *st, const char *path, const char *why)
{
	pf_emit_file_kept(st->ctx, pf_unit_ref_of(st->u), path, why);
}

/* The removals of a unit being decided: paths that go at the commit, the
 * ones kept, and the strings this file owns (an add-on's paths read from
 * the database). */
struct removals {
	char **paths;
	size_t n, cap;
	uint64_t kept;
	char **owned;
	size_t n_owned;
};

static int add_removal(struct stage *st, struct removals *rm, char *path)
{
	if (rm->n == rm->cap) {
		size_t cap = rm->cap ? rm->cap * 2 : 64;
		char **p = realloc(rm->paths, cap * sizeof(*p));

		if (!p)
			return pf_fail(st->ctx, PF_E_OTHER, "out of memory");
		rm->paths = p;
		rm->cap = cap;
	}
	rm->paths[rm->n++] = path;
	return 0;
}

/* A core update may revoke a trusted key that no update installed (the
 * installer put it there): a `remove` of a *.asc right inside the keys
 * folder is how maintainers retire a key (docs/key-rotation.md). */
static bool revokes_key(const struct stage *st, const char *path)
{
	size_t len = strlen(path);

	return st->u->kind == PF_UNIT_CORE && pf_path_inside(path, st->keys, true) && len > 4 &&
	       !strcmp(path + len - 4, ".asc");
}

static int revoke_key(struct stage *st, struct removals *rm, char *path)
{
	const char *base;
	struct stat sb;
	int pfd = pf_root_open_parent(st->ctx, path, &base);
	bool regular;

	if (pfd < 0)
		return errno == ENOMEM ? pf_fail(st->ctx, PF_E_OTHER, "out of memory") : 0;
	regular = fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
	close(pfd);
	if (!regular) {
		kept(st, path, "not a key file");
		rm->kept++;
		return 0;
	}
	return add_removal(st, rm, path);
}

/* Whether PATH may go: owned by a unit this one may remove and, for a
 * file, still exactly as that unit installed it. A modified file is an
 * admin's; it is kept and reported. */
static int decide_removal(struct stage *st, struct removals *rm, char *path)
{
	struct pf_owned own;
	struct stat sb;
	const char *base;
	int pfd, fd;

	if (pf_db_owned(st->db, path, &own) < 0)
		return -1;
	if (!own.found && revokes_key(st, path))
		return revoke_key(st, rm, path);
	if (!own.found || !pf_unit_may_remove(st->u, own.owner)) {
		kept(st, path, "not installed by an earlier update");
		rm->kept++;
		return 0;
	}
	pfd = pf_root_open_parent(st->ctx, path, &base);
	if (pfd < 0 && errno == ENOMEM)
		return pf_fail(st->ctx, PF_E_OTHER, "out of memory");
	if (pfd < 0 || fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (pfd >= 0)
			close(pfd);
		/* Already gone: only the database needs to forget it. */
		return add_removal(st, rm, path);
	}
	if (!strcmp(own.type, "dir")) {
		close(pfd);
		if (!S_ISDIR(sb.st_mode)) {
			kept(st, path, "replaced by something else since it was installed");
			rm->kept++;
			return 0;
		}
		return add_removal(st, rm, path);
	}
	if (!strcmp(own.type, "file")) {
		uint8_t sum[32];
		uint64_t size;
		int r;

		if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != own.size) {
			close(pfd);
			kept(st, path, "modified since it was installed");
			rm->kept++;
			return 0;
		}
		fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(pfd);
		if (fd < 0)
			return pf_fail_errno(st->ctx, PF_E_OTHER, "%s", path);
		r = pf_sha256_fd(st->ctx, fd, path, sum, &size);
		close(fd);
		if (r < 0)
			return -1;
		if (memcmp(sum, own.sha256, 32) != 0) {
			kept(st, path, "modified since it was installed");
			rm->kept++;
			return 0;
		}
	} else {
		close(pfd);
		if (!S_ISLNK(sb.st_mode)) {
			kept(st, path, "replaced by something else since it was installed");
			rm->kept++;
			return 0;
		}
	}
	return add_removal(st, rm, path);
}

/* A path the add-on owns and its new version no longer ships. */
static int collect_dropped(void *data, const char *path, const char *type)
{
	struct stage *st = data;
	struct removals *rm = st->removals;
	char **owned;

	(void)type;
	if (pf_manifest_find(st->m, path))
		return 0;
	owned = realloc(rm->owned, (rm->n_owned + 1) * sizeof(*owned));
	if (!owned)
		return pf_fail(st->ctx, PF_E_OTHER, "out of memory");
	rm->owned = owned;
	if (!(rm->owned[rm->n_owned] = strdup(path)))
		return pf_fail(st->ctx, PF_E_OTHER, "out of memory");
	rm->n_owned++;
	return 0;
}

/* Decide what goes at the commit: the 'remove' entries and, for an add-on
 * upgrade, every path its earlier version installed that this one no
 * longer ships (in reverse path order: what is in a folder first). */
static int plan_removals(struct stage *st, struct removals *rm)
{
	for (size_t i = 0; i < st->m->n; i++)
		if (st->m->entries[i].type == PF_ENTRY_REMOVE &&
		    decide_removal(st, rm, st->m->entries[i].path) < 0)
			return -1;
	if (st->u->kind != PF_UNIT_ADDON || st->u->op != PF_UNIT_APPLY)
		return 0;
	st->removals = rm;
	if (pf_db_unit_paths(st->db, st->u->id, collect_dropped, st) < 0)
		return -1;
	for (size_t i = 0; i < rm->n_owned; i++)
		if (decide_removal(st, rm, rm->owned[i]) < 0)
			return -1;
	return 0;
}

static void removals_clear(struct removals *rm)
{
	for (size_t i = 0; i < rm->n_owned; i++)
		free(rm->owned[i]);
	free(rm->owned);
	free(rm->paths);
}

int pf_apply_unit(struct pf_ctx *ctx, struct pf_db *db, const struct pf_hooks *hk, int64_t tx,
		  const struct pf_transaction *t, const struct pf_unit *u, int pak_fd,
		  const char *pak_name, struct pf_apply_result *result)
{
	const struct pf_manifest *m = u->m;
	struct stage st = {
		.ctx = ctx, .db = db, .tx = tx, .u = u, .m = m, .pak = pak_name,
		.parent_fd = -1, .as_root = geteuid() == 0, .keys = t->keys,
	};
	struct pf_unit_record rec = {
		.id = u->id, .kind = u->kind == PF_UNIT_CORE ? "core" : "addon",
		.number = u->number, .version = u->version[0] ? u->version : NULL, .series = u->series,
		.series_switch = u->entry ? u->entry->series_switch : NULL,
		.removing = u->op == PF_UNIT_REMOVE, .reason = u->reason,
		.depends = u->entry ? u->entry->depends : NULL,
		.summary = u->entry ? u->entry->summary : NULL,
	};
	struct pf_hooks post_hk = *hk;
	struct pf_unit_hooks uh = { 0 };
	struct removals rm = { 0 };
	char *removals = NULL, *folders = NULL, boot[40], detail[64];
	bool journaled = false, repair = u->op == PF_UNIT_REPAIR;
	int r = -1;

	memset(result, 0, sizeof(*result));
	pf_unit_label(u, st.label);
	/* The hooks are verified before anything runs or is written. A
	 * repair runs none: it puts back what the unit installed. */
	if (!repair && pf_unit_hooks_load(ctx, db, u, pak_fd, pak_name, &uh) < 0)
		goto out;
	rec.hooks = uh.mine;
	rec.n_hooks = uh.n_mine;
	rec.post = uh.post;
	rec.n_post = uh.n_post;
	rec.post_ids = uh.post_ids;
	/* Reboot: yes is remembered with this boot's id, in the commit (or
	 * the time, when the id cannot be read: bootid.h). */
	if (u->op == PF_UNIT_APPLY && u->entry && u->entry->reboot) {
		pf_boot_mark(hk->ctx, hk->boot_id_file, boot);
		rec.reboot_boot_id = boot;
	}
	st.items = calloc(m->n ? m->n : 1, sizeof(*st.items));
	st.seen = calloc(m->n ? m->n : 1, sizeof(*st.seen));
	st.fresh = malloc(m->n + 1);
	st.buf = malloc(IO_BUF);
	if (!st.items || !st.seen || !st.fresh || !st.buf) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	memset(st.fresh, '0', m->n);
	st.fresh[m->n] = '\0';
	if (plan_removals(&st, &rm) < 0)
		goto out;
	result->kept = rm.kept;
	removals = pf_join_lines(rm.paths, rm.n); /* as the journal keeps them */
	if (!removals) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}

	/* The journal first: from here on, a crash leaves a trace to undo,
	 * down to the folders as they were before. */
	if (pf_folders_before(ctx, m, &folders) < 0 ||
	    pf_db_journal_begin(db, tx, u->id, u->id, u->series,
				repair ? u->applies : u->manifest,
				repair ? u->applies_len : u->manifest_len, folders) < 0 ||
	    pf_db_tx_step(db, tx, u->id, "staging", NULL) < 0)
		goto out;
	journaled = true;
	/* Before anything of the unit is written (nothing is staged yet: a
	 * failure leaves the root as it was, but for what the hook did). */
	if (!repair && pf_unit_hooks_pre(hk, u, &uh) < 0)
		goto out;
	/* A removal has nothing to stage: it all happens after the commit. */
	if (u->op != PF_UNIT_REMOVE &&
	    (pf_stage_package(&st, pak_fd, u->manifest, u->manifest_len) < 0 ||
	     pf_stage_sync(&st) < 0))
		goto out;
	/* Everything staged is on disk: the renames may begin. */
	if (pf_db_journal_committing(db, u->id, st.fresh) < 0)
		goto out;
	st.renaming = true;
	if (pf_db_tx_step(db, tx, u->id, "committing", NULL) < 0 ||
	    commit_names(&st) < 0 || pf_stage_sync(&st) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "%zu paths restored", m->n);
	if (repair ? pf_db_commit_repair(db, tx, u->id, detail) < 0
		   : pf_db_commit_unit(db, tx, &rec, m, rm.paths, rm.n) < 0) {
		/* The commit may have reached the WAL although SQLite could not
		 * say so (a failed sync): undoing the files now could contradict
		 * what the database replays after a crash. Leave the journal as
		 * it is; the next run reads the database and finishes or undoes. */
		journaled = false;
		result->undecided = true;
		pf_fail_wrap(ctx, "%s: the database could not confirm the commit; the files"
			     " stay as they are until the next run of pakfire finishes or undoes"
			     " the update", st.label);
		goto out;
	}
	/* Committed: what is left is cleaning up, which recovery can redo. */
	journaled = false;
	result->committed = true;
	result->files = st.n_items;
	for (size_t i = 0; i < m->n; i++)
		result->files += m->entries[i].type == PF_ENTRY_DIR;
	if (pf_journal_clean_up(ctx, u, u->id, m, st.fresh, removals, &result->removed) < 0 ||
	    pf_db_journal_done(db, u->id) < 0 ||
	    pf_db_tx_step(db, tx, u->id, "cleaned up", NULL) < 0)
		goto out;
	/* Committed: a post hook that fails leaves it so, recorded and open. */
	if (u->kind == PF_UNIT_CORE)
		post_hk.core = u->number;
	if (!repair && pf_unit_hooks_post(&post_hk, u, &uh) < 0) {
		result->hook_failed = true;
		goto out;
	}
	r = 0;
out:
	/* Undone completely, the journal has nothing left to say; otherwise it
	 * stays, and the next run finishes the rollback. */
	if (r < 0 && journaled && unstage(&st, folders) == 0)
		pf_db_journal_done(db, u->id);
	pf_stage_clear(&st);
	pf_unit_hooks_clear(&uh);
	free(removals);
	free(folders);
	removals_clear(&rm);
	return r;
}
