/* The mount table: mountinfo parsing and longest-prefix lookup, on synthetic
 * tables (nested mounts, bind mounts, stacked mounts, escaped names). */
#include "unit.h"
#include "plan/mounts.h"

/* A root at /srv/r with its own /boot, a bind mount of /data into the root,
 * a stacked mount on /srv/r/var, and a name with a space. */
static const char table[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"30 22 8:2 / /srv/r rw,relatime shared:2 - ext4 /dev/sda2 rw\n"
	"31 30 8:3 / /srv/r/boot rw,nosuid - ext4 /dev/sda3 rw\n"
	"32 30 8:4 /exports /srv/r/data rw - ext4 /dev/sda4 rw\n"
	"33 22 8:4 / /data ro,relatime - ext4 /dev/sda4 rw\n"
	"34 30 0:40 / /srv/r/var rw - tmpfs tmpfs rw,size=1024k\n"
	"35 30 0:41 / /srv/r/var rw - tmpfs tmpfs rw,size=2048k\n"
	"36 22 0:42 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
	"37 30 8:2 /etc/resolv.conf /srv/r/etc/resolv.conf rw - ext4 /dev/sda2 rw\n";

static struct pf_mount_table *load(struct pf_ctx *ctx)
{
	struct pf_mount_table *t = NULL;

	assert_int_equal(pf_mounts_parse(ctx, table, strlen(table), &t), 0);
	assert_non_null(t);
	assert_int_equal(t->n, 9);
	return t;
}

static const char *point(const struct pf_mount_table *t, const char *path)
{
	const struct pf_mount *m = pf_mounts_find(t, path);

	return m ? m->point : "(none)";
}

static void test_longest_prefix(void **state)
{
	struct pf_mount_table *t = load(*state);

	assert_string_equal(point(t, "/srv/r/boot/vmlinuz"), "/srv/r/boot");
	assert_string_equal(point(t, "/srv/r/boot"), "/srv/r/boot");
	assert_string_equal(point(t, "/srv/r/bootx/vmlinuz"), "/srv/r");
	assert_string_equal(point(t, "/srv/r/usr/lib/libc.so.6"), "/srv/r");
	assert_string_equal(point(t, "/srv/r"), "/srv/r");
	assert_string_equal(point(t, "/srv/rr"), "/");
	assert_string_equal(point(t, "/etc/passwd"), "/");
	assert_null(pf_mounts_find(t, "relative/path"));
	pf_mounts_free(t);
}

static void test_bind_mounts_share_a_device(void **state)
{
	struct pf_mount_table *t = load(*state);
	const struct pf_mount *in_root = pf_mounts_find(t, "/srv/r/data/x");
	const struct pf_mount *on_host = pf_mounts_find(t, "/data/x");

	assert_string_equal(in_root->point, "/srv/r/data");
	assert_string_equal(on_host->point, "/data");
	/* One file system, one budget: the planner keys on the device. */
	assert_int_equal(in_root->major, on_host->major);
	assert_int_equal(in_root->minor, on_host->minor);
	assert_false(in_root->readonly);
	assert_true(on_host->readonly);
	pf_mounts_free(t);
}

static void test_stacked_mount_hides_the_earlier(void **state)
{
	struct pf_mount_table *t = load(*state);
	const struct pf_mount *m = pf_mounts_find(t, "/srv/r/var/lib/pakfire/pakfire.db");

	assert_int_equal(m->minor, 41);
	pf_mounts_free(t);
}

static void test_file_bind_mount(void **state)
{
	struct pf_mount_table *t = load(*state);

	/* The file itself is a mount point; its folder is not. */
	assert_string_equal(point(t, "/srv/r/etc/resolv.conf"), "/srv/r/etc/resolv.conf");
	assert_string_equal(point(t, "/srv/r/etc"), "/srv/r");
	pf_mounts_free(t);
}

static void test_escaped_names(void **state)
{
	struct pf_mount_table *t = load(*state);

	assert_string_equal(point(t, "/mnt/with space/f"), "/mnt/with space");
	pf_mounts_free(t);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"22 1 8:1 / / rw\n",                              /* no separator */
		"22 1 x / / rw - ext4 /dev/sda1 rw\n",            /* no major:minor */
		"22 1 8:1 / relative rw - ext4 /dev/sda1 rw\n",   /* mount point not absolute */
		"22 1 8:1 / / rw -\n",                            /* no type after - */
	};
	struct pf_mount_table *t = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(*state, pf_mounts_parse(*state, bad[i], strlen(bad[i]), &t),
			     PF_E_OTHER, "line 1");
	assert_null(t);
}

/* The mount source (diagnose's device column), unescaped like the point. */
static void test_source(void **state)
{
	struct pf_mount_table *t = NULL;
	static const char esc[] = "40 22 0:50 / /m rw - fuse.sshfs user@host:/a\\040b rw\n";

	t = load(*state);
	assert_string_equal(pf_mounts_find(t, "/srv/r/boot/x")->source, "/dev/sda3");
	assert_string_equal(pf_mounts_find(t, "/srv/r/var")->source, "tmpfs");
	pf_mounts_free(t);
	assert_int_equal(pf_mounts_parse(*state, esc, strlen(esc), &t), 0);
	assert_string_equal(t->mounts[0].source, "user@host:/a b");
	pf_mounts_free(t);
}

static void test_real_table(void **state)
{
	struct pf_mount_table *t = NULL;
	struct pf_space sp;

	assert_int_equal(pf_mounts_load(*state, &t), 0);
	assert_string_equal(pf_mounts_find(t, "/")->point, "/");
	assert_int_equal(pf_space_of(*state, pf_mounts_find(t, "/"), &sp), 0);
	assert_true(sp.bsize > 0);
	pf_mounts_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_mounts_share_a_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stacked_mount_hides_the_earlier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_bind_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaped_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
