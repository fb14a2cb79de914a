/* The space plan: see plan.h.
 *
 * One pass over the chain, in order. A map from path to what is there (as
 * found on disk, or as an earlier update of the chain left it) lets a file
 * that 139 installs and 141 replaces be counted right. Space a file frees
 * counts only after its update commits (peak accounting). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/manifest.h"
#include "plan/dirgrowth.h"
#include "plan/fsmodel.h"
#include "plan/plan.h"
#include "plan/verdict.h"
#include "base/strmap.h"

#define MAX_FS 64
#define HOST_MAX 4096

struct state {
	bool exists;
	bool is_dir;
	bool from_chain;      /* installed by an earlier update of this chain */
	bool shared;          /* other hard links keep its inode: frees nothing */
	uint64_t alloc;
	size_t fs;            /* where the object lives */
};

/* Per update, per file system: what it takes at the peak, what it frees. */
struct tally {
	uint64_t need[MAX_FS];
	uint64_t need_inodes[MAX_FS];
	uint64_t freed[MAX_FS];
	uint64_t freed_inodes[MAX_FS];
	uint64_t package[MAX_FS];
	bool touched[MAX_FS];
};

struct planner {
	struct pf_ctx *ctx;
	const struct pf_plan_env *env;
	struct pf_plan *plan;
	struct pf_strmap *map;    /* resolved path -> index + 1 into states */
	struct state *states;
	size_t n_states, cap_states;
	size_t root_len;          /* strlen of the root's host path, "/" -> 0 */
	struct tally t;
	/* Per file system: what the chain so far leaves installed (files,
	 * symlinks, folders it made), for the verdicts' minimum partition. */
	uint64_t chain[MAX_FS];
	char host[HOST_MAX];      /* the last path resolved */
	struct pf_dirgrowth *dirs; /* the folders the chain makes names in */
	const char *unit;         /* the update planned, and its entry: the */
	size_t k;                 /*   names of its temporaries */
};

void pf_plan_free(struct pf_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		pf_verdicts_free(p->updates[i].verdicts, p->updates[i].n_rows);
		free(p->updates[i].rows);
	}
	free(p->updates);
	free(p->fs);
	free(p);
}

/* The name a user knows a mount point by: inside the root, relative to it. */
static void mount_name(const char *root, const char *point, char *out, size_t size)
{
	size_t n = strlen(root);

	if (n > 1 && !strncmp(point, root, n) && (point[n] == '/' || !point[n]))
		snprintf(out, size, "%s", point[n] ? point + n : "/");
	else
		snprintf(out, size, "%s", point);
}

static uint64_t reserve_for(const struct pf_plan_env *env, const char *name)
{
	for (size_t i = 0; i < env->n_reserves; i++)
		if (!strcmp(env->reserves[i].mount, name))
			return env->reserves[i].bytes;
	return 0;
}

/* The file system (by device: bind mounts share one) that holds HOST. */
static int fs_of(struct planner *pl, const char *host, size_t *out)
{
	const struct pf_mount *m = pf_mounts_find(pl->env->mounts, host);
	struct pf_plan *p = pl->plan;
	struct pf_plan_fs *f;

	if (!m)
		return pf_fail(pl->ctx, PF_E_OTHER, "%s is on no mount", host);
	for (size_t i = 0; i < p->n_fs; i++)
		if (p->fs[i].mount->major == m->major && p->fs[i].mount->minor == m->minor) {
			*out = i;
			return 0;
		}
	if (p->n_fs == MAX_FS)
		return pf_fail(pl->ctx, PF_E_OTHER, "the updates touch more than %d file systems", MAX_FS);
	f = &p->fs[p->n_fs];
	memset(f, 0, sizeof(*f));
	f->mount = m;
	mount_name(pl->env->root_host, m->point, f->name, sizeof(f->name));
	f->reserve = reserve_for(pl->env, f->name);
	if (pl->env->probe->space(pl->env->probe->data, m, &f->space) < 0)
		return -1;
	*out = p->n_fs++;
	return 0;
}

/* Resolve PATH (relative to the root) into pl->host; *REL points at the
 * part below the root: the path as the file system sees it, so that
 * "lib/x" and "usr/lib/x" (lib -> usr/lib) are one object. */
