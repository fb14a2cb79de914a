/* kv.c: "key = value" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "format/kv.h"

struct seen {
	char keys[16][64];
	char values[16][4100];
	unsigned lines[16];
	int n;
	int fail_at; /* make the callback fail on this assignment (1-based) */
};

static int collect(struct pf_ctx *ctx, const char *name, unsigned line,
		   const char *key, const char *value, void *data)
{
	struct seen *s = data;

	if (s->n + 1 == s->fail_at)
		return pf_fail(ctx, PF_E_USAGE, "%s line %u: callback refused '%s'",
			       name, line, key);
	assert_true(s->n < 16);
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->values[s->n], sizeof(s->values[0]), "%s", value);
	s->lines[s->n] = line;
	s->n++;
	return 0;
}

static void test_good(void **state)
{
	struct pf_ctx *ctx = *state;
	struct seen s = { 0 };
	const char text[] =
		"# comment\n"
		"\n"
		"   \t\n"
		"  # indented comment\n"
		"series = 2.25\n"
		"\tmirror=http://a/b  \n"
		"mirror =   http://c/\n"
		"reserve = /boot=4M /=64M\n"
		"last = no newline";

	assert_int_equal(pf_kv_parse(ctx, "t.conf", text, strlen(text), collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.keys[0], "series");
	assert_string_equal(s.values[0], "2.25");
	assert_int_equal(s.lines[0], 5);
	assert_string_equal(s.keys[1], "mirror");
	assert_string_equal(s.values[1], "http://a/b");
	assert_string_equal(s.values[2], "http://c/");
	assert_string_equal(s.keys[3], "reserve");
	assert_string_equal(s.values[3], "/boot=4M /=64M");
	assert_string_equal(s.keys[4], "last");
	assert_string_equal(s.values[4], "no newline");
	assert_int_equal(s.lines[4], 9);
}

static void test_empty(void **state)
{
	struct pf_ctx *ctx = *state;
	struct seen s = { 0 };

	assert_int_equal(pf_kv_parse(ctx, "t.conf", "", 0, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(pf_kv_parse(ctx, "t.conf", "\n\n#x\n", 5, collect, &s), 0);
	assert_int_equal(s.n, 0);
}

static void test_not_nul_terminated(void **state)
{
	struct pf_ctx *ctx = *state;
	struct seen s = { 0 };
	const char text[] = "a = 1\nb = 2XXXX";

	/* Only the first 11 bytes count. */
	assert_int_equal(pf_kv_parse(ctx, "t.conf", text, 11, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.values[1], "2");
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{ "a = 1\nno equals sign\n", "t.conf line 2: expected 'key = value'" },
		{ "= value\n", "t.conf line 1: missing key" },
		{ "  =\n", "t.conf line 1: missing key" },
		{ "a =\n", "t.conf line 1: empty value for 'a'" },
		{ "a =   \t \n", "t.conf line 1: empty value for 'a'" },
		{ "a b = c\n", "t.conf line 1: 'a b' is not a key" },
		{ "a = 1\r\n", "t.conf line 1: control character 0x0d (DOS line ending?)" },
		{ "x = 1\na = \x1b[31m\n", "t.conf line 2: control character 0x1b" },
		{ "a = \x7f\n", "t.conf line 1: control character 0x7f" },
	};
	struct pf_ctx *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s = { 0 };
		int r = pf_kv_parse(ctx, "t.conf", cases[i].text, strlen(cases[i].text),
				    collect, &s);
		expect_error(ctx, r, PF_E_USAGE, cases[i].needle);
	}
}

static void test_nul_byte(void **state)
{
	struct pf_ctx *ctx = *state;
	struct seen s = { 0 };
	const char text[] = "a = 1\nb = x\0y\n";

	expect_error(ctx, pf_kv_parse(ctx, "t.conf", text, sizeof(text) - 1, collect, &s),
		     PF_E_USAGE, "t.conf line 2: control character 0x00");
}

static void test_long_line(void **state)
{
	struct pf_ctx *ctx = *state;
	struct seen s = { 0 };
	char *text = malloc(5000);

	assert_non_null(text);
	/* 4096 bytes is fine ... */
	memset(text, 'v', 4096);
	memcpy(text, "k = ", 4);
	assert_int_equal(pf_kv_parse(ctx, "t.conf", text, 4096, collect, &s), 0);
	assert_int_equal(strlen(s.values[0]), 4092);
	/* ... 4097 is not. */
	memset(text, 'v', 4097);
	memcpy(text, "k = ", 4);
	text[4097] = '\n';
	expect_error(ctx, pf_kv_parse(ctx, "t.conf", text, 4098, collect, &s),
		     PF_E_USAGE, "t.conf line 1: line longer than 4096 bytes");
	free(text);
}

static void test_callback_error(void **state)
{
	struct pf_ctx *ctx = *state;
	struct seen s = { .fail_at = 2 };
	const char text[] = "a = 1\nb = 2\nc = 3\n";

	expect_error(ctx, pf_kv_parse(ctx, "t.conf", text, strlen(text), collect, &s),
		     PF_E_USAGE, "t.conf line 2: callback refused 'b'");
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_nul_terminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_error, setup, teardown),
	};

	return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
