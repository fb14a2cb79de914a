/* Crash safety: see journal.h.
 *
 * The commit point of an update is the database transaction that records
 * it (state/units.c, pf_db_commit_unit). Before it, every original is still on disk
 * (in place, or kept beside its target: keep.c), so an interrupted update
 * is undone. After it, only cleaning up is left, and it is done. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "state/journal.h"
#include "base/event.h"
#include "apply/folders.h"
#include "apply/fsset.h"
#include "apply/journal.h"
#include "format/manifest.h"
#include "base/path.h"

void pf_stage_name(char out[PF_NAME_MAX], const char *tag, size_t idx)
{
	snprintf(out, PF_NAME_MAX, ".pakfire-%s-%zu", tag, idx);
}

void pf_backup_name(char out[PF_NAME_MAX], const char *tag, size_t idx)
{
	snprintf(out, PF_NAME_MAX, ".pakfire-old-%s-%zu", tag, idx);
}

static bool gone(int r)
{
	return r == 0 || errno == ENOENT;
}

/* Undo one entry; see pf_journal_roll_back. */
static int undo(struct pf_ctx *ctx, struct pf_folder *dir, struct pf_fsset *fss, const char *tag,
		size_t i, const struct pf_entry *e, bool renamed, bool fresh)
{
	char tmp[PF_NAME_MAX], bak[PF_NAME_MAX];
	const char *base;
	struct stat st;
	int fd = pf_folder_of(ctx, dir, e->path, &base), r = 0;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1; /* nothing was made there */
	if (pf_fsset_add(ctx, fss, fd) < 0)
		return -1;
	pf_stage_name(tmp, tag, i);
	pf_backup_name(bak, tag, i);
	if (!renamed || fstatat(fd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* Not renamed: the target is the original. */
		if (!gone(unlinkat(fd, tmp, 0)) || !gone(unlinkat(fd, bak, 0)))
			r = -1;
	} else if (fstatat(fd, bak, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* Replaced: the original comes back (a no-op if it already did,
		 * since both names are then one file). */
		if (renameat(fd, bak, fd, base) < 0 || !gone(unlinkat(fd, bak, 0)))
			r = -1;
	} else if (fresh) {
		/* New: it did not exist before this update. */
		if (!gone(unlinkat(fd, base, 0)))
			r = -1;
	}
	return r;
}

int pf_journal_roll_back(struct pf_ctx *ctx, const struct pf_unit *u, const char *tag,
			 const struct pf_manifest *m, bool renamed, const char *fresh,
			 const char *folders)
{
	char label[PF_UNIT_ID_MAX];
	struct pf_folder dir = PF_FOLDER_INIT;
	struct pf_fsset fss = PF_FSSET_INIT;
	size_t n_fresh = fresh ? strlen(fresh) : 0;
	int r = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];

		if (e->type != PF_ENTRY_FILE && e->type != PF_ENTRY_SYMLINK)
			continue;
		if (undo(ctx, &dir, &fss, tag, i, e, renamed, i < n_fresh && fresh[i] == '1') < 0) {
			/* Keep going: undo everything that can be undone. */
			if (r == 0)
				pf_fail_errno(ctx, PF_E_OTHER,
					      "%s: could not restore %s/%s; run pakfire again"
					      " to retry", pf_unit_label(u, label), pf_ctx_root_prefix(ctx),
					      e->path);
			r = -1;
		}
	}
	/* The files are out of the folders this update made: those can go. */
	if (pf_folders_roll_back(ctx, folders, renamed, &fss) < 0)
		r = -1;
	/* The journal may only be forgotten once the undo is on disk. */
	if (r == 0 && pf_fsset_sync(ctx, &fss, pf_unit_label(u, label)) < 0)
		r = -1;
	pf_fsset_clear(&fss);
	pf_folder_close(&dir);
	return r;
}

static void kept(struct pf_ctx *ctx, const struct pf_unit *u, const char *path, const char *why)
{
	pf_emit_file_kept(ctx, pf_unit_ref_of(u), path, why);
}

int pf_journal_clean_up(struct pf_ctx *ctx, const struct pf_unit *u, const char *tag,
			const struct pf_manifest *m, const char *fresh, const char *removals,
			uint64_t *removed)
{
	char label[PF_UNIT_ID_MAX];
	struct pf_folder dir = PF_FOLDER_INIT;
	struct pf_fsset fss = PF_FSSET_INIT;
	size_t n_fresh = fresh ? strlen(fresh) : 0;
	char *list = strdup(removals), *save = NULL;
	int r = -1;

	*removed = 0;
	if (!list)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < m->n; i++) {
		char bak[PF_NAME_MAX];
		const char *base;
		int fd;

		if (m->entries[i].type != PF_ENTRY_FILE && m->entries[i].type != PF_ENTRY_SYMLINK)
			continue;
		if (i < n_fresh && fresh[i] == '1')
			continue; /* the path was new: no original was kept */
		fd = pf_folder_of(ctx, &dir, m->entries[i].path, &base);
		if (fd < 0)
			continue;
		if (pf_fsset_add(ctx, &fss, fd) < 0)
			goto out;
		pf_backup_name(bak, tag, i);
		if (!gone(unlinkat(fd, bak, 0)))
			pf_warn(ctx, "%s: could not delete %s beside /%s: %s", pf_unit_label(u, label), bak,
				m->entries[i].path, strerror(errno));
	}
	for (char *p = strtok_r(list, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		const char *base;
		int fd = pf_folder_of(ctx, &dir, p, &base), rc;

		if (fd < 0)
			continue; /* its folder is gone already */
		if (pf_fsset_add(ctx, &fss, fd) < 0)
			goto out;
		rc = unlinkat(fd, base, 0);
		if (rc < 0 && (errno == EISDIR || errno == EPERM))
			rc = unlinkat(fd, base, AT_REMOVEDIR);
		if (rc == 0)
			(*removed)++;
		else if (errno == ENOTEMPTY || errno == EEXIST)
			kept(ctx, u, p, "directory not empty");
		else if (errno != ENOENT)
			pf_warn(ctx, "%s: could not remove %s/%s: %s", pf_unit_label(u, label),
				pf_ctx_root_prefix(ctx), p, strerror(errno));
	}
	/* The journal may only be forgotten once the clean-up is on disk:
	 * a backup that came back after a crash would be litter nobody knows. */
	r = pf_fsset_sync(ctx, &fss, pf_unit_label(u, label));
out:
	pf_fsset_clear(&fss);
	pf_folder_close(&dir);
	free(list);
	return r;
}

