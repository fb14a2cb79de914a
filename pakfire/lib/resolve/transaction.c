/* The transaction and its units: see transaction.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "format/index.h"
#include "format/manifest.h"
#include "format/names.h"
#include "resolve/addons.h"
#include "resolve/transaction.h"

struct pf_transaction *pf_transaction_new(struct pf_ctx *ctx, const char *series,
					  const char *arch, unsigned core)
{
	struct pf_transaction *t = calloc(1, sizeof(*t));

	if (!t) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	t->series = series;
	t->arch = arch;
	t->core = core;
	return t;
}

void pf_transaction_truncate(struct pf_transaction *t, size_t n)
{
	for (size_t i = n; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];

		free(u->manifest);
		free(u->applies);
		pf_manifest_free(u->m);
		if (u->pak_fd >= 0)
			close(u->pak_fd);
	}
	if (n < t->n)
		t->n = n;
}

void pf_transaction_free(struct pf_transaction *t)
{
	if (!t)
		return;
	pf_transaction_truncate(t, 0);
	free(t->units);
	free(t);
}

struct pf_unit_ref pf_unit_ref_of(const struct pf_unit *u)
{
	return (struct pf_unit_ref){
		.id = u->id, .number = u->number, .version = u->version[0] ? u->version : NULL, .series = u->series,
		.removing = u->op == PF_UNIT_REMOVE, .repairing = u->op == PF_UNIT_REPAIR,
	};
}

void pf_unit_core_id(char out[PF_UNIT_ID_MAX], unsigned number)
{
	snprintf(out, PF_UNIT_ID_MAX, "core-%u", number);
}

const char *pf_unit_label(const struct pf_unit *u, char buf[PF_UNIT_ID_MAX])
{
	if (u->kind == PF_UNIT_ADDON)
		snprintf(buf, PF_UNIT_ID_MAX, "%s", u->id);
	else
		snprintf(buf, PF_UNIT_ID_MAX, "core %u", u->number);
	return buf;
}

/* The core number in "core-141", or 0 when ID is not a core unit's. */
static unsigned core_number(const char *id)
{
	unsigned long n;
	char *end;

	if (strncmp(id, "core-", 5) || id[5] < '1' || id[5] > '9')
		return 0;
	n = strtoul(id + 5, &end, 10);
	return *end || n > UINT_MAX ? 0 : (unsigned)n;
}

void pf_unit_from_id(struct pf_unit *u, const char *id)
{
	memset(u, 0, sizeof(*u));
	u->pak_fd = -1;
	u->number = core_number(id);
	u->kind = u->number ? PF_UNIT_CORE : PF_UNIT_ADDON;
	snprintf(u->id, sizeof(u->id), "%s", id);
}

bool pf_unit_may_remove(const struct pf_unit *u, const char *owner)
{
	unsigned n = core_number(owner);

	if (u->kind == PF_UNIT_CORE)
		return n > 0 && n < u->number;
	return !strcmp(owner, u->id);
}

/* An add-on's name becomes part of file names beside its targets: the
 * rule is the one pakfire-repo publishes by (format/names.h). */
bool pf_addon_name_ok(const char *name)
{
	return !pf_addon_name_problem(name);
}

int pf_transaction_add(struct pf_ctx *ctx, struct pf_transaction *t,
		       const struct pf_index_entry *e, const char *series)
{
	struct pf_unit *units = realloc(t->units, (t->n + 1) * sizeof(*units)), *u;

	if (!units)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	t->units = units;
	u = &units[t->n];
	memset(u, 0, sizeof(*u));
	u->pak_fd = -1;
	u->entry = e;
	u->series = series;
	if (e->type == PF_STANZA_CORE) {
		u->kind = PF_UNIT_CORE;
		u->number = e->number;
		pf_unit_core_id(u->id, e->number);
	} else {
		u->kind = PF_UNIT_ADDON;
		if (!e->name || !pf_addon_name_ok(e->name))
			return pf_fail(ctx, PF_E_VERIFY, "index: add-on name '%s' is not a valid name",
				       e->name ? e->name : "");
		snprintf(u->id, sizeof(u->id), "%s", e->name);
		pf_addon_version(e, u->version, sizeof(u->version));
		u->reason = "explicit";
	}
	t->n++;
	return 0;
}

int pf_transaction_add_removal(struct pf_ctx *ctx, struct pf_transaction *t, const char *name,
			       const char *version, const char *series)
{
	struct pf_unit *units = realloc(t->units, (t->n + 1) * sizeof(*units)), *u;

	if (!units)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	t->units = units;
	u = &units[t->n];
	pf_unit_from_id(u, name);
	if (u->kind != PF_UNIT_ADDON || !pf_addon_name_ok(name))
		return pf_fail(ctx, PF_E_USAGE, "'%s' is not the name of an add-on", name);
	u->op = PF_UNIT_REMOVE;
	snprintf(u->version, sizeof(u->version), "%s", version);
	u->series = series;
	t->n++;
	return 0;
}

const char *pf_transaction_switch(const struct pf_transaction *t)
{
	const struct pf_unit *last = t->n ? &t->units[t->n - 1] : NULL;

	return last && last->entry ? last->entry->series_switch : NULL;
}

struct pf_unit *pf_transaction_find(const struct pf_transaction *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->units[i].id, id))
			return &t->units[i];
	return NULL;
}

bool pf_unit_has_package(const struct pf_unit *u)
{
	return u->op != PF_UNIT_REMOVE;
}

unsigned pf_transaction_level_before(const struct pf_transaction *t, size_t i)
{
	unsigned level = t->core;

	/* A repair leaves the level where it is. */
	for (size_t k = 0; k < i && k < t->n; k++)
		if (t->units[k].kind == PF_UNIT_CORE && t->units[k].op == PF_UNIT_APPLY)
			level = t->units[k].number;
	return level;
}
