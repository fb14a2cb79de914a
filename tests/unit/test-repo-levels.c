/* pakfire-repo check's client levels (repo/check-levels.c; docs/formats.md,
 * "Client levels"), on indexes built in memory: each rule refuses what it
 * must, with the stanza and the reason, and lets the good forms through. */
#include <stdbool.h>
#include <string.h>
#include "unit.h"

#include "base/event.h"
#include "format/index.h"
#include "format/manifest.h"
#include "repo/check.h"

#define MAX_ENTRIES 8

/* An index of up to MAX_ENTRIES updates, the manifests check has read,
 * and the findings it reported. */
struct world {
	struct pf_ctx *ctx;
	struct pf_index idx;
	struct pf_index_entry e[MAX_ENTRIES];
	struct pf_manifest *m[MAX_ENTRIES];
	char findings[4096];
};

static void collect(const struct pf_event *ev, void *data)
{
	struct world *w = data;
	size_t len = strlen(w->findings);

	if (ev->type == PF_EV_INFO)
		snprintf(w->findings + len, sizeof(w->findings) - len, "%s\n", ev->text.message);
}

static void world_init(struct world *w, struct pf_ctx *ctx, unsigned min_client)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->idx.series = (char *)"2.23";
	w->idx.arch = (char *)"x86_64";
	w->idx.min_client = min_client;
	w->idx.entries = w->e;
	pf_ctx_set_event_sink(ctx, collect, w);
}

static struct pf_index_entry *core(struct world *w, unsigned number, unsigned min,
				   unsigned provides, const char *sw)
{
	struct pf_index_entry *e = &w->e[w->idx.n++];

	assert_true(w->idx.n <= MAX_ENTRIES);
	*e = (struct pf_index_entry){ .type = PF_STANZA_CORE, .number = number,
				      .requires = number - 1, .min_client = min,
				      .provides_client = provides, .series_switch = (char *)sw };
	return e;
}

static struct pf_index_entry *addon(struct world *w, const char *name, unsigned min)
{
	struct pf_index_entry *e = &w->e[w->idx.n++];

	assert_true(w->idx.n <= MAX_ENTRIES);
	*e = (struct pf_index_entry){ .type = PF_STANZA_ADDON, .name = (char *)name,
				      .min_client = min };
	return e;
}

/* The manifest of the last entry holds a hook. */
static void with_hook(struct world *w)
{
	static const char text[] =
		"pakfire-manifest\t1\n"
		"hook\tpost\t0000000000000000000000000000000000000000000000000000000000000000\tsetup\n";

	assert_int_equal(pf_manifest_parse(w->ctx, "m", text, strlen(text),
					   &w->m[w->idx.n - 1]), 0);
}

/* The manifest of the last entry: TEXT after the first line. */
static void with_manifest(struct world *w, const char *text)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "pakfire-manifest\t1\n%s", text);

	assert_int_equal(pf_manifest_parse(w->ctx, "m", buf, (size_t)n, &w->m[w->idx.n - 1]), 0);
}

/* check_levels on the world: its number of errors, each finding kept. */
static unsigned run(struct world *w)
{
	struct repo_check c;

	repo_check_init(&c, w->ctx, "R", -1);
	c.idx = &w->idx;
	c.m = w->m;
	assert_int_equal(check_levels(&c), 0);
	for (size_t i = 0; i < w->idx.n; i++) {
		pf_manifest_free(w->m[i]);
		w->m[i] = NULL;
	}
	return c.errors;
}

static void expect(const struct world *w, const char *needle)
{
	if (!strstr(w->findings, needle))
		fail_msg("no finding holds \"%s\"; they are:\n%s", needle, w->findings);
}

static void good_forms(void **state)
{
	struct world w;

	/* the sample's 2.23: the switch ships the pakfire that completes it */
	world_init(&w, *state, 1);
	core(&w, 139, 1, 0, NULL);
	core(&w, 140, 1, 2, "2.25");
	assert_int_equal(run(&w), 0);
	/* an earlier update brings level 2: the switch may need it, and so
	 * may an add-on (level 1 installs none) */
	world_init(&w, *state, 1);
	core(&w, 138, 1, 2, NULL);
	core(&w, 139, 1, 0, NULL);
	core(&w, 140, 2, 0, "2.25");
	addon(&w, "foo", 2);
	assert_int_equal(run(&w), 0);
	/* a series of level 2: 141 brings level 3, then hooks may come */
	world_init(&w, *state, 2);
	core(&w, 141, 1, 3, NULL);
	core(&w, 142, 3, 0, NULL);
	with_hook(&w);
	addon(&w, "foo", 3);
	with_hook(&w);
	assert_int_equal(run(&w), 0);
	/* an index read from level 3 on needs no provider of 3 */
	world_init(&w, *state, 3);
	core(&w, 150, 3, 0, NULL);
	assert_int_equal(run(&w), 0);
	pf_ctx_set_event_sink(*state, NULL, NULL);
}

