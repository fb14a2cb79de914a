/* The client levels of an index (docs/formats.md, "Client levels"): what
 * each update uses against the Min-Client it declares, and the chain
 * against the clients that read it, so that every client, whatever its
 * level, either honours an update or stops before it, and then finds, in
 * a stanza it reads, the core update that brings a pakfire able to go on.
 * See check.h. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "format/index.h"
#include "format/manifest.h"
#include "repo.h"

/* The level of what an update may use (the table of docs/formats.md). */
#define LEVEL_SWITCH 2          /* Series-Switch acted on */
#define LEVEL_HOOKS REPO_LEVEL_HOOKS /* hook entries in a manifest */
#define LEVEL_REVOKE 2          /* removing a key the installer put (key-rotation.md) */
/* The keys folder of DESIGN.md, where a core update may revoke a key. */
#define KEYS_FOLDER "etc/pakfire/keys/"

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

/* Whether an earlier core update of the index (by Number, below E's)
 * installs PATH. */
static bool installed_before(const struct repo_check *c, const struct pf_index_entry *e,
			     const char *path)
{
	for (size_t k = 0; k < c->idx->n; k++) {
		const struct pf_index_entry *o = &c->idx->entries[k];

		const struct pf_entry *f;

		if (o->type != PF_STANZA_CORE || o->number >= e->number || !c->m[k])
			continue;
		f = pf_manifest_find(c->m[k], path);
		if (f && f->type == PF_ENTRY_FILE)
			return true;
	}
	return false;
}

/* The key file of the keys folder that update I removes although no update
 * before it installed it (the installer put it there: key-rotation.md), or
 * NULL. A client of level 1 keeps such a file, and goes on trusting it. */
static const char *revoked_key(const struct repo_check *c, size_t i)
{
	const struct pf_manifest *m = c->m[i];
	const struct pf_index_entry *e = &c->idx->entries[i];

	for (size_t k = 0; m && e->type == PF_STANZA_CORE && k < m->n; k++) {
		const char *p = m->entries[k].path;
		size_t len = strlen(p);

		if (m->entries[k].type == PF_ENTRY_REMOVE &&
		    !strncmp(p, KEYS_FOLDER, strlen(KEYS_FOLDER)) && len > 4 &&
		    !strcmp(p + len - 4, ".asc") && !installed_before(c, e, p))
			return p;
	}
	return NULL;
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
	const char *key = revoked_key(c, i);

	if (key) {
		check_error(c, "%s: removes %s, a key the installer put there, in an index that level-1 clients read (its Min-Client is 1): they keep such a file and go on trusting the key; revoke it in a series whose index says Min-Client: %u",
			    stanza, key, LEVEL_REVOKE);
		return true;
	}
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

/* Declared: a Min-Client (or the index's own) at least the level of
 * everything update I uses. Series-Switch and a revoked key are level 2:
 * in an index read from level 2 on, that always holds, and in one that
 * level-1 clients read, check_level_one has the rule (a switch there is
 * allowed when it ships the pakfire that completes it). */
static void check_declared(struct repo_check *c, size_t i, const char *stanza)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	/* No client below the index's own Min-Client reads the update. */
	unsigned min = e->min_client > c->idx->min_client ? e->min_client : c->idx->min_client;

	if (has_hooks(c->m[i]) && min < LEVEL_HOOKS)
		check_error(c, "%s: its manifest has hook entries, which need client level %u, but Min-Client is %u: clients below level %u would not stop before it (declare min-client = %u in its %s)",
			    stanza, LEVEL_HOOKS, min, LEVEL_HOOKS, LEVEL_HOOKS, conf_of(e));
}

/* Reachable: a client that stops before update I (its level is below the
 * Min-Client) finds, before it in the chain, the update that brings a
 * client able to go on. The clients that stop are those from the index's
 * own Min-Client on, and never below level 2. */
static void check_reachable(struct repo_check *c, size_t i, const char *stanza,
			    unsigned arrived)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	unsigned floor = c->idx->min_client > LEVEL_READS_MIN ? c->idx->min_client : LEVEL_READS_MIN;
	unsigned have = provided_before(c->idx, e);

	/* A series reached through a switch: the chain went through the
	 * switching update, and every system came with its pakfire. */
	if (have < arrived)
		have = arrived;

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

/* Min-Partition (docs/formats.md, "index"): well formed, since a client
 * ignores a malformed one (and with it the advice), and listed in
 * Optional-Keys, since level-2 clients that came before the key refuse
 * a whole index with a repository key they do not know. */
static void check_min_partition(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	char why[256];

	if (!idx->min_partition)
		return;
	if (pf_min_partition_check(idx->min_partition, why, sizeof(why)) < 0)
		check_error(c, "%s/index stanza 1 (repository): Min-Partition: %s: clients ignore it",
			    c->repo, why);
	if (!pf_index_optional_lists(idx->optional_keys, "Min-Partition"))
		/* The releases of level 2 before Min-Partition (7bfdcee's
		 * parents) refuse a key they do not know in the repository
		 * stanza; level 1 ignores it, level 3 knows it. */
		check_error(c, "%s/index stanza 1 (repository): Min-Partition is not listed in Optional-Keys: clients of level 2 that do not know it would refuse the whole index (list it in Optional-Keys)",
			    c->repo);
}

int check_levels(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	char stanza[256], from[NAME_MAX + 1];
	unsigned arrived = 0;

	check_min_partition(c);
	/* A folder on disk (not an index alone): the series beside it. */
	if (c->repofd >= 0 && repo_reached_from(c->ctx, c->repo, idx->series, idx->arch, from,
						sizeof(from), &arrived) < 0)
		return -1;
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
		check_declared(c, i, stanza);
		if (!told)
			check_reachable(c, i, stanza, arrived);
	}
	return 0;
}
