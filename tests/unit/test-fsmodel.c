/* fsmodel.c: what a file, a symlink, a folder and a name cost on ext4 (1
 * and 4 KiB blocks), tmpfs and vfat, figure by figure; and the planner
 * adding the growth of the folders an update makes names in
 * (dirgrowth.c), on one synthetic mount of each kind. The figures measured
 * against df on real file systems are tests/e2e/space-fs.sh's. */
#include <inttypes.h>

#include "unit.h"
#include "format/manifest.h"
#include "plan/dirgrowth.h"
#include "plan/fsmodel.h"
#include "plan/mounts.h"
#include "plan/plan.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)

static const struct pf_space ext4k = { .kind = PF_FS_EXT, .bsize = 4096 };
static const struct pf_space ext1k = { .kind = PF_FS_EXT, .bsize = 1024 };
static const struct pf_space tmpfs = { .kind = PF_FS_TMPFS, .bsize = 4096 };
static const struct pf_space vfat2k = { .kind = PF_FS_VFAT, .bsize = 2048, .inodes_unlimited = true };
static const struct pf_space other = { .kind = PF_FS_OTHER, .bsize = 4096 };

static void expect_fig(const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		fail_msg("%s: got %" PRIu64 ", expected %" PRIu64, what, got, want);
}

static void test_kind_of_fstype(void **state)
{
	(void)state;
	assert_int_equal(pf_fs_kind_of("ext4"), PF_FS_EXT);
	assert_int_equal(pf_fs_kind_of("ext2"), PF_FS_EXT);
	assert_int_equal(pf_fs_kind_of("tmpfs"), PF_FS_TMPFS);
	assert_int_equal(pf_fs_kind_of("vfat"), PF_FS_VFAT);
	assert_int_equal(pf_fs_kind_of("btrfs"), PF_FS_OTHER);
	assert_int_equal(pf_fs_kind_of(NULL), PF_FS_OTHER);
}

static void test_ext4_files(void **state)
{
	(void)state;
	expect_fig("empty", pf_fs_file_bytes(&ext4k, 0), 0);
	expect_fig("1 byte", pf_fs_file_bytes(&ext4k, 1), 4096);
	expect_fig("4097 bytes", pf_fs_file_bytes(&ext4k, 4097), 8192);
	/* up to four extents of 128 KiB live in the inode */
	expect_fig("512 KiB", pf_fs_file_bytes(&ext4k, 512 * KiB), 512 * KiB);
	expect_fig("512 KiB + 1", pf_fs_file_bytes(&ext4k, 512 * KiB + 1), 516 * KiB + 4096);
	/* 800 extents: three leaves of 340 */
	expect_fig("100 MiB", pf_fs_file_bytes(&ext4k, 100 * MiB), 100 * MiB + 3 * 4096);
	expect_fig("1 KiB blocks, 3000 bytes", pf_fs_file_bytes(&ext1k, 3000), 3072);
	/* 1600 extents: 20 leaves of 84, and an index block above them */
	expect_fig("1 KiB blocks, 200 MiB", pf_fs_file_bytes(&ext1k, 200 * MiB), 200 * MiB + 21 * 1024);
	/* what an existing file surely frees: its data */
	expect_fig("held, 100 MiB", pf_fs_file_held(&ext4k, 100 * MiB), 100 * MiB);
	expect_fig("held, 4097", pf_fs_file_held(&ext1k, 4097), 5120);
}

static void test_symlinks_and_folders(void **state)
{
	(void)state;
	expect_fig("ext4 59", pf_fs_symlink_bytes(&ext4k, 59), 0);
	expect_fig("ext4 60", pf_fs_symlink_bytes(&ext4k, 60), 4096);
	expect_fig("ext4 1k 60", pf_fs_symlink_bytes(&ext1k, 60), 1024);
	expect_fig("tmpfs 127", pf_fs_symlink_bytes(&tmpfs, 127), 0);
	expect_fig("tmpfs 128", pf_fs_symlink_bytes(&tmpfs, 128), 4096);
	expect_fig("vfat", pf_fs_symlink_bytes(&vfat2k, 10), 0);
	expect_fig("other 60", pf_fs_symlink_bytes(&other, 60), 4096);
	expect_fig("ext4 folder", pf_fs_dir_bytes(&ext4k), 4096);
	expect_fig("tmpfs folder", pf_fs_dir_bytes(&tmpfs), 0);
	expect_fig("vfat folder", pf_fs_dir_bytes(&vfat2k), 2048);
	expect_fig("tmpfs file", pf_fs_file_bytes(&tmpfs, 4097), 8192);
	expect_fig("vfat file", pf_fs_file_bytes(&vfat2k, 2049), 4096);
	expect_fig("vfat empty file", pf_fs_file_bytes(&vfat2k, 0), 0);
}

