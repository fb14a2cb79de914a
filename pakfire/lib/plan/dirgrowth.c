/* Folder growth in a planned chain: see dirgrowth.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/strmap.h"
#include "plan/dirgrowth.h"
#include "plan/fsmodel.h"
#include "plan/plan.h"

struct folder {
	char *path;
	size_t fs;
	struct pf_fs_dir d;
	uint64_t added;     /* bytes of the names this update makes in it */
	uint64_t live;      /* of which stay after its commit (not temporaries
			     * or backups) */
	/* The same names counted by pf_fs_name_bytes_least: those there at
	 * the update's peak (temporaries, backups, folders: the names of new
	 * files come with the renames), and those that stay. */
	uint64_t peak_least, live_least;
	bool read;          /* asked of the disk (once per plan) */
};

struct pf_dirgrowth {
	struct pf_strmap *map;    /* path -> index + 1 into folders */
	struct folder *folders;
	size_t n, cap;
	size_t *touched;          /* folders named by this update */
	size_t n_touched, cap_touched;
};

struct pf_dirgrowth *pf_dirgrowth_new(size_t hint)
{
	struct pf_dirgrowth *g = calloc(1, sizeof(*g));

	if (g && !(g->map = pf_strmap_new(hint))) {
		free(g);
		g = NULL;
	}
	return g;
}

void pf_dirgrowth_free(struct pf_dirgrowth *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->folders[i].path);
	free(g->folders);
	free(g->touched);
	pf_strmap_free(g->map);
	free(g);
}

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return true;
	ncap = *cap ? 2 * *cap : 64;
	q = realloc(*p, ncap * size);
	if (!q)
		return false;
	*p = q;
	*cap = ncap;
	return true;
}

/* The folder DIR, made (with FS and ALLOC) when first seen. */
static struct folder *folder_of(struct pf_ctx *ctx, struct pf_dirgrowth *g, const char *dir,
				size_t fs, uint64_t alloc)
{
	size_t len = strlen(dir);
	bool added;
	void **v = pf_strmap_put(g->map, dir, len, &added);
	struct folder *f;

	if (!v || (added && !grow((void **)&g->folders, &g->cap, g->n, sizeof(*g->folders)))) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	if (!added)
		return &g->folders[(uintptr_t)*v - 1];
	f = &g->folders[g->n];
	*f = (struct folder){ .path = strndup(dir, len), .fs = fs, .d = { .alloc = alloc } };
	if (!f->path) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	*v = (void *)(uintptr_t)++g->n;
	return f;
}

/* What a name made in a folder is there for. */
enum name_kind {
	NAME_STAGED,  /* a temporary or a backup: there at the peak, gone after */
	NAME_FOLDER,  /* a new folder's: made while staging, stays */
	NAME_FILE,    /* a new file's: comes with the rename, stays */
};

/* NAME (LEN bytes) is made in the folder of REL, on FS. */
static int name_in(struct pf_ctx *ctx, struct pf_dirgrowth *g, const struct pf_plan_fs *fs_table,
		   const char *rel, size_t fs, uint64_t alloc, const char *name, size_t len,
		   enum name_kind kind)
{
	uint64_t bytes = pf_fs_name_bytes(&fs_table[fs].space, name, len);
	uint64_t least = pf_fs_name_bytes_least(&fs_table[fs].space, name, len);
	const char *slash = strrchr(rel, '/');
	char dir[4096];
	size_t n = slash ? (size_t)(slash - rel) : 0;
	struct folder *f;

	if (!bytes)
		return 0; /* names cost nothing there */
	if (n >= sizeof(dir))
		return pf_fail(ctx, PF_E_OTHER, "path too long: %s", rel);
	memcpy(dir, rel, n);
	dir[n] = '\0';
	f = folder_of(ctx, g, dir, fs, alloc);
	if (!f)
		return -1;
	if (!f->added) {
		if (!grow((void **)&g->touched, &g->cap_touched, g->n_touched, sizeof(*g->touched)))
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		g->touched[g->n_touched++] = (size_t)(f - g->folders);
	}
	f->added += bytes;
	if (kind != NAME_FILE)
		f->peak_least += least;
	if (kind != NAME_STAGED) {
		f->live += bytes;
		f->live_least += least;
	}
	return 0;
}

