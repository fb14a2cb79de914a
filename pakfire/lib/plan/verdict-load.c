/* What the verdicts of one plan share (verdict-parts.h): who owns what and
 * on which of the plan's file systems it lies, what the pending units
 * write and remove (each under its spelling and its resolved one), the
 * kernels the system keeps, the running kernel. Read
 * once per pf_verdicts, when a row that does not fit needs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/context.h"
#include "base/strmap.h"
#include "format/manifest.h"
#include "plan/space.h"
#include "plan/verdict-parts.h"
#include "state/files.h"

const struct pf_plan_input *pf_judge_unit(const struct pf_judge *j, size_t g)
{
	return g < j->env->n_in ? &j->env->in[g] : &j->env->later[g - j->env->n_in];
}

static int grow(struct pf_judge *j, void **array, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 1024;
	p = realloc(*array, ncap * size);
	if (!p)
		return pf_fail(j->ctx, PF_E_OTHER, "out of memory");
	*array = p;
	*cap = ncap;
	return 0;
}

static int add_owned(void *data, const char *path, const char *type, uint64_t size,
		     uint64_t target_len)
{
	struct pf_judge *j = data;
	enum pf_owned_kind kind = !strcmp(type, "dir") ? PF_OWNED_DIR : !strcmp(type, "symlink") ? PF_OWNED_SYMLINK : PF_OWNED_FILE;
	bool added;
	void **v;

	if (grow(j, (void **)&j->owned, &j->cap_owned, j->n_owned, sizeof(*j->owned)) < 0)
		return -1;
	v = pf_strmap_put(j->owned_map, path, strlen(path), &added);
	if (!v || !(j->owned[j->n_owned].path = strdup(path)))
		return pf_fail(j->ctx, PF_E_OTHER, "out of memory");
	j->owned[j->n_owned].kind = kind;
	j->owned[j->n_owned].size = kind == PF_OWNED_SYMLINK ? target_len : size;
	j->owned[j->n_owned].fs = PF_JUDGE_NONE;
	*v = (void *)(uintptr_t)++j->n_owned;
	return 0;
}

/* The plan's file system that holds HOST, or PF_JUDGE_NONE. */
static size_t fs_of_host(const struct pf_judge *j, const char *host)
{
	const struct pf_mount *m = pf_mounts_find(j->env->sc->mounts, host);

	for (size_t f = 0; m && f < j->p->n_fs; f++)
		if (j->p->fs[f].mount->major == m->major && j->p->fs[f].mount->minor == m->minor)
			return f;
	return PF_JUDGE_NONE;
}

static int add_named(struct pf_judge *j, const char *path, size_t g, bool removes)
{
	bool added;
	void **v = pf_strmap_put(j->named_map, path, strlen(path), &added);
	struct pf_named *n;

	if (!v)
		return pf_fail(j->ctx, PF_E_OTHER, "out of memory");
	if (added) {
		if (grow(j, (void **)&j->named, &j->cap_named, j->n_named, sizeof(*j->named)) < 0)
			return -1;
		j->named[j->n_named] = (struct pf_named){ PF_JUDGE_NONE, PF_JUDGE_NONE };
		*v = (void *)(uintptr_t)++j->n_named;
	}
	n = &j->named[(uintptr_t)*v - 1];
	if (removes && n->remove == PF_JUDGE_NONE)
		n->remove = g;
	if (!removes && n->write == PF_JUDGE_NONE)
		n->write = g;
	return 0;
}

int pf_judge_resolved(struct pf_judge *j, const char *path, char *out, size_t size)
{
	const struct pf_space_check *sc = j->env->sc;
	size_t n = strcmp(sc->root_host, "/") ? strlen(sc->root_host) : 0;
	char host[4096];

	if (sc->probe.resolve(sc->probe.data, path, host, sizeof(host)) < 0)
		return -1;
	if (strncmp(host, sc->root_host, n) || (host[n] != '/' && host[n]))
		return pf_fail(j->ctx, PF_E_OTHER, "%s resolves outside the root (%s)", path, host);
	snprintf(out, size, "%s", host[n] ? host + n + 1 : "");
	return 0;
}

