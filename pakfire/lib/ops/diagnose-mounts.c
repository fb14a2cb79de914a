/* The mounts pakfire plans for: see diagnose-mounts.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "base/context.h"
#include "base/error.h"
#include "ops/diagnose-parts.h"
#include "ops/diagnose-mounts.h"
#include "ops/session.h"
#include "ops/status.h"
#include "plan/mounts.h"
#include "plan/plan.h"
#include "state/files.h"

/* The top-level folders of the owned paths ("usr", "boot", "lib"), and
 * which of the mounts below the root hold an owned path. A root has a
 * dozen top-level folders: past MAX_TOPS the rest are found only by the
 * mounts they lie in. */
#define MAX_TOPS 256

struct finder {
	struct pf_ctx *ctx;
	struct pf_mount_table *t;
	struct pf_root_probe rp;
	struct pf_plan_probe probe;
	char root_host[4096];
	size_t root_len;
	/* The mounts found, as indexes into t (one per device), in order. */
	size_t *found;
	size_t n_found;
	/* The mounts below the root, each with its point relative to it
	 * ("var/log") and whether an owned path lies in it. */
	struct below { size_t mount; const char *rel; size_t len; bool owned; } *below;
	size_t n_below;
	char *tops[MAX_TOPS];
	size_t n_tops;
	bool oom;                /* owned_path ran out of memory */
};

static bool same_device(const struct pf_mount *a, const struct pf_mount *b)
{
	return a->major == b->major && a->minor == b->minor;
}

/* Take mount M (an index into the table) unless its device is taken. */
static void take(struct finder *f, const struct pf_mount *m)
{
	for (size_t i = 0; i < f->n_found; i++)
		if (same_device(&f->t->mounts[f->found[i]], m))
			return;
	f->found[f->n_found++] = (size_t)(m - f->t->mounts);
}

/* The mount that holds FOLDER (relative to the root, "" for the root),
 * its symlinks resolved inside the root the way the planner resolves
 * them (a missing tail is where it would be made). */
static int take_folder(struct finder *f, const char *folder)
{
	char path[4096], host[4096];
	const struct pf_mount *m;

	/* The probe resolves a path's folder: resolve FOLDER itself by asking
	 * for a name inside it. */
	if ((size_t)snprintf(path, sizeof(path), "%s%s.", folder, *folder ? "/" : "") >= sizeof(path))
		return pf_fail(f->ctx, PF_E_OTHER, "path too long: %s", folder);
	if (f->probe.resolve(f->probe.data, path, host, sizeof(host)) < 0)
		return -1;
	m = pf_mounts_find(f->t, host);
	if (m)
		take(f, m);
	return 0;
}

/* A configured absolute path ("/var/cache/pakfire") as a folder relative
 * to the root; its last component when LAST, else the folder holding it. */
static int take_config_path(struct finder *f, const char *path, bool last)
{
	char rel[4096];
	const char *slash;
	size_t len;

	while (*path == '/')
		path++;
	slash = strrchr(path, '/');
	len = last ? strlen(path) : slash ? (size_t)(slash - path) : 0;
	if (len >= sizeof(rel))
		return pf_fail(f->ctx, PF_E_OTHER, "path too long: /%s", path);
	memcpy(rel, path, len);
	rel[len] = '\0';
	return take_folder(f, rel);
}

/* Each owned path: its top-level folder, and the mounts below the root it
 * lies in (by its name: a mount reached only through a symlink of the
 * root is found through the top-level folder's resolution). */
static int owned_path(void *data, const char *path, const char *type, uint64_t size,
		      uint64_t target_len)
{
	struct finder *f = data;
	size_t top = strcspn(path, "/");
	size_t i;

	(void)type;
	(void)size;
	(void)target_len;
	for (i = 0; i < f->n_tops; i++)
		if (strlen(f->tops[i]) == top && !strncmp(f->tops[i], path, top))
			break;
	if (i == f->n_tops && f->n_tops < MAX_TOPS) {
		f->tops[f->n_tops] = strndup(path, top);
		if (!f->tops[f->n_tops]) {
			f->oom = true;
			return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
		}
		f->n_tops++;
	}
	for (i = 0; i < f->n_below; i++) {
		struct below *b = &f->below[i];

		if (!b->owned && !strncmp(path, b->rel, b->len) &&
		    (path[b->len] == '/' || !path[b->len]))
			b->owned = true;
	}
	return 0;
}

/* The mounts below the root (not the root's own): candidates for the
 * owned paths. Only a mount that is visible there counts: another mounted
 * later on the same point or above it hides it. */
static int list_below(struct finder *f)
{
	f->below = calloc(f->t->n ? f->t->n : 1, sizeof(*f->below));
	if (!f->below)
		return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < f->t->n; i++) {
		const struct pf_mount *m = &f->t->mounts[i];
		const char *p = m->point;

		if (f->root_len > 1 && (strncmp(p, f->root_host, f->root_len) || p[f->root_len] != '/'))
			continue;
		if (f->root_len == 1 && !p[1])
			continue; /* the live root itself */
		if (pf_mounts_find(f->t, p) != m)
			continue;
		f->below[f->n_below++] = (struct below){
			.mount = i, .rel = p + f->root_len + (f->root_len > 1),
			.len = strlen(p + f->root_len + (f->root_len > 1)),
		};
	}
	return 0;
}

