/* numbers.c: pf_parse_u64, the one decimal parser of index, manifest,
 * configuration and pakfire-repo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "base/numbers.h"

static int parse(const char *s, uint64_t *v)
{
	return pf_parse_u64(s, strlen(s), v);
}

static void test_good(void **state)
{
	uint64_t v = 0;
	(void)state;

	assert_int_equal(parse("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(parse("141", &v), 0);
	assert_true(v == 141);
	/* Leading zeros are the caller's business (pakfire-repo refuses them). */
	assert_int_equal(parse("007", &v), 0);
	assert_true(v == 7);
	assert_int_equal(parse("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1e3", "1.0", "１",
		"18446744073709551616", "99999999999999999999", "184467440737095516150",
	};
	uint64_t v = 42;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &v) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	}
	/* A failure leaves *out alone. */
	assert_true(v == 42);
}

static void test_length(void **state)
{
	uint64_t v = 0;
	(void)state;

	/* Only LEN bytes count: fields of a manifest line are not
	 * NUL-terminated. */
	assert_int_equal(pf_parse_u64("123\tabc", 3, &v), 0);
	assert_true(v == 123);
	assert_int_equal(pf_parse_u64("123\tabc", 4, &v), -1);
	assert_int_equal(pf_parse_u64("5", 0, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_length),
	};

	return cmocka_run_group_tests_name("numbers", tests, NULL, NULL);
}
