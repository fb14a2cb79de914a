/* resolve/: the transaction of units and the resolver that builds it from a
 * signed index (the core chain, and why it refuses what it cannot be). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "format/index.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"

/* An index built by hand: core stanzas (number, requires, switch). */
struct core_spec {
	unsigned number, requires;
	const char *series_switch;
};

static struct pf_index *make_index(const struct core_spec *c, size_t n)
{
	struct pf_index *idx = calloc(1, sizeof(*idx));

	assert_non_null(idx);
	idx->format = 1;
	idx->series = strdup("2.25");
	idx->arch = strdup("x86_64");
	idx->revision = 7;
	idx->entries = calloc(n ? n : 1, sizeof(*idx->entries));
	assert_non_null(idx->entries);
	for (size_t i = 0; i < n; i++) {
		struct pf_index_entry *e = &idx->entries[i];
		char buf[64];

		e->type = PF_STANZA_CORE;
		e->number = c[i].number;
		e->requires = c[i].requires;
		e->series_switch = c[i].series_switch ? strdup(c[i].series_switch) : NULL;
		snprintf(buf, sizeof(buf), "core/core-%u.manifest", c[i].number);
		e->manifest = strdup(buf);
		snprintf(buf, sizeof(buf), "core/core-%u.pak", c[i].number);
		e->package = strdup(buf);
	}
	idx->n = n;
	return idx;
}

static const struct core_spec chain[] = {
	{ 141, 140, NULL }, { 139, 138, NULL }, { 140, 139, NULL },
};

static struct pf_transaction *resolve(struct pf_ctx *ctx, const struct pf_index *idx,
				      unsigned core, unsigned to, int *r)
{
	struct pf_transaction *t = pf_transaction_new(ctx, "2.25", "x86_64", core);

	assert_non_null(t);
	*r = pf_resolve_upgrade(ctx, idx, t, to);
	return t;
}

static void chain_in_order_with_unit_ids(void **state)
{
	struct pf_index *idx = make_index(chain, 3);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 0, &r);

	assert_int_equal(r, 0);
	assert_int_equal(t->n, 3);
	for (size_t i = 0; i < 3; i++) {
		char id[PF_UNIT_ID_MAX], label[PF_UNIT_ID_MAX];

		assert_int_equal(t->units[i].kind, PF_UNIT_CORE);
		assert_int_equal(t->units[i].number, 139 + i);
		pf_unit_core_id(id, 139 + (unsigned)i);
		assert_string_equal(t->units[i].id, id);
		snprintf(id, sizeof(id), "core %zu", 139 + i);
		assert_string_equal(pf_unit_label(&t->units[i], label), id);
		assert_int_equal(t->units[i].pak_fd, -1);
		assert_int_equal(pf_transaction_level_before(t, i), 138 + i);
		assert_string_equal(t->units[i].series, "2.25");
	}
	pf_transaction_free(t);
	pf_index_free(idx);
}

static void to_stops_the_chain(void **state)
{
	struct pf_index *idx = make_index(chain, 3);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 140, &r);

	assert_int_equal(r, 0);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->units[1].number, 140);
	pf_transaction_free(t);
	pf_index_free(idx);
}

static void up_to_date_is_an_empty_transaction(void **state)
{
	struct pf_index *idx = make_index(chain, 3);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 141, 0, &r);

	assert_int_equal(r, 0);
	assert_int_equal(t->n, 0);
	pf_transaction_free(t);
	t = resolve(*state, idx, 141, 141, &r);
	assert_int_equal(r, 0);
	assert_int_equal(t->n, 0);
	pf_transaction_free(t);
	pf_index_free(idx);
}

static void to_older_than_the_system_is_refused(void **state)
{
	struct pf_index *idx = make_index(chain, 3);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 137, &r);

	expect_error(*state, r, PF_E_USAGE, "--to 137: the system is at core 138 already");
	pf_transaction_free(t);
	pf_index_free(idx);
}

