/* plan/verdict.c, verdict-walk.c: what is never listed as freeable (the
 * running kernel, whose release only uname(2) of the real root gives: an
 * end-to-end test with --root cannot reach it), the words of the JSON
 * document, and partition sizes in whole units. */
#include "unit.h"

#include "base/event.h"
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
		cmocka_unit_test(names),
		cmocka_unit_test(whole_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