/* Owned paths: from the database, when one is open. One that cannot be
 * read is the report's database problem, not a reason to show no mounts:
 * its error is dropped here. */
static int take_owned(struct finder *f, struct pf_db *db)
{
	if (!db)
		return 0;
	if (list_below(f) < 0)
		return -1;
	if (pf_db_each_owned(db, owned_path, f) < 0) {
		if (f->oom)
			return -1;
		pf_clear_error(f->ctx);
	}
	for (size_t i = 0; i < f->n_tops; i++)
		if (take_folder(f, f->tops[i]) < 0)
			return -1;
	for (size_t i = 0; i < f->n_below; i++)
		if (f->below[i].owned)
			take(f, &f->t->mounts[f->below[i].mount]);
	return 0;
}

/* The mounts the pending chain touches, by the name status gives them:
 * relative to the root as the user knows it ("/boot"). */
static int take_pending(struct finder *f, const struct pf_status *st)
{
	if (!st)
		return 0;
	for (size_t i = 0; i < st->space.n_mounts; i++)
		if (take_folder(f, st->space.mounts[i].mount + 1) < 0)
			return -1;
	return 0;
}

/* As the planner names a mount: relative to the root, "/" for the root's. */
static void mount_name(const struct finder *f, const char *point, char *out, size_t size)
{
	if (f->root_len > 1 && !strncmp(point, f->root_host, f->root_len) &&
	    (point[f->root_len] == '/' || !point[f->root_len]))
		snprintf(out, size, "%s", point[f->root_len] ? point + f->root_len : "/");
	else
		snprintf(out, size, "%s", point);
}

/* df of one mount. */
static int figures(struct finder *f, const struct pf_mount *m, struct pf_diag_mount *out)
{
	struct statvfs sv;
	uint64_t bsize;

	memset(out, 0, sizeof(*out));
	mount_name(f, m->point, out->mount, sizeof(out->mount));
	snprintf(out->fstype, sizeof(out->fstype), "%s", m->fstype);
	snprintf(out->device, sizeof(out->device), "%s", m->source);
	if (statvfs(m->point, &sv) < 0)
		return pf_fail_errno(f->ctx, PF_E_OTHER, "statvfs %s", m->point);
	bsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	out->total = (uint64_t)sv.f_blocks * bsize;
	out->used = (uint64_t)(sv.f_blocks - sv.f_bfree) * bsize;
	out->available = (uint64_t)sv.f_bavail * bsize;
	out->inodes_total = sv.f_files;
	out->inodes_available = sv.f_favail;
	out->read_only = (sv.f_flag & ST_RDONLY) || m->readonly;
	return 0;
}

static int by_table_order(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void finder_free(struct finder *f)
{
	for (size_t i = 0; i < f->n_tops; i++)
		free(f->tops[i]);
	free(f->below);
	free(f->found);
	if (f->rp.ctx)
		pf_root_probe_free(&f->rp);
	pf_mounts_free(f->t);
}

int pf_diag_mounts(struct pf_session *s, const struct pf_status *st,
		   struct pf_diag_mount **out, size_t *n)
{
	struct finder f = { .ctx = s->ctx };
	struct pf_diag_mount *list = NULL;
	struct pf_diag_paths p;
	int r = -1;

	*out = NULL;
	*n = 0;
	pf_diag_paths(s, &p); /* pakfire.conf's, or the defaults */
	if (pf_mounts_load(s->ctx, &f.t) < 0 ||
	    pf_root_host_path(s->ctx, f.root_host, sizeof(f.root_host)) < 0 ||
	    pf_root_probe_init(&f.rp, s->ctx, NULL, &f.probe) < 0)
		goto out;
	f.root_len = strlen(f.root_host);
	f.found = calloc(f.t->n ? f.t->n : 1, sizeof(*f.found));
	if (!f.found) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	/* The root's first: it is the one every report starts with. */
	if (take_folder(&f, "") < 0 || take_folder(&f, "boot") < 0 ||
	    take_config_path(&f, p.cache, true) < 0 ||
	    take_config_path(&f, p.database, false) < 0 ||
	    take_folder(&f, "var/log/pakfire") < 0 ||
	    take_owned(&f, s->db) < 0 || take_pending(&f, st) < 0)
		goto out;
	/* The root's first, the others in the order of the mount table. */
	if (f.n_found > 2)
		qsort(f.found + 1, f.n_found - 1, sizeof(*f.found), by_table_order);
	list = calloc(f.n_found ? f.n_found : 1, sizeof(*list));
	if (!list) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < f.n_found; i++)
		if (figures(&f, &f.t->mounts[f.found[i]], &list[i]) < 0)
			goto out;
	*out = f.n_found ? list : NULL;
	*n = f.n_found;
	if (!f.n_found)
		free(list);
	list = NULL;
	r = 0;
out:
	free(list);
	finder_free(&f);
	return r;
}