/* Whether the journal's unit U was the removal of an add-on: its manifest
 * (made from the database) holds nothing but `remove` entries. */
static bool removal(const struct pf_unit *u, const struct pf_manifest *m)
{
	if (u->kind != PF_UNIT_ADDON)
		return false;
	for (size_t i = 0; i < m->n; i++)
		if (m->entries[i].type != PF_ENTRY_REMOVE)
			return false;
	return true;
}

/* One interrupted update: undo or finish it, then forget it. */
/* How recovery names the run it finishes: a unit of an upgrade by its
 * label ("core 139"); a repair (the journal's run is a `verify --fix`) as
 * one ("the repair of core 139 (verify --fix)"), which was never going to
 * apply core 139: the admin would read "core 139 was interrupted" as an
 * update. The command is read from the run the journal names; a database
 * that cannot tell it leaves the plain label (the recovery matters more). */
static void recovered_name(struct pf_ctx *ctx, struct pf_db *db, const struct pf_journal_entry *j,
			   const char *label, char *out, size_t size, bool *repair)
{
	char command[64];

	*repair = false;
	if (pf_db_tx_command_of(db, j->tx, command, sizeof(command)) < 0) {
		pf_clear_error(ctx);
		command[0] = '\0';
	}
	*repair = !strcmp(command, "verify --fix");
	if (*repair)
		snprintf(out, size, "the repair of %s (verify --fix)", label);
	else
		snprintf(out, size, "%s", label);
}

static int recover_one(struct pf_ctx *ctx, struct pf_db *db, const struct pf_journal_entry *j)
{
	char label[PF_UNIT_ID_MAX], name[PF_UNIT_ID_MAX + 32];
	struct pf_manifest *m = NULL;
	struct pf_unit u;
	bool committed = !strcmp(j->state, "committed"), repair;
	uint64_t removed;
	int64_t tx = 0;
	int r = -1;

	pf_unit_from_id(&u, j->unit);
	pf_unit_label(&u, label);
	recovered_name(ctx, db, j, label, name, sizeof(name), &repair);
	if (pf_db_tx_begin(db, "recover", &tx) < 0)
		return -1;
	if (pf_manifest_parse(ctx, "journal", j->manifest, j->manifest_len, &m) < 0)
		goto out;
	if (committed) {
		if (pf_journal_clean_up(ctx, &u, j->tag, m, j->fresh, j->removals, &removed) < 0)
			goto out;
		if (repair)
			pf_warn(ctx, "%s was interrupted after its commit; it was rolled forward:"
				" every path it restores is restored and its cleanup is now finished",
				name);
		else
			pf_warn(ctx, "%s had been %s when pakfire was interrupted;"
				" its cleanup is now finished", name, removal(&u, m) ? "removed" : "applied");
	} else {
		if (pf_journal_roll_back(ctx, &u, j->tag, m, !strcmp(j->state, "committing"),
					 j->fresh, j->folders) < 0)
			goto out;
		if (repair)
			pf_warn(ctx, "%s was interrupted before its commit; it was rolled back and"
				" every file is as it was before the repair; run 'pakfire verify --fix'"
				" again", name);
		else
			pf_warn(ctx, "%s was interrupted before it was %s; it was rolled back"
				" and every file is as it was", name, removal(&u, m) ? "removed" : "applied");
	}
	if (pf_db_tx_step(db, tx, j->unit, committed ? "rolled forward" : "rolled back",
			  j->state) < 0 ||
	    pf_db_tx_interrupted(db, j->tx) < 0 ||
	    pf_db_journal_done(db, j->unit) < 0)
		goto out;
	r = 0;
out:
	pf_db_tx_end(db, tx);
	pf_manifest_free(m);
	return r;
}

int pf_recover(struct pf_ctx *ctx, struct pf_db *db, int64_t keep)
{
	for (;;) {
		struct pf_journal_entry j;
		bool found;
		int r;

		if (pf_db_journal_first(db, &j, &found) < 0)
			return -1;
		if (!found)
			return pf_db_close_stale_transactions(db, keep);
		r = recover_one(ctx, db, &j);
		pf_journal_entry_clear(&j);
		if (r < 0)
			return -1;
	}
}
