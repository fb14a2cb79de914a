/* Add-ons: see addons.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/index.h"
#include "resolve/addons.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"

/* Deeper than this, dependencies go round in a circle. */
#define MAX_DEPTH 32

const struct pf_index_entry *pf_index_find_addon(const struct pf_index *idx, const char *name)
{
	for (size_t i = 0; i < idx->n; i++)
		if (idx->entries[i].type == PF_STANZA_ADDON && idx->entries[i].name &&
		    !strcmp(idx->entries[i].name, name))
			return &idx->entries[i];
	return NULL;
}

void pf_addon_version(const struct pf_index_entry *e, char *buf, size_t size)
{
	snprintf(buf, size, "%s-%s", e->version ? e->version : "", e->release ? e->release : "");
}

int pf_depends_each(const char *depends, int (*fn)(const char *name, void *data), void *data)
{
	const char *sep = ", \t";

	for (const char *p = depends ? depends : ""; *p;) {
		size_t len;
		char name[PF_UNIT_ID_MAX];
		int r;

		p += strspn(p, sep);
		len = strcspn(p, sep);
		if (!len)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(len < sizeof(name) ? len : sizeof(name) - 1), p);
		p += len;
		if ((r = fn(name, data)) != 0)
			return r;
	}
	return 0;
}

static const struct pf_installed *installed(const struct pf_installed_set *inst, const char *name)
{
	for (size_t i = 0; i < inst->n; i++)
		if (!strcmp(inst->v[i].name, name))
			return &inst->v[i];
	return NULL;
}

/* What adding one add-on with its dependencies needs to know. */
struct adding {
	struct pf_ctx *ctx;
	const struct pf_index *idx;
	const struct pf_installed_set *inst;
	struct pf_transaction *t;
	const char *needed_by;   /* the add-on whose Depends is being walked */
	int depth;
	/* Set when an add-on on the way is one this pakfire cannot honour
	 * (then an upgrade skips the add-on that needs it). */
	bool *unhonoured;
};

static int add_one(struct adding *a, const char *name, const char *reason, bool asked);

static int add_dependency(const char *name, void *data)
{
	struct adding *a = data;
	const struct pf_installed *row = installed(a->inst, name);

	/* Installed from this series: there already, whatever its build. */
	if (row && !strcmp(row->series, a->idx->series))
		return 0;
	if (!pf_index_find_addon(a->idx, name))
		return pf_fail(a->ctx, PF_E_OTHER,
			       "%s depends on %s, which the index of series %s does not offer;"
			       " nothing was changed (the repository is incomplete: tell its"
			       " maintainers)", a->needed_by, name, a->idx->series);
	return add_one(a, name, "dependency", false);
}

/* NAME from the index, after what it depends on. ASKED: named by the
 * admin (then an unknown name is a usage error). */
static int add_one(struct adding *a, const char *name, const char *reason, bool asked)
{
	const struct pf_index_entry *e = pf_index_find_addon(a->idx, name);
	const struct pf_installed *row = installed(a->inst, name);
	struct adding deps = *a;
	char version[128];

	if (pf_transaction_find(a->t, name))
		return 0;
	if (!e)
		return pf_fail(a->ctx, asked ? PF_E_USAGE : PF_E_OTHER,
			       "the index of series %s offers no add-on '%s' ('pakfire list"
			       " --available' shows what it offers)", a->idx->series, name);
	if (a->depth > MAX_DEPTH)
		return pf_fail(a->ctx, PF_E_OTHER,
			       "index of series %s: the dependencies of %s go round in a circle;"
			       " nothing was changed", a->idx->series, name);
	if (!pf_index_entry_honoured(e)) {
		const struct pf_index_entry *by;
		char label[256], why[640];
		unsigned need;

		snprintf(label, sizeof(label), "add-on %s", name);
		need = pf_resolve_why_not(e, label, why, sizeof(why));
		by = pf_index_find_provider(a->idx, UINT_MAX, need);
		if (a->unhonoured) {
			/* An upgrade: the caller skips the add-on that needs it. */
			*a->unhonoured = true;
			if (by)
				return pf_fail(a->ctx, PF_E_OTHER, "%s; core %u brings one", why,
					       by->number);
			return pf_fail(a->ctx, PF_E_OTHER, "%s", why);
		}
		if (by)
			return pf_fail(a->ctx, PF_E_OTHER, "%s; nothing was changed (core %u brings"
				       " one: 'pakfire upgrade')", why, by->number);
		return pf_fail(a->ctx, PF_E_OTHER, "%s; nothing was changed (no core update of"
			       " series %s brings one yet)", why, a->idx->series);
	}
	deps.needed_by = name;
	deps.depth = a->depth + 1;
	if (pf_depends_each(e->depends, add_dependency, &deps) < 0)
		return -1;
	pf_addon_version(e, version, sizeof(version));
	if (row && !strcmp(row->version, version) && !strcmp(row->series, a->idx->series))
		return 0; /* installed at this very build */
	if (pf_transaction_add(a->ctx, a->t, e, a->idx->series) < 0)
		return -1;
	a->t->units[a->t->n - 1].reason = reason;
	return 0;
}

