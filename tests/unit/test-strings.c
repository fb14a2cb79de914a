/* strings.c: pf_basename, pf_join_lines and the URL helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "base/strings.h"

static void test_basename(void **state)
{
	const char *url = "http://mirror.example/core/139/x86_64/core/core-141.pak";
	(void)state;

	assert_string_equal(pf_basename(url), "core-141.pak");
	assert_string_equal(pf_basename("core/core-141.pak"), "core-141.pak");
	assert_string_equal(pf_basename("core-141.pak"), "core-141.pak");
	assert_string_equal(pf_basename("/"), "");
	assert_string_equal(pf_basename("dir/"), "");
	assert_string_equal(pf_basename(""), "");
	/* It points into its argument: no copy to free. */
	assert_ptr_equal(pf_basename(url), url + strlen(url) - strlen("core-141.pak"));
}

/* The mirror as the download events name it, whatever the URL. */
static void test_url_host(void **state)
{
	static const struct {
		const char *url, *host;
	} cases[] = {
		{ "http://127.0.0.1:60777/pakfire", "127.0.0.1:60777" },
		{ "https://mirror.example.org", "mirror.example.org" },
		{ "https://[::1]:443/x?y#z", "[::1]:443" },
		{ "http://host?q", "host" },
		/* credentials never leave the configuration */
		{ "http://user:secret@mirror.example:8080/p", "mirror.example:8080" },
		{ "file:///media/usb/pakfire", "local" },
		{ "core/core-141.pak", "local" },
	};
	char buf[32];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pf_url_host(cases[i].url, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].host);
	}
	/* cut to the buffer, still a string */
	pf_url_host("http://a-very-long-host-name.example.org/", buf, 8);
	assert_string_equal(buf, "a-very-");
}

static void test_join_lines(void **state)
{
	char *paths[] = { "usr/lib/libold.so.1", "etc/old.conf", "" };
	char *s;
	(void)state;

	s = pf_join_lines(paths, 2);
	assert_non_null(s);
	assert_string_equal(s, "usr/lib/libold.so.1\netc/old.conf\n");
	free(s);
	/* As the journal keeps an empty list of removals: "". */
	s = pf_join_lines(NULL, 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	s = pf_join_lines(paths, 3);
	assert_non_null(s);
	assert_string_equal(s, "usr/lib/libold.so.1\netc/old.conf\n\n");
	free(s);
}

static void expect_redacted(const char *url, const char *want)
{
	char *s = pf_url_redact(url);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_url_redact(void **state)
{
	(void)state;
	expect_redacted("http://user:s3cret@host:8080/pakfire", "http://***@host:8080/pakfire");
	expect_redacted("https://token@host/p", "https://***@host/p");
	/* the last '@' of the authority ends the userinfo; one in the path
	 * is no userinfo */
	expect_redacted("http://a@b:c@host/x@y", "http://***@host/x@y");
	expect_redacted("http://host/x@y", "http://host/x@y");
	expect_redacted("http://host", "http://host");
	expect_redacted("file:///media/usb", "file:///media/usb");
	expect_redacted("no scheme@all", "no scheme@all");
	assert_string_equal(pf_url_after_userinfo("http://u:p@h:1/x"), "h:1/x");
	assert_null(pf_url_after_userinfo("h/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basename),
		cmocka_unit_test(test_url_host),
		cmocka_unit_test(test_join_lines),
		cmocka_unit_test(test_url_redact),
	};

	return cmocka_run_group_tests_name("strings", tests, NULL, NULL);
}
