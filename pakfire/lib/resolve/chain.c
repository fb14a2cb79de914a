/* The core chain: see resolve.h. */
#include <stdbool.h>
#include <stdio.h>

#include "base/context.h"
#include "format/index.h"
#include "format/manifest.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"

/* The one core update the index offers on top of LEVEL, or NULL. */
static int next_core(struct pf_ctx *ctx, const struct pf_index *idx, unsigned level,
		     const struct pf_index_entry **out)
{
	*out = NULL;
	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		if (e->type != PF_STANZA_CORE || e->requires != level || e->number <= level)
			continue;
		if (*out)
			return pf_fail(ctx, PF_E_VERIFY,
				       "index offers both core %u and core %u on top of core %u",
				       (*out)->number, e->number, level);
		*out = e;
	}
	return 0;
}

int pf_resolve_core_chain(struct pf_ctx *ctx, const struct pf_index *idx,
			  struct pf_transaction *t, unsigned to)
{
	unsigned level = pf_transaction_level_before(t, t->n);

	for (;;) {
		const struct pf_index_entry *next;

		if (next_core(ctx, idx, level, &next) < 0)
			return -1;
		if (!next || (to && next->number > to))
			return 0;
		/* An update this pakfire cannot honour: the chain stops
		 * before it, never past it (pf_resolve_blocked says why). */
		if (!pf_index_entry_honoured(next)) {
			t->blocked = next;
			t->blocked_idx = idx;
			return 0;
		}
		if (pf_transaction_add(ctx, t, next, idx->series) < 0)
			return -1;
		/* Past a switch the system is on another series: whatever this
		 * index offers after it is not for it (the chain goes on in the
		 * next series' index). */
		if (next->series_switch)
			return 0;
		level = next->number;
	}
}

/* The newest core update the index lists, 0 if none. */
static unsigned newest_core(const struct pf_index *idx)
{
	unsigned newest = 0;

	for (size_t i = 0; i < idx->n; i++)
		if (idx->entries[i].type == PF_STANZA_CORE && idx->entries[i].number > newest)
			newest = idx->entries[i].number;
	return newest;
}

const struct pf_index_entry *pf_resolve_switch_above(const struct pf_index *idx, unsigned level)
{
	const struct pf_index_entry *first = NULL;

	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		if (e->type == PF_STANZA_CORE && e->number > level && e->series_switch &&
		    (!first || e->number < first->number))
			first = e;
	}
	return first;
}

/* Whether T ends with an update that moves the system on to another
 * series before reaching TO: the chain goes on in that series' index. */
static bool goes_on(const struct pf_transaction *t, unsigned to)
{
	return pf_transaction_switch(t) && !(to && t->units[t->n - 1].number >= to);
}

/* After the chain of IDX: was TO reached? */
static int check_to(struct pf_ctx *ctx, const struct pf_index *idx, const struct pf_transaction *t,
		    unsigned to)
{
	unsigned reached = pf_transaction_level_before(t, t->n);

	if (!to || reached == to)
		return 0;
	if (!pf_index_find_core(idx, to))
		return pf_fail(ctx, PF_E_USAGE,
			       "--to %u: the index of series %s (revision %llu) has no core %u;"
			       " the newest it offers is core %u", to, idx->series,
			       (unsigned long long)idx->revision, to, newest_core(idx));
	return pf_fail(ctx, PF_E_USAGE,
		       "--to %u: the chain of updates from core %u stops at core %u;"
		       " no update in the index requires core %u", to, t->core, reached, reached);
}

int pf_resolve_upgrade(struct pf_ctx *ctx, const struct pf_index *idx,
		       struct pf_transaction *t, unsigned to)
{
	if (to && to < t->core)
		return pf_fail(ctx, PF_E_USAGE,
			       "--to %u: the system is at core %u already, and pakfire never goes back",
			       to, t->core);
	return pf_resolve_continue(ctx, idx, t, to);
}

int pf_resolve_continue(struct pf_ctx *ctx, const struct pf_index *idx,
			struct pf_transaction *t, unsigned to)
{
	if (pf_resolve_core_chain(ctx, idx, t, to) < 0)
		return -1;
	return goes_on(t, to) || t->blocked ? 0 : check_to(ctx, idx, t, to);
}

unsigned pf_resolve_why_not(const struct pf_index_entry *e, const char *label, char *buf,
			    size_t size)
{
	if (e->min_client > PF_CLIENT_LEVEL) {
		snprintf(buf, size, "%s needs pakfire client level %u or newer (this one is %d)",
			 label, e->min_client, PF_CLIENT_LEVEL);
		return e->min_client;
	}
	snprintf(buf, size, "%s has a key this pakfire does not know (%s): it needs a newer"
		 " pakfire (this one is client level %d)", label, e->unknown_key, PF_CLIENT_LEVEL);
	return PF_CLIENT_LEVEL + 1;
}

void pf_resolve_blocked_text(const struct pf_transaction *t, unsigned level, char *buf,
			     size_t size)
{
	const struct pf_index_entry *e = t->blocked, *by;
	char label[32], why[320], how[256];
	unsigned need;

	snprintf(label, sizeof(label), "core %u", e->number);
	need = pf_resolve_why_not(e, label, why, sizeof(why));
	by = pf_index_find_provider(t->blocked_idx, e->number, need);
	if (!by)
		snprintf(how, sizeof(how), "; no update before it in the index of series %s brings"
			 " one (Provides-Client): the distributor must publish it",
			 t->blocked_idx->series);
	else if (by->number <= level)
		snprintf(how, sizeof(how), "; core %u, which brings it, is applied: run the pakfire"
			 " it installed to go on", by->number);
	else
		snprintf(how, sizeof(how), "; core %u brings it", by->number);
	snprintf(buf, size, "%s%s", why, how);
}

int pf_resolve_blocked(struct pf_ctx *ctx, const struct pf_transaction *t, unsigned level,
		       bool changed)
{
	char text[768];

	pf_resolve_blocked_text(t, level, text, sizeof(text));
	return pf_fail(ctx, PF_E_OTHER, "%s; %s", text,
		       changed ? "the updates before it were applied" : "nothing was changed");
}
