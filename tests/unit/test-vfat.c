/* vfat: the mode a mount presents (plan/vfat.c), names that are one name on
 * FAT, the mount options and kind read from mountinfo, and the plan's count
 * of the copy that keeps a replaced file on vfat until the commit. */
#include "unit.h"
#include "format/manifest.h"
#include "plan/mounts.h"
#include "plan/plan.h"
#include "plan/vfat.h"

static void test_file_mode_from_fmask(void **state)
{
	(void)state;
	assert_int_equal(pf_vfat_file_mode("rw,relatime,fmask=0022,dmask=0022,codepage=437",
					   0755, "grubx64.efi"), 0755);
	assert_int_equal(pf_vfat_file_mode("rw,fmask=0077,dmask=0077", 0700, "x"), 0700);
	assert_int_equal(pf_vfat_file_mode("rw,fmask=0133,dmask=0022", 0755, "x"), 0644);
	/* fmask=... is the option, not any option that starts with it */
	assert_int_equal(pf_vfat_file_mode("rw,fmaskx=0777,fmask=0022", 0700, "x"), 0755);
}

static void test_showexec_keeps_x_for_programs_only(void **state)
{
	(void)state;
	assert_int_equal(pf_vfat_file_mode("rw,fmask=0022,showexec", 0755, "grub.cfg"), 0644);
	assert_int_equal(pf_vfat_file_mode("rw,fmask=0022,showexec", 0755, "SETUP.EXE"), 0755);
	assert_int_equal(pf_vfat_file_mode("rw,fmask=0022,showexec", 0755, "run.bat"), 0755);
	assert_int_equal(pf_vfat_file_mode("rw,fmask=0022,showexec", 0755, "noext"), 0644);
}

static void test_no_fmask_files_as_the_root(void **state)
{
	(void)state;
	/* fusefat: "rw,user_id=0,group_id=0", everything 0700 */
	assert_int_equal(pf_vfat_file_mode("rw,user_id=0,group_id=0", 040700, "x.efi"), 0700);
	assert_int_equal(pf_vfat_file_mode("", 0750, "x"), 0750);
}

static void test_names_fold_ascii_case(void **state)
{
	(void)state;
	assert_true(pf_vfat_same_name("BOOTX64.EFI", 11, "bootx64.efi", 11));
	assert_true(pf_vfat_same_name("EFI", 3, "efi", 3));
	assert_false(pf_vfat_same_name("EFI", 3, "EFI2", 4));
	assert_false(pf_vfat_same_name("a-b", 3, "a_b", 3));
	/* '@' and '`' are 32 apart, as 'A' and 'a': they are not letters */
	assert_false(pf_vfat_same_name("@", 1, "`", 1));
}

static const char mountinfo[] =
	"30 1 8:2 / /srv/r rw,relatime - ext4 /dev/sda2 rw\n"
	"31 30 8:1 / /srv/r/boot/efi rw,relatime - vfat /dev/sda1"
	" rw,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,errors=remount-ro\n"
	"32 30 0:40 / /srv/r/mnt/fat rw,nosuid,nodev - fuse.fusefat fusefat rw,user_id=0,group_id=0\n"
	"33 30 8:3 / /srv/r/mnt/old rw - msdos /dev/sda3\n";

static void test_mountinfo_options_and_kind(void **state)
{
	struct pf_mount_table *t = NULL;

	assert_int_equal(pf_mounts_parse(*state, mountinfo, strlen(mountinfo), &t), 0);
	assert_int_equal(t->n, 4);
	assert_string_equal(t->mounts[0].options, "rw");
	assert_string_equal(t->mounts[1].options, "rw,fmask=0077,dmask=0077,codepage=437,"
			    "iocharset=ascii,shortname=mixed,errors=remount-ro");
	assert_string_equal(t->mounts[2].options, "rw,user_id=0,group_id=0");
	assert_string_equal(t->mounts[3].options, ""); /* no super options at all */
	assert_int_equal(pf_fs_kind_of(t->mounts[0].fstype), PF_FS_EXT);
	assert_int_equal(pf_fs_kind_of(t->mounts[1].fstype), PF_FS_VFAT);
	assert_int_equal(pf_fs_kind_of(t->mounts[2].fstype), PF_FS_VFAT);
	assert_int_equal(pf_fs_kind_of(t->mounts[3].fstype), PF_FS_VFAT);
	assert_int_equal(pf_fs_kind_of("fuseblk"), PF_FS_OTHER);
	pf_mounts_free(t);
}

