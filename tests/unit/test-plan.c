/* plan.c: pf_plan_chain on synthetic mount tables and a synthetic probe.
 *
 * The root is /srv/r on the host. Its mounts (mountinfo text below):
 *
 *   /srv/r                  8:2   "/"      bsize 4096   the root itself
 *   /srv/r/boot             8:3   "/boot"  bsize 1024
 *   /srv/r/usr              8:6   "/usr"   bsize 4096
 *   /srv/r/var              8:5   "/var"   bsize 4096   holds the cache
 *   /srv/r/data             8:4   bound from the host's /data (also 8:4)
 *   /srv/r/mnt/archive      8:4   another bind of the same device
 *   /srv/r/etc/resolv.conf  0:50  a file bind mount (its own device)
 *   /srv/r/srv/ro           8:7   read-only
 *
 * The probe answers from small tables: what exists, what a 'remove' may
 * free, the free space per mount point; "lib" is a symlink to "usr/lib" as
 * on a merged-/usr system, so lib/x must land on /usr. Every test asserts
 * the exact figures of the rows it cares about. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "format/config.h"
#include "ops/session.h"
#include "state/history.h"
#include "state/units.h"
#include "format/manifest.h"
#include "plan/mounts.h"
#include "plan/plan.h"
#include "plan/space.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)
#define GiB (1024ull * 1024 * 1024)

static const char mountinfo[] =
	"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"23 22 8:4 / /data rw,relatime - ext4 /dev/sdb1 rw\n"
	"30 22 8:2 / /srv/r rw,relatime - ext4 /dev/sda2 rw\n"
	"31 30 8:3 / /srv/r/boot rw,relatime - ext4 /dev/sda3 rw\n"
	"32 30 8:6 / /srv/r/usr rw,relatime - ext4 /dev/sda6 rw\n"
	"33 30 8:5 / /srv/r/var rw,relatime - ext4 /dev/sda5 rw\n"
	"34 30 8:4 /exports /srv/r/data rw,relatime - ext4 /dev/sdb1 rw\n"
	"35 30 8:4 /archive /srv/r/mnt/archive rw,relatime - ext4 /dev/sdb1 rw\n"
	"36 30 0:50 /resolv.conf /srv/r/etc/resolv.conf rw,relatime - tmpfs tmpfs rw\n"
	"37 30 8:7 / /srv/r/srv/ro ro,relatime - ext4 /dev/sda7 ro\n";

#define MAX_ROWS 64

struct fake_file {
	char *path;          /* root-relative, symlinks of the root resolved */
	bool is_dir;
	bool shared;         /* has other hard links */
	uint64_t alloc;
};

struct fake_space {
	const char *point;
	struct pf_space sp;
	unsigned calls;      /* how often the planner asked (once per device) */
};

struct fake_link {
	const char *from, *to;  /* a symlink of the root: "lib" -> "usr/lib" */
};

struct world {
	struct pf_ctx *ctx;
	struct pf_mount_table *mt;
	struct fake_file files[MAX_ROWS];
	size_t n_files;
	const char *removable[MAX_ROWS];
	size_t n_removable;
	struct fake_space spaces[16];
	size_t n_spaces;
	struct fake_link links[4];
	size_t n_links;
	const char *lost;    /* paths under this prefix resolve to no mount */
	unsigned removable_calls;
	struct pf_plan_probe probe;
	struct pf_plan_env env;
	struct pf_reserve reserves[4];
	struct pf_manifest *ms[8];   /* freed by teardown */
	size_t n_ms;
	struct pf_plan *plan;        /* freed by teardown */
};

/* The root-relative path with the root's symlinks resolved in its folders
 * (the last component is left alone: a symlink itself is what is there). */
static void canon(const struct world *w, const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	for (int hops = 0; hops < 8; hops++) {
		bool moved = false;

		for (size_t i = 0; i < w->n_links; i++) {
			size_t n = strlen(w->links[i].from);
			char rest[4096];

			if (strncmp(out, w->links[i].from, n) || out[n] != '/')
				continue;
			snprintf(rest, sizeof(rest), "%s", out + n);
			snprintf(out, size, "%s%s", w->links[i].to, rest);
			moved = true;
		}
		if (!moved)
			return;
	}
}

static int fk_resolve(void *data, const char *path, char *host, size_t size)
{
	struct world *w = data;
	char c[4096];
	int n;

	canon(w, path, c, sizeof(c));
	/* A path the probe cannot place: the planner must fail, not guess. */
	if (w->lost && !strncmp(c, w->lost, strlen(w->lost)))
		n = snprintf(host, size, "srv/r/%s", c);
	else
		n = snprintf(host, size, "/srv/r/%s", c);
	if (n < 0 || (size_t)n >= size)
		return pf_fail(w->ctx, PF_E_OTHER, "path too long: %s", path);
	return 0;
}

static const struct fake_file *find_file(const struct world *w, const char *path)
{
	char c[4096];

	canon(w, path, c, sizeof(c));
	for (size_t i = 0; i < w->n_files; i++)
		if (!strcmp(w->files[i].path, c))
			return &w->files[i];
	return NULL;
}

static int fk_existing(void *data, const char *path, struct pf_existing *out)
{
	const struct fake_file *f = find_file(data, path);

	memset(out, 0, sizeof(*out));
	if (f) {
		out->exists = true;
		out->is_dir = f->is_dir;
		out->shared = f->shared;
		out->alloc = f->alloc;
		out->size = f->alloc;
	}
	return 0;
}

static int fk_removable(void *data, const char *path, struct pf_existing *now, bool *out)
{
	struct world *w = data;
	char c[4096];

	w->removable_calls++;
	if (fk_existing(data, path, now) < 0)
		return -1;
	canon(w, path, c, sizeof(c));
	*out = false;
	for (size_t i = 0; i < w->n_removable; i++)
		if (!strcmp(w->removable[i], c))
			*out = true;
	return 0;
}

static int fk_space(void *data, const struct pf_mount *m, struct pf_space *out)
{
	struct world *w = data;

	for (size_t i = 0; i < w->n_spaces; i++)
		if (!strcmp(w->spaces[i].point, m->point)) {
			w->spaces[i].calls++;
			*out = w->spaces[i].sp;
			return 0;
		}
	return pf_fail(w->ctx, PF_E_OTHER, "statvfs %s: no such mount in the test", m->point);
}

static struct fake_space *space_of(struct world *w, const char *point)
{
	for (size_t i = 0; i < w->n_spaces; i++)
		if (!strcmp(w->spaces[i].point, point))
			return &w->spaces[i];
	fail_msg("no space entry for %s", point);
	return NULL;
}

static void add_space(struct world *w, const char *point, uint64_t bsize,
		      uint64_t avail, uint64_t inodes, bool readonly)
{
	assert_true(w->n_spaces < sizeof(w->spaces) / sizeof(w->spaces[0]));
	w->spaces[w->n_spaces++] = (struct fake_space){
		.point = point,
		.sp = { .bsize = bsize, .avail = avail, .inodes = inodes, .readonly = readonly },
	};
}

static void disk_add(struct world *w, const char *path, bool is_dir, uint64_t alloc)
{
	assert_true(w->n_files < MAX_ROWS);
	w->files[w->n_files].path = strdup(path);
	assert_non_null(w->files[w->n_files].path);
	w->files[w->n_files].is_dir = is_dir;
	w->files[w->n_files].alloc = alloc;
	w->n_files++;
}

