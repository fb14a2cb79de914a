/* What the running pakfire runs from (ops/self.c): an update that replaces
 * the executable or a library it maps ends its segment, under any root;
 * on the live root, so does a library it may load later. */
#include <limits.h>
#include <unistd.h>

#include "unit.h"
#include "format/manifest.h"
#include "ops/self.h"

#define H "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct pf_manifest *manifest(struct pf_ctx *ctx, const char *paths)
{
	char text[8192];
	struct pf_manifest *m = NULL;
	int n = snprintf(text, sizeof(text), "pakfire-manifest\t1\n%s", paths);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(pf_manifest_parse(ctx, "test", text, (size_t)n, &m), 0);
	return m;
}

static void test_own_executable_under_the_live_root(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_self self;
	struct pf_manifest *m;
	char exe[PATH_MAX], line[PATH_MAX + 128], what[256];

	assert_int_equal(pf_ctx_set_root(ctx, "/"), 0);
	assert_int_equal(pf_self_load(ctx, &self), 0);
	assert_true(self.live_root);
	assert_true(self.n >= 2); /* the executable and at least the C library */
	assert_int_equal(pf_self_exe(ctx, exe, sizeof(exe)), 0);
	/* The executable, named relative to the root. */
	snprintf(line, sizeof(line), "file\t0755\t0\t0\t1\t" H "\t%s\n", exe + 1);
	m = manifest(ctx, line);
	assert_true(pf_self_replaced_by(ctx, &self, m, what, sizeof(what)));
	assert_string_equal(what, exe + 1);
	pf_manifest_free(m);
	/* A library loaded later (an NSS module), on the live root only. */
	m = manifest(ctx, "file\t0644\t0\t0\t1\t" H "\tusr/lib/x86_64-linux-gnu/libnss_mdns.so.2\n"
			  "file\t0644\t0\t0\t1\t" H "\tusr/share/doc/readme\n");
	assert_true(pf_self_replaced_by(ctx, &self, m, what, sizeof(what)));
	assert_string_equal(what, "usr/lib/x86_64-linux-gnu/libnss_mdns.so.2");
	pf_manifest_free(m);
	/* Nothing the process runs from. */
	m = manifest(ctx, "file\t0644\t0\t0\t1\t" H "\tusr/share/doc/pakfire-test-none\n"
			  "dir\t0755\t0\t0\tusr/lib/libnss_dir.so.d\n");
	assert_false(pf_self_replaced_by(ctx, &self, m, what, sizeof(what)));
	assert_string_equal(what, "");
	pf_manifest_free(m);
	pf_self_clear(&self);
}

static void test_other_root_only_what_is_mapped(void **state)
{
	struct pf_ctx *ctx = *state;
	char dir[] = "/tmp/pf-self-XXXXXX", path[PATH_MAX], what[256];
	struct pf_manifest *m;
	struct pf_self self;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(pf_ctx_set_root(ctx, dir), 0);
	assert_int_equal(pf_self_load(ctx, &self), 0);
	assert_false(self.live_root);
	/* The same names, in a root that is not the running system: the
	 * process loads nothing from it. */
	m = manifest(ctx, "file\t0644\t0\t0\t1\t" H "\tusr/lib/x86_64-linux-gnu/libnss_mdns.so.2\n"
			  "file\t0644\t0\t0\t1\t" H "\tlib/x86_64-linux-gnu/libc.so.6\n");
	assert_false(pf_self_replaced_by(ctx, &self, m, what, sizeof(what)));
	pf_manifest_free(m);
	pf_self_clear(&self);
	snprintf(path, sizeof(path), "%s", dir);
	assert_int_equal(rmdir(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_own_executable_under_the_live_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_root_only_what_is_mapped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