/* A root at /srv/r with /boot/efi on vfat (clusters of 2 KiB) and / on
 * ext4; boot/efi/EFI/old.efi and etc/old exist, 4 KiB each. */
static int w_resolve(void *data, const char *path, char *host, size_t size)
{
	(void)data;
	snprintf(host, size, "/srv/r/%s", path);
	return 0;
}

static int w_existing(void *data, const char *path, struct pf_existing *out)
{
	(void)data;
	memset(out, 0, sizeof(*out));
	out->exists = !strcmp(path, "boot/efi/EFI/old.efi") || !strcmp(path, "etc/old") ||
		      !strcmp(path, "boot/efi/EFI") || !strcmp(path, "boot/efi") ||
		      !strcmp(path, "boot") || !strcmp(path, "etc");
	out->is_dir = out->exists && !strstr(path, "old");
	out->alloc = out->exists ? 4096 : 0;
	out->size = out->alloc;
	return 0;
}

static int w_removable(void *data, const char *path, struct pf_existing *now, bool *out)
{
	*out = false;
	return w_existing(data, path, now);
}

static int w_space(void *data, const struct pf_mount *m, struct pf_space *out)
{
	(void)data;
	memset(out, 0, sizeof(*out));
	out->kind = pf_fs_kind_of(m->fstype);
	out->bsize = out->kind == PF_FS_VFAT ? 2048 : 4096;
	out->avail = 64ull << 20;
	out->inodes_unlimited = true;
	return 0;
}

/* What the update needs at its peak on the mount at POINT. */
static uint64_t peak(struct pf_ctx *ctx, struct pf_mount_table *mt, const char *manifest,
		     const char *point)
{
	struct pf_plan_probe probe = { w_resolve, w_existing, w_removable, w_space, NULL };
	struct pf_plan_env env = { .mounts = mt, .probe = &probe, .root_host = "/srv/r",
				   .cache = "var/cache/pakfire" };
	struct pf_manifest *m = NULL;
	struct pf_plan *p = NULL;
	struct pf_plan_input in = { .number = 2, .unit = "core-2", .label = "core 2" };
	uint64_t need = UINT64_MAX;

	assert_int_equal(pf_manifest_parse(ctx, "test", manifest, strlen(manifest), &m), 0);
	in.m = m;

	assert_int_equal(pf_plan_chain(ctx, &env, &in, 1, &p), 0);
	for (size_t i = 0; i < p->updates[0].n_rows; i++)
		if (!strcmp(p->fs[p->updates[0].rows[i].fs].mount->point, point))
			need = p->updates[0].rows[i].needed;
	pf_plan_free(p);
	pf_manifest_free(m);
	assert_true(need != UINT64_MAX);
	return need;
}

#define SUM "0000000000000000000000000000000000000000000000000000000000000000"

static void test_plan_counts_the_copy_on_vfat(void **state)
{
	struct pf_mount_table *mt = NULL;
	const char *replace = "pakfire-manifest\t1\n"
		"file\t0700\t0\t0\t5000\t" SUM "\tboot/efi/EFI/old.efi\n"
		"file\t0644\t0\t0\t5000\t" SUM "\tetc/old\n";
	const char *fresh = "pakfire-manifest\t1\n"
		"file\t0700\t0\t0\t5000\t" SUM "\tboot/efi/EFI/new.efi\n"
		"file\t0644\t0\t0\t5000\t" SUM "\tetc/new\n";

	assert_int_equal(pf_mounts_parse(*state, mountinfo, strlen(mountinfo), &mt), 0);
	/* On vfat the original (4 KiB) is copied beside its target until the
	 * commit; on ext4 a hard link keeps it for nothing. */
	assert_int_equal(peak(*state, mt, replace, "/srv/r/boot/efi") -
			 peak(*state, mt, fresh, "/srv/r/boot/efi"), 4096);
	assert_int_equal(peak(*state, mt, replace, "/srv/r"), peak(*state, mt, fresh, "/srv/r"));
	pf_mounts_free(mt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_mode_from_fmask),
		cmocka_unit_test(test_showexec_keeps_x_for_programs_only),
		cmocka_unit_test(test_no_fmask_files_as_the_root),
		cmocka_unit_test(test_names_fold_ascii_case),
		cmocka_unit_test_setup_teardown(test_mountinfo_options_and_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_counts_the_copy_on_vfat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
