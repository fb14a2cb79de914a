/* cli/jsonc.c: whatever bytes a string holds, the --json document is valid
 * UTF-8 JSON that a strict parser accepts; control characters come out
 * escaped and 64-bit numbers exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/jsonc.h"

#define FFFD "\xef\xbf\xbd"

/* TEXT parsed by json-c in its strictest mode (RFC 8259 only, and the
 * input must be valid UTF-8): the object, or a test failure. */
static struct json_object *parse_strict(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (!o)
		fail_msg("not strict JSON (%s): %s",
			 json_tokener_error_desc(json_tokener_get_error(tok)), text);
	json_tokener_free(tok);
	return o;
}

static void expect_sanitized(const char *in, const char *want)
{
	char *got = jv_utf8_sanitize(in);

	assert_non_null(got);
	if (strcmp(got, want))
		fail_msg("sanitize(%s): got \"%s\", want \"%s\"", in, got, want);
	assert_true(jv_utf8_valid(got));
	free(got);
}

static void test_valid_utf8_unchanged(void **state)
{
	static const char *const ok[] = {
		"", "usr/bin/ls", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xed\x9f\xbf",          /* U+D7FF, just below the surrogates */
		"\xee\x80\x80",          /* U+E000, just above */
		"\xef\xbf\xbf",          /* U+FFFF */
		"\xf4\x8f\xbf\xbf",      /* U+10FFFF, the last */
		"\xc2\x80",              /* U+0080, the first two-byte one */
		"\x01\x1f\x7f",          /* controls are valid UTF-8 */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!jv_utf8_valid(ok[i]))
			fail_msg("\"%s\" (#%zu) is valid UTF-8", ok[i], i);
		expect_sanitized(ok[i], ok[i]);
	}
}

/* Each maximal subpart of an ill-formed sequence becomes one U+FFFD
 * (Unicode 3.9, "U+FFFD Substitution of Maximal Subparts"). */
static void test_invalid_utf8_replaced(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "a\xff" "b", "a" FFFD "b" },                 /* never in UTF-8 */
		{ "\x80", FFFD },                              /* a lone continuation */
		{ "\xc0\xaf", FFFD FFFD },                     /* overlong '/' */
		{ "\xc1\xbf", FFFD FFFD },                     /* overlong */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },            /* overlong '/', 3 bytes */
		{ "\xe0\x9f\xbf", FFFD FFFD FFFD },            /* overlong U+07FF */
		{ "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD },   /* overlong, 4 bytes */
		{ "\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD },   /* overlong U+FFFF */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },            /* surrogate U+D800 */
		{ "\xed\xbf\xbf", FFFD FFFD FFFD },            /* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },   /* U+110000 */
		{ "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD },   /* past the range */
		{ "\xe2\x82", FFFD },                          /* truncated at the end */
		{ "\xe2\x82" "A", FFFD "A" },                  /* truncated mid-string */
		{ "\xf0\x9f\x98", FFFD },                      /* truncated 4-byte */
		{ "\xf0\x9f\x98" "\xe2\x82\xac", FFFD "\xe2\x82\xac" },
		{ "\xc3", FFFD },
		{ "ok\xc3\xa9\xfe\xc3\xa9", "ok\xc3\xa9" FFFD "\xc3\xa9" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (jv_utf8_valid(cases[i].in))
			fail_msg("case #%zu is not valid UTF-8", i);
		expect_sanitized(cases[i].in, cases[i].want);
	}
}

/* The document a string ends up in: strict JSON, valid UTF-8, the string
 * read back as sanitized; controls escaped, nothing raw below 0x20. */
static void test_string_in_document(void **state)
{
	static const char raw[] = "usr/lib/\xff\x01\x1b[31m\n\t\"\\/x\xed\xa0\x80\xe2\x82";
	struct json_object *o = json_object_new_object(), *back;
	const char *text;
	char *want = jv_utf8_sanitize(raw);
	(void)state;

	assert_non_null(o);
	assert_non_null(want);
	assert_int_equal(jv_string(o, "s", raw), 0);
	assert_int_equal(jv_string(o, "null", NULL), 0);
	text = jv_text(o);
	assert_non_null(text);
	assert_true(jv_utf8_valid(text));
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20)
			fail_msg("raw control character 0x%02x in %s", *p, text);
	assert_non_null(strstr(text, "\\u0001"));
	assert_non_null(strstr(text, "\\u001b"));
	assert_non_null(strstr(text, "\\n"));
	assert_non_null(strstr(text, "\\t"));
	assert_non_null(strstr(text, "\"usr/lib/")); /* slashes as they are, not \/ */
	assert_non_null(strstr(text, "\"null\":null"));
	back = parse_strict(text);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "s")), want);
	json_object_put(back);
	json_object_put(o);
	free(want);
}

