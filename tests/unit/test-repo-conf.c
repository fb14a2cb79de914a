/* pakfire-repo's sources: addon.conf (repo/addon-conf.c), update.conf's
 * series-switch and client levels (repo/update-conf.c), and the add-on name
 * rule the client shares (format/names.c). */
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "format/names.h"
#include "repo/addon-conf.h"
#include "repo/conf-util.h"
#include "repo/update-conf.h"

static int addon(struct pf_ctx *ctx, const char *text, struct addon_conf **ac)
{
	return addon_conf_parse(ctx, "foo/addon.conf", text, strlen(text), ac);
}

#define AC "name = foo\nversion = 1.0\nrelease = 1\nsummary = Foo daemon\n"

static void addon_full(void **state)
{
	struct pf_ctx *ctx = *state;
	struct addon_conf *ac = NULL;
	char *s = NULL;

	assert_int_equal(addon(ctx, "# the foo add-on\n" AC
			       "release.2.25 = 2\nversion.2.21 = 0.9\n"
			       "depends = zed, bar\ndepends = baz\treboot-helper\n"
			       "reboot = yes\nremove = usr/lib/foo.so.0\n", &ac), 0);
	assert_string_equal(ac->name, "foo");
	assert_true(ac->reboot);
	assert_int_equal(ac->n_removes, 1);
	/* the release of each series: the default, or its own line */
	assert_string_equal(addon_conf_release(ac, "2.23"), "1");
	assert_string_equal(addon_conf_release(ac, "2.25"), "2");
	assert_string_equal(addon_conf_version(ac, "2.25"), "1.0");
	assert_string_equal(addon_conf_version(ac, "2.21"), "0.9");
	s = addon_conf_stem(ctx, ac, "2.23");
	assert_string_equal(s, "foo-1.0-1");
	free(s);
	s = addon_conf_stem(ctx, ac, "2.25");
	assert_string_equal(s, "foo-1.0-2");
	free(s);
	/* sorted, so that the index is the same whatever the order written */
	assert_int_equal(addon_conf_depends(ctx, ac, &s), 0);
	assert_string_equal(s, "bar, baz, reboot-helper, zed");
	free(s);
	addon_conf_free(ac);

	assert_int_equal(addon(ctx, AC, &ac), 0);
	assert_false(ac->reboot);
	assert_int_equal(addon_conf_depends(ctx, ac, &s), 0);
	assert_null(s);
	addon_conf_free(ac);
	addon_conf_free(NULL);
}

static void addon_refused(void **state)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{ "version = 1\nrelease = 1\nsummary = s\n", "foo/addon.conf: 'name' is missing" },
		{ "name = foo\nrelease = 1\nsummary = s\n", "'version' is missing" },
		{ "name = foo\nversion = 1\nsummary = s\n", "'release' is missing" },
		{ "name = foo\nversion = 1\nrelease = 1\n", "'summary' is missing" },
		{ AC "colour = blue\n", "foo/addon.conf line 5: unknown key 'colour'" },
		{ AC "name = bar\n", "line 5: 'name' given twice (first on line 1)" },
		{ AC "release.2.25 = 2\nrelease.2.25 = 3\n",
		  "line 6: 'release.2.25' given twice (first on line 5)" },
		{ AC "release.2 25 = 2\n", "line 5: 'release.2 25' is not a key" },
		{ AC "release..x = 2\n", "line 5: 'release..x': '.x' is not a valid series name" },
		{ AC "release.2.25 = 2-1\n", "line 5: release.2.25 '2-1' is not 1 to 64" },
		{ "name = foo\nversion = 1-0\n", "line 2: version '1-0' is not 1 to 64 characters" },
		{ "name = foo\nversion = .1\n", "version '.1' is not" },
		{ "name = core-foo\n", "line 1: name 'core-foo' starts with 'core-'" },
		{ "name = old-foo\n", "name 'old-foo' starts with 'old-'" },
		{ "name = 141\n", "name '141' is all digits" },
		{ "name = .foo\n", "name '.foo' starts with '.'" },
		{ "name = foo/bar\n", "has a character outside [A-Za-z0-9._+-]" },
		{ AC "depends = bar, b@r\n", "line 5: depends: 'b@r' has a character outside" },
		{ AC "depends = bar\ndepends = bar\n", "line 6: depends: 'bar' given twice" },
		{ AC "depends = foo\n", "foo/addon.conf: foo depends on itself" },
		{ AC "reboot = maybe\n", "line 5: reboot must be yes or no, not 'maybe'" },
		{ AC "remove = /etc/x\n", "line 5: remove '/etc/x'" },
		{ AC "remove = a\nremove = a\n", "line 6: remove 'a' given twice" },
	};
	struct pf_ctx *ctx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct addon_conf *ac = NULL;
		int r = addon(ctx, bad[i].text, &ac);

		if (r == 0)
			fail_msg("accepted: %s", bad[i].text);
		assert_null(ac);
		if (!strstr(pf_error_message(ctx), bad[i].needle))
			fail_msg("case %zu: \"%s\" does not contain \"%s\"", i,
				 pf_error_message(ctx), bad[i].needle);
		pf_clear_error(ctx);
	}
}