static int resolve(struct planner *pl, const char *path, const char **rel)
{
	const struct pf_plan_probe *pr = pl->env->probe;

	if (pr->resolve(pr->data, path, pl->host, sizeof(pl->host)) < 0)
		return -1;
	if (strncmp(pl->host, pl->env->root_host, pl->root_len) ||
	    (pl->host[pl->root_len] != '/' && pl->host[pl->root_len]))
		return pf_fail(pl->ctx, PF_E_OTHER, "%s resolves outside the root (%s)", path,
			       pl->host);
	*rel = pl->host[pl->root_len] ? pl->host + pl->root_len + 1 : "";
	return 0;
}

/* The file system a new object at pl->host is created on: its folder's. */
static int folder_fs(struct planner *pl, size_t *out)
{
	char *slash = strrchr(pl->host, '/');
	char keep;
	int r;

	if (!slash)
		return fs_of(pl, pl->host, out);
	if (slash == pl->host)
		slash++; /* "/x" -> "/" */
	keep = *slash;
	*slash = '\0';
	r = fs_of(pl, pl->host, out);
	*slash = keep;
	return r;
}

static struct state *lookup_n(struct planner *pl, const char *rel, size_t len)
{
	void **v = pf_strmap_get(pl->map, rel, len);

	return v && *v ? &pl->states[(uintptr_t)*v - 1] : NULL;
}

static struct state *lookup(struct planner *pl, const char *rel)
{
	return lookup_n(pl, rel, strlen(rel));
}

static struct state *remember(struct planner *pl, const char *rel, const struct state *s)
{
	bool added;
	void **v;

	if (pl->n_states == pl->cap_states) {
		size_t cap = pl->cap_states ? 2 * pl->cap_states : 1024;
		struct state *p = realloc(pl->states, cap * sizeof(*p));

		if (!p)
			return NULL;
		pl->states = p;
		pl->cap_states = cap;
	}
	v = pf_strmap_put(pl->map, rel, strlen(rel), &added);
	if (!v)
		return NULL;
	pl->states[pl->n_states] = *s;
	*v = (void *)(uintptr_t)(pl->n_states + 1);
	return &pl->states[pl->n_states++];
}

/* What is at REL (resolved; pl->host is its host path) before this update:
 * the chain's view, else the disk's. */
static int state_of(struct planner *pl, const char *rel, struct state **out)
{
	const struct pf_plan_probe *pr = pl->env->probe;
	struct pf_existing ex;
	struct state s = { 0 };

	*out = lookup(pl, rel);
	if (*out)
		return 0;
	if (pr->existing(pr->data, rel, &ex) < 0)
		return -1;
	s.exists = ex.exists;
	s.is_dir = ex.is_dir;
	s.shared = ex.shared;
	s.alloc = ex.alloc;
	if (ex.exists && fs_of(pl, pl->host, &s.fs) < 0)
		return -1;
	/* A size from the database: what it surely takes on the file system
	 * that holds it (the data blocks of a file of that size, no more). */
	if (ex.exists && ex.estimated)
		s.alloc = pf_fs_file_held(&pl->plan->fs[s.fs].space, ex.size);
	*out = remember(pl, rel, &s);
	return *out ? 0 : pf_fail(pl->ctx, PF_E_OTHER, "out of memory");
}

static void take(struct planner *pl, size_t fs, uint64_t bytes, uint64_t inodes)
{
	pl->t.need[fs] += bytes;
	pl->t.need_inodes[fs] += inodes;
	pl->t.touched[fs] = true;
}

static void give(struct planner *pl, size_t fs, uint64_t bytes, uint64_t inodes)
{
	pl->t.freed[fs] += bytes;
	pl->t.freed_inodes[fs] += inodes;
	pl->t.touched[fs] = true;
}

/* S, installed by the chain, is replaced or removed: it leaves the
 * chain's tally. */
static void unchain(struct planner *pl, const struct state *s)
{
	if (s->exists && s->from_chain)
		pl->chain[s->fs] -= s->alloc <= pl->chain[s->fs] ? s->alloc : pl->chain[s->fs];
}

/* What the folder of REL (resolved) has allocated, as far as the plan
 * knows: dirgrowth.c asks the first time the folder gains a name. */