static void test_names(void **state)
{
	(void)state;
	expect_fig("ext4 f", pf_fs_name_bytes(&ext4k, "f", 1), 12);
	expect_fig("ext4 temporary", pf_fs_name_bytes(&ext4k, ".pakfire-core-185-123", 21), 32);
	expect_fig("ext4 backup", pf_fs_name_bytes(&ext4k, ".pakfire-old-core-185-12", 24), 32);
	expect_fig("tmpfs", pf_fs_name_bytes(&tmpfs, "anything", 8), 0);
	expect_fig("other", pf_fs_name_bytes(&other, "anything", 8), 0);
	/* vfat: an upper-case 8.3 name is one slot; anything else has a long
	 * name too, 13 characters a slot */
	expect_fig("vfat BOOTX64.EFI", pf_fs_name_bytes(&vfat2k, "BOOTX64.EFI", 11), 32);
	expect_fig("vfat GRUB", pf_fs_name_bytes(&vfat2k, "GRUB", 4), 32);
	expect_fig("vfat acpi.mod", pf_fs_name_bytes(&vfat2k, "acpi.mod", 8), 64);
	expect_fig("vfat 9-char base", pf_fs_name_bytes(&vfat2k, "ABCDEFGHI", 9), 64);
	expect_fig("vfat 4-char ext", pf_fs_name_bytes(&vfat2k, "A.EFIX", 6), 64);
	expect_fig("vfat two dots", pf_fs_name_bytes(&vfat2k, "A.B.C", 5), 64);
	expect_fig("vfat 13 chars", pf_fs_name_bytes(&vfat2k, "vmlinuz-6.1.1", 13), 64);
	expect_fig("vfat 14 chars", pf_fs_name_bytes(&vfat2k, "vmlinuz-6.1.10", 14), 96);
	expect_fig("vfat temporary", pf_fs_name_bytes(&vfat2k, ".pakfire-core-185-123", 21), 96);
	/* UTF-8: "ä" is one UTF-16 unit, U+1F600 two */
	expect_fig("vfat 13 umlauts", pf_fs_name_bytes(&vfat2k,
		"\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
		"\xc3\xa4\xc3\xa4", 26), 64);
	expect_fig("vfat 12 + emoji", pf_fs_name_bytes(&vfat2k, "abcdefghijkl\xf0\x9f\x98\x80", 16), 96);
	/* the fewest a name can take: an 8.3 name in small letters is one
	 * slot under shortname=winnt and as Windows and mtools write it */
	expect_fig("least acpi.mod", pf_fs_name_bytes_least(&vfat2k, "acpi.mod", 8), 32);
	expect_fig("least grub", pf_fs_name_bytes_least(&vfat2k, "grub", 4), 32);
	expect_fig("least GRUB", pf_fs_name_bytes_least(&vfat2k, "GRUB", 4), 32);
	expect_fig("least acpi.module", pf_fs_name_bytes_least(&vfat2k, "acpi.module", 11), 64);
	expect_fig("least temporary", pf_fs_name_bytes_least(&vfat2k, ".pakfire-core-185-123", 21), 96);
	expect_fig("least ext4", pf_fs_name_bytes_least(&ext4k, "acpi.mod", 8), 16);
	expect_fig("least tmpfs", pf_fs_name_bytes_least(&tmpfs, "acpi.mod", 8), 0);
}