/* A file with another hard link somewhere (st_nlink 2). */
static void disk_add_linked(struct world *w, const char *path, uint64_t alloc)
{
	disk_add(w, path, false, alloc);
	w->files[w->n_files - 1].shared = true;
}

static void disk_removable(struct world *w, const char *path)
{
	assert_true(w->n_removable < MAX_ROWS);
	w->removable[w->n_removable++] = path;
}

static int world_setup(void **state)
{
	static const char *const dirs[] = {
		"boot", "etc", "usr", "usr/lib", "usr/bin", "var", "var/cache",
		"var/cache/pakfire", "data", "mnt", "mnt/archive", "srv", "srv/ro",
	};
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	*state = w;
	w->ctx = pf_ctx_new();
	if (!w->ctx || pf_mounts_parse(w->ctx, mountinfo, strlen(mountinfo), &w->mt) < 0) {
		/* cmocka skips the teardown of a failed setup. */
		pf_ctx_free(w->ctx);
		free(w);
		*state = NULL;
		return -1;
	}
	add_space(w, "/srv/r", 4096, 1 * GiB, 100000, false);
	add_space(w, "/srv/r/boot", 1024, 64 * MiB, 10000, false);
	add_space(w, "/srv/r/usr", 4096, 2 * GiB, 200000, false);
	add_space(w, "/srv/r/var", 4096, 256 * MiB, 50000, false);
	add_space(w, "/srv/r/data", 4096, 512 * MiB, 30000, false);
	add_space(w, "/srv/r/mnt/archive", 4096, 512 * MiB, 30000, false);
	add_space(w, "/data", 4096, 512 * MiB, 30000, false);
	add_space(w, "/srv/r/etc/resolv.conf", 4096, 1 * MiB, 1000, false);
	add_space(w, "/srv/r/srv/ro", 4096, 100 * MiB, 1000, true);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		disk_add(w, dirs[i], true, 4096);
	disk_add(w, "lib", false, 0);   /* lib -> usr/lib, a fast symlink */
	disk_add(w, "etc/resolv.conf", false, 4096);
	w->links[w->n_links++] = (struct fake_link){ "lib", "usr/lib" };
	w->probe = (struct pf_plan_probe){ fk_resolve, fk_existing, fk_removable, fk_space, w };
	w->env = (struct pf_plan_env){
		.mounts = w->mt, .probe = &w->probe, .root_host = "/srv/r",
		.cache = "var/cache/pakfire", .reserves = w->reserves, .n_reserves = 0,
	};
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	if (!w)
		return 0;
	pf_plan_free(w->plan);
	for (size_t i = 0; i < w->n_ms; i++)
		pf_manifest_free(w->ms[i]);
	for (size_t i = 0; i < w->n_files; i++)
		free(w->files[i].path);
	pf_mounts_free(w->mt);
	pf_ctx_free(w->ctx);
	free(w);
	return 0;
}

/* Manifests, built the way pakfire-repo builds them. */

static struct pf_manifest *mf_new(struct world *w)
{
	struct pf_manifest *m = pf_manifest_new();

	assert_non_null(m);
	assert_true(w->n_ms < sizeof(w->ms) / sizeof(w->ms[0]));
	w->ms[w->n_ms++] = m;
	return m;
}

static void mf_add(struct world *w, struct pf_manifest *m, const struct pf_entry *e)
{
	if (pf_manifest_add(w->ctx, m, e) < 0)
		fail_msg("pf_manifest_add %s: %s", e->path, pf_error_message(w->ctx));
}

static void mf_file(struct world *w, struct pf_manifest *m, const char *path, uint64_t size)
{
	mf_add(w, m, &(struct pf_entry){ .type = PF_ENTRY_FILE, .path = (char *)path,
					  .mode = 0644, .size = size });
}

static void mf_dir(struct world *w, struct pf_manifest *m, const char *path)
{
	mf_add(w, m, &(struct pf_entry){ .type = PF_ENTRY_DIR, .path = (char *)path, .mode = 0755 });
}

static void mf_link(struct world *w, struct pf_manifest *m, const char *path, const char *target)
{
	mf_add(w, m, &(struct pf_entry){ .type = PF_ENTRY_SYMLINK, .path = (char *)path,
					  .target = (char *)target });
}

static void mf_rm(struct world *w, struct pf_manifest *m, const char *path)
{
	mf_add(w, m, &(struct pf_entry){ .type = PF_ENTRY_REMOVE, .path = (char *)path });
}

static void mf_done(struct world *w, struct pf_manifest *m)
{
	if (pf_manifest_check(w->ctx, "test.manifest", m) < 0)
		fail_msg("pf_manifest_check: %s", pf_error_message(w->ctx));
}

static const struct pf_plan *plan(struct world *w, const struct pf_plan_input *in, size_t n)
{
	pf_plan_free(w->plan);
	w->plan = NULL;
	if (pf_plan_chain(w->ctx, &w->env, in, n, &w->plan) < 0)
		fail_msg("pf_plan_chain: %s", pf_error_message(w->ctx));
	assert_non_null(w->plan);
	assert_int_equal(w->plan->n, n);
	return w->plan;
}

/* One update, no package (already in the cache). */
static const struct pf_plan *plan1(struct world *w, const struct pf_manifest *m)
{
	const struct pf_plan_input in = { .number = 141, .m = m };

	return plan(w, &in, 1);
}

/* The row of update U on the file system known as NAME, or NULL. */
static const struct pf_plan_row *row(const struct pf_plan *p, size_t u, const char *name)
{
	const struct pf_plan_update *up = &p->updates[u];

	for (size_t i = 0; i < up->n_rows; i++)
		if (!strcmp(p->fs[up->rows[i].fs].name, name))
			return &up->rows[i];
	return NULL;
}

static const struct pf_plan_row *must_row(const struct pf_plan *p, size_t u, const char *name)
{
	const struct pf_plan_row *r = row(p, u, name);

	if (!r)
		fail_msg("update %zu has no row on %s", u, name);
	return r;
}

/* Each figure compared on its own, so that a failure names it in bytes. */
static void expect_fig(const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		fail_msg("%s: got %" PRIu64 ", expected %" PRIu64, what, got, want);
}

static void expect_row(const struct pf_plan_row *r, uint64_t needed, uint64_t inodes,
		       uint64_t available, uint64_t after, bool fits)
{
	expect_fig("needed", r->needed, needed);
	expect_fig("inodes_needed", r->inodes_needed, inodes);
	expect_fig("available", r->available, available);
	expect_fig("after", r->after, after);
	if (r->fits != fits)
		fail_msg("fits: got %s, expected %s", r->fits ? "true" : "false",
			 fits ? "true" : "false");
}

/* ---- sizes ---------------------------------------------------------- */

/* A file costs its size rounded up to the block size of the file system it
 * is created on, and one inode; an empty file only the inode. */
