/* ops/catalog.c: the views of add-ons that list, info and status show
 * (offered, installed, upgradable; each filter), and the transaction's
 * add-on units keeping their versions as it grows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "format/index.h"
#include "ops/addons.h"
#include "ops/catalog.h"
#include "resolve/transaction.h"
#include "state/units.h"

struct addon_spec {
	const char *name, *version, *release, *depends;
};

/* An index of series 2.25 built by hand, offering the add-ons of A. */
static struct pf_index *make_index(const struct addon_spec *a, size_t n)
{
	struct pf_index *idx = calloc(1, sizeof(*idx));

	assert_non_null(idx);
	idx->format = 1;
	idx->series = strdup("2.25");
	idx->arch = strdup("x86_64");
	idx->entries = calloc(n + 1, sizeof(*idx->entries));
	assert_non_null(idx->entries);
	for (size_t i = 0; i < n; i++) {
		struct pf_index_entry *e = &idx->entries[i];
		char buf[64];

		e->type = PF_STANZA_ADDON;
		e->name = strdup(a[i].name);
		e->version = strdup(a[i].version);
		e->release = strdup(a[i].release);
		e->depends = a[i].depends ? strdup(a[i].depends) : NULL;
		snprintf(buf, sizeof(buf), "summary of %s", a[i].name);
		e->summary = strdup(buf);
		e->package_size = 1000 + i;
		snprintf(buf, sizeof(buf), "addons/%s.manifest", a[i].name);
		e->manifest = strdup(buf);
		snprintf(buf, sizeof(buf), "addons/%s.pak", a[i].name);
		e->package = strdup(buf);
	}
	idx->n = n;
	return idx;
}

struct installed_spec {
	const char *name, *version, *series, *reason;
};

/* What pf_addons_load would have read from the database. */
static void make_installed(struct pf_addons *out, const struct installed_spec *s, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->rows = calloc(n + 1, sizeof(*out->rows));
	out->v = calloc(n + 1, sizeof(*out->v));
	assert_non_null(out->rows);
	assert_non_null(out->v);
	for (size_t i = 0; i < n; i++) {
		struct pf_addon_row *r = &out->rows[i];

		snprintf(r->name, sizeof(r->name), "%s", s[i].name);
		snprintf(r->version, sizeof(r->version), "%s", s[i].version);
		snprintf(r->series, sizeof(r->series), "%s", s[i].series);
		snprintf(r->reason, sizeof(r->reason), "%s", s[i].reason);
		r->depends = strdup("");
		r->summary = strdup("as installed");
		out->v[i] = (struct pf_installed){
			.name = r->name, .version = r->version, .series = r->series,
			.reason = r->reason, .depends = r->depends,
		};
	}
	out->set = (struct pf_installed_set){ .v = out->v, .n = n };
}

static const struct addon_spec offered[] = {
	{ "zeta", "1.0", "1", NULL },
	{ "foo", "1.0", "2", "bar" },
	{ "bar", "2.0", "1", NULL },
	{ "same", "3.0", "1", NULL },
	{ "moved", "4.0", "1", NULL },
};

static const struct installed_spec installed[] = {
	{ "bar", "2.0-1", "2.25", "dependency" },   /* at the offered build */
	{ "foo", "1.0-1", "2.25", "explicit" },     /* a newer release offered */
	{ "gone", "9.0-1", "2.23", "explicit" },    /* the index does not offer it */
	{ "moved", "4.0-1", "2.23", "explicit" },   /* same build, other series */
};