static void test_ext4_folder_growth(void **state)
{
	struct pf_fs_dir fresh = { .alloc = 4096, .used = 0, .used_known = true };
	struct pf_fs_dir small = { .alloc = 1024, .used = 900, .used_known = true };
	struct pf_fs_dir tree = { .alloc = 7 * 4096, .used = 16000, .used_known = true };
	struct pf_fs_dir unread = { .alloc = 4096, .used_known = false };

	(void)state;
	/* one block holds bs - 36 bytes of names beside ".", ".." and the
	 * checksum tail (measured: 139 temporaries of 4052 bytes fit, 140
	 * do not) */
	expect_fig("4060 in a fresh folder", pf_fs_dir_growth(&ext4k, &fresh, 4060), 0);
	/* then a hash tree: a root and two leaves */
	expect_fig("4061", pf_fs_dir_growth(&ext4k, &fresh, 4061), 2 * 4096);
	/* leaves counted half full: 8400 bytes are 5 leaves */
	expect_fig("8400", pf_fs_dir_growth(&ext4k, &fresh, 8400), 5 * 4096);
	expect_fig("1 KiB, 88 more", pf_fs_dir_growth(&ext1k, &small, 88), 0);
	expect_fig("1 KiB, 89 more", pf_fs_dir_growth(&ext1k, &small, 89), 2 * 1024);
	/* a tree of 6 leaves with 16000 bytes, 39000 more: 27 leaves */
	expect_fig("tree", pf_fs_dir_growth(&ext4k, &tree, 39000), 21 * 4096);
	/* a folder that was not read is taken as full: one name more makes
	 * it a tree of 4096 bytes in half-full leaves, 3 of them */
	expect_fig("unread, one name", pf_fs_dir_growth(&ext4k, &unread, 12), 3 * 4096);
	expect_fig("nothing added", pf_fs_dir_growth(&ext4k, &unread, 0), 0);
	/* past the root's 507 leaves, a second level of index blocks */
	expect_fig("508 leaves", pf_fs_dir_growth(&ext4k, &fresh, 508 * 2042),
		   (508 + 1 + 1 - 1) * 4096);
	expect_fig("tmpfs", pf_fs_dir_growth(&tmpfs, &fresh, 100000), 0);
	expect_fig("other", pf_fs_dir_growth(&other, &fresh, 100000), 0);
}

static void test_vfat_folder_growth(void **state)
{
	struct pf_fs_dir fresh = { .alloc = 2048, .used = 0, .used_known = true };
	struct pf_fs_dir unread = { .alloc = 4096, .used_known = false };

	(void)state;
	/* "." and ".." take 64 bytes of the first cluster */
	expect_fig("1984", pf_fs_dir_growth(&vfat2k, &fresh, 1984), 0);
	expect_fig("1985", pf_fs_dir_growth(&vfat2k, &fresh, 1985), 2048);
	/* a folder that was not read is taken as full */
	expect_fig("unread, one slot", pf_fs_dir_growth(&vfat2k, &unread, 32), 2048);
	expect_fig("unread, 2049", pf_fs_dir_growth(&vfat2k, &unread, 2049), 2 * 2048);
	/* ext4 and vfat folders are read; tmpfs ones cost nothing */
	assert_true(pf_fs_dir_readable(&vfat2k));
	assert_true(pf_fs_dir_readable(&ext4k));
	assert_false(pf_fs_dir_readable(&tmpfs));
	/* what a folder surely has: its entries and "." and ".." in clusters
	 * (vfat), or in blocks of bs bytes (ext4: "." and ".." are 24) */
	expect_fig("least vfat, empty", pf_fs_dir_least(&vfat2k, 0), 2048);
	expect_fig("least vfat 1984", pf_fs_dir_least(&vfat2k, 1984), 2048);
	expect_fig("least vfat 1985", pf_fs_dir_least(&vfat2k, 1985), 4096);
	expect_fig("least ext4 4072", pf_fs_dir_least(&ext4k, 4072), 4096);
	expect_fig("least ext4 4073", pf_fs_dir_least(&ext4k, 4073), 8192);
	expect_fig("least tmpfs", pf_fs_dir_least(&tmpfs, 100000), 0);
}

/* The planner on one synthetic mount, /srv/r, of the kind under test. */

struct world {
	struct pf_ctx *ctx;
	struct pf_mount_table *mt;
	struct pf_space space;
	const char *dirs[8];     /* folders that exist (alloc: one block) */
	uint64_t dir_used;       /* what dir_usage says each of them holds */
	const char *file;        /* a file that exists, FILE_SIZE bytes */
	uint64_t file_size;
	unsigned reads;
};