static void test_file_rounded_to_block(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	mf_file(w, m, "etc/a", 1);          /* 4096 */
	mf_file(w, m, "etc/b", 4096);       /* 4096 */
	mf_file(w, m, "etc/c", 4097);       /* 8192 */
	mf_file(w, m, "etc/d", 0);          /* 0, one inode */
	mf_file(w, m, "boot/e", 1);         /* 1024 on /boot */
	mf_file(w, m, "boot/f", 1500);      /* 2048 */
	mf_file(w, m, "boot/g", 2048);      /* 2048 */
	mf_done(w, m);
	p = plan1(w, m);
	assert_true(p->updates[0].fits);
	assert_true(p->updates[0].reached);
	assert_int_equal(p->first_refused, 1);
	assert_int_equal(p->updates[0].number, 141);
	assert_int_equal(p->updates[0].n_rows, 2);
	expect_row(must_row(p, 0, "/"), 16384, 4, 1 * GiB, 1 * GiB - 16384, true);
	expect_row(must_row(p, 0, "/boot"), 5120, 3, 64 * MiB, 64 * MiB - 5120, true);
	assert_int_equal(must_row(p, 0, "/")->inodes_available, 100000);
	assert_int_equal(must_row(p, 0, "/boot")->inodes_available, 10000);
}

/* Folders that do not exist yet cost a block and an inode each, whether
 * listed or implied, once; folders that exist cost nothing. */
static void test_implicit_parents(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	mf_file(w, m, "opt/app/bin/tool", 100);   /* opt, opt/app, opt/app/bin + file */
	mf_file(w, m, "opt/app/bin/tool2", 100);  /* file only */
	mf_dir(w, m, "opt/app/share");            /* listed: block + inode */
	mf_dir(w, m, "etc");                      /* exists: nothing */
	mf_file(w, m, "etc/new.conf", 10);        /* file only */
	mf_file(w, m, "boot/grub/grub.cfg", 10);  /* boot/grub (1024) + file (1024) */
	mf_done(w, m);
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/"), 7 * 4096, 7, 1 * GiB, 1 * GiB - 7 * 4096, true);
	expect_row(must_row(p, 0, "/boot"), 2048, 2, 64 * MiB, 64 * MiB - 2048, true);
}

/* The same folder implied again by a later update of the chain is not
 * charged twice: the first update created it. */
static void test_parents_created_once_per_chain(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w);
	const struct pf_plan *p;

	mf_file(w, a, "opt/x/one", 1);
	mf_done(w, a);
	mf_file(w, b, "opt/x/two", 1);
	mf_done(w, b);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 140, b, 0 } }, 2);
	expect_row(must_row(p, 0, "/"), 3 * 4096, 3, 1 * GiB, 1 * GiB - 3 * 4096, true);
	expect_row(must_row(p, 1, "/"), 4096, 1, 1 * GiB - 3 * 4096, 1 * GiB - 4 * 4096, true);
}

/* ---- which file system ---------------------------------------------- */

/* /srv/r/boot inside /srv/r: boot/ counts on /boot, the rest on /; names
 * are as seen inside the root. */
static void test_nested_mounts(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	const struct pf_plan_row *r;

	mf_file(w, m, "boot/vmlinuz-6.6", 10 * MiB);
	mf_file(w, m, "boot/initramfs-6.6.img", 20 * MiB + 1);
	mf_file(w, m, "etc/issue", 100);
	mf_file(w, m, "bootx", 100);    /* a sibling with the same prefix: on / */
	mf_done(w, m);
	p = plan1(w, m);
	assert_int_equal(p->updates[0].n_rows, 2);
	expect_row(must_row(p, 0, "/boot"), 30 * MiB + 1024, 2, 64 * MiB, 34 * MiB - 1024, true);
	expect_row(must_row(p, 0, "/"), 8192, 2, 1 * GiB, 1 * GiB - 8192, true);
	r = must_row(p, 0, "/boot");
	assert_string_equal(p->fs[r->fs].mount->point, "/srv/r/boot");
	assert_int_equal(p->fs[r->fs].space.bsize, 1024);
}

/* A symlink of the root (lib -> usr/lib) is followed inside the root:
 * lib/x is created on /usr, and "lib" itself existing means no folder. */
static void test_symlink_in_root_resolves_to_its_mount(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	disk_add(w, "usr/lib/libold.so.1", false, 3 * 4096);
	mf_file(w, m, "lib/libnew.so.2", 5000);
	mf_file(w, m, "lib/libold.so.1", 100);    /* replaces usr/lib/libold.so.1 */
	mf_done(w, m);
	p = plan1(w, m);
	assert_int_equal(p->updates[0].n_rows, 1);
	assert_null(row(p, 0, "/"));
	expect_row(must_row(p, 0, "/usr"), 3 * 4096, 2, 2 * GiB, 2 * GiB, true);
}

/* /srv/r/data and /srv/r/mnt/archive are two bind mounts of one device
 * (8:4, which the host also mounts at /data): one pf_plan_fs, one budget,
 * one statvfs. Each file alone would fit; together they do not. */
static void test_bind_mounts_share_one_budget(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	size_t on_dev = 0;

	space_of(w, "/srv/r/data")->sp.avail = 10000;
	space_of(w, "/srv/r/mnt/archive")->sp.avail = 10000;
	mf_file(w, m, "data/a", 4096);
	mf_file(w, m, "mnt/archive/b", 8192);
	mf_done(w, m);
	p = plan1(w, m);
	for (size_t i = 0; i < p->n_fs; i++)
		if (p->fs[i].mount->major == 8 && p->fs[i].mount->minor == 4)
			on_dev++;
	assert_int_equal(on_dev, 1);
	assert_int_equal(p->updates[0].n_rows, 1);
	expect_row(must_row(p, 0, "/data"), 12288, 2, 10000, 0, false);
	/* Named after the first mount of the device that the root reached. */
	assert_string_equal(p->fs[must_row(p, 0, "/data")->fs].mount->point, "/srv/r/data");
	assert_false(p->updates[0].fits);
	assert_int_equal(p->first_refused, 0);
	assert_int_equal(space_of(w, "/srv/r/data")->calls + space_of(w, "/srv/r/mnt/archive")->calls +
			 space_of(w, "/data")->calls, 1);
}

/* etc/resolv.conf is itself a mount point (a file bind mount, device 0:50):
 * the new file is staged in etc/ and so costs on /; the old one is freed on
 * its own device, and only after the commit. */
static void test_file_that_is_a_mount_point(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w);
	const struct pf_plan *p;
	const uint64_t tmp = 1 * MiB;

	mf_file(w, a, "etc/resolv.conf", 100);
	mf_done(w, a);
	mf_file(w, b, "etc/hosts", 100);
	mf_done(w, b);
	p = plan(w, (const struct pf_plan_input[]){ { 141, a, 0 }, { 142, b, 0 } }, 2);
	assert_int_equal(p->updates[0].n_rows, 2);
	expect_row(must_row(p, 0, "/"), 4096, 1, 1 * GiB, 1 * GiB - 4096, true);
	expect_row(must_row(p, 0, "/etc/resolv.conf"), 0, 0, tmp, tmp + 4096, true);
	/* The next update sees both effects. */
	expect_row(must_row(p, 1, "/"), 4096, 1, 1 * GiB - 4096, 1 * GiB - 8192, true);
	assert_null(row(p, 1, "/etc/resolv.conf"));
}

/* ---- peak accounting ------------------------------------------------ */

/* Replacing a 10 MiB file with a 10 MiB file needs 10 MiB more at the
 * peak (both exist until the commit); afterwards nothing changed. */
static void test_peak_replace(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	disk_add(w, "etc/big.db", false, 10 * MiB);
	mf_file(w, m, "etc/big.db", 10 * MiB);
	mf_done(w, m);

	space_of(w, "/srv/r")->sp.avail = 10 * MiB;
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/"), 10 * MiB, 1, 10 * MiB, 10 * MiB, true);
	assert_int_equal(p->first_refused, 1);

	space_of(w, "/srv/r")->sp.avail = 10 * MiB - 4096;
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/"), 10 * MiB, 1, 10 * MiB - 4096, 10 * MiB - 4096, false);
	assert_int_equal(p->first_refused, 0);
}