static void to_not_in_the_index_names_the_newest(void **state)
{
	struct pf_index *idx = make_index(chain, 3);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 999, &r);

	expect_error(*state, r, PF_E_USAGE, "has no core 999; the newest it offers is core 141");
	pf_transaction_free(t);
	pf_index_free(idx);
}

static void to_unreachable_says_where_the_chain_stops(void **state)
{
	static const struct core_spec gap[] = { { 139, 138, NULL }, { 141, 140, NULL } };
	struct pf_index *idx = make_index(gap, 2);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 141, &r);

	expect_error(*state, r, PF_E_USAGE, "the chain of updates from core 138 stops at core 139");
	pf_transaction_free(t);
	pf_index_free(idx);
}

static void two_updates_on_one_level_is_malformed(void **state)
{
	static const struct core_spec fork[] = { { 139, 138, NULL }, { 140, 138, NULL } };
	struct pf_index *idx = make_index(fork, 2);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 0, &r);

	expect_error(*state, r, PF_E_VERIFY, "on top of core 138");
	pf_transaction_free(t);
	pf_index_free(idx);
}

/* A chain that ends with a switch is not finished: it goes on in the
 * next series' index (pf_resolve_continue), and --to there is not judged
 * by the old series' index. */
static void series_switch_ends_the_chain_of_its_series(void **state)
{
	static const struct core_spec sw[] = { { 139, 138, NULL }, { 140, 139, "2.27" } };
	static const struct core_spec next[] = { { 141, 140, NULL }, { 142, 141, NULL } };
	struct pf_index *idx = make_index(sw, 2), *nidx = make_index(next, 2);
	int r;
	struct pf_transaction *t = resolve(*state, idx, 138, 142, &r);

	assert_int_equal(r, 0);
	assert_int_equal(t->n, 2);
	assert_string_equal(t->units[1].entry->series_switch, "2.27");
	assert_int_equal(pf_resolve_continue(*state, nidx, t, 142), 0);
	assert_int_equal(t->n, 4);
	assert_int_equal(t->units[3].number, 142);
	assert_int_equal(pf_transaction_level_before(t, 4), 142);
	pf_transaction_free(t);
	/* Stopping at the switch itself is a chain of its own. */
	t = resolve(*state, idx, 138, 140, &r);
	assert_int_equal(r, 0);
	assert_int_equal(t->n, 2);
	pf_transaction_free(t);
	/* --to beyond what the next series offers names it. */
	t = resolve(*state, idx, 138, 150, &r);
	assert_int_equal(r, 0);
	expect_error(*state, pf_resolve_continue(*state, nidx, t, 150), PF_E_USAGE,
		     "has no core 150; the newest it offers is core 142");
	pf_transaction_free(t);
	pf_index_free(idx);
	pf_index_free(nidx);
	/* What the old series lists after its switch is never for a system
	 * that applied it: the chain stops there. */
	{
		static const struct core_spec more[] = {
			{ 139, 138, NULL }, { 140, 139, "2.27" }, { 141, 140, NULL },
		};
		struct pf_index *m = make_index(more, 3);

		t = resolve(*state, m, 138, 0, &r);
		assert_int_equal(r, 0);
		assert_int_equal(t->n, 2);
		assert_int_equal(t->units[1].number, 140);
		pf_transaction_free(t);
		pf_index_free(m);
	}
}

static void unit_ids_round_trip(void **state)
{
	struct pf_unit u, core141, addon;

	(void)state;
	pf_unit_from_id(&u, "core-141");
	assert_int_equal(u.kind, PF_UNIT_CORE);
	assert_int_equal(u.number, 141);
	pf_unit_from_id(&u, "core-0141x");
	assert_int_equal(u.kind, PF_UNIT_ADDON);
	pf_unit_from_id(&u, "tor");
	assert_int_equal(u.kind, PF_UNIT_ADDON);
	assert_int_equal(u.number, 0);
	/* Who may remove what another unit installed. */
	pf_unit_from_id(&core141, "core-141");
	pf_unit_from_id(&addon, "tor");
	assert_true(pf_unit_may_remove(&core141, "core-139"));
	assert_false(pf_unit_may_remove(&core141, "core-141"));
	assert_false(pf_unit_may_remove(&core141, "core-142"));
	assert_false(pf_unit_may_remove(&core141, "tor"));
	assert_true(pf_unit_may_remove(&addon, "tor"));
	assert_false(pf_unit_may_remove(&addon, "core-139"));
}