static int w_resolve(void *data, const char *path, char *host, size_t size)
{
	(void)data;
	snprintf(host, size, "/srv/r%s%s", *path ? "/" : "", path);
	return 0;
}

static int w_existing(void *data, const char *path, struct pf_existing *out)
{
	struct world *w = data;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < 8 && w->dirs[i]; i++)
		if (!strcmp(path, w->dirs[i]))
			*out = (struct pf_existing){ .exists = true, .is_dir = true,
						     .alloc = w->space.bsize };
	if (w->file && !strcmp(path, w->file))
		*out = (struct pf_existing){ .exists = true, .estimated = true, .size = w->file_size };
	return 0;
}

static int w_removable(void *data, const char *path, struct pf_existing *now, bool *out)
{
	*out = false;
	return w_existing(data, path, now);
}

static int w_space(void *data, const struct pf_mount *m, struct pf_space *out)
{
	struct world *w = data;

	(void)m;
	*out = w->space;
	return 0;
}

static int w_dir_usage(void *data, const char *dir, const struct pf_space *s,
		       struct pf_fs_dir *out)
{
	struct world *w = data;

	(void)dir;
	w->reads++;
	out->used = out->least = w->dir_used;
	out->alloc = s->bsize;
	return 0;
}

/* NEEDED and AFTER's drop on /srv/r for the last of the N updates (cores
 * 139, 140, ...) of the manifests TEXTS, planned as one chain. */
static void plan_chain(struct world *w, const char *const *texts, size_t n, uint64_t *needed,
		       uint64_t *used_after)
{
	static const char mountinfo[] = "30 1 8:2 / /srv/r rw,relatime - ext4 /dev/sda2 rw\n";
	struct pf_plan_probe probe = { w_resolve, w_existing, w_removable, w_space, w, w_dir_usage };
	struct pf_plan_env env = { .probe = &probe, .root_host = "/srv/r", .cache = "" };
	static const char *const units[] = { "core-139", "core-140" };
	static const char *const labels[] = { "core 139", "core 140" };
	struct pf_manifest *m[2] = { NULL, NULL };
	struct pf_plan *p = NULL;
	struct pf_plan_input in[2];
	const struct pf_plan_row *row;

	w->space.avail = 1024 * MiB;
	w->space.inodes = 100000;
	assert_true(n >= 1 && n <= 2);
	if (pf_mounts_parse(w->ctx, mountinfo, strlen(mountinfo), &w->mt) < 0)
		fail_msg("%s", pf_error_message(w->ctx));
	for (size_t i = 0; i < n; i++) {
		if (pf_manifest_parse(w->ctx, "test.manifest", texts[i], strlen(texts[i]), &m[i]) < 0)
			fail_msg("%s", pf_error_message(w->ctx));
		in[i] = (struct pf_plan_input){ .number = 139 + (unsigned)i, .m = m[i],
						.unit = units[i], .label = labels[i] };
	}
	env.mounts = w->mt;
	if (pf_plan_chain(w->ctx, &env, in, n, &p) < 0)
		fail_msg("pf_plan_chain: %s", pf_error_message(w->ctx));
	assert_int_equal(p->updates[n - 1].n_rows, 1);
	row = &p->updates[n - 1].rows[0];
	*needed = row->needed;
	*used_after = row->available - row->after;
	pf_plan_free(p);
	for (size_t i = 0; i < n; i++)
		pf_manifest_free(m[i]);
	pf_mounts_free(w->mt);
	w->mt = NULL;
}

static void plan_one(struct world *w, const char *text, uint64_t *needed, uint64_t *used_after)
{
	plan_chain(w, &text, 1, needed, used_after);
}

#define SHA "0000000000000000000000000000000000000000000000000000000000000000"

/* usr/share/big/f000..f199, 100 bytes each: folders share and big are
 * new, usr exists. */
static char *two_hundred_files(void)
{
	size_t cap = 256 * 200, n = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	n += (size_t)snprintf(t + n, cap - n, "pakfire-manifest\t1\n");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(t + n, cap - n, "file\t0644\t0\t0\t100\t" SHA "\tusr/share/big/f%03d\n", i);
	return t;
}