/* ---- the chain ------------------------------------------------------ */

/* 139 installs X, 140 removes it (removable because the chain installed
 * it: the probe is not asked), 141 needs X's room: fits only thanks to 140. */
static void test_chain_cleanup_makes_room(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w), *c = mf_new(w);
	const struct pf_plan *p;
	const uint64_t x = 5 * MiB;

	space_of(w, "/srv/r/usr")->sp.avail = 8 * MiB;
	mf_file(w, a, "usr/lib/x.so", x);
	mf_done(w, a);
	mf_rm(w, b, "usr/lib/x.so");
	mf_done(w, b);
	mf_file(w, c, "usr/lib/y.so", x);
	mf_done(w, c);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 140, b, 0 }, { 141, c, 0 } }, 3);
	expect_row(must_row(p, 0, "/usr"), x, 1, 8 * MiB, 3 * MiB, true);
	expect_row(must_row(p, 1, "/usr"), 0, 0, 3 * MiB, 8 * MiB, true);
	expect_row(must_row(p, 2, "/usr"), x, 1, 8 * MiB, 3 * MiB, true);
	assert_int_equal(p->first_refused, 3);
	assert_int_equal(w->removable_calls, 0);
}

/* The same chain where 140 removes something else: 141 does not fit. */
static void test_chain_without_cleanup_is_refused(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w), *c = mf_new(w);
	const struct pf_plan *p;
	const uint64_t x = 5 * MiB;

	space_of(w, "/srv/r/usr")->sp.avail = 8 * MiB;
	mf_file(w, a, "usr/lib/x.so", x);
	mf_done(w, a);
	mf_rm(w, b, "usr/lib/never-installed.so");
	mf_done(w, b);
	mf_file(w, c, "usr/lib/y.so", x);
	mf_done(w, c);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 140, b, 0 }, { 141, c, 0 } }, 3);
	expect_row(must_row(p, 0, "/usr"), x, 1, 8 * MiB, 3 * MiB, true);
	assert_int_equal(p->updates[1].n_rows, 0);   /* a no-op: no file system touched */
	assert_true(p->updates[1].fits);
	expect_row(must_row(p, 2, "/usr"), x, 1, 3 * MiB, 0, false);
	assert_false(p->updates[2].fits);
	assert_true(p->updates[2].reached);
	assert_int_equal(p->first_refused, 2);
}

/* A file 139 installs and 141 replaces frees what 139 wrote, not what the
 * disk holds today. */
static void test_chain_replaced_file_frees_chain_size(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *c = mf_new(w);
	const struct pf_plan *p;
	const uint64_t avail = 2 * GiB;

	disk_add(w, "usr/lib/libz.so.1", false, 1 * MiB);
	mf_file(w, a, "usr/lib/libz.so.1", 3 * MiB);
	mf_done(w, a);
	mf_file(w, c, "usr/lib/libz.so.1", 2 * MiB);
	mf_done(w, c);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 141, c, 0 } }, 2);
	expect_row(must_row(p, 0, "/usr"), 3 * MiB, 1, avail, avail - 2 * MiB, true);
	expect_row(must_row(p, 1, "/usr"), 2 * MiB, 1, avail - 2 * MiB, avail - 1 * MiB, true);
}

/* What the chain leaves installed, per file system and update (the
 * verdicts' minimum partition): a replaced file leaves it, a removed one
 * too, a folder made stays; and where each update's package lies. */
static void test_chain_bytes(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w), *c = mf_new(w);
	const struct pf_plan *p;

	disk_add(w, "usr/lib/libz.so.1", false, 1 * MiB); /* the installer's */
	mf_file(w, a, "usr/lib/x.so", 5 * MiB);
	mf_file(w, a, "usr/lib/z/a", 1 * MiB);      /* and the folder z */
	mf_done(w, a);
	mf_file(w, b, "usr/lib/x.so", 3 * MiB);
	mf_file(w, b, "usr/lib/libz.so.1", 2 * MiB); /* replaces what it did not install */
	mf_done(w, b);
	mf_rm(w, c, "usr/lib/x.so");
	mf_file(w, c, "usr/lib/y", 1 * MiB);
	mf_done(w, c);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 140, b, 0 },
						    { 141, c, 1000000 } }, 3);
	expect_fig("139's chain on /usr", must_row(p, 0, "/usr")->chain_bytes, 6 * MiB + 4096);
	expect_fig("140's chain on /usr", must_row(p, 1, "/usr")->chain_bytes, 6 * MiB + 4096);
	expect_fig("141's chain on /usr", must_row(p, 2, "/usr")->chain_bytes, 4 * MiB + 4096);
	expect_fig("141's package on /usr", must_row(p, 2, "/usr")->package_bytes, 0);
	expect_fig("141's package on /var", must_row(p, 2, "/var")->package_bytes, 245 * 4096);
	expect_fig("141's chain on /var", must_row(p, 2, "/var")->chain_bytes, 0);
	assert_null(row(p, 0, "/var"));
}

/* ---- removals ------------------------------------------------------- */

/* A 'remove' frees a file only when the probe says an earlier update owns
 * it unmodified; a folder, a missing path or a foreign file frees nothing. */
static void test_removals(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	disk_add(w, "etc/owned.conf", false, 8192);
	disk_add(w, "etc/modified.conf", false, 16384);
	disk_add(w, "etc/olddir", true, 4096);
	disk_removable(w, "etc/owned.conf");
	mf_rm(w, m, "etc/owned.conf");
	mf_rm(w, m, "etc/modified.conf");
	mf_rm(w, m, "etc/olddir");
	mf_rm(w, m, "etc/never-there");
	mf_done(w, m);
	p = plan1(w, m);
	assert_int_equal(p->updates[0].n_rows, 1);
	expect_row(must_row(p, 0, "/"), 0, 0, 1 * GiB, 1 * GiB + 8192, true);
	assert_int_equal(w->removable_calls, 2);   /* only for existing files */
}

/* ---- hard links ----------------------------------------------------- */

/* Replacing a file that has another hard link frees nothing: the new file
 * takes the name, the old inode lives on under the other one. */
static void test_replaced_hard_link_frees_nothing(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	disk_add_linked(w, "etc/linked.db", 8 * MiB);
	disk_add(w, "etc/single.db", false, 8 * MiB);
	mf_file(w, m, "etc/linked.db", 8 * MiB);
	mf_done(w, m);
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/"), 8 * MiB, 1, 1 * GiB, 1 * GiB - 8 * MiB, true);

	m = mf_new(w);
	mf_file(w, m, "etc/single.db", 8 * MiB);
	mf_done(w, m);
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/"), 8 * MiB, 1, 1 * GiB, 1 * GiB, true);
}

/* A 'remove' of an owned file with another hard link deletes a name and
 * frees nothing; the next update that writes the path frees nothing either
 * (the chain remembers that the path is gone). */
static void test_removed_hard_link_frees_nothing(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w);
	const struct pf_plan *p;

	disk_add_linked(w, "etc/linked.db", 8 * MiB);
	disk_removable(w, "etc/linked.db");
	mf_rm(w, a, "etc/linked.db");
	mf_done(w, a);
	mf_file(w, b, "etc/linked.db", 4 * MiB);
	mf_done(w, b);
	p = plan(w, (const struct pf_plan_input[]){ { 140, a, 0 }, { 141, b, 0 } }, 2);
	assert_int_equal(p->updates[0].n_rows, 0);   /* nothing freed, nothing written */
	assert_int_equal(w->removable_calls, 1);
	expect_row(must_row(p, 1, "/"), 4 * MiB, 1, 1 * GiB, 1 * GiB - 4 * MiB, true);
}

