/* The verdicts: see verdict.h and docs/space.md, "Verdicts". The figures
 * of each refused row, what is freeable there (verdict-walk.c looks at the
 * disk), the pending cleanups, and the one verdict they add up to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/context.h"
#include "base/strmap.h"
#include "format/index.h"
#include "format/manifest.h"
#include "plan/fsmodel.h"
#include "plan/space.h"
#include "plan/verdict-parts.h"

#define NONE PF_JUDGE_NONE
#define CLEANUPS_LISTED 8

const char *pf_verdict_name(enum pf_verdict_kind k)
{
	switch (k) {
	case PF_VERDICT_FITS: return "fits";
	case PF_VERDICT_AFTER_FREEING: return "fits-after-freeing";
	case PF_VERDICT_AFTER_CLEANUP: return "fits-after-cleanup";
	case PF_VERDICT_NEVER: return "never-fits";
	}
	return "?";
}

const char *pf_freeable_kind_name(enum pf_freeable_kind k)
{
	switch (k) {
	case PF_FREEABLE_CACHE: return "cache";
	case PF_FREEABLE_UNOWNED: return "unowned";
	case PF_FREEABLE_CLEANUP: return "cleanup";
	}
	return "?";
}

/* The owned files on file system F that the chain up to unit I keeps:
 * neither replaced nor removed by it. */
static uint64_t kept_on(const struct pf_judge *j, size_t f, size_t i)
{
	const struct pf_space *sp = &j->p->fs[f].space;
	uint64_t bytes = 0;

	for (size_t k = 0; k < j->n_owned; k++) {
		const struct pf_owned_path *o = &j->owned[k];
		const struct pf_named *n;

		if (o->fs != f)
			continue;
		n = pf_judge_named(j, o->path);
		if (n && ((n->write != NONE && n->write <= i) || (n->remove != NONE && n->remove <= i)))
			continue;
		bytes += o->kind == PF_OWNED_FILE ? pf_fs_file_bytes(sp, o->size) :
			 o->kind == PF_OWNED_SYMLINK ? pf_fs_symlink_bytes(sp, o->size) : pf_fs_dir_bytes(sp);
	}
	return bytes;
}

/* The size of a partition that holds MINIMUM bytes beside RESERVE, with
 * the share for root the file system keeps now, rounded up to a power of
 * two: pakfire cannot know how the distribution grows (Min-Partition
 * says it). */
static uint64_t round_partition(uint64_t minimum, uint64_t reserve, uint64_t total,
				uint64_t root_reserved)
{
	long double want = (long double)minimum + (long double)reserve;
	uint64_t size = 1 << 20;

	if (root_reserved && total > root_reserved)
		want = want * (long double)total / (long double)(total - root_reserved);
	while ((long double)size < want && size < (1ULL << 62))
		size <<= 1;
	return size;
}

/* The "at least" for R's partition: the minimum, or in place what is
 * used there now but the freeable, and the update's peak beside it;
 * with the reserve and root's share, rounded up. A Min-Partition below
 * that is stale (the distribution's updates grew past its advice): the
 * larger of the two. */
static uint64_t advise(const struct pf_plan_fs *fs, const struct pf_plan_row *r,
		       const struct pf_verdict *v)
{
	uint64_t used = v->total > v->root_reserved + r->available ?
			v->total - v->root_reserved - r->available : 0;
	uint64_t need = v->minimum, size;

	if (v->in_place)
		need = used - (v->freeable < used ? v->freeable : used) + r->needed;
	size = round_partition(need, fs->reserve, v->total, v->root_reserved);
	return v->recommended > size ? v->recommended : size;
}

/* Whether M only removes (a cleanup update such as IPFire's core 140). */
static bool cleanup_only(const struct pf_manifest *m)
{
	size_t removes = 0;

	for (size_t e = 0; m && e < m->n; e++) {
		if (m->entries[e].type != PF_ENTRY_REMOVE)
			return false;
		removes++;
	}
	return removes > 0;
}

/* What cleanup G frees on file system F now: its removals of owned files
 * that are on the disk as recorded (the plan's rule: apply removes only
 * those), on F, with no other name, that no unit before it writes. */