static void test_plan_counts_folder_growth(void **state)
{
	struct world w = { .ctx = *state, .dirs = { "", "usr" }, .dir_used = 100 };
	char *text = two_hundred_files();
	uint64_t needed, after;

	/* ext4, 4 KiB: 200 blocks of data, two new folders, and big's names:
	 * 200 temporaries (6000 bytes) and 200 names (2400) are 5 leaves
	 * and a root, 5 blocks more than its first; usr (read: 100 bytes)
	 * takes "share" without growing */
	w.space = ext4k;
	plan_one(&w, text, &needed, &after);
	expect_fig("ext4 needed", needed, (200 + 2 + 5) * 4096);
	expect_fig("ext4 after", after, needed);
	assert_int_equal(w.reads, 1);

	/* tmpfs: the pages of the data, nothing else */
	w.space = tmpfs;
	plan_one(&w, text, &needed, &after);
	expect_fig("tmpfs needed", needed, 200 * 4096);

	/* vfat, 2 KiB clusters: a cluster per file and per new folder; big's
	 * 200 temporaries (3 slots) and names (f000: 2 slots) are 32064
	 * bytes with "." and "..", 16 clusters; usr (read: 100 bytes) takes
	 * "share" without growing */
	w.space = vfat2k;
	w.reads = 0;
	plan_one(&w, text, &needed, &after);
	expect_fig("vfat needed", needed, (200 + 2 + 15) * 2048);
	assert_int_equal(w.reads, 1);
	free(text);
}

/* A chain on vfat whose second update replaces every file of the first:
 * it may count only on the room the folder surely has then, not on what
 * the first was counted to take (measured: IPFire's core updates 183 and
 * 185, grub's modules in /boot; tests/e2e/space-fs.sh). */
static void test_chain_counts_on_sure_room(void **state)
{
	struct world w = { .ctx = *state, .dirs = { "", "usr" }, .dir_used = 100 };
	char *texts[2] = { two_hundred_files(), two_hundred_files() };
	uint64_t needed, after;

	w.space = vfat2k;
	plan_chain(&w, (const char *const *)texts, 1, &needed, &after);
	expect_fig("core 139 needed", needed, (200 + 2 + 15) * 2048);
	/* core 139 was counted 16 clusters for big: its 200 temporaries
	 * and names, as if all were there at once. But the kernel puts each
	 * name in the room of a temporary renamed before it: at its peak
	 * big held its 200 temporaries (600 slots) and "." and "..", 10
	 * clusters, and that is all core 140 can count on. Core 140 makes
	 * 200 temporaries and 200 backups (3 slots each) beside the 200
	 * names (f000: 2 slots): 1602 slots, 26 clusters, 16 more; and the
	 * new data and a copy of each original, a cluster each */
	plan_chain(&w, (const char *const *)texts, 2, &needed, &after);
	expect_fig("core 140 needed", needed, (200 + 200 + 16) * 2048);
	/* after the commit: the originals and their copies freed */
	expect_fig("core 140 after", after, 16 * 2048);
	free(texts[0]);
	free(texts[1]);
}

static void test_plan_replacing_a_file(void **state)
{
	/* A 1 MiB file that the database knows replaced by one of 2 MiB on
	 * ext4: the new data and its extent block at the peak, a temporary
	 * and a backup name in usr/lib (read: room for both); after the
	 * commit, the old data freed, never its extent blocks (not counted
	 * as held) */
	struct world w = { .ctx = *state, .dirs = { "", "usr", "usr/lib" }, .dir_used = 200,
			   .file = "usr/lib/libbig.so", .file_size = 1 * MiB };
	const char *text = "pakfire-manifest\t1\n"
			   "file\t0755\t0\t0\t2097152\t" SHA "\tusr/lib/libbig.so\n";
	uint64_t needed, after;

	w.space = ext4k;
	plan_one(&w, text, &needed, &after);
	expect_fig("needed", needed, 2 * MiB + 4096);
	expect_fig("after", after, 1 * MiB + 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_of_fstype),
		cmocka_unit_test(test_ext4_files),
		cmocka_unit_test(test_symlinks_and_folders),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ext4_folder_growth),
		cmocka_unit_test(test_vfat_folder_growth),
		cmocka_unit_test_setup_teardown(test_plan_counts_folder_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_replacing_a_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_counts_on_sure_room, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