/* A kernel the system keeps (owned, or written by a pending update):
 * its release, whose files are never listed (boot/ *-RELEASE*). */
static int add_kernel(struct pf_judge *j, const char *path)
{
	const char *rel = !strncmp(path, "boot/vmlinuz-", 13) ? path + 13 : NULL;

	if (!rel || !*rel || strchr(rel, '/'))
		return 0;
	for (size_t k = 0; k < j->n_kernels; k++)
		if (!strcmp(j->kernels[k], rel))
			return 0;
	if (grow(j, (void **)&j->kernels, &j->cap_kernels, j->n_kernels, sizeof(*j->kernels)) < 0)
		return -1;
	snprintf(j->kernels[j->n_kernels++], sizeof(*j->kernels), "%s", rel);
	return 0;
}

/* What every row shares: who owns what (and where it lies), what the
 * pending units name, the running kernel. Read once, when a row needs it. */
int pf_judge_load(struct pf_judge *j)
{
	const struct pf_space_check *sc = j->env->sc;
	size_t units = j->env->n_in + j->env->n_later;
	char host[4096], rel[4096];
	struct utsname u;

	if (j->loaded)
		return 0;
	j->loaded = true;
	j->owned_map = pf_strmap_new(4096);
	j->named_map = pf_strmap_new(4096);
	if (!j->owned_map || !j->named_map)
		return pf_fail(j->ctx, PF_E_OTHER, "out of memory");
	if (j->env->db && pf_db_each_owned(j->env->db, add_owned, j) < 0)
		return -1;
	for (size_t k = 0; k < j->n_owned; k++) {
		bool added;
		void **v;

		if (sc->probe.resolve(sc->probe.data, j->owned[k].path, host, sizeof(host)) < 0 ||
		    pf_judge_resolved(j, j->owned[k].path, rel, sizeof(rel)) < 0 ||
		    add_kernel(j, j->owned[k].path) < 0 || add_kernel(j, rel) < 0)
			return -1;
		j->owned[k].fs = fs_of_host(j, host);
		/* Owned under the spelling the walk meets it by too. */
		v = pf_strmap_put(j->owned_map, rel, strlen(rel), &added);
		if (!v)
			return pf_fail(j->ctx, PF_E_OTHER, "out of memory");
		if (added)
			*v = (void *)(uintptr_t)(k + 1);
	}
	for (size_t g = 0; g < units; g++) {
		const struct pf_manifest *m = pf_judge_unit(j, g)->m;

		for (size_t e = 0; m && e < m->n; e++) {
			const struct pf_entry *en = &m->entries[e];

			if (en->type == PF_ENTRY_HOOK)
				continue;
			bool removes = en->type == PF_ENTRY_REMOVE;

			if (add_named(j, en->path, g, removes) < 0 ||
			    pf_judge_resolved(j, en->path, rel, sizeof(rel)) < 0 ||
			    (strcmp(rel, en->path) && add_named(j, rel, g, removes) < 0) ||
			    (!removes && (add_kernel(j, en->path) < 0 || add_kernel(j, rel) < 0)))
				return -1;
		}
	}
	/* The running kernel is the root's only when the root is "/". */
	if (!strcmp(sc->root_host, "/") && uname(&u) == 0)
		snprintf(j->release, sizeof(j->release), "%s", u.release);
	for (size_t k = 0; k < 3; k++)
		if (j->env->own[k])
			snprintf(j->never[k], sizeof(j->never[k]), "%s", j->env->own[k] + (*j->env->own[k] == '/'));
	return 0;
}

const struct pf_named *pf_judge_named(const struct pf_judge *j, const char *path)
{
	void **v = pf_strmap_get(j->named_map, path, strlen(path));

	return v && *v ? &j->named[(uintptr_t)*v - 1] : NULL;
}

void pf_judge_clear(struct pf_judge *j)
{
	for (size_t k = 0; k < j->n_owned; k++)
		free(j->owned[k].path);
	free(j->owned);
	free(j->named);
	pf_strmap_free(j->owned_map);
	pf_strmap_free(j->named_map);
	free(j->kernels);
	memset(j, 0, sizeof(*j));
}
