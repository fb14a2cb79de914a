/* The client levels of an index (docs/formats.md, "Client levels"): what
 * each update uses against the Min-Client it declares, and the chain
 * against the clients that read it, so that every client, whatever its
 * level, either honours an update or stops before it, and then finds, in
 * a stanza it reads, the core update that brings a pakfire able to go on.
 * See check.h. */
#include <stdbool.h>
#include <stdio.h>

#include "check.h"
#include "format/index.h"
#include "format/manifest.h"

/* The level of what an update may use (the table of docs/formats.md). */
#define LEVEL_SWITCH 2          /* Series-Switch acted on */
#define LEVEL_HOOKS 3           /* hook entries in a manifest */
/* The first level that reads Min-Client. Level 1 ignores it and applies
 * whatever the index lists: what protects it is "Level 1 reads
 * everything", not a Min-Client it would stop at. */
#define LEVEL_READS_MIN 2

/* The highest Provides-Client of the core updates a client applies before
 * E: those numbered below it; for an add-on, the whole chain. */
static unsigned provided_before(const struct pf_index *idx, const struct pf_index_entry *e)
{
	unsigned high = 0;

	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *k = &idx->entries[i];

		if (k->type == PF_STANZA_CORE && k->provides_client > high &&
		    (e->type == PF_STANZA_ADDON || k->number < e->number))
			high = k->provides_client;
	}
	return high;
}

static bool has_hooks(const struct pf_manifest *m)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (m->entries[i].type == PF_ENTRY_HOOK)
			return true;
	return false;
}

static const char *conf_of(const struct pf_index_entry *e)
{
	return e->type == PF_STANZA_CORE ? "update.conf" : "addon.conf";
}

/* Level 1 reads everything: in an index that level-1 clients read (its
 * Min-Client is 1), core update I must be one they honour. They ignore
 * Min-Client and never re-execute themselves; the one thing they may
 * misread is a switch, and only when a pakfire of level 2 is installed by
 * then (by this update or one before it) to complete it. true when there
 * was a finding about this update's Min-Client or its switch. */
static bool check_level_one(struct repo_check *c, size_t i, const char *stanza)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	unsigned allowed = e->series_switch ? LEVEL_SWITCH : 1;

	if (e->min_client > allowed) {
		check_error(c, "%s: Min-Client %u, in an index that level-1 clients read (its Min-Client is 1): they ignore Min-Client and would apply it anyway; publish it in a series whose index says Min-Client: %u, one that systems reach only through a switch",
			    stanza, e->min_client, e->min_client);
		return true;
	}
	if (e->series_switch && e->provides_client < LEVEL_SWITCH &&
	    provided_before(c->idx, e) < LEVEL_SWITCH) {
		check_error(c, "%s: Series-Switch: %s, in an index that level-1 clients read, but neither this update nor one before it provides client level %u (Provides-Client): a level-1 client would apply it, stay on %s and have no pakfire able to finish the crossing (ship the new pakfire in it, or before it, and say provides-client = %u in its update.conf)",
			    stanza, e->series_switch, LEVEL_SWITCH, c->idx->series, LEVEL_SWITCH);
		return true;
	}
	return false;
}

/* Declared: a Min-Client at least the level of everything update I uses.
 * A switching update that itself provides level 2 may say less: a level-1
 * client applies it and ignores the switch, and the pakfire it installed
 * completes the crossing. */
static void check_declared(struct repo_check *c, size_t i, const char *stanza,
			   bool switch_told)
{
	const struct pf_index_entry *e = &c->idx->entries[i];

	if (has_hooks(c->m[i]) && e->min_client < LEVEL_HOOKS)
		check_error(c, "%s: its manifest has hook entries, which need client level %u, but Min-Client is %u: clients below level %u would not stop before it (declare min-client = %u in its %s)",
			    stanza, LEVEL_HOOKS, e->min_client, LEVEL_HOOKS, LEVEL_HOOKS,
			    conf_of(e));
	if (e->series_switch && !switch_told && e->min_client < LEVEL_SWITCH &&
	    e->provides_client < LEVEL_SWITCH)
		check_error(c, "%s: Series-Switch: %s needs client level %u, but Min-Client is %u: clients below level %u would not stop before it (declare min-client = %u in its update.conf, or provides-client = %u when it ships the pakfire that completes the switch)",
			    stanza, e->series_switch, LEVEL_SWITCH, e->min_client, LEVEL_SWITCH,
			    LEVEL_SWITCH, LEVEL_SWITCH);
}

/* Reachable: a client that stops before update I (its level is below the
 * Min-Client) finds, before it in the chain, the update that brings a
 * client able to go on. The clients that stop are those from the index's
 * own Min-Client on, and never below level 2. */
static void check_reachable(struct repo_check *c, size_t i, const char *stanza)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	unsigned floor = c->idx->min_client > LEVEL_READS_MIN ? c->idx->min_client : LEVEL_READS_MIN;
	unsigned have = provided_before(c->idx, e);

	if (have < floor)
		have = floor;
	if (e->min_client <= have)
		return;
	if (e->type == PF_STANZA_CORE)
		check_error(c, "%s: Min-Client %u, but no core update before it provides client level %u (Provides-Client): clients of level %u would stop there for good",
			    stanza, e->min_client, e->min_client, have);
	else
		check_error(c, "%s: Min-Client %u, but no core update of the chain provides client level %u (Provides-Client): clients of level %u could never install it",
			    stanza, e->min_client, e->min_client, have);
}

int check_levels(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	char stanza[256];

	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];
		bool told = false;

		check_stanza(c, i, stanza, sizeof(stanza));
		/* Known: a key no client of this level knows makes every one of
		 * them refuse the update; Optional-Keys says which may be
		 * ignored. */
		if (e->unknown_key)
			check_error(c, "%s: %s is not a key that pakfire-repo (client level %u) knows, and Optional-Keys does not list it: clients of level %u would refuse the update (list it in Optional-Keys if clients may ignore it)",
				    stanza, e->unknown_key, PF_CLIENT_LEVEL, PF_CLIENT_LEVEL);
		if (e->type == PF_STANZA_ADDON && e->provides_client)
			check_error(c, "%s: Provides-Client %u on an add-on: only a core update can bring a new pakfire (clients look for it in the core chain)",
				    stanza, e->provides_client);
		if (e->type == PF_STANZA_CORE && idx->min_client == 1)
			told = check_level_one(c, i, stanza);
		check_declared(c, i, stanza, told);
		if (!told)
			check_reachable(c, i, stanza);
	}
	return 0;
}
