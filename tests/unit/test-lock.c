/* lock.c: the lines of /proc/locks that pf_lock_holder reads to tell a
 * running pakfire from an interrupted one without taking the lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "ops/lock.h"

static void test_holder_line(void **state)
{
	struct pf_locks_entry e;
	(void)state;

	assert_int_equal(pf_locks_parse_line("1: FLOCK  ADVISORY  WRITE 13362 fe:00:10952861 0 EOF\n",
					     &e), 0);
	assert_true(e.flock);
	assert_false(e.waiting);
	assert_int_equal(e.pid, 13362);
	assert_int_equal(e.major, 0xfe);
	assert_int_equal(e.minor, 0);
	assert_true(e.ino == 10952861);
	/* a device with a minor above 255 and an inode above 32 bits */
	assert_int_equal(pf_locks_parse_line("12: FLOCK  ADVISORY  WRITE 7 103:1a2:8589934593 0 EOF",
					     &e), 0);
	assert_int_equal(e.major, 0x103);
	assert_int_equal(e.minor, 0x1a2);
	assert_true(e.ino == 8589934593ULL);
}

static void test_other_kinds(void **state)
{
	struct pf_locks_entry e;
	(void)state;

	/* a process waiting for the lock does not hold it */
	assert_int_equal(pf_locks_parse_line("1: -> FLOCK  ADVISORY  WRITE 99 fe:00:42 0 EOF", &e), 0);
	assert_true(e.flock);
	assert_true(e.waiting);
	assert_int_equal(e.pid, 99);
	/* fcntl locks, OFD locks (pid -1) and leases are not pakfire's */
	assert_int_equal(pf_locks_parse_line("2: POSIX  ADVISORY  READ 5 08:01:1234 128 128", &e), 0);
	assert_false(e.flock);
	assert_int_equal(pf_locks_parse_line("3: OFDLCK ADVISORY  WRITE -1 00:2d:5 0 EOF", &e), 0);
	assert_false(e.flock);
	assert_int_equal(e.pid, -1);
	assert_int_equal(e.minor, 0x2d);
	assert_int_equal(pf_locks_parse_line("4: LEASE  ACTIVE    READ 1300 00:19:99 0 EOF", &e), 0);
	assert_false(e.flock);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "\n", "1:", "1: FLOCK", "1: FLOCK  ADVISORY  WRITE",
		"1: FLOCK  ADVISORY  WRITE 13362", "1: FLOCK  ADVISORY  WRITE x fe:00:1 0 EOF",
		"1: FLOCK  ADVISORY  WRITE 1 fe:00 0 EOF", "1: FLOCK  ADVISORY  WRITE 1 fe00:1 0 EOF",
		"1: FLOCK  ADVISORY  WRITE 1 zz:00:1 0 EOF", "1: FLOCK  ADVISORY  WRITE 1 fe:00:x 0 EOF",
		"1: FLOCK  ADVISORY  WRITE 1 fe:00: 0 EOF", "1: FLOCK  ADVISORY  WRITE 1 :00:1 0 EOF",
		"1 FLOCK  ADVISORY  WRITE 1 fe:00:1 0 EOF", "1: ->",
		"1: FLOCK  ADVISORY  WRITE 99999999999 fe:00:1 0 EOF",
	};
	struct pf_locks_entry e;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pf_locks_parse_line(bad[i], &e) != -1)
			fail_msg("\"%s\" parsed", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holder_line),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