static int update(struct pf_ctx *ctx, const char *text, struct update_conf **uc)
{
	return update_conf_parse(ctx, "140/update.conf", text, strlen(text), uc);
}

#define UC "number = 140\nseries = 2.23\nsummary = last of 2.23\n"

static void update_series_switch(void **state)
{
	struct pf_ctx *ctx = *state;
	struct update_conf *uc = NULL;

	assert_int_equal(update(ctx, UC "series-switch = 2.25\n", &uc), 0);
	assert_string_equal(uc->series_switch, "2.25");
	assert_int_equal(uc->requires, 139);
	update_conf_free(uc);
	assert_int_equal(update(ctx, UC, &uc), 0);
	assert_null(uc->series_switch);
	update_conf_free(uc);

	expect_error(ctx, update(ctx, UC "series-switch = 2.23\n", &uc), PF_E_VERIFY,
		     "140/update.conf line 4: series-switch 2.23 is the update's own series");
	expect_error(ctx, update(ctx, UC "series-switch = 2/25\n", &uc), PF_E_VERIFY,
		     "line 4: series-switch '2/25' is not a valid series name");
	expect_error(ctx, update(ctx, UC "series-switch = .25\n", &uc), PF_E_VERIFY,
		     "'.25' is not a valid series name");
	expect_error(ctx, update(ctx, UC "series-switch = 2.25\nseries-switch = 2.27\n", &uc),
		     PF_E_VERIFY, "line 5: 'series-switch' given twice (first on line 4)");
}

/* hook = PHASE PATH [NAME]: the phases of the kind, a valid NAME once. */
static void hooks(void **state)
{
	struct pf_ctx *ctx = *state;
	struct update_conf *uc = NULL;
	struct addon_conf *ac = NULL;

	assert_int_equal(update(ctx, UC "hook = post hooks/ldconfig\n"
				"hook = pre  hooks/service-stop\tservice-stop.unbound\n"
				"hook = post /abs/hooks/service-stop service-start.x\n", &uc), 0);
	assert_int_equal(uc->n_hooks, 3);
	assert_int_equal(uc->hooks[0].phase, PF_HOOK_POST);
	assert_string_equal(uc->hooks[0].path, "hooks/ldconfig");
	assert_string_equal(uc->hooks[0].name, "ldconfig");
	assert_int_equal(uc->hooks[0].line, 4);
	assert_int_equal(uc->hooks[1].phase, PF_HOOK_PRE);
	assert_string_equal(uc->hooks[1].path, "hooks/service-stop");
	assert_string_equal(uc->hooks[1].name, "service-stop.unbound");
	assert_string_equal(uc->hooks[2].path, "/abs/hooks/service-stop");
	update_conf_free(uc);
	uc = NULL;

	expect_error(ctx, update(ctx, UC "hook = post-install hooks/x\n", &uc), PF_E_USAGE,
		     "140/update.conf line 4: hook phase 'post-install' is not one of a core update's (pre or post)");
	expect_error(ctx, update(ctx, UC "hook = later hooks/x\n", &uc), PF_E_USAGE,
		     "line 4: hook phase 'later' is not one of a core update's");
	expect_error(ctx, update(ctx, UC "hook = post\n", &uc), PF_E_USAGE,
		     "line 4: hook = 'post': expected 'PHASE PATH [NAME]'");
	expect_error(ctx, update(ctx, UC "hook = post a b c\n", &uc), PF_E_USAGE,
		     "expected 'PHASE PATH [NAME]'");
	expect_error(ctx, update(ctx, UC "hook = post hooks/x y/z\n", &uc), PF_E_USAGE,
		     "line 4: hook name 'y/z' is not 1 to 255 characters of [A-Za-z0-9._-]");
	expect_error(ctx, update(ctx, UC "hook = post hooks/a+b\n", &uc), PF_E_USAGE,
		     "hook name 'a+b' is not 1 to 255 characters of [A-Za-z0-9._-] (give a NAME after the PATH)");
	expect_error(ctx, update(ctx, UC "hook = post hooks/x\nhook = pre other/x\n", &uc),
		     PF_E_USAGE, "line 5: hook name 'x' given twice (first on line 4)");
	assert_null(uc);

	assert_int_equal(addon(ctx, AC "hook = pre-remove hooks/service-stop service-stop.foo\n"
			       "hook = post-install hooks/ldconfig\n", &ac), 0);
	assert_int_equal(ac->n_hooks, 2);
	assert_int_equal(ac->hooks[0].phase, PF_HOOK_PRE_REMOVE);
	assert_int_equal(ac->hooks[1].phase, PF_HOOK_POST_INSTALL);
	addon_conf_free(ac);
	ac = NULL;
	expect_error(ctx, addon(ctx, AC "hook = post x\n", &ac), PF_E_USAGE,
		     "foo/addon.conf line 5: hook phase 'post' is not one of an add-on's (pre-install, post-install, pre-remove or post-remove)");
	assert_null(ac);
}