/* A path that is not UTF-8 keeps its exact bytes in KEY_escaped. */
static void test_path_keeps_the_bytes(void **state)
{
	struct json_object *o = json_object_new_object(), *back;
	(void)state;

	assert_non_null(o);
	assert_int_equal(jv_path(o, "path", "/a\xff" "b\\c\x01"), 0);
	assert_int_equal(jv_path(o, "fine", "/usr/bin/caf\xc3\xa9"), 0);
	assert_int_equal(jv_path(o, "none", NULL), 0);
	back = parse_strict(jv_text(o));
	assert_string_equal(json_object_get_string(json_object_object_get(back, "path")),
			    "/a" FFFD "b\\c\x01");
	assert_string_equal(json_object_get_string(json_object_object_get(back, "path_escaped")),
			    "/a\\xffb\\\\c\\x01");
	assert_string_equal(json_object_get_string(json_object_object_get(back, "fine")),
			    "/usr/bin/caf\xc3\xa9");
	assert_null(json_object_object_get(back, "fine_escaped"));
	assert_null(json_object_object_get(back, "none_escaped"));
	json_object_put(back);
	json_object_put(o);
}

static void test_numbers_exact(void **state)
{
	struct json_object *o = json_object_new_object(), *back;
	const char *text;
	(void)state;

	assert_non_null(o);
	assert_int_equal(jv_uint(o, "max", UINT64_MAX), 0);
	assert_int_equal(jv_uint(o, "zero", 0), 0);
	assert_int_equal(jv_int(o, "min", INT64_MIN), 0);
	assert_int_equal(jv_bool(o, "yes", true), 0);
	assert_int_equal(jv_time(o, "never", 0), 0);
	assert_int_equal(jv_time(o, "at", 1764000000), 0);
	text = jv_text(o);
	assert_string_equal(text, "{\"max\":18446744073709551615,\"zero\":0,"
			    "\"min\":-9223372036854775808,\"yes\":true,\"never\":null,"
			    "\"at\":\"2025-11-24T16:00:00Z\"}");
	back = parse_strict(text);
	assert_true(json_object_get_uint64(json_object_object_get(back, "max")) == UINT64_MAX);
	json_object_put(back);
	json_object_put(o);
}

/* A list prints like an array, and can sit in a document like one. */
static void test_list(void **state)
{
	struct json_object *doc = json_object_new_object(), *list = jv_list_new(), *e;
	(void)state;

	assert_non_null(doc);
	assert_non_null(list);
	assert_string_equal(jv_text(list), "[]");
	for (int i = 0; i < 3; i++) {
		e = json_object_new_object();
		assert_non_null(e);
		assert_int_equal(jv_uint(e, "n", (uint64_t)i), 0);
		assert_int_equal(jv_string(e, "s", i == 1 ? "\xff" : "x"), 0);
		assert_int_equal(jv_list_add(list, e), 0);
	}
	assert_int_equal(jv_add(doc, "list", list), 0);
	assert_int_equal(jv_add(doc, "after", json_object_new_int64(7)), 0);
	assert_string_equal(jv_text(doc), "{\"list\":[{\"n\":0,\"s\":\"x\"},{\"n\":1,\"s\":\"" FFFD
			    "\"},{\"n\":2,\"s\":\"x\"}],\"after\":7}");
	json_object_put(parse_strict(jv_text(doc)));
	json_object_put(doc);
	assert_int_equal(jv_add(NULL, "x", NULL), -1); /* a value that could not be made */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_utf8_unchanged),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_string_in_document),
		cmocka_unit_test(test_path_keeps_the_bytes),
		cmocka_unit_test(test_numbers_exact),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