static void addon_names_that_would_escape_are_refused(void **state)
{
	static const char *const bad[] = { "../x", "a/b", ".hidden", "core-141", "" };
	struct pf_index_entry e = { .type = PF_STANZA_ADDON, .version = "1.0-1" };
	struct pf_transaction *t = pf_transaction_new(*state, "2.25", "x86_64", 138);

	assert_non_null(t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.name = (char *)bad[i];
		pf_clear_error(*state);
		expect_error(*state, pf_transaction_add(*state, t, &e, "2.25"), PF_E_VERIFY,
			     "is not a valid name");
	}
	e.name = "tor";
	assert_int_equal(pf_transaction_add(*state, t, &e, "2.25"), 0);
	assert_string_equal(t->units[0].id, "tor");
	assert_int_equal(t->units[0].kind, PF_UNIT_ADDON);
	pf_transaction_free(t);
}

/* Client levels (docs/formats.md): the chain stops before an update this
 * pakfire cannot honour, and says which update brings one that can. */
static void chain_stops_before_an_update_for_a_newer_client(void **state)
{
	struct pf_ctx *ctx = *state;
	static const struct core_spec four[] = {
		{ 139, 138, NULL }, { 140, 139, NULL }, { 141, 140, NULL }, { 142, 141, NULL },
	};
	struct pf_index *idx = make_index(four, 4);
	struct pf_transaction *t;
	int r;

	idx->entries[1].provides_client = 4;   /* core 140 brings level 4 */
	idx->entries[2].min_client = 4;        /* core 141 needs it */
	t = resolve(ctx, idx, 138, 0, &r);
	assert_int_equal(r, 0);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->units[1].number, 140);
	assert_ptr_equal(t->blocked, &idx->entries[2]);
	expect_error(ctx, pf_resolve_blocked(ctx, t, 138, false), PF_E_OTHER,
		     "core 141 needs pakfire client level 4 or newer (this one is 3); core 140"
		     " brings it; nothing was changed");
	pf_transaction_free(t);

	/* --to past it: the block is the explanation, not a usage error. */
	t = resolve(ctx, idx, 140, 142, &r);
	assert_int_equal(r, 0);
	assert_int_equal(t->n, 0);
	expect_error(ctx, pf_resolve_blocked(ctx, t, 140, false), PF_E_OTHER,
		     "core 140, which brings it, is applied: run the pakfire it installed to go on");
	pf_transaction_free(t);

	/* A key it does not know, and nothing that brings a newer client. */
	idx->entries[2].min_client = 0;
	idx->entries[0].unknown_key = strdup("Hook-Order");
	t = resolve(ctx, idx, 138, 0, &r);
	assert_int_equal(r, 0);
	assert_int_equal(t->n, 0);
	expect_error(ctx, pf_resolve_blocked(ctx, t, 138, false), PF_E_OTHER,
		     "core 139 has a key this pakfire does not know (Hook-Order): it needs a newer"
		     " pakfire (this one is client level 3); no update before it in the index of"
		     " series 2.25 brings one");
	pf_transaction_free(t);
	pf_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(chain_in_order_with_unit_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(to_stops_the_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(up_to_date_is_an_empty_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(to_older_than_the_system_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(to_not_in_the_index_names_the_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(to_unreachable_says_where_the_chain_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(two_updates_on_one_level_is_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(series_switch_ends_the_chain_of_its_series, setup, teardown),
		cmocka_unit_test_setup_teardown(unit_ids_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(chain_stops_before_an_update_for_a_newer_client, setup, teardown),
		cmocka_unit_test_setup_teardown(addon_names_that_would_escape_are_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