static void update_client_levels(void **state)
{
	struct pf_ctx *ctx = *state;
	struct update_conf *uc = NULL;

	assert_int_equal(update(ctx, UC "min-client = 2\nprovides-client = 3\n", &uc), 0);
	assert_int_equal(uc->min_client, 2);
	assert_int_equal(uc->provides_client, 3);
	update_conf_free(uc);
	/* as the index reads them when absent */
	assert_int_equal(update(ctx, UC, &uc), 0);
	assert_int_equal(uc->min_client, 1);
	assert_int_equal(uc->provides_client, 0);
	update_conf_free(uc);

	expect_error(ctx, update(ctx, UC "min-client = 0\n", &uc), PF_E_VERIFY,
		     "140/update.conf line 4: min-client '0' is not a client level (a number from 1)");
	expect_error(ctx, update(ctx, UC "provides-client = two\n", &uc), PF_E_VERIFY,
		     "line 4: provides-client 'two' is not a client level");
	expect_error(ctx, update(ctx, UC "min-client = 02\n", &uc), PF_E_VERIFY,
		     "min-client '02' is not a client level");
	expect_error(ctx, update(ctx, UC "min-client = 4294967296\n", &uc), PF_E_VERIFY,
		     "min-client '4294967296' is not a client level");
	expect_error(ctx, update(ctx, UC "min-client = 2\nmin-client = 3\n", &uc),
		     PF_E_VERIFY, "line 5: 'min-client' given twice (first on line 4)");
	expect_error(ctx, update(ctx, UC "provides-client = 2\nprovides-client = 2\n", &uc),
		     PF_E_VERIFY, "line 5: 'provides-client' given twice");
}

static void addon_client_levels(void **state)
{
	struct pf_ctx *ctx = *state;
	struct addon_conf *ac = NULL;

	assert_int_equal(addon(ctx, AC "min-client = 2\nmin-client.2.25 = 3\n", &ac), 0);
	assert_int_equal(addon_conf_min_client(ac, "2.23"), 2);
	assert_int_equal(addon_conf_min_client(ac, "2.25"), 3);
	addon_conf_free(ac);
	assert_int_equal(addon(ctx, AC "min-client.2.25 = 2\n", &ac), 0);
	assert_int_equal(addon_conf_min_client(ac, "2.23"), 1);
	assert_int_equal(addon_conf_min_client(ac, "2.25"), 2);
	addon_conf_free(ac);

	expect_error(ctx, addon(ctx, AC "min-client = 0\n", &ac), PF_E_VERIFY,
		     "foo/addon.conf line 5: min-client '0' is not a client level");
	expect_error(ctx, addon(ctx, AC "min-client.2.25 = x\n", &ac), PF_E_VERIFY,
		     "line 5: min-client.2.25 'x' is not a client level");
	expect_error(ctx, addon(ctx, AC "min-client.2.25 = 2\nmin-client.2.25 = 3\n", &ac),
		     PF_E_VERIFY, "line 6: 'min-client.2.25' given twice (first on line 5)");
	expect_error(ctx, addon(ctx, AC "min-client..x = 2\n", &ac), PF_E_VERIFY,
		     "'min-client..x': '.x' is not a valid series name");
	/* only a core update brings a new pakfire */
	expect_error(ctx, addon(ctx, AC "provides-client = 2\n", &ac), PF_E_VERIFY,
		     "line 5: unknown key 'provides-client'");
}

static void addon_names(void **state)
{
	char longest[PF_ADDON_NAME_MAX + 2];

	(void)state;
	assert_null(pf_addon_name_problem("foo"));
	assert_null(pf_addon_name_problem("libfoo++-2.0_x"));
	assert_null(pf_addon_name_problem("7zip"));
	assert_null(pf_addon_name_problem("core"));
	assert_null(pf_addon_name_problem("oldies"));
	assert_non_null(pf_addon_name_problem(""));
	assert_non_null(pf_addon_name_problem("core-141"));
	assert_non_null(pf_addon_name_problem("old-foo"));
	assert_non_null(pf_addon_name_problem("0141"));
	assert_non_null(pf_addon_name_problem(".hidden"));
	assert_non_null(pf_addon_name_problem("a b"));
	assert_non_null(pf_addon_name_problem("caf\xc3\xa9"));
	memset(longest, 'a', PF_ADDON_NAME_MAX);
	longest[PF_ADDON_NAME_MAX] = '\0';
	assert_null(pf_addon_name_problem(longest));
	longest[PF_ADDON_NAME_MAX] = 'a';
	longest[PF_ADDON_NAME_MAX + 1] = '\0';
	assert_string_equal(pf_addon_name_problem(longest), "is longer than 63 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(addon_full, setup, teardown),
		cmocka_unit_test_setup_teardown(addon_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(update_series_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(update_client_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(addon_client_levels, setup, teardown),
		cmocka_unit_test(addon_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
