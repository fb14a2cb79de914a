/* The space plan: see plan.h.
 *
 * One pass over the chain, in order. A map from path to what is there (as
 * found on disk, or as an earlier update of the chain left it) lets a file
 * that 139 installs and 141 replaces be counted right. Space a file frees
 * counts only after its update commits (peak accounting). */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "manifest.h"
#include "plan.h"

#define MAX_FS 64
#define FAST_SYMLINK 60   /* ext4 keeps shorter targets in the inode */

struct state {
	bool exists;
	bool is_dir;
	bool from_chain;      /* installed by an earlier update of this chain */
	uint64_t alloc;
	size_t fs;            /* where the object lives */
};

/* Per update, per file system: what it takes at the peak, what it frees. */
struct tally {
	uint64_t need[MAX_FS];
	uint64_t need_inodes[MAX_FS];
	uint64_t freed[MAX_FS];
	uint64_t freed_inodes[MAX_FS];
	bool touched[MAX_FS];
};

struct planner {
	struct pf_ctx *ctx;
	const struct pf_plan_env *env;
	struct pf_plan *plan;
	struct hsearch_data map;
	struct state *states;     /* the map's values */
	size_t n_states, cap_states;
	char **keys;              /* map keys we allocated (ancestors) */
	size_t n_keys, cap_keys;
	struct tally t;
	char host[4096];
};

void pf_plan_free(struct pf_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->updates[i].rows);
	free(p->updates);
	free(p->fs);
	free(p);
}