static int cleanup_frees(struct pf_judge *j, size_t g, size_t f, uint64_t *bytes, uint64_t *files)
{
	const struct pf_space_check *sc = j->env->sc;
	const struct pf_manifest *m = pf_judge_unit(j, g)->m;
	const struct pf_mount *mnt = j->p->fs[f].mount;
	char host[4096];

	*bytes = *files = 0;
	for (size_t e = 0; e < m->n; e++) {
		const char *path = m->entries[e].path;
		void **v = pf_strmap_get(j->owned_map, path, strlen(path));
		const struct pf_named *n = pf_judge_named(j, path);
		const struct pf_owned_path *o;
		struct stat st;

		if (!v || !*v || (n && n->write != NONE && n->write < g))
			continue;
		o = &j->owned[(uintptr_t)*v - 1];
		if (o->kind != PF_OWNED_FILE || o->fs != f)
			continue;
		if (sc->probe.resolve(sc->probe.data, path, host, sizeof(host)) < 0)
			return -1;
		if (lstat(host, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != o->size ||
		    st.st_nlink > 1 || major(st.st_dev) != mnt->major || minor(st.st_dev) != mnt->minor)
			continue;
		*bytes += (uint64_t)st.st_blocks * 512;
		(*files)++;
	}
	return 0;
}

/* The mount point of F relative to the root, or NULL: the root itself, or
 * a mount outside it (not ours to look at). */
static const char *mount_rel(const struct pf_judge *j, size_t f)
{
	const char *point = j->p->fs[f].mount->point, *root = j->env->sc->root_host;
	size_t n = strcmp(root, "/") ? strlen(root) : 0;

	if (strncmp(point, root, n) || (point[n] != '/') || !point[n + 1])
		return NULL;
	return point + n + 1;
}

static int add_item(struct pf_verdict *v, const struct pf_freeable *it)
{
	struct pf_freeable *items = realloc(v->items, (v->n_items + 1) * sizeof(*items));

	if (!items)
		return -1;
	v->items = items;
	v->items[v->n_items++] = *it;
	return 0;
}

/* What the owner can free on the file system of row R of update I. */
static int freeable(struct pf_judge *j, size_t i, const struct pf_plan_row *r, struct pf_verdict *v)
{
	const struct pf_plan_fs *fs = &j->p->fs[r->fs];
	const struct pf_space_check *sc = j->env->sc;
	const char *rel = mount_rel(j, r->fs);
	char boot[4096], modules[4096];
	struct pf_walk w;
	uint64_t cache = 0, cache_files = 0, ours;
	bool here = false;
	int rc = -1;

	if (pf_walk_init(&w, j->ctx, makedev(fs->mount->major, fs->mount->minor)) < 0)
		return -1;
	w.owned = j->owned_map;
	w.named = j->named_map;
	w.release = j->release;
	w.kernels = (const char (*)[65])j->kernels;
	w.n_kernels = j->n_kernels;
	for (size_t k = 0; k < 3; k++)
		w.never[k] = j->never[k][0] ? j->never[k] : NULL;
	w.never[3] = sc->cache; /* counted as a whole, below */
	/* The download cache, as a whole: `pakfire clean`. Not the package
	 * of the refused update itself: it would be downloaded again. */
	if (pf_walk_sum(&w, sc->cache, &here, &cache, &cache_files) < 0)
		goto out;
	ours = pf_fs_file_bytes(&fs->space, j->env->in[i].package_cached);
	cache = here && cache > ours ? cache - ours : 0;
	if (cache) {
		struct pf_freeable it = { .bytes = cache, .files = cache_files,
					  .kind = PF_FREEABLE_CACHE };

		if (asprintf(&it.path, "/%s", sc->cache) < 0) {
			it.path = NULL;
			pf_fail(j->ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		if (add_item(v, &it) < 0) {
			free(it.path);
			pf_fail(j->ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
	}
	/* Unowned files: a mount of its own (a /boot) as a whole; on any
	 * mount boot/ and the kernels' module folders, spelled as the file
	 * system sees them (the owned paths are known by that spelling too).
	 * Nothing else: the files an installer put in usr/ are nobody's in
	 * the database, yet the system needs them. */
	if (pf_judge_resolved(j, "boot", boot, sizeof(boot)) < 0 ||
	    pf_judge_resolved(j, "lib/modules", modules, sizeof(modules)) < 0 ||
	    (rel && pf_walk_tree(&w, rel, true) < 0) ||
	    (boot[0] && pf_walk_tree(&w, boot, true) < 0) ||
	    (modules[0] && pf_walk_folders(&w, modules) < 0))
		goto out;
	for (size_t k = 0; k < w.n_top; k++) {
		if (add_item(v, &w.top[k]) < 0) {
			pf_fail(j->ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		w.top[k].path = NULL; /* the verdict's now */
	}
	v->freeable = cache + w.bytes;
	v->freeable_inodes = cache_files + w.files;
	v->found = w.found;
	v->bounded = w.bounded;
	rc = 0;
out:
	pf_walk_clear(&w);
	return rc;
}

/* The pending cleanups after unit I that free something on R's file
 * system, and the first that pakfire can apply before I and that frees
 * enough. */
static int cleanups(struct pf_judge *j, size_t i, const struct pf_plan_row *r, struct pf_verdict *v)
{
	size_t units = j->env->n_in + j->env->n_later, listed = 0, chosen = NONE;
	const struct pf_plan_input *refused = &j->env->in[i];

	for (size_t g = i + 1; g < units && listed < CLEANUPS_LISTED; g++) {
		const struct pf_plan_input *c = pf_judge_unit(j, g);
		struct pf_freeable it = { .kind = PF_FREEABLE_CLEANUP, .core = c->number };

		if (!cleanup_only(c->m))
			continue;
		if (cleanup_frees(j, g, r->fs, &it.bytes, &it.files) < 0)
			return -1;
		if (!it.bytes)
			continue;
		/* A core update can go before an add-on; never before a core
		 * update that comes earlier in the chain. */
		it.first = !refused->number && c->number;
		if (!(it.path = strdup(c->label ? c->label : c->unit)) || add_item(v, &it) < 0) {
			free(it.path);
			return pf_fail(j->ctx, PF_E_OTHER, "out of memory");
		}
		listed++;
		if (chosen == NONE && it.first && it.bytes >= v->shortfall &&
		    it.files >= v->inodes_short)
			chosen = v->n_items - 1;
	}
	v->cleanup = chosen == NONE ? NULL : &v->items[chosen];
	return 0;
}

static void figures(const struct pf_plan_fs *fs, const struct pf_plan_row *r, struct pf_verdict *v)
{
	uint64_t want = r->needed + fs->reserve;

	v->shortfall = want > r->available ? want - r->available : 0;
	v->inodes_short = !fs->space.inodes_unlimited && r->inodes_needed > r->inodes_available ?
			  r->inodes_needed - r->inodes_available : 0;
	v->total = fs->space.total;
	v->root_reserved = fs->space.free > fs->space.avail ? fs->space.free - fs->space.avail : 0;
	v->capacity = v->total > v->root_reserved + fs->reserve ?
		      v->total - v->root_reserved - fs->reserve : 0;
}

static int judge_row(struct pf_judge *j, size_t i, const struct pf_plan_row *r, struct pf_verdict *v)
{
	const struct pf_plan_fs *fs = &j->p->fs[r->fs];

	figures(fs, r, v);
	if (r->fits || (!v->shortfall && !v->inodes_short))
		return 0; /* fits, as far as room goes */
	if (pf_judge_load(j) < 0)
		return -1;
	v->written = r->chain_bytes + r->package_bytes;
	v->kept = kept_on(j, r->fs, i);
	v->minimum = v->written + v->kept;
	v->recommended = pf_index_min_partition(j->env->idx, fs->name);
	if (freeable(j, i, r, v) < 0 || cleanups(j, i, r, v) < 0)
		return -1;
	/* What makes it fit in place, shown, comes first: a cleanup pakfire
	 * applies itself (it may remove kept files: then the minimum above
	 * is more than the update will need), then what the owner frees;
	 * else it never fits: on an empty partition (the minimum is more than
	 * the file system could give), or in place. */
	if (v->cleanup)
		v->kind = PF_VERDICT_AFTER_CLEANUP;
	else if (v->freeable >= v->shortfall && v->freeable_inodes >= v->inodes_short)
		v->kind = PF_VERDICT_AFTER_FREEING;
	else {
		v->kind = PF_VERDICT_NEVER;
		v->in_place = v->minimum <= v->capacity;
	}
	v->advised = advise(fs, r, v);
	return 0;
}

int pf_verdicts(struct pf_ctx *ctx, const struct pf_verdict_env *env, const struct pf_plan *p,
		size_t i, struct pf_verdict **out)
{
	const struct pf_plan_update *u = &p->updates[i];
	struct pf_judge j = { .ctx = ctx, .env = env, .p = p };
	struct pf_verdict *v = calloc(u->n_rows ? u->n_rows : 1, sizeof(*v));
	int r = -1;

	*out = NULL;
	if (!v)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (size_t k = 0; k < u->n_rows; k++)
		if (judge_row(&j, i, &u->rows[k], &v[k]) < 0)
			goto out;
	*out = v;
	v = NULL;
	r = 0;
out:
	pf_verdicts_free(v, u->n_rows);
	pf_judge_clear(&j);
	return r;
}

int pf_plan_judge(struct pf_ctx *ctx, const struct pf_verdict_env *env, struct pf_plan *p,
		  size_t i)
{
	struct pf_verdict *v;

	if (pf_verdicts(ctx, env, p, i, &v) < 0)
		return -1;
	pf_verdicts_free(p->updates[i].verdicts, p->updates[i].n_rows);
	p->updates[i].verdicts = v;
	return 0;
}

void pf_verdicts_free(struct pf_verdict *v, size_t n)
{
	for (size_t k = 0; v && k < n; k++) {
		for (size_t m = 0; m < v[k].n_items; m++)
			free(v[k].items[m].path);
		free(v[k].items);
	}
	free(v);
}