static uint64_t parent_alloc(struct planner *pl, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	const struct state *p = lookup_n(pl, rel, slash ? (size_t)(slash - rel) : 0);

	return p && p->is_dir ? p->alloc : 0;
}

/* A folder made by this update (listed, or implied by a path below it):
 * a block and an inode on the file system of the folder that holds it,
 * and its name there. */
static int make_dir(struct planner *pl, const char *rel, struct state *s)
{
	const char *again;
	size_t fs;
	uint64_t bytes;

	if (resolve(pl, rel, &again) < 0 || folder_fs(pl, &fs) < 0)
		return -1;
	bytes = pf_fs_dir_bytes(&pl->plan->fs[fs].space);
	take(pl, fs, bytes, 1);
	pl->chain[fs] += bytes;
	if (pf_dirgrowth_made(pl->ctx, pl->dirs, pl->plan->fs, rel, fs, bytes,
			      parent_alloc(pl, rel)) < 0)
		return -1;
	*s = (struct state){ .exists = true, .is_dir = true, .from_chain = true,
			     .alloc = bytes, .fs = fs };
	return 0;
}

/* The folders above REL (resolved) that do not exist yet, made top down.
 * Iterative: a path may be thousands of folders deep. */
static int ensure_parents(struct planner *pl, const char *rel)
{
	char path[HOST_MAX];
	size_t len = strlen(rel), *missing = NULL, n = 0;
	int r = -1;

	if (len >= sizeof(path))
		return pf_fail(pl->ctx, PF_E_OTHER, "path too long: %s", rel);
	memcpy(path, rel, len + 1);
	/* Bottom up: stop at the first folder that exists. */
	for (char *slash = strrchr(path, '/'); slash; slash = strrchr(path, '/')) {
		const char *again;
		struct state *s;

		*slash = '\0';
		s = lookup(pl, path);
		if (!s) {
			if (resolve(pl, path, &again) < 0 || state_of(pl, again, &s) < 0)
				goto out;
		}
		if (s->exists)
			break;
		if (!missing) {
			size_t depth = 1;

			for (const char *p = rel; *p; p++)
				depth += *p == '/';
			missing = malloc(depth * sizeof(*missing));
			if (!missing) {
				pf_fail(pl->ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
		}
		missing[n++] = (size_t)(slash - path);
	}
	/* Top down: each missing folder is made in the one above it. */
	memcpy(path, rel, len + 1);
	while (n-- > 0) {
		struct state *s;

		path[missing[n]] = '\0';
		s = lookup(pl, path);
		if (!s || make_dir(pl, path, s) < 0) {
			if (!s)
				pf_fail(pl->ctx, PF_E_OTHER, "plan: lost track of %s", path);
			goto out;
		}
		path[missing[n]] = '/';
	}
	r = 0;
out:
	free(missing);
	return r;
}

static int plan_remove(struct planner *pl, const struct pf_entry *e)
{
	const struct pf_plan_probe *pr = pl->env->probe;
	const char *rel;
	struct state *s;
	bool removable;

	/* Nothing is made for a removal: no folders, no inodes. */
	if (resolve(pl, e->path, &rel) < 0 || state_of(pl, rel, &s) < 0)
		return -1;
	if (!s->exists || s->is_dir)
		return 0;
	removable = s->from_chain;
	if (!removable) {
		struct pf_existing now;

		if (pr->removable(pr->data, e->path, &now, &removable) < 0)
			return -1;
		/* What apply will meet: the disk, not the database's record. */
		if (now.exists && !now.is_dir) {
			s->alloc = now.alloc;
			s->shared = now.shared;
		}
	}
	if (removable) {
		/* A file with other hard links loses a name, not its blocks. */
		if (!s->shared)
			give(pl, s->fs, s->alloc, 1);
		unchain(pl, s);
		s->exists = false;
	}
	return 0;
}

static int plan_entry(struct planner *pl, const struct pf_entry *e)
{
	char rel[HOST_MAX];
	const char *r;
	struct state *s;
	size_t new_fs;
	uint64_t alloc;

	if (e->type == PF_ENTRY_HOOK)
		return 0;
	if (e->type == PF_ENTRY_REMOVE)
		return plan_remove(pl, e);
	if (resolve(pl, e->path, &r) < 0)
		return -1;
	snprintf(rel, sizeof(rel), "%s", r);
	if (ensure_parents(pl, rel) < 0 || resolve(pl, e->path, &r) < 0 ||
	    state_of(pl, rel, &s) < 0 || folder_fs(pl, &new_fs) < 0)
		return -1;
	if (e->type == PF_ENTRY_DIR)
		return s->exists ? 0 : make_dir(pl, rel, s);
	/* A file or symlink: a new inode staged beside the old one, which is
	 * freed only once the update commits. */
	alloc = e->type == PF_ENTRY_FILE ? pf_fs_file_bytes(&pl->plan->fs[new_fs].space, e->size) :
		pf_fs_symlink_bytes(&pl->plan->fs[new_fs].space, strlen(e->target));
	take(pl, new_fs, alloc, 1);
	if (pf_dirgrowth_staged(pl->ctx, pl->dirs, pl->plan->fs, rel, new_fs, parent_alloc(pl, rel),
				pl->unit, pl->k, s->exists && !s->is_dir) < 0)
		return -1;
	/* The file replaced is freed at the commit, unless other hard links
	 * keep its inode (then the path just points elsewhere). */
	if (s->exists && !s->is_dir && !s->shared)
		give(pl, s->fs, s->alloc, 1);
	unchain(pl, s);
	pl->chain[new_fs] += alloc;
	/* vfat has no hard links: the original is kept as a copy beside it
	 * (apply/keep.c) until the commit, which deletes it. */
	if (s->exists && !s->is_dir && pl->plan->fs[new_fs].space.kind == PF_FS_VFAT) {
		take(pl, new_fs, s->alloc, 1);
		give(pl, new_fs, s->alloc, 1);
	}
	*s = (struct state){ .exists = true, .from_chain = true, .alloc = alloc, .fs = new_fs };
	return 0;
}

/* Turn the tally of update I into rows, and the running availability on. */
static int settle(struct planner *pl, size_t i, uint64_t *avail, uint64_t *inodes)
{
	struct pf_plan *p = pl->plan;
	struct pf_plan_update *u = &p->updates[i];

	u->rows = calloc(p->n_fs ? p->n_fs : 1, sizeof(*u->rows));
	if (!u->rows)
		return pf_fail(pl->ctx, PF_E_OTHER, "out of memory");
	u->reached = true;
	u->fits = true;
	for (size_t f = 0; f < p->n_fs; f++) {
		const struct pf_plan_fs *fs = &p->fs[f];
		struct pf_plan_row *r = &u->rows[u->n_rows];
		uint64_t need = pl->t.need[f], freed = pl->t.freed[f];

		if (!pl->t.touched[f])
			continue;
		u->n_rows++;
		r->fs = f;
		r->needed = need;
		r->inodes_needed = pl->t.need_inodes[f];
		r->available = avail[f];
		r->inodes_available = inodes[f];
		/* Anything written (a block or only an inode) must fit; an update
		 * that only frees space on a file system fits there. */
		r->fits = (need == 0 && r->inodes_needed == 0) ||
			  (!fs->space.readonly && need <= avail[f] && fs->reserve <= avail[f] - need &&
			   (fs->space.inodes_unlimited || r->inodes_needed <= inodes[f]));
		r->after = avail[f] + freed >= need ? avail[f] + freed - need : 0;
		r->chain_bytes = pl->chain[f];
		r->package_bytes = pl->t.package[f];
		u->fits &= r->fits;
	}
	if (!u->fits)
		return 0;
	for (size_t f = 0; f < p->n_fs; f++) {
		if (!pl->t.touched[f])
			continue;
		avail[f] = avail[f] + pl->t.freed[f] - pl->t.need[f];
		if (!p->fs[f].space.inodes_unlimited)
			inodes[f] = inodes[f] + pl->t.freed_inodes[f] - pl->t.need_inodes[f];
	}
	return 0;
}

/* What IN's package still takes in the cache on file system FS: the
 * blocks of the whole file less those its partial download holds already
 * (statvfs counted them). *WHOLE: the blocks of the whole file, what its
 * deletion after the commit gives back. */
static uint64_t package_bytes(struct planner *pl, size_t fs, const struct pf_plan_input *in,
			      uint64_t *whole)
{
	const struct pf_space *sp = &pl->plan->fs[fs].space;
	uint64_t all = pf_fs_file_bytes(sp, in->package_size + in->package_partial);
	uint64_t had = in->package_partial ? pf_fs_file_bytes(sp, in->package_partial) : 0;

	if (whole)
		*whole = all;
	return all > had ? all - had : 0;
}

int pf_plan_chain(struct pf_ctx *ctx, const struct pf_plan_env *env,
		  const struct pf_plan_input *in, size_t n, struct pf_plan **out)
{
	struct planner pl = { .ctx = ctx, .env = env };
	uint64_t avail[MAX_FS], inodes[MAX_FS], growth[MAX_FS];
	char cache[HOST_MAX];
	size_t cache_fs = 0, entries = 0, known_fs = 0;
	const char *unused;
	int r = -1;

	for (size_t i = 0; i < n; i++)
		entries += in[i].m->n;
	pl.root_len = strcmp(env->root_host, "/") ? strlen(env->root_host) : 0;
	pl.plan = calloc(1, sizeof(*pl.plan));
	if (pl.plan) {
		pl.plan->fs = calloc(MAX_FS, sizeof(*pl.plan->fs));
		pl.plan->updates = calloc(n ? n : 1, sizeof(*pl.plan->updates));
	}
	pl.map = pf_strmap_new(entries + 256);
	pl.dirs = pf_dirgrowth_new(256);
	if (!pl.plan || !pl.plan->fs || !pl.plan->updates || !pl.map || !pl.dirs) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	pl.plan->n = n;
	pl.plan->first_refused = n;
	/* A package lies in the cache folder: the file system of the folder
	 * itself, which may be a mount point of its own. */
	if ((size_t)snprintf(cache, sizeof(cache), "%s%s.package", env->cache,
			     env->cache[0] ? "/" : "") >= sizeof(cache)) {
		pf_fail(ctx, PF_E_USAGE, "cache path too long: %s", env->cache);
		goto out;
	}
	if (resolve(&pl, cache, &unused) < 0 || folder_fs(&pl, &cache_fs) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pf_plan_update *u = &pl.plan->updates[i];

		u->number = in[i].number;
		u->unit = in[i].unit;
		u->label = in[i].label;
		if (pl.plan->first_refused < n)
			continue; /* not reached: an earlier update does not fit */
		memset(&pl.t, 0, sizeof(pl.t));
		/* Packages downloaded ahead lie in the cache from the start. */
		for (size_t j = 0; i == 0 && j < n; j++)
			if (in[j].held && in[j].package_size)
				take(&pl, cache_fs, package_bytes(&pl, cache_fs, &in[j], NULL), 1);
		/* The package waits in the cache while its update is staged,
		 * and is deleted once the update commits. */
		if (in[i].package_size) {
			uint64_t whole, a = package_bytes(&pl, cache_fs, &in[i], &whole);

			if (!in[i].held)
				take(&pl, cache_fs, a, 1);
			give(&pl, cache_fs, whole, 1);
			pl.t.package[cache_fs] = a;
		}
		pl.unit = in[i].unit ? in[i].unit : "update";
		for (pl.k = 0; pl.k < in[i].m->n; pl.k++)
			if (plan_entry(&pl, &in[i].m->entries[pl.k]) < 0)
				goto out;
		/* The folders that gained names grow, and stay grown. */
		memset(growth, 0, sizeof(growth));
		if (pf_dirgrowth_settle(pl.dirs, env->probe, pl.plan->fs, growth) < 0)
			goto out;
		for (size_t f = 0; f < pl.plan->n_fs; f++)
			if (growth[f])
				take(&pl, f, growth[f], 0);
		/* File systems seen for the first time start from statvfs. */
		for (; known_fs < pl.plan->n_fs; known_fs++) {
			avail[known_fs] = pl.plan->fs[known_fs].space.avail;
			inodes[known_fs] = pl.plan->fs[known_fs].space.inodes;
		}
		if (settle(&pl, i, avail, inodes) < 0)
			goto out;
		if (!u->fits)
			pl.plan->first_refused = i;
	}
	*out = pl.plan;
	pl.plan = NULL;
	r = 0;
out:
	pf_strmap_free(pl.map);
	pf_dirgrowth_free(pl.dirs);
	free(pl.states);
	pf_plan_free(pl.plan);
	return r;
}