/* A 'remove' of a path whose folder does not exist creates nothing: the
 * update writes no folder for it, so it must cost nothing. */
static void test_remove_in_missing_folder_costs_nothing(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	mf_rm(w, m, "opt/gone/lib/old.so");
	mf_done(w, m);
	p = plan1(w, m);
	assert_true(p->updates[0].fits);
	if (p->updates[0].n_rows)
		fail_msg("a remove in a missing folder costs %" PRIu64 " bytes and %" PRIu64
			 " inodes on %s (expected no row)", p->updates[0].rows[0].needed,
			 p->updates[0].rows[0].inodes_needed, p->fs[p->updates[0].rows[0].fs].name);
}

/* ---- reserve -------------------------------------------------------- */

/* needed + reserve <= available fits (equality included); the first update
 * that does not fit stops the chain: the ones after it are not reached. */
static void test_reserve(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *b = mf_new(w), *c = mf_new(w), *d = mf_new(w);
	const struct pf_plan *p;

	w->reserves[0] = (struct pf_reserve){ .mount = (char *)"/boot", .bytes = 1 * MiB };
	w->env.n_reserves = 1;
	space_of(w, "/srv/r/boot")->sp.avail = 2 * MiB;
	mf_file(w, a, "boot/a", 512 * KiB);
	mf_done(w, a);
	mf_file(w, b, "boot/b", 512 * KiB);
	mf_done(w, b);
	mf_file(w, c, "boot/c", 1);
	mf_done(w, c);
	mf_file(w, d, "etc/d", 1);
	mf_done(w, d);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 140, b, 0 },
						    { 141, c, 0 }, { 142, d, 0 } }, 4);
	expect_row(must_row(p, 0, "/boot"), 512 * KiB, 1, 2 * MiB, 1536 * KiB, true);
	expect_row(must_row(p, 1, "/boot"), 512 * KiB, 1, 1536 * KiB, 1 * MiB, true);
	expect_row(must_row(p, 2, "/boot"), 1024, 1, 1 * MiB, 1 * MiB - 1024, false);
	assert_int_equal(p->fs[must_row(p, 2, "/boot")->fs].reserve, 1 * MiB);
	assert_int_equal(p->first_refused, 2);
	assert_true(p->updates[0].reached && p->updates[1].reached && p->updates[2].reached);
	assert_false(p->updates[2].fits);
	assert_false(p->updates[3].reached);
	assert_int_equal(p->updates[3].n_rows, 0);
	assert_int_equal(p->updates[3].number, 142);
}

/* ---- inodes --------------------------------------------------------- */

static void test_inodes(void **state)
{
	struct world *w = *state;
	struct pf_manifest *four = mf_new(w), *three = mf_new(w);
	const struct pf_plan *p;

	space_of(w, "/srv/r/boot")->sp.inodes = 3;
	for (int i = 0; i < 4; i++) {
		char path[32];

		snprintf(path, sizeof(path), "boot/f%d", i);
		mf_file(w, four, path, 1);
		if (i < 3)
			mf_file(w, three, path, 1);
	}
	mf_done(w, four);
	mf_done(w, three);
	p = plan1(w, four);
	expect_row(must_row(p, 0, "/boot"), 4096, 4, 64 * MiB, 64 * MiB - 4096, false);
	assert_int_equal(must_row(p, 0, "/boot")->inodes_available, 3);
	assert_int_equal(p->first_refused, 0);
	p = plan1(w, three);
	expect_row(must_row(p, 0, "/boot"), 3072, 3, 64 * MiB, 64 * MiB - 3072, true);
}

/* btrfs and friends report no inode limit: never refused for inodes. */
static void test_inodes_unlimited(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	space_of(w, "/srv/r/boot")->sp.inodes = 0;
	space_of(w, "/srv/r/boot")->sp.inodes_unlimited = true;
	for (int i = 0; i < 1000; i++) {
		char path[32];

		snprintf(path, sizeof(path), "boot/f%04d", i);
		mf_file(w, m, path, 1);
	}
	mf_done(w, m);
	p = plan(w, (const struct pf_plan_input[]){ { 141, m, 0 }, { 142, m, 0 } }, 2);
	expect_row(must_row(p, 0, "/boot"), 1000 * 1024, 1000, 64 * MiB, 64 * MiB - 1000 * 1024, true);
	assert_int_equal(must_row(p, 0, "/boot")->inodes_available, 0);
	/* The second pass replaces them: the count is not run down either. */
	expect_row(must_row(p, 1, "/boot"), 1000 * 1024, 1000, 64 * MiB - 1000 * 1024,
		   64 * MiB - 1000 * 1024, true);
	assert_int_equal(must_row(p, 1, "/boot")->inodes_available, 0);
	assert_int_equal(p->first_refused, 2);
}

/* An update that writes only inodes (an empty file, a short symlink) on a
 * file system with no inode left must be refused as well: "fits" requires
 * the inodes to suffice whatever the byte count. */
static void test_inodes_exhausted_by_inode_only_writes(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	space_of(w, "/srv/r/boot")->sp.inodes = 1;
	mf_file(w, m, "boot/empty-marker", 0);
	mf_link(w, m, "boot/vmlinuz", "vmlinuz-6.6");
	mf_done(w, m);
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/boot"), 0, 2, 64 * MiB, 64 * MiB, false);
	assert_int_equal(p->first_refused, 0);
}

/* ---- read-only ------------------------------------------------------ */

static void test_readonly(void **state)
{
	struct world *w = *state;
	struct pf_manifest *writes = mf_new(w), *elsewhere = mf_new(w);
	const struct pf_plan *p;

	mf_file(w, writes, "srv/ro/file", 100);
	mf_done(w, writes);
	mf_file(w, elsewhere, "etc/file", 100);
	mf_done(w, elsewhere);
	p = plan1(w, writes);
	expect_row(must_row(p, 0, "/srv/ro"), 4096, 1, 100 * MiB, 100 * MiB - 4096, false);
	assert_int_equal(p->first_refused, 0);
	p = plan1(w, elsewhere);
	assert_null(row(p, 0, "/srv/ro"));
	assert_true(p->updates[0].fits);
	assert_int_equal(p->first_refused, 1);
}

/* An empty file or a short symlink is a write all the same: on a read-only
 * file system it cannot be created. */
static void test_readonly_inode_only_writes(void **state)
{
	struct world *w = *state;
	struct pf_manifest *empty = mf_new(w), *link = mf_new(w);
	const struct pf_plan *p;

	mf_file(w, empty, "srv/ro/empty", 0);
	mf_done(w, empty);
	mf_link(w, link, "srv/ro/current", "v2");
	mf_done(w, link);
	p = plan1(w, empty);
	expect_row(must_row(p, 0, "/srv/ro"), 0, 1, 100 * MiB, 100 * MiB, false);
	p = plan1(w, link);
	expect_row(must_row(p, 0, "/srv/ro"), 0, 1, 100 * MiB, 100 * MiB, false);
}

/* ---- the download cache --------------------------------------------- */