int pf_resolve_install(struct pf_ctx *ctx, const struct pf_index *idx,
		       const struct pf_installed_set *inst, const char *const *names, size_t n,
		       struct pf_transaction *t)
{
	struct adding a = { .ctx = ctx, .idx = idx, .inst = inst, .t = t };

	for (size_t i = 0; i < n; i++) {
		if (!pf_addon_name_ok(names[i]))
			return pf_fail(ctx, PF_E_USAGE, "'%s' is not the name of an add-on", names[i]);
		if (add_one(&a, names[i], "explicit", true) < 0)
			return -1;
	}
	return 0;
}

int pf_resolve_addon_upgrades(struct pf_ctx *ctx, const struct pf_index *idx,
			      const struct pf_installed_set *inst, struct pf_transaction *t)
{
	struct adding a = { .ctx = ctx, .idx = idx, .inst = inst, .t = t };

	for (size_t i = 0; i < inst->n; i++) {
		const struct pf_installed *row = &inst->v[i];
		const struct pf_index_entry *e = pf_index_find_addon(idx, row->name);
		bool unhonoured;
		char version[128];
		size_t n0;

		if (!e) {
			if (strcmp(row->series, idx->series))
				pf_warn(ctx, "add-on %s is not offered by series %s: its build for"
					" series %s stays installed ('pakfire remove %s' removes it)",
					row->name, idx->series, row->series, row->name);
			continue;
		}
		pf_addon_version(e, version, sizeof(version));
		if (!strcmp(row->version, version) && !strcmp(row->series, idx->series))
			continue;
		/* An add-on whose new build this pakfire cannot honour, or that
		 * needs one it cannot honour, stays as it is: the core chain
		 * (which may bring a pakfire that can) never waits for an
		 * add-on. */
		n0 = t->n;
		unhonoured = false;
		a.unhonoured = &unhonoured;
		if (add_one(&a, row->name, row->reason, false) < 0) {
			if (!unhonoured)
				return -1;
			pf_transaction_truncate(t, n0);
			pf_warn(ctx, "%s stays at %s: %s", row->name, row->version,
				pf_error_message(ctx));
			pf_clear_error(ctx);
		}
	}
	return 0;
}

/* Removal: the set of names going, and who depends on what. */
struct removing {
	const struct pf_installed_set *inst;
	bool *going;             /* per installed add-on */
	const char *target;      /* the name a Depends walk looks for */
};

static int names_target(const char *name, void *data)
{
	const struct removing *r = data;

	return !strcmp(name, r->target);
}

/* Whether installed add-on I depends on NAME. */
static bool depends_on(struct removing *r, size_t i, const char *name)
{
	r->target = name;
	return pf_depends_each(r->inst->v[i].depends, names_target, r) > 0;
}

int pf_resolve_remove(struct pf_ctx *ctx, const struct pf_installed_set *inst,
		      const char *const *names, size_t n, bool with_dependents,
		      struct pf_transaction *t)
{
	struct removing r = { .inst = inst, .going = calloc(inst->n + 1, sizeof(bool)) };
	bool grew = true;
	size_t left = 0;
	int ret = -1;

	if (!r.going)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct pf_installed *row = installed(inst, names[i]);

		if (!row) {
			pf_fail(ctx, PF_E_USAGE, "add-on '%s' is not installed ('pakfire list"
				" --installed' shows what is)", names[i]);
			goto out;
		}
		r.going[row - inst->v] = true;
	}
	/* Who still needs what goes: refused, or going too. */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < inst->n; i++) {
			if (r.going[i])
				continue;
			for (size_t k = 0; k < inst->n; k++) {
				if (!r.going[k] || !depends_on(&r, i, inst->v[k].name))
					continue;
				if (!with_dependents) {
					pf_fail(ctx, PF_E_USAGE,
						"%s is needed by %s, which is installed; nothing was"
						" changed (remove %s too, or run 'pakfire remove"
						" --with-dependents %s')", inst->v[k].name,
						inst->v[i].name, inst->v[i].name, inst->v[k].name);
					goto out;
				}
				r.going[i] = grew = true;
				break;
			}
		}
	}
	for (size_t i = 0; i < inst->n; i++)
		left += r.going[i];
	/* Dependents first: each round takes what nothing left depends on. */
	while (left) {
		size_t taken = 0;

		for (size_t i = 0; i < inst->n; i++) {
			bool needed = false;

			if (!r.going[i])
				continue;
			for (size_t k = 0; k < inst->n && !needed; k++)
				needed = k != i && r.going[k] && depends_on(&r, k, inst->v[i].name);
			if (needed && left > 1)
				continue;
			if (pf_transaction_add_removal(ctx, t, inst->v[i].name, inst->v[i].version,
						       inst->v[i].series) < 0)
				goto out;
			r.going[i] = false;
			left--;
			taken++;
		}
		if (!taken) {
			/* a circle: any order will do */
			for (size_t i = 0; i < inst->n; i++)
				if (r.going[i]) {
					r.going[i] = false;
					left--;
					if (pf_transaction_add_removal(ctx, t, inst->v[i].name,
								       inst->v[i].version,
								       inst->v[i].series) < 0)
						goto out;
					break;
				}
		}
	}
	ret = 0;
out:
	free(r.going);
	return ret;
}
