/* plan/verdict.c, verdict-walk.c: what is never listed as freeable (the
 * running kernel, whose release only uname(2) of the real root gives: an
 * end-to-end test with --root cannot reach it; and the kernels the system
 * keeps), the words of the JSON
 * document, and partition sizes in whole units. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/context.h"
#include "base/event.h"
#include "plan/verdict-parts.h"
#include "plan/verdict.h"

static void running_kernel_is_never_listed(void **state)
{
	const char *rel = "6.1.0-ipfire";

	(void)state;
	/* boot/ *-RELEASE*, anywhere below boot/ */
	assert_true(pf_verdict_running_kernel("boot/vmlinuz-6.1.0-ipfire", rel));
	assert_true(pf_verdict_running_kernel("boot/initramfs-6.1.0-ipfire.img", rel));
	assert_true(pf_verdict_running_kernel("boot/System.map-6.1.0-ipfire", rel));
	assert_true(pf_verdict_running_kernel("boot/old/config-6.1.0-ipfire", rel));
	/* named for it and more: on the safe side */
	assert_true(pf_verdict_running_kernel("boot/vmlinuz-6.1.0-ipfire.old", rel));
	/* its modules, as a folder and below */
	assert_true(pf_verdict_running_kernel("lib/modules/6.1.0-ipfire", rel));
	assert_true(pf_verdict_running_kernel("lib/modules/6.1.0-ipfire/kernel/fs/ext4.ko", rel));
	assert_true(pf_verdict_running_kernel("usr/lib/modules/6.1.0-ipfire", rel));
	/* other kernels are not its */
	assert_false(pf_verdict_running_kernel("boot/vmlinuz-5.15.0-ipfire", rel));
	assert_false(pf_verdict_running_kernel("boot/vmlinuz-6.1.0", rel));
	assert_false(pf_verdict_running_kernel("lib/modules/6.1.0", rel));
	assert_false(pf_verdict_running_kernel("lib/modules/6.1.0-ipfire2", rel));
	assert_false(pf_verdict_running_kernel("lib/modules/6.1.0-ipfire2/x.ko", rel));
	/* the release alone, without the dash before it, is not the name */
	assert_false(pf_verdict_running_kernel("boot/6.1.0-ipfire", rel));
	/* outside boot/ and the module folders, a name is just a name */
	assert_false(pf_verdict_running_kernel("usr/share/vmlinuz-6.1.0-ipfire", rel));
	assert_false(pf_verdict_running_kernel("bootx/vmlinuz-6.1.0-ipfire", rel));
	/* with --root, the running kernel is not the root's: nothing matches */
	assert_false(pf_verdict_running_kernel("boot/vmlinuz-6.1.0-ipfire", NULL));
	assert_false(pf_verdict_running_kernel("lib/modules/6.1.0-ipfire", ""));
}

/* Through the walk itself: the running kernel (uname's release, given
 * here as the root is not "/") and a kernel the system keeps are never
 * offered, an old one is, a file and a module folder. */
static void put(const char *dir, const char *rel, size_t size)
{
	char path[4096], cmd[4300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	assert_int_equal(fclose(f), 0);
}

static void walk_never_offers_running_or_kept_kernels(void **state)
{
	char dir[] = "/tmp/pf-verdict-XXXXXX", cmd[128];
	static const char kept[][65] = { "5.4.0-kept" };
	struct pf_ctx *ctx = pf_ctx_new();
	struct pf_walk w;
	struct stat st;

	(void)state;
	assert_non_null(ctx);
	assert_non_null(mkdtemp(dir));
	put(dir, "boot/vmlinuz-6.1.0-ipfire", 9000);          /* running */
	put(dir, "boot/initramfs-5.4.0-kept.img", 8000);       /* of a kept kernel */
	put(dir, "boot/vmlinuz-4.19.0-old", 7000);             /* offered */
	put(dir, "lib/modules/6.1.0-ipfire/x.ko", 6000);       /* running */
	put(dir, "lib/modules/5.4.0-kept/y.ko", 5000);         /* kept */
	put(dir, "lib/modules/4.19.0-old/z.ko", 4000);         /* offered, as a folder */
	assert_int_equal(pf_ctx_set_root(ctx, dir), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(pf_walk_init(&w, ctx, st.st_dev), 0);
	w.release = "6.1.0-ipfire";
	w.kernels = kept;
	w.n_kernels = 1;
	assert_int_equal(pf_walk_tree(&w, "boot", true), 0);
	assert_int_equal(pf_walk_folders(&w, "lib/modules"), 0);
	assert_int_equal(w.n_top, 2);
	assert_string_equal(w.top[0].path, "boot/vmlinuz-4.19.0-old");
	assert_string_equal(w.top[1].path, "lib/modules/4.19.0-old");
	assert_true(w.top[1].folder);
	/* without the release and the kept kernels, all of them are */
	pf_walk_clear(&w);
	assert_int_equal(pf_walk_init(&w, ctx, st.st_dev), 0);
	assert_int_equal(pf_walk_tree(&w, "boot", true), 0);
	assert_int_equal(pf_walk_folders(&w, "lib/modules"), 0);
	assert_int_equal(w.n_top, 6);
	pf_walk_clear(&w);
	pf_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(pf_verdict_name(PF_VERDICT_FITS), "fits");
	assert_string_equal(pf_verdict_name(PF_VERDICT_AFTER_FREEING), "fits-after-freeing");
	assert_string_equal(pf_verdict_name(PF_VERDICT_AFTER_CLEANUP), "fits-after-cleanup");
	assert_string_equal(pf_verdict_name(PF_VERDICT_NEVER), "never-fits");
	assert_string_equal(pf_freeable_kind_name(PF_FREEABLE_CACHE), "cache");
	assert_string_equal(pf_freeable_kind_name(PF_FREEABLE_UNOWNED), "unowned");
	assert_string_equal(pf_freeable_kind_name(PF_FREEABLE_CLEANUP), "cleanup");
}

static void whole_sizes(void **state)
{
	char buf[32];

	(void)state;
	pf_format_size_whole(128ULL << 20, buf);
	assert_string_equal(buf, "128 MiB");
	pf_format_size_whole(4ULL << 30, buf);
	assert_string_equal(buf, "4 GiB");
	pf_format_size_whole(1536ULL << 20, buf);
	assert_string_equal(buf, "1536 MiB");
	/* not whole: as every other size */
	pf_format_size_whole(18277376, buf);
	assert_string_equal(buf, "17.4 MiB");
	pf_format_size_whole(512, buf);
	assert_string_equal(buf, "512 B");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(running_kernel_is_never_listed),
		cmocka_unit_test(walk_never_offers_running_or_kept_kernels),
		cmocka_unit_test(names),
		cmocka_unit_test(whole_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