/* The package lies in var/cache/pakfire (on /var) while its update is
 * staged and is deleted once it commits: it costs on /var during the update
 * and comes back after. Already cached (size 0): it costs nothing. */
static void test_package_in_cache(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	const uint64_t v = 256 * MiB;

	mf_file(w, m, "etc/x", 1);
	mf_done(w, m);
	p = plan(w, (const struct pf_plan_input[]){ { 141, m, 1000000 }, { 142, m, 0 },
						    { 143, m, 300 * MiB } }, 3);
	/* 1000000 bytes are 245 blocks of 4096. */
	expect_row(must_row(p, 0, "/var"), 245 * 4096, 1, v, v, true);
	expect_row(must_row(p, 0, "/"), 4096, 1, 1 * GiB, 1 * GiB - 4096, true);
	assert_null(row(p, 1, "/var"));
	expect_row(must_row(p, 1, "/"), 4096, 1, 1 * GiB - 4096, 1 * GiB - 4096, true);
	/* A package larger than the cache's file system: refused. */
	expect_row(must_row(p, 2, "/var"), 300 * MiB, 1, v, v, false);
	assert_int_equal(p->first_refused, 2);
}

/* Packages held (downloaded ahead) lie in the cache from the start of the
 * plan: the first update takes them all on /var, each is given back at its
 * own commit, and an update whose package was held needs nothing there. */
static void test_held_packages(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	const uint64_t v = 256 * MiB;

	mf_file(w, m, "etc/x", 1);
	mf_done(w, m);
	p = plan(w, (const struct pf_plan_input[]){
		{ .number = 141, .m = m, .package_size = 1 * MiB, .held = true },
		{ .number = 142, .m = m, .package_size = 2 * MiB, .held = true },
		{ .number = 143, .m = m, .package_size = 1 * MiB } }, 3);
	expect_row(must_row(p, 0, "/var"), 3 * MiB, 2, v, v - 2 * MiB, true);
	expect_row(must_row(p, 1, "/var"), 0, 0, v - 2 * MiB, v, true);
	expect_row(must_row(p, 2, "/var"), 1 * MiB, 1, v, v, true);
	assert_int_equal(p->first_refused, 3);

	/* Held, they do not fit beside each other where one by one they do. */
	p = plan(w, (const struct pf_plan_input[]){
		{ .number = 141, .m = m, .package_size = 200 * MiB, .held = true },
		{ .number = 142, .m = m, .package_size = 200 * MiB, .held = true } }, 2);
	assert_int_equal(p->first_refused, 0);
	expect_row(must_row(p, 0, "/var"), 400 * MiB, 2, v, 56 * MiB, false);
	p = plan(w, (const struct pf_plan_input[]){
		{ .number = 141, .m = m, .package_size = 200 * MiB },
		{ .number = 142, .m = m, .package_size = 200 * MiB } }, 2);
	assert_int_equal(p->first_refused, 2);
}

/* A partial download is on the disk already: only the blocks still to come
 * are needed, and the whole file's come back at the commit. */
static void test_partial_download(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	const uint64_t v = 256 * MiB;

	mf_file(w, m, "etc/x", 1);
	mf_done(w, m);
	/* 1000000 bytes are 245 blocks, the 400000 there already 98. */
	p = plan(w, (const struct pf_plan_input[]){
		{ .number = 141, .m = m, .package_size = 600000, .package_partial = 400000 } }, 1);
	expect_row(must_row(p, 0, "/var"), 147 * 4096, 1, v, v + 98 * 4096, true);
}

/* A cache folder that is itself a mount point (a dedicated cache
 * partition): the package is written inside it, so it counts there. */
static void test_cache_is_a_mount_point(void **state)
{
	static const char table[] =
		"30 22 8:2 / /srv/r rw - ext4 /dev/sda2 rw\n"
		"33 30 8:5 / /srv/r/var rw - ext4 /dev/sda5 rw\n"
		"38 33 8:8 / /srv/r/var/cache/pakfire rw - ext4 /dev/sda8 rw\n";
	struct world *w = *state;
	struct pf_mount_table *t = NULL;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;

	assert_int_equal(pf_mounts_parse(w->ctx, table, strlen(table), &t), 0);
	pf_mounts_free(w->mt);
	w->mt = t;
	w->env.mounts = t;
	add_space(w, "/srv/r/var/cache/pakfire", 4096, 32 * MiB, 100, false);
	mf_file(w, m, "etc/x", 1);
	mf_done(w, m);
	p = plan(w, (const struct pf_plan_input[]){ { 141, m, 1 * MiB } }, 1);
	if (row(p, 0, "/var"))
		fail_msg("the package counts on /var (%" PRIu64 " bytes), the folder that holds "
			 "the cache's mount point, not on the cache's own file system",
			 must_row(p, 0, "/var")->needed);
	expect_row(must_row(p, 0, "/var/cache/pakfire"), 1 * MiB, 1, 32 * MiB, 32 * MiB, true);
}

/* ---- symlinks ------------------------------------------------------- */

/* ext4 keeps a target shorter than 60 bytes in the inode; a longer one
 * takes a block of the file system the link is created on. */
static void test_symlink_targets(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	char t59[60], t60[61];

	memset(t59, 'a', 59);
	t59[59] = '\0';
	memset(t60, 'b', 60);
	t60[60] = '\0';
	mf_link(w, m, "etc/short", "issue");
	mf_link(w, m, "etc/t59", t59);
	mf_link(w, m, "etc/t60", t60);
	mf_link(w, m, "boot/t60", t60);
	mf_link(w, m, "boot/short", "vmlinuz-6.6");
	mf_done(w, m);
	p = plan1(w, m);
	expect_row(must_row(p, 0, "/"), 4096, 3, 1 * GiB, 1 * GiB - 4096, true);
	expect_row(must_row(p, 0, "/boot"), 1024, 2, 64 * MiB, 64 * MiB - 1024, true);
}

/* ---- aliases through the root's symlinks ---------------------------- */

/* lib -> usr/lib: 139 shrinks usr/lib/libbig.so from 8 MiB to one block,
 * 141 replaces it as lib/libbig.so. One file: 141 frees the 4096 bytes 139
 * left, not the 8 MiB on disk today. */
static void test_chain_sees_a_file_through_a_root_symlink(void **state)
{
	struct world *w = *state;
	struct pf_manifest *a = mf_new(w), *c = mf_new(w);
	const struct pf_plan *p;
	const uint64_t avail = 2 * GiB;

	disk_add(w, "usr/lib/libbig.so", false, 8 * MiB);
	mf_file(w, a, "usr/lib/libbig.so", 100);
	mf_done(w, a);
	mf_file(w, c, "lib/libbig.so", 100);
	mf_done(w, c);
	p = plan(w, (const struct pf_plan_input[]){ { 139, a, 0 }, { 141, c, 0 } }, 2);
	expect_row(must_row(p, 0, "/usr"), 4096, 1, avail, avail + 8 * MiB - 4096, true);
	expect_row(must_row(p, 1, "/usr"), 4096, 1, avail + 8 * MiB - 4096,
		   avail + 8 * MiB - 4096, true);
}

/* ---- deep paths ----------------------------------------------------- */

/* A valid path ("d/d/.../f", under PATH_MAX) whose 1200 folders are all new:
 * each costs a block and an inode. The planner sizes its path map from the
 * number of entries; the folders a single entry implies must fit too. */