static void declared(void **state)
{
	struct world w;

	world_init(&w, *state, 2);
	core(&w, 141, 2, 0, NULL);
	with_hook(&w);
	addon(&w, "foo", 1);
	with_hook(&w);
	/* read from level 2 on: a switch needs no Min-Client of its own */
	core(&w, 142, 1, 0, "2.27");
	assert_int_equal(run(&w), 2);
	expect(&w, "error: R/index stanza 2 (core 141): its manifest has hook entries, which need client level 3, but Min-Client is 2");
	expect(&w, "R/index stanza 3 (addon foo): its manifest has hook entries");
	expect(&w, "(declare min-client = 3 in its addon.conf)");
	/* a manifest that could not be read says nothing of hooks */
	world_init(&w, *state, 2);
	core(&w, 141, 1, 0, NULL);
	assert_int_equal(run(&w), 0);
	pf_ctx_set_event_sink(*state, NULL, NULL);
}

/* Revoking a key the installer put (key-rotation.md) is level 2: level 1
 * keeps such a file, and the key trusted. */
static void revoking_a_key(void **state)
{
	static const char rm[] = "remove\tetc/pakfire/keys/old.asc\n";
	static const char ship[] =
		"file\t0644\t0\t0\t1\t0000000000000000000000000000000000000000000000000000000000000000"
		"\tetc/pakfire/keys/old.asc\n";
	struct world w;

	world_init(&w, *state, 1);
	core(&w, 139, 1, 0, NULL);
	with_manifest(&w, rm);
	assert_int_equal(run(&w), 1);
	expect(&w, "R/index stanza 2 (core 139): removes etc/pakfire/keys/old.asc, a key the installer put there, in an index that level-1 clients read");
	/* a key an earlier update shipped: any client removes it */
	world_init(&w, *state, 1);
	core(&w, 139, 1, 0, NULL);
	with_manifest(&w, ship);
	core(&w, 140, 1, 0, NULL);
	with_manifest(&w, rm);
	assert_int_equal(run(&w), 0);
	/* in a series read from level 2 on */
	world_init(&w, *state, 2);
	core(&w, 141, 1, 0, NULL);
	with_manifest(&w, rm);
	assert_int_equal(run(&w), 0);
	pf_ctx_set_event_sink(*state, NULL, NULL);
}

static void reachable(void **state)
{
	struct world w;

	/* a provider after the update that needs it does not count */
	world_init(&w, *state, 2);
	core(&w, 141, 1, 0, NULL);
	core(&w, 142, 3, 0, NULL);
	core(&w, 143, 1, 3, NULL);
	addon(&w, "foo", 4);
	assert_int_equal(run(&w), 2);
	expect(&w, "R/index stanza 3 (core 142): Min-Client 3, but no core update before it provides client level 3 (Provides-Client): clients of level 2 would stop there for good");
	expect(&w, "R/index stanza 5 (addon foo): Min-Client 4, but no core update of the chain provides client level 4 (Provides-Client): clients of level 3 could never install it");
	/* the provider itself needs what it brings: no one could apply it */
	world_init(&w, *state, 2);
	core(&w, 141, 3, 3, NULL);
	assert_int_equal(run(&w), 1);
	expect(&w, "stanza 2 (core 141): Min-Client 3, but no core update before it");
	pf_ctx_set_event_sink(*state, NULL, NULL);
}

static void level_one(void **state)
{
	struct world w;

	/* level-1 clients apply 139 with the old code, even after 138 */
	world_init(&w, *state, 1);
	core(&w, 138, 1, 2, NULL);
	core(&w, 139, 2, 0, NULL);
	core(&w, 140, 3, 0, "2.25");
	assert_int_equal(run(&w), 2);
	expect(&w, "R/index stanza 3 (core 139): Min-Client 2, in an index that level-1 clients read (its Min-Client is 1)");
	expect(&w, "R/index stanza 4 (core 140): Min-Client 3, in an index that level-1 clients read");
	/* a switch with no pakfire of level 2 installed by then: one finding */
	world_init(&w, *state, 1);
	core(&w, 139, 1, 0, NULL);
	core(&w, 140, 1, 0, "2.25");
	assert_int_equal(run(&w), 1);
	expect(&w, "R/index stanza 3 (core 140): Series-Switch: 2.25, in an index that level-1 clients read, but neither this update nor one before it provides client level 2 (Provides-Client): a level-1 client would apply it, stay on 2.23");
	world_init(&w, *state, 1);
	core(&w, 140, 2, 0, "2.25");
	assert_int_equal(run(&w), 1);
	expect(&w, "Series-Switch: 2.25, in an index that level-1 clients read, but neither");
	pf_ctx_set_event_sink(*state, NULL, NULL);
}

static void known_keys_and_addons(void **state)
{
	struct world w;
	struct pf_index_entry *e;

	world_init(&w, *state, 2);
	e = core(&w, 141, 1, 0, NULL);
	e->unknown_key = (char *)"X-Colour";
	e = addon(&w, "foo", 1);
	e->provides_client = 2;
	assert_int_equal(run(&w), 2);
	expect(&w, "R/index stanza 2 (core 141): X-Colour is not a key that pakfire-repo (client level 3) knows, and Optional-Keys does not list it");
	expect(&w, "R/index stanza 3 (addon foo): Provides-Client 2 on an add-on: only a core update can bring a new pakfire");
	pf_ctx_set_event_sink(*state, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(good_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(declared, setup, teardown),
cmocka_unit_test_setup_teardown(revoking_a_key, setup, teardown),
		cmocka_unit_test_setup_teardown(reachable, setup, teardown),
		cmocka_unit_test_setup_teardown(level_one, setup, teardown),
		cmocka_unit_test_setup_teardown(known_keys_and_addons, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
