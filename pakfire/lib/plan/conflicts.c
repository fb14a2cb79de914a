/* File conflicts: see conflicts.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "base/strings.h"
#include "base/strmap.h"
#include "format/manifest.h"
#include "plan/conflicts.h"
#include "resolve/transaction.h"
#include "state/files.h"

static bool ships(const struct pf_entry *e)
{
	return e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_SYMLINK;
}

static int conflict(struct pf_ctx *ctx, const struct pf_unit *u, const char *path, const char *why)
{
	char label[PF_UNIT_ID_MAX];

	return pf_fail(ctx, PF_E_OTHER, "%s: %s/%s %s: a file conflict; nothing was changed",
		       pf_unit_label(u, label), pf_ctx_root_prefix(ctx), path, why);
}

/* Whether PATH is on the system as something other than a folder. */
static int exists_on_disk(struct pf_ctx *ctx, const char *path, bool *exists)
{
	const char *base;
	struct stat st;
	int pfd = pf_root_open_parent(ctx, path, &base);

	*exists = false;
	if (pfd < 0) {
		if (errno == ENOMEM)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		return 0; /* no parent: nothing there */
	}
	*exists = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode);
	close(pfd);
	return 0;
}

/* Whether unit V of T gives PATH (installed by OWNER) up: a removal, a
 * new build of an add-on that no longer ships it, or a core update whose
 * `remove` entry takes it away. Then another unit may take it over. */
static bool gives_up(const struct pf_unit *v, const char *path, const char *owner)
{
	const struct pf_entry *e;

	if (v->op == PF_UNIT_REMOVE)
		return !strcmp(v->id, owner);
	e = v->m ? pf_manifest_find(v->m, path) : NULL;
	if (v->kind == PF_UNIT_ADDON && !strcmp(v->id, owner))
		return !e || !ships(e);
	return e && e->type == PF_ENTRY_REMOVE && pf_unit_may_remove(v, owner);
}

static bool given_up(const struct pf_transaction *t, const char *path, const char *owner)
{
	for (size_t i = 0; i < t->n; i++)
		if (gives_up(&t->units[i], path, owner))
			return true;
	return false;
}

/* PATH of add-on U against the database and the disk. */
static int check_owner(struct pf_ctx *ctx, struct pf_db *db, const struct pf_transaction *t,
		       const struct pf_unit *u, const char *path)
{
	char why[160];
	struct pf_owned own;
	bool exists;

	if (pf_db_owned(db, path, &own) < 0)
		return -1;
	if (own.found) {
		if (!strcmp(own.owner, u->id) || !strcmp(own.type, "dir") ||
		    given_up(t, path, own.owner))
			return 0;
		snprintf(why, sizeof(why), "is owned by %s", own.owner);
		return conflict(ctx, u, path, why);
	}
	if (exists_on_disk(ctx, path, &exists) < 0)
		return -1;
	return exists ? conflict(ctx, u, path, "exists on the system and no update installed it") : 0;
}

/* What only pakfire and core updates may write: the trusted keys (an
 * add-on must never widen trust), and pakfire's own state and cache. */
static bool protected_path(const struct pf_transaction *t, const char *path)
{
	for (size_t i = 0; i < sizeof(t->own) / sizeof(t->own[0]); i++)
		if (pf_path_inside(path, t->own[i], false))
			return true;
	return false;
}

int pf_plan_conflicts(struct pf_ctx *ctx, struct pf_db *db, const struct pf_transaction *t)
{
	struct pf_strmap *shipped = pf_strmap_new(1024);
	int r = -1;

	if (!shipped)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	/* Two units of the transaction shipping one path: the second one an
	 * add-on (or an add-on first) is a conflict. */
	for (size_t i = 0; i < t->n; i++) {
		const struct pf_unit *u = &t->units[i];

		if (u->op != PF_UNIT_APPLY || !u->m)
			continue;
		for (size_t k = 0; k < u->m->n; k++) {
			const struct pf_entry *e = &u->m->entries[k];
			const struct pf_unit *other;
			bool added;
			void **slot;
			char why[160];

			if (e->type == PF_ENTRY_REMOVE && u->kind == PF_UNIT_CORE) {
				/* taken away by a later core update: free again */
				slot = pf_strmap_get(shipped, e->path, strlen(e->path));
				if (slot && *slot && pf_unit_may_remove(u, ((const struct pf_unit *)*slot)->id))
					*slot = NULL;
				continue;
			}
			if (!ships(e))
				continue;
			if (u->kind == PF_UNIT_ADDON && protected_path(t, e->path)) {
				conflict(ctx, u, e->path, "is inside a folder pakfire keeps for itself"
					 " (trusted keys, its database, its cache)");
				goto out;
			}
			slot = pf_strmap_put(shipped, e->path, strlen(e->path), &added);
			if (!slot) {
				pf_fail(ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
			other = *slot;
			if (added || !other || other == u) {
				*slot = (void *)u;
				continue;
			}
			if (other->kind == PF_UNIT_CORE && u->kind == PF_UNIT_CORE) {
				*slot = (void *)u; /* a later core update replaces it */
				continue;
			}
			/* the add-on is the one at fault */
			if (u->kind == PF_UNIT_CORE) {
				const struct pf_unit *swap = u;

				u = other;
				other = swap;
			}
			snprintf(why, sizeof(why), "is shipped by %s too", other->id);
			conflict(ctx, u, e->path, why);
			goto out;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct pf_unit *u = &t->units[i];

		if (u->kind != PF_UNIT_ADDON || u->op != PF_UNIT_APPLY || !u->m)
			continue;
		for (size_t k = 0; k < u->m->n; k++)
			if (ships(&u->m->entries[k]) &&
			    check_owner(ctx, db, t, u, u->m->entries[k].path) < 0)
				goto out;
	}
	r = 0;
out:
	pf_strmap_free(shipped);
	return r;
}
