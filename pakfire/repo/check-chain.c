/* What the stanzas of an index say of each other: the core chain and the
 * add-ons' dependencies. See check.h. (The parser already refuses two core
 * stanzas with one Number, or two that require one level: such an index
 * never gets here.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "check.h"
#include "format/index.h"
#include "format/names.h"

struct core_at {
	unsigned number;
	size_t i;
};

static int core_cmp(const void *a, const void *b)
{
	const struct core_at *x = a, *y = b;

	return (x->number > y->number) - (x->number < y->number);
}

/* Core update K follows core update P (the one before it by number). */
static void check_link(struct repo_check *c, const struct core_at *p, const struct core_at *k)
{
	const struct pf_index_entry *e = &c->idx->entries[k->i];
	char stanza[256];

	check_stanza(c, k->i, stanza, sizeof(stanza));
	if (k->number != p->number + 1) {
		if (k->number == p->number + 2)
			check_error(c, "%s/index: core %u is missing: core %u is followed by core %u",
				    c->repo, p->number + 1, p->number, k->number);
		else
			check_error(c, "%s/index: cores %u to %u are missing: core %u is followed by core %u",
				    c->repo, p->number + 1, k->number - 1, p->number, k->number);
		/* Requires N-1 of the update after a gap is the gap's finding. */
		if (e->requires == k->number - 1)
			return;
	}
	if (e->requires != p->number)
		check_error(c, "%s: Requires: %u, but the core update before it is %u",
			    stanza, e->requires, p->number);
}

int check_chain(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	struct core_at *cores = malloc((idx->n ? idx->n : 1) * sizeof(*cores));
	char stanza[256];
	size_t n = 0;

	if (!cores)
		return pf_fail(c->ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < idx->n; i++)
		if (idx->entries[i].type == PF_STANZA_CORE)
			cores[n++] = (struct core_at){ idx->entries[i].number, i };
	qsort(cores, n, sizeof(*cores), core_cmp);
	/* The first may require a level outside the series: the first update
	 * of a series that a toolchain bump opened requires the last of the
	 * series before. */
	for (size_t k = 1; k < n; k++)
		check_link(c, &cores[k - 1], &cores[k]);
	/* Past an update that switches series, the systems are elsewhere. */
	for (size_t k = 0; k + 1 < n; k++) {
		const struct pf_index_entry *e = &idx->entries[cores[k].i];

		if (!e->series_switch)
			continue;
		check_stanza(c, cores[k].i, stanza, sizeof(stanza));
		check_error(c, "%s: Series-Switch: %s, yet core %u follows it in this series: systems that apply core %u move to %s and never see it",
			      stanza, e->series_switch, cores[k + 1].number, e->number,
			      e->series_switch);
	}
	free(cores);
	return 0;
}

/* The add-on called NAME (LEN bytes), or -1. */
static long find_addon(const struct pf_index *idx, const char *name, size_t len)
{
	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		if (e->type == PF_STANZA_ADDON && strlen(e->name) == len &&
		    !memcmp(e->name, name, len))
			return (long)i;
	}
	return -1;
}

#define SEPARATORS ", \t"
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-"

/* Depends of entry I: names separated by commas (and blanks), each an
 * add-on of this index other than itself. */
static void check_addon_depends(struct repo_check *c, size_t i)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	const char *p = e->depends;
	char stanza[256];

	check_stanza(c, i, stanza, sizeof(stanza));
	while (p && *(p += strspn(p, SEPARATORS))) {
		size_t len = strcspn(p, SEPARATORS);
		long dep;

		if (strspn(p, NAME_CHARS) < len)
			check_error(c, "%s: Depends: '%.*s' is not an add-on name ([A-Za-z0-9._+-])",
				    stanza, (int)len, p);
		else if ((dep = find_addon(c->idx, p, len)) < 0)
			check_error(c, "%s: Depends: %.*s is not an add-on of this index",
				    stanza, (int)len, p);
		else if ((size_t)dep == i)
			check_error(c, "%s: Depends: the add-on depends on itself", stanza);
		p += len;
	}
}

int check_depends(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	char stanza[256];

	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];
		long first;

		if (e->type != PF_STANZA_ADDON)
			continue;
		/* A name every client would refuse (format/names.h). */
		if (pf_addon_name_problem(e->name)) {
			check_stanza(c, i, stanza, sizeof(stanza));
			check_error(c, "%s: add-on name '%s' %s: every client refuses this index",
				    stanza, e->name, pf_addon_name_problem(e->name));
		}
		/* Which one would `pakfire install NAME` take? */
		first = find_addon(idx, e->name, strlen(e->name));
		if (first >= 0 && (size_t)first < i) {
			check_stanza(c, i, stanza, sizeof(stanza));
			check_error(c, "%s: addon %s is listed twice (first in stanza %ld)", stanza,
				    e->name, first + 2);
		}
		check_addon_depends(c, i);
	}
	return 0;
}