static uint64_t round_up(uint64_t n, uint64_t bsize)
{
	return bsize ? (n + bsize - 1) / bsize * bsize : n;
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

/* Host path of PATH and the file system of the folder it is created in
 * (NEW_FS) and of the object itself (OWN_FS: differs when PATH is itself a
 * mount point, like a bind-mounted file). */
static int locate(struct planner *pl, const char *path, size_t *new_fs, size_t *own_fs)
{
	char *slash;

	if (pl->env->probe->resolve(pl->env->probe->data, path, pl->host, sizeof(pl->host)) < 0)
		return -1;
	if (own_fs && fs_of(pl, pl->host, own_fs) < 0)
		return -1;
	slash = strrchr(pl->host, '/');
	if (slash && slash != pl->host)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	return fs_of(pl, pl->host, new_fs);
}

static struct state *lookup(struct planner *pl, const char *path)
{
	ENTRY e = { .key = (char *)path }, *found = NULL;

	if (!hsearch_r(e, FIND, &found, &pl->map) || !found)
		return NULL;
	return &pl->states[(size_t)(uintptr_t)found->data];
}

static struct state *remember(struct planner *pl, const char *path, const struct state *s)
{
	ENTRY e = { .key = (char *)path }, *found = NULL;

	if (pl->n_states == pl->cap_states)
		return NULL; /* sized up front; cannot happen */
	pl->states[pl->n_states] = *s;
	e.data = (void *)(uintptr_t)pl->n_states;
	if (!hsearch_r(e, ENTER, &found, &pl->map) || !found)
		return NULL;
	return &pl->states[pl->n_states++];
}

/* What is at PATH before this update: the chain's view, else the disk's. */
static int state_of(struct planner *pl, const char *path, struct state **out)
{
	struct pf_existing ex;
	struct state s = { 0 };
	size_t new_fs;

	*out = lookup(pl, path);
	if (*out)
		return 0;
	if (pl->env->probe->existing(pl->env->probe->data, path, &ex) < 0)
		return -1;
	s.exists = ex.exists;
	s.is_dir = ex.is_dir;
	s.alloc = ex.alloc;
	if (ex.exists && locate(pl, path, &new_fs, &s.fs) < 0)
		return -1;
	*out = remember(pl, path, &s);
	return *out ? 0 : pf_fail(pl->ctx, PF_E_OTHER, "plan: too many paths");
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

static char *keep_key(struct planner *pl, const char *s, size_t len)
{
	char *k;

	if (pl->n_keys == pl->cap_keys) {
		size_t cap = pl->cap_keys ? 2 * pl->cap_keys : 256;
		char **p = realloc(pl->keys, cap * sizeof(*p));

		if (!p)
			return NULL;
		pl->keys = p;
		pl->cap_keys = cap;
	}
	k = strndup(s, len);
	if (k)
		pl->keys[pl->n_keys++] = k;
	return k;
}

/* Folders that the update creates implicitly cost a block and an inode. */
static int ensure_parents(struct planner *pl, const char *path)
{
	const char *slash = strrchr(path, '/');
	struct state *s;
	char *parent;

	if (!slash)
		return 0;
	s = NULL;
	{
		char buf[4096];
		size_t len = (size_t)(slash - path);

		if (len >= sizeof(buf))
			return pf_fail(pl->ctx, PF_E_OTHER, "path too long: %s", path);
		memcpy(buf, path, len);
		buf[len] = '\0';
		s = lookup(pl, buf);
		if (s && s->exists)
			return 0;
		if (ensure_parents(pl, buf) < 0)
			return -1;
		parent = keep_key(pl, buf, len);
	}
	if (!parent)
		return pf_fail(pl->ctx, PF_E_OTHER, "out of memory");
	if (!s && state_of(pl, parent, &s) < 0)
		return -1;
	if (!s->exists) {
		size_t new_fs;

		if (locate(pl, parent, &new_fs, NULL) < 0)
			return -1;
		take(pl, new_fs, pl->plan->fs[new_fs].space.bsize, 1);
		*s = (struct state){ .exists = true, .is_dir = true, .from_chain = true,
				     .alloc = pl->plan->fs[new_fs].space.bsize, .fs = new_fs };
	}
	return 0;
}

static int plan_entry(struct planner *pl, const struct pf_entry *e)
{
	struct state *s;
	size_t new_fs;
	uint64_t alloc;

	if (e->type == PF_ENTRY_HOOK)
		return 0;
	if (ensure_parents(pl, e->path) < 0 || state_of(pl, e->path, &s) < 0)
		return -1;
	if (e->type == PF_ENTRY_REMOVE) {
		bool removable = s->from_chain;

		if (!s->exists || s->is_dir)
			return 0;
		if (!removable &&
		    pl->env->probe->removable(pl->env->probe->data, e->path, &removable) < 0)
			return -1;
		if (removable) {
			give(pl, s->fs, s->alloc, 1);
			s->exists = false;
		}
		return 0;
	}
	if (locate(pl, e->path, &new_fs, NULL) < 0)
		return -1;
	if (e->type == PF_ENTRY_DIR) {
		if (!s->exists) {
			alloc = pl->plan->fs[new_fs].space.bsize;
			take(pl, new_fs, alloc, 1);
			*s = (struct state){ .exists = true, .is_dir = true, .from_chain = true,
					     .alloc = alloc, .fs = new_fs };
		}
		return 0;
	}
	/* A file or symlink: a new inode staged beside the old one, which is
	 * freed only once the update commits. */
	alloc = e->type == PF_ENTRY_FILE ? round_up(e->size, pl->plan->fs[new_fs].space.bsize) :
		strlen(e->target) >= FAST_SYMLINK ? pl->plan->fs[new_fs].space.bsize : 0;
	take(pl, new_fs, alloc, 1);
	if (s->exists && !s->is_dir)
		give(pl, s->fs, s->alloc, 1);
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
		r->fits = need == 0 ||
			  (!fs->space.readonly && need <= avail[f] && fs->reserve <= avail[f] - need &&
			   (fs->space.inodes_unlimited || r->inodes_needed <= inodes[f]));
		r->after = avail[f] + freed >= need ? avail[f] + freed - need : 0;
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

int pf_plan_chain(struct pf_ctx *ctx, const struct pf_plan_env *env,
		  const struct pf_plan_input *in, size_t n, struct pf_plan **out)
{
	struct planner pl = { .ctx = ctx, .env = env };
	uint64_t avail[MAX_FS], inodes[MAX_FS];
	size_t cache_fs = 0, entries = 0, known_fs = 0;
	int r = -1;

	for (size_t i = 0; i < n; i++)
		entries += in[i].m->n;
	pl.plan = calloc(1, sizeof(*pl.plan));
	if (pl.plan) {
		pl.plan->fs = calloc(MAX_FS, sizeof(*pl.plan->fs));
		pl.plan->updates = calloc(n ? n : 1, sizeof(*pl.plan->updates));
	}
	/* Every path of the chain, its folders, and room to spare. */
	pl.cap_states = 2 * entries + 1024;
	pl.states = calloc(pl.cap_states, sizeof(*pl.states));
	if (!pl.plan || !pl.plan->fs || !pl.plan->updates || !pl.states ||
	    !hcreate_r(pl.cap_states * 2, &pl.map)) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	pl.plan->n = n;
	pl.plan->first_refused = n;
	if (locate(&pl, env->cache, &cache_fs, NULL) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pf_plan_update *u = &pl.plan->updates[i];

		u->number = in[i].number;
		if (pl.plan->first_refused < n)
			continue; /* not reached: an earlier update does not fit */
		memset(&pl.t, 0, sizeof(pl.t));
		/* The package waits in the cache while its update is staged,
		 * and is deleted once the update commits. */
		if (in[i].package_size) {
			uint64_t a = round_up(in[i].package_size, pl.plan->fs[cache_fs].space.bsize);

			take(&pl, cache_fs, a, 1);
			give(&pl, cache_fs, a, 1);
		}
		for (size_t k = 0; k < in[i].m->n; k++)
			if (plan_entry(&pl, &in[i].m->entries[k]) < 0)
				goto out;
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
	hdestroy_r(&pl.map);
	for (size_t i = 0; i < pl.n_keys; i++)
		free(pl.keys[i]);
	free(pl.keys);
	free(pl.states);
	pf_plan_free(pl.plan);
	return r;
}