static void test_deep_new_tree(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const struct pf_plan *p;
	const size_t depth = 1200;
	char *path = malloc(2 * depth + 2);
	struct pf_plan *out = NULL;

	assert_non_null(path);
	for (size_t i = 0; i < depth; i++)
		memcpy(path + 2 * i, "d/", 2);
	memcpy(path + 2 * depth, "f", 2);
	mf_file(w, m, path, 1);
	free(path);
	mf_done(w, m);
	if (pf_plan_chain(w->ctx, &w->env, (const struct pf_plan_input[]){ { 141, m, 0 } }, 1,
			  &out) < 0)
		fail_msg("pf_plan_chain on a %zu-deep new tree: %s", depth, pf_error_message(w->ctx));
	w->plan = out;
	p = out;
	expect_row(must_row(p, 0, "/"), (depth + 1) * 4096, depth + 1, 1 * GiB,
		   1 * GiB - (depth + 1) * 4096, true);
}

/* The deepest valid path (2047 new folders, 4095 bytes): the planner must
 * answer, not overflow its stack. Run in a child so that a crash is a
 * failed test, not a dead test program. */
static void test_deepest_path_does_not_crash(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	const size_t depth = 2047;
	char *path = malloc(2 * depth + 2);
	int status = 0;
	pid_t pid;

	assert_non_null(path);
	for (size_t i = 0; i < depth; i++)
		memcpy(path + 2 * i, "d/", 2);
	memcpy(path + 2 * depth, "f", 2);
	assert_int_equal(strlen(path), 4095);
	mf_file(w, m, path, 1);
	free(path);
	mf_done(w, m);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pf_plan *out = NULL;
		int r = pf_plan_chain(w->ctx, &w->env,
				      (const struct pf_plan_input[]){ { 141, m, 0 } }, 1, &out);

		/* Success or a clean refusal both count as answering. */
		_exit(r == 0 || r == -1 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("pf_plan_chain on a %zu-deep path died of signal %d", depth, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("pf_plan_chain on a %zu-deep path: child status 0x%x", depth, (unsigned)status);
}

/* ---- errors --------------------------------------------------------- */

/* A path the probe places on no mount (a relative host path): -1 with a
 * message naming it, no plan, nothing leaked (the ASan build checks). */
static void test_path_on_no_mount(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	struct pf_plan *out = NULL;
	int r;

	w->lost = "opt/lost";
	mf_file(w, m, "etc/fine", 1);
	mf_file(w, m, "opt/lost/file", 1);
	mf_done(w, m);
	r = pf_plan_chain(w->ctx, &w->env,
			  (const struct pf_plan_input[]){ { 141, m, 5000 }, { 142, m, 0 } }, 2, &out);
	expect_error(w->ctx, r, PF_E_OTHER, "resolves outside the root");
	assert_null(out);
}

/* The probe fails (statvfs of a mount): the error is passed on as is. */
static void test_probe_failure(void **state)
{
	struct world *w = *state;
	struct pf_manifest *m = mf_new(w);
	struct pf_plan *out = NULL;
	int r;

	space_of(w, "/srv/r/boot")->point = "/elsewhere";   /* no answer for /boot */
	mf_file(w, m, "etc/fine", 1);
	mf_file(w, m, "boot/file", 1);
	mf_done(w, m);
	r = pf_plan_chain(w->ctx, &w->env, (const struct pf_plan_input[]){ { 141, m, 0 } }, 1, &out);
	expect_error(w->ctx, r, PF_E_OTHER, "statvfs /srv/r/boot");
	assert_null(out);
}

/* No update at all: an empty plan, nothing refused. */
static void test_empty_chain(void **state)
{
	struct world *w = *state;
	struct pf_plan *out = NULL;

	assert_int_equal(pf_plan_chain(w->ctx, &w->env, NULL, 0, &out), 0);
	assert_non_null(out);
	assert_int_equal(out->n, 0);
	assert_int_equal(out->first_refused, 0);
	w->plan = out;
}

/* ---- the real root probe: the database's sizes, the disk's links ------ */

/* A real root in a temporary folder, with a database in which
 * pf_db_commit_update recorded core 138, as pakfire does. */
struct real {
	char dir[64];
	struct pf_ctx *ctx;
	struct pf_session *s;    /* the configuration and the database */
	struct pf_space_check sc;
	bool sc_open;
	struct pf_manifest *m;   /* the update being planned, freed by real_plan */
};

static void real_mkdir(struct real *r, const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", r->dir, path);
	if (mkdir(p, 0755) < 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

/* A file of SIZE bytes of real data (blocks allocated, not sparse). */
static void real_file(struct real *r, const char *path, size_t size)
{
	char p[256], buf[4096];
	int fd;

	memset(buf, 'x', sizeof(buf));
	snprintf(p, sizeof(p), "%s/%s", r->dir, path);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("%s: %s", p, strerror(errno));
	for (size_t done = 0; done < size;) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n)
			fail_msg("write %s: %s", p, strerror(errno));
		done += n;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		fail_msg("close %s: %s", p, strerror(errno));
}

static uint64_t real_alloc(struct real *r, const char *path)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", r->dir, path);
	if (lstat(p, &st) < 0)
		fail_msg("lstat %s: %s", p, strerror(errno));
	return (uint64_t)st.st_blocks * 512;
}

static int real_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static int real_setup(void **state)
{
	static const char conf[] = "series = 2.25\narch = x86_64\n"
				   "mirror = http://127.0.0.1:9/never-contacted\n";
	struct real *r = calloc(1, sizeof(*r));
	struct pf_manifest *m = NULL;
	char path[256];
	int64_t tx = 0;
	FILE *f;

	if (!r)
		return -1;
	*state = r;
	snprintf(r->dir, sizeof(r->dir), "/tmp/pf-plan-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	real_mkdir(r, "etc");
	real_mkdir(r, "etc/pakfire");
	real_mkdir(r, "usr");
	real_mkdir(r, "usr/lib");
	snprintf(path, sizeof(path), "%s/lib", r->dir);
	if (symlink("usr/lib", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/etc/pakfire/pakfire.conf", r->dir);
	f = fopen(path, "we");
	if (!f || fputs(conf, f) < 0 || fclose(f) != 0)
		return -1;
	r->ctx = pf_ctx_new();
	if (!r->ctx || pf_ctx_set_root(r->ctx, r->dir) < 0 ||
	    pf_session_open(r->ctx, NULL, PF_NEED_CONFIG, &r->s) < 0 ||
	    pf_session_create_db(r->s) < 0)
		return -1;
	/* What core 138 installed, as the database records it. */
	m = pf_manifest_new();
	if (!m)
		return -1;
	{
		static const struct { const char *path; uint64_t size; } owned[] = {
			{ "usr/lib/owned.so", 8 * MiB },     /* on disk: 1 byte */
			{ "lib/via-link.so", 8 * MiB },      /* recorded through lib -> usr/lib */
			{ "usr/lib/rm-plain.so", 20000 },
			{ "usr/lib/rm-linked.so", 20000 },
			{ "usr/lib/rm-changed.so", 20000 },  /* on disk: 30000 bytes */
		};

		if (pf_manifest_add(r->ctx, m, &(struct pf_entry){ .type = PF_ENTRY_DIR,
					.path = "usr", .mode = 0755 }) < 0 ||
		    pf_manifest_add(r->ctx, m, &(struct pf_entry){ .type = PF_ENTRY_DIR,
					.path = "usr/lib", .mode = 0755 }) < 0)
			return -1;
		for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
			if (pf_manifest_add(r->ctx, m, &(struct pf_entry){
					.type = PF_ENTRY_FILE, .path = (char *)owned[i].path,
					.mode = 0644, .size = owned[i].size }) < 0)
				return -1;
	}
	if (pf_db_tx_begin(r->s->db, "test", &tx) < 0 ||
	    pf_db_commit_unit(r->s->db, tx, &(struct pf_unit_record){ .id = "core-138",
				.kind = "core", .number = 138, .series = "2.25" }, m, NULL, 0) < 0)
		return -1;
	pf_db_tx_end(r->s->db, tx);
	pf_manifest_free(m);
	real_file(r, "usr/lib/owned.so", 1);
	real_file(r, "usr/lib/via-link.so", 1);
	real_file(r, "usr/lib/plain.so", 20000);
	real_file(r, "usr/lib/linked.so", 20000);
	real_file(r, "usr/lib/rm-plain.so", 20000);
	real_file(r, "usr/lib/rm-linked.so", 20000);
	real_file(r, "usr/lib/rm-changed.so", 30000);
	{
		char a[256], b[256];

		snprintf(a, sizeof(a), "%s/usr/lib/linked.so", r->dir);
		snprintf(b, sizeof(b), "%s/usr/lib/linked-too.so", r->dir);
		if (link(a, b) < 0)
			return -1;
		snprintf(a, sizeof(a), "%s/usr/lib/rm-linked.so", r->dir);
		snprintf(b, sizeof(b), "%s/usr/lib/rm-linked-too.so", r->dir);
		if (link(a, b) < 0)
			return -1;
	}
	if (pf_space_open(r->ctx, &r->sc, r->s->db, "var/cache/pakfire", r->s->config->reserves,
			  r->s->config->n_reserves) < 0)
		return -1;
	r->sc_open = true;
	return 0;
}

static int real_teardown(void **state)
{
	struct real *r = *state;

	if (!r)
		return 0;
	if (r->sc_open)
		pf_space_close(&r->sc);
	pf_manifest_free(r->m);
	pf_session_close(r->s);
	pf_ctx_free(r->ctx);
	if (r->dir[0] && nftw(r->dir, real_rm, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "cannot remove %s: %s\n", r->dir, strerror(errno));
	free(r);
	return 0;
}

/* Plan one update of one entry (a 1-byte file at PATH, or a removal) and
 * return what it frees on the root's file system: after + needed -
 * available, all three from the same statvfs. */
static uint64_t real_freed(struct real *r, const char *path, bool remove)
{
	struct pf_plan *p = NULL;
	const struct pf_plan_row *row1;
	struct pf_entry e = { .type = remove ? PF_ENTRY_REMOVE : PF_ENTRY_FILE,
			      .path = (char *)path, .mode = 0644, .size = 1 };
	uint64_t freed;

	pf_manifest_free(r->m);
	r->m = pf_manifest_new();
	assert_non_null(r->m);
	if (pf_manifest_add(r->ctx, r->m, &e) < 0 || pf_manifest_check(r->ctx, "t", r->m) < 0 ||
	    pf_space_plan(r->ctx, &r->sc, &(struct pf_plan_input){ .number = 139, .m = r->m }, 1,
			  &p) < 0)
		fail_msg("%s: %s", path, pf_error_message(r->ctx));
	/* A removal that frees nothing touches no file system. */
	if (remove && p->updates[0].n_rows == 0) {
		pf_plan_free(p);
		return 0;
	}
	assert_int_equal(p->updates[0].n_rows, 1);
	row1 = &p->updates[0].rows[0];
	if (remove)
		assert_int_equal(row1->needed, 0);
	else
		assert_int_equal(row1->needed, p->fs[row1->fs].space.bsize);
	freed = row1->after + row1->needed - row1->available;
	pf_plan_free(p);
	return freed;
}

/* An owned path: the database's size (8 MiB), not the disk's (1 byte),
 * rounded to the file system's block. */
static void test_real_probe_owned_path_sized_by_database(void **state)
{
	struct real *r = *state;

	assert_int_equal(real_freed(r, "usr/lib/owned.so", false), 8 * MiB);
	/* The same file named through the root's symlink: the same record. */
	assert_int_equal(real_freed(r, "lib/owned.so", false), 8 * MiB);
}

/* The database recorded "lib/via-link.so" (through lib -> usr/lib), the
 * file lives at usr/lib/via-link.so: only a record of the resolved path
 * counts, so this one is measured on the disk. */
static void test_real_probe_record_through_symlink_is_not_trusted(void **state)
{
	struct real *r = *state;

	assert_int_equal(real_freed(r, "usr/lib/via-link.so", false),
			 real_alloc(r, "usr/lib/via-link.so"));
}

/* Paths the database does not own are measured on the disk: a file frees
 * its blocks, unless another hard link keeps them. */
static void test_real_probe_unowned_hard_link_frees_nothing(void **state)
{
	struct real *r = *state;

	assert_true(real_alloc(r, "usr/lib/plain.so") >= 20000);
	assert_int_equal(real_freed(r, "usr/lib/plain.so", false), real_alloc(r, "usr/lib/plain.so"));
	assert_int_equal(real_freed(r, "usr/lib/linked.so", false), 0);
}

/* Removals look at the disk, as apply does: an owned file of the recorded
 * size frees its blocks; one with another hard link frees nothing; one
 * whose size changed is kept (frees nothing). */
static void test_real_probe_removals_measured_on_disk(void **state)
{
	struct real *r = *state;

	assert_int_equal(real_freed(r, "usr/lib/rm-plain.so", true),
			 real_alloc(r, "usr/lib/rm-plain.so"));
	assert_int_equal(real_freed(r, "usr/lib/rm-linked.so", true), 0);
	assert_int_equal(real_freed(r, "usr/lib/rm-changed.so", true), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
#define R(f) cmocka_unit_test_setup_teardown(f, real_setup, real_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_file_rounded_to_block),
		T(test_implicit_parents),
		T(test_parents_created_once_per_chain),
		T(test_nested_mounts),
		T(test_symlink_in_root_resolves_to_its_mount),
		T(test_bind_mounts_share_one_budget),
		T(test_file_that_is_a_mount_point),
		T(test_peak_replace),
		T(test_chain_cleanup_makes_room),
		T(test_chain_without_cleanup_is_refused),
		T(test_chain_replaced_file_frees_chain_size),
		T(test_chain_bytes),
		T(test_removals),
		T(test_remove_in_missing_folder_costs_nothing),
		T(test_reserve),
		T(test_inodes),
		T(test_inodes_unlimited),
		T(test_inodes_exhausted_by_inode_only_writes),
		T(test_readonly),
		T(test_readonly_inode_only_writes),
		T(test_package_in_cache),
	T(test_held_packages),
	T(test_partial_download),
		T(test_cache_is_a_mount_point),
		T(test_symlink_targets),
		T(test_chain_sees_a_file_through_a_root_symlink),
		T(test_deep_new_tree),
		T(test_deepest_path_does_not_crash),
		T(test_path_on_no_mount),
		T(test_probe_failure),
		T(test_empty_chain),
		T(test_replaced_hard_link_frees_nothing),
		T(test_removed_hard_link_frees_nothing),
		R(test_real_probe_owned_path_sized_by_database),
		R(test_real_probe_record_through_symlink_is_not_trusted),
		R(test_real_probe_unowned_hard_link_frees_nothing),
		R(test_real_probe_removals_measured_on_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