static const char *base_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? slash + 1 : rel;
}

int pf_dirgrowth_made(struct pf_ctx *ctx, struct pf_dirgrowth *g, const struct pf_plan_fs *fs_table,
		      const char *rel, size_t fs, uint64_t alloc, uint64_t parent_alloc)
{
	struct folder *f = folder_of(ctx, g, rel, fs, alloc);

	if (!f)
		return -1;
	/* Every name in it is one the chain makes: its room is known. */
	f->d = (struct pf_fs_dir){ .alloc = alloc, .used = 0, .least = 0, .used_known = true };
	f->read = true;
	return name_in(ctx, g, fs_table, rel, fs, parent_alloc, base_of(rel), strlen(base_of(rel)),
		       NAME_FOLDER);
}

int pf_dirgrowth_staged(struct pf_ctx *ctx, struct pf_dirgrowth *g, const struct pf_plan_fs *fs_table,
			const char *rel, size_t fs, uint64_t parent_alloc, const char *unit, size_t k,
			bool replaces)
{
	char name[256];
	int n;

	if (!pf_fs_name_bytes(&fs_table[fs].space, "x", 1))
		return 0; /* names cost nothing there (tmpfs): no need to spell them */
	n = snprintf(name, sizeof(name), ".pakfire-%s-%zu", unit, k);
	if (n < 0 || (size_t)n >= sizeof(name))
		return pf_fail(ctx, PF_E_OTHER, "unit name too long: %s", unit);
	if (name_in(ctx, g, fs_table, rel, fs, parent_alloc, name, (size_t)n, NAME_STAGED) < 0)
		return -1;
	if (!replaces)
		return name_in(ctx, g, fs_table, rel, fs, parent_alloc, base_of(rel), strlen(base_of(rel)),
			       NAME_FILE);
	n = snprintf(name, sizeof(name), ".pakfire-old-%s-%zu", unit, k);
	if (n < 0 || (size_t)n >= sizeof(name))
		return pf_fail(ctx, PF_E_OTHER, "unit name too long: %s", unit);
	return name_in(ctx, g, fs_table, rel, fs, parent_alloc, name, (size_t)n, NAME_STAGED);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int pf_dirgrowth_settle(struct pf_dirgrowth *g, const struct pf_plan_probe *probe,
			const struct pf_plan_fs *fs_table, uint64_t *growth)
{
	for (size_t i = 0; i < g->n_touched; i++) {
		struct folder *f = &g->folders[g->touched[i]];
		const struct pf_space *s = &fs_table[f->fs].space;
		uint64_t sure;

		if (!f->read && probe->dir_usage && pf_fs_dir_readable(s)) {
			if (probe->dir_usage(probe->data, f->path, s, &f->d) < 0)
				return -1;
			f->d.used_known = true;
		}
		f->read = true;
		growth[f->fs] += pf_fs_dir_growth(s, &f->d, f->added);
		/* What the next update of the chain may count on is what the
		 * folder surely has then, never what this one was counted to
		 * take (the most: as if every new file's name came while all
		 * the temporaries were there, where the kernel puts it in the
		 * room of a temporary renamed before it). At the peak it held
		 * its entries, the temporaries, backups and new folders; after,
		 * its entries and the new names. The temporaries and backups
		 * go again: the next update finds their room, as it would
		 * reading the folder (fsmodel.h). */
		sure = max_u64(pf_fs_dir_least(s, f->d.least + f->peak_least),
			       pf_fs_dir_least(s, f->d.least + f->live_least));
		f->d.alloc = max_u64(f->d.alloc, sure);
		f->d.used += f->live;
		f->d.least += f->live_least;
		f->added = f->live = f->peak_least = f->live_least = 0;
	}
	g->n_touched = 0;
	return 0;
}