static const struct pf_addon_view *find(const struct pf_addon_view *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static void all_by_name_with_their_state(void **state)
{
	struct pf_index *idx = make_index(offered, 5);
	struct pf_addons inst;
	struct pf_addon_view *v;
	const struct pf_addon_view *a;
	size_t n, up;

	make_installed(&inst, installed, 4);
	assert_int_equal(pf_addon_views(*state, idx, &inst, PF_CATALOG_ALL, &v, &n, &up), 0);
	/* what the index offers and what is installed, once each, by name */
	assert_int_equal(n, 6);
	assert_string_equal(v[0].name, "bar");
	assert_string_equal(v[1].name, "foo");
	assert_string_equal(v[2].name, "gone");
	assert_string_equal(v[3].name, "moved");
	assert_string_equal(v[4].name, "same");
	assert_string_equal(v[5].name, "zeta");
	assert_int_equal(up, 2);

	a = find(v, n, "bar");
	assert_true(a->offered && a->installed && !a->upgradable);
	assert_string_equal(a->reason, "dependency");
	a = find(v, n, "foo");
	assert_true(a->upgradable);
	assert_string_equal(a->version, "1.0-2");
	assert_string_equal(a->installed_version, "1.0-1");
	assert_string_equal(a->depends, "bar");
	assert_string_equal(a->summary, "summary of foo");
	assert_int_equal(a->package_size, 1001);
	/* not offered: what the database recorded, never upgradable */
	a = find(v, n, "gone");
	assert_true(!a->offered && a->installed && !a->upgradable);
	assert_string_equal(a->version, "");
	assert_string_equal(a->summary, "as installed");
	/* the same build from another series is replaced by upgrade */
	a = find(v, n, "moved");
	assert_true(a->upgradable);
	a = find(v, n, "zeta");
	assert_true(a->offered && !a->installed && !a->upgradable);
	free(v);
	pf_addons_clear(&inst);
	pf_index_free(idx);
}

static void filters_keep_what_they_name(void **state)
{
	struct pf_index *idx = make_index(offered, 5);
	struct pf_addons inst;
	struct pf_addon_view *v;
	size_t n, up;

	make_installed(&inst, installed, 4);
	assert_int_equal(pf_addon_views(*state, idx, &inst, PF_CATALOG_INSTALLED, &v, &n, &up), 0);
	assert_int_equal(n, 4);
	assert_int_equal(up, 2); /* counted over every installed one */
	free(v);
	assert_int_equal(pf_addon_views(*state, idx, &inst, PF_CATALOG_AVAILABLE, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "same");
	assert_string_equal(v[1].name, "zeta");
	free(v);
	assert_int_equal(pf_addon_views(*state, idx, &inst, PF_CATALOG_UPGRADABLE, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "foo");
	assert_string_equal(v[1].name, "moved");
	free(v);
	pf_addons_clear(&inst);
	pf_index_free(idx);
}

static void without_an_index_only_what_is_installed(void **state)
{
	struct pf_addons inst;
	struct pf_addon_view *v;
	size_t n, up;

	make_installed(&inst, installed, 4);
	assert_int_equal(pf_addon_views(*state, NULL, &inst, PF_CATALOG_ALL, &v, &n, &up), 0);
	assert_int_equal(n, 4);
	assert_int_equal(up, 0);
	for (size_t i = 0; i < n; i++)
		assert_true(v[i].installed && !v[i].offered && !v[i].upgradable);
	free(v);
	pf_addons_clear(&inst);
}

static void a_name_offered_twice_is_listed_once(void **state)
{
	static const struct addon_spec twice[] = {
		{ "foo", "1.0", "1", NULL }, { "foo", "9.0", "1", NULL },
	};
	struct pf_index *idx = make_index(twice, 2);
	struct pf_addons inst;
	struct pf_addon_view *v;
	size_t n;

	make_installed(&inst, NULL, 0);
	assert_int_equal(pf_addon_views(*state, idx, &inst, PF_CATALOG_ALL, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	/* the stanza the resolver would take */
	assert_string_equal(v[0].version, "1.0-1");
	free(v);
	pf_addons_clear(&inst);
	pf_index_free(idx);
}

static int count_name(const char *name, void *data)
{
	char *seen = data;

	strcat(seen, name);
	strcat(seen, ";");
	return 0;
}

static void depends_are_listed_by_name(void **state)
{
	struct pf_addon_view v = { 0 };
	char seen[64] = "";

	(void)state;
	snprintf(v.depends, sizeof(v.depends), "bar, baz\tqux");
	assert_int_equal(pf_addon_view_depends(&v, count_name, seen), 0);
	assert_string_equal(seen, "bar;baz;qux;");
}

/* The units array grows by realloc: every add-on unit keeps its own
 * Version-Release (install foo recorded garbage as the version of bar,
 * pulled in before it, when the array moved). */
static void addon_versions_survive_the_array_growing(void **state)
{
	struct pf_index *idx = make_index(offered, 5);
	struct pf_transaction *t = pf_transaction_new(*state, "2.25", "x86_64", 141);

	assert_non_null(t);
	for (size_t i = 0; i < idx->n; i++)
		assert_int_equal(pf_transaction_add(*state, t, &idx->entries[i], "2.25"), 0);
	for (int k = 0; k < 40; k++)
		assert_int_equal(pf_transaction_add_removal(*state, t, "gone", "9.0-1", "2.23"), 0);
	assert_string_equal(t->units[0].version, "1.0-1");
	assert_string_equal(t->units[1].version, "1.0-2");
	assert_string_equal(t->units[2].version, "2.0-1");
	assert_string_equal(t->units[4].version, "4.0-1");
	assert_string_equal(t->units[idx->n + 39].version, "9.0-1");
	pf_transaction_free(t);
	pf_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(all_by_name_with_their_state, setup, teardown),
		cmocka_unit_test_setup_teardown(filters_keep_what_they_name, setup, teardown),
		cmocka_unit_test_setup_teardown(without_an_index_only_what_is_installed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_name_offered_twice_is_listed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(depends_are_listed_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(addon_versions_survive_the_array_growing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
