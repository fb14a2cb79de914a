/* config.c: pakfire.conf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "format/config.h"

static int parse(struct pf_ctx *ctx, const char *text, struct pf_config **cfg)
{
	return pf_config_parse(ctx, "pakfire.conf", text, strlen(text), cfg);
}

#define BASE "series = 2.25\narch = x86_64\nmirror = https://mirror.example.org/pakfire\n"

static void test_full(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_config *cfg = NULL;
	const char text[] =
		"# pakfire.conf\n"
		"series = 2.25\n"
		"arch = x86_64\n"
		"mirror = https://a.example.org/pakfire///\n"
		"mirror = http://127.0.0.1:8080/r\n"
		"keys = /etc/pakfire/keys/\n"
		"cache = /var//cache/pakfire\n"
		"database = /var/lib/pakfire/state.db\n"
		"reserve = /boot=4M /=64M\n"
		"reserve = /var/=512K\t/srv=1G\n"
		"reserve = /data=123\n"
		"valid-until-grace = 2d\n"
		"hook-timeout = 90s\n";

	assert_int_equal(parse(ctx, text, &cfg), 0);
	assert_string_equal(cfg->series, "2.25");
	assert_string_equal(cfg->arch, "x86_64");
	assert_int_equal(cfg->n_mirrors, 2);
	assert_string_equal(cfg->mirrors[0], "https://a.example.org/pakfire");
	assert_string_equal(cfg->mirrors[1], "http://127.0.0.1:8080/r");
	assert_string_equal(cfg->keys, "/etc/pakfire/keys");
	assert_string_equal(cfg->cache, "/var/cache/pakfire");
	assert_string_equal(cfg->database, "/var/lib/pakfire/state.db");
	assert_int_equal(cfg->n_reserves, 5);
	assert_string_equal(cfg->reserves[0].mount, "/boot");
	assert_int_equal(cfg->reserves[0].bytes, 4 << 20);
	assert_string_equal(cfg->reserves[1].mount, "/");
	assert_int_equal(cfg->reserves[1].bytes, 64 << 20);
	assert_string_equal(cfg->reserves[2].mount, "/var");
	assert_int_equal(cfg->reserves[2].bytes, 512 << 10);
	assert_string_equal(cfg->reserves[3].mount, "/srv");
	assert_int_equal(cfg->reserves[3].bytes, 1 << 30);
	assert_string_equal(cfg->reserves[4].mount, "/data");
	assert_int_equal(cfg->reserves[4].bytes, 123);
	assert_int_equal(cfg->valid_until_grace, 2 * 86400);
	assert_int_equal(cfg->hook_timeout, 90);
	pf_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_config *cfg = NULL;

	assert_int_equal(parse(ctx, BASE, &cfg), 0);
	assert_string_equal(cfg->keys, PF_DEFAULT_KEYS);
	assert_string_equal(cfg->cache, PF_DEFAULT_CACHE);
	assert_string_equal(cfg->database, PF_DEFAULT_DATABASE);
	assert_int_equal(cfg->n_reserves, 0);
	assert_null(cfg->reserves);
	assert_int_equal(cfg->valid_until_grace, 0);
	assert_int_equal(cfg->hook_timeout, 300);
	assert_int_equal(cfg->n_mirrors, 1);
	pf_config_free(cfg);
	pf_config_free(NULL);
}

static void test_grace(void **state)
{
	static const struct {
		const char *v;
		int64_t s;
	} good[] = {
		{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "5m", 300 }, { "12h", 43200 },
		{ "7d", 604800 },
	};
	struct pf_ctx *ctx = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pf_config *cfg = NULL;
		snprintf(text, sizeof(text), BASE "valid-until-grace = %s\n", good[i].v);
		assert_int_equal(parse(ctx, text, &cfg), 0);
		assert_int_equal(cfg->valid_until_grace, good[i].s);
		pf_config_free(cfg);
	}
}

static void test_hook_timeout(void **state)
{
	static const struct {
		const char *v;
		unsigned s;
	} good[] = {
		{ "1", 1 }, { "90", 90 }, { "90s", 90 }, { "5m", 300 }, { "2h", 7200 },
		{ "24h", 86400 },
	};
	struct pf_ctx *ctx = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pf_config *cfg = NULL;
		snprintf(text, sizeof(text), BASE "hook-timeout = %s\n", good[i].v);
		assert_int_equal(parse(ctx, text, &cfg), 0);
		assert_int_equal(cfg->hook_timeout, good[i].s);
		pf_config_free(cfg);
	}
}

/* log-size takes every suffix that its error message names. */
static void test_log_size(void **state)
{
	static const struct {
		const char *v;
		uint64_t bytes;
	} good[] = {
		{ "4096", 4096 }, { "4K", 4096 }, { "1M", 1 << 20 }, { "2g", 2ULL << 30 },
		{ "1T", 1ULL << 40 },
	};
	struct pf_ctx *ctx = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pf_config *cfg = NULL;
		snprintf(text, sizeof(text), BASE "log-size = %s\n", good[i].v);
		assert_int_equal(parse(ctx, text, &cfg), 0);
		assert_int_equal(cfg->log_size, good[i].bytes);
		pf_config_free(cfg);
	}
}

static void test_parse_size(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(pf_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(pf_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(pf_parse_size("512K", &v), 0);
	assert_int_equal(v, 512 * 1024);
	assert_int_equal(pf_parse_size("4M", &v), 0);
	assert_int_equal(v, 4194304);
	assert_int_equal(pf_parse_size("64m", &v), 0);
	assert_int_equal(v, 64ULL << 20);
	assert_int_equal(pf_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(pf_parse_size("2T", &v), 0);
	assert_int_equal(v, 2ULL << 40);
	assert_int_equal(pf_parse_size("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);

	assert_int_equal(pf_parse_size("", &v), -1);
	assert_int_equal(pf_parse_size("M", &v), -1);
	assert_int_equal(pf_parse_size("4Q", &v), -1);
	assert_int_equal(pf_parse_size("4MB", &v), -1);
	assert_int_equal(pf_parse_size("-4M", &v), -1);
	assert_int_equal(pf_parse_size("+4M", &v), -1);
	assert_int_equal(pf_parse_size(" 4M", &v), -1);
	assert_int_equal(pf_parse_size("4 M", &v), -1);
	assert_int_equal(pf_parse_size("1.5G", &v), -1);
	assert_int_equal(pf_parse_size("0x10", &v), -1);
	assert_int_equal(pf_parse_size("18446744073709551616", &v), -1);
	assert_int_equal(pf_parse_size("17179869184G", &v), -1);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{ BASE "cache = /var/cache\nmirrors = http://x\n",
		  "pakfire.conf line 5: unknown key 'mirrors'" },
		{ "series = 2.25\narch = x86_64\n", "missing required key 'mirror'" },
		{ "arch = x86_64\nmirror = http://x\n", "missing required key 'series'" },
		{ "series = 2.25\nmirror = http://x\n", "missing required key 'arch'" },
		{ "", "missing required key 'series'" },
		{ BASE "reserve = /boot=4Q\n", "pakfire.conf line 4: reserve: size '4Q' for /boot" },
		{ BASE "reserve = /boot=\n", "line 4: reserve: '/boot=' is not MOUNT=SIZE" },
		{ BASE "reserve = =4M\n", "line 4: reserve: '=4M' is not MOUNT=SIZE" },
		{ BASE "reserve = /boot\n", "line 4: reserve: '/boot' is not MOUNT=SIZE" },
		{ BASE "reserve = boot=4M\n", "line 4: reserve: mount point 'boot': not an absolute path" },
		{ BASE "reserve = /a/../b=4M\n", "line 4: reserve: mount point '/a/../b': '..' component" },
		{ BASE "reserve = /boot=4M /boot=8M\n",
		  "line 4: reserve: mount point /boot given twice (first on line 4)" },
		{ BASE "reserve = /boot=4M\nreserve = /=1M /boot/=8M\n",
		  "pakfire.conf line 5: reserve: mount point /boot given twice (first on line 4)" },
		{ BASE "reserve = //=4M\nreserve = /=1M\n",
		  "line 5: reserve: mount point / given twice (first on line 4)" },
		{ BASE "database = var/lib/pakfire/pakfire.db\n",
		  "pakfire.conf line 4: database: 'var/lib/pakfire/pakfire.db' is not usable: not an absolute path" },
		{ BASE "database = /var/lib/../../etc/shadow\n",
		  "line 4: database: '/var/lib/../../etc/shadow' is not usable: '..' component" },
		{ BASE "cache = /\n", "line 4: cache: '/' is not usable: the root directory itself" },
		{ BASE "keys = ./keys\n", "line 4: keys: './keys' is not usable: not an absolute path" },
		{ BASE "keys = /etc/./keys\n", "line 4: keys: '/etc/./keys' is not usable: '.' component" },
		{ BASE "series = 2.27\n", "pakfire.conf line 4: 'series' given twice (first on line 1)" },
		{ BASE "database = /a\ndatabase = /b\n", "line 5: 'database' given twice (first on line 4)" },
		{ BASE "valid-until-grace = 1\nvalid-until-grace = 2\n", "line 5: 'valid-until-grace' given twice" },
		{ BASE "valid-until-grace = -5\n", "line 4: valid-until-grace: '-5' is not a duration" },
		{ BASE "valid-until-grace = 3w\n", "line 4: valid-until-grace: '3w' is not a duration" },
		{ BASE "valid-until-grace = 99999999999999999d\n", "is not a duration" },
		{ BASE "hook-timeout = 0\n",
		  "pakfire.conf line 4: hook-timeout: '0' is not a duration from 1s to 24h" },
		{ BASE "hook-timeout = 0m\n", "line 4: hook-timeout: '0m' is not a duration" },
		{ BASE "hook-timeout = 1d\n", "line 4: hook-timeout: '1d' is not a duration" },
		{ BASE "hook-timeout = 25h\n", "line 4: hook-timeout: '25h' is not a duration" },
		{ BASE "hook-timeout = 5 m\n", "line 4: hook-timeout: '5 m' is not a duration" },
		{ BASE "hook-timeout = -1\n", "line 4: hook-timeout: '-1' is not a duration" },
		{ BASE "hook-timeout = 99999999999999999999\n", "hook-timeout: '99999999999999999999'" },
		{ BASE "hook-timeout = 5\nhook-timeout = 6\n", "line 5: 'hook-timeout' given twice (first on line 4)" },
		/* the message says every suffix pf_parse_size takes */
		{ BASE "log-size = 4095\n", "line 4: log-size: '4095' is not a size of at least 4K"
		  " (bytes, or with K, M, G or T: powers of 1024)" },
		{ BASE "log-size = 1P\n", "line 4: log-size: '1P' is not a size of at least 4K" },
		{ BASE "log-size = 4 K\n", "line 4: log-size: '4 K' is not a size" },
		{ "series = 2.25\narch = x86_64\nmirror = ftp://x/\n",
		  "line 3: mirror: 'ftp://x/' does not start with http://, https:// or file:///" },
		{ "series = 2.25\narch = x86_64\nmirror = mirror.example.org\n",
		  "line 3: mirror: 'mirror.example.org' does not start with http://" },
		{ "series = 2.25\narch = x86_64\nmirror = https:///\n", "line 3: mirror: 'https:///' names no host" },
		{ "series = 2.25\narch = x86_64\nmirror = http://a http://b\n", "line 3: mirror: 'http://a http://b' contains blanks" },
		{ "series = 2.25/../x\narch = x86_64\nmirror = http://a\n", "line 1: series: '2.25/../x' is not a valid name" },
		{ "series = ..\narch = x86_64\nmirror = http://a\n", "line 1: series: '..' is not a valid name" },
		{ "series = 2.25\narch = x86 64\nmirror = http://a\n", "line 2: arch: 'x86 64' is not a valid name" },
		{ BASE "reserve\n", "pakfire.conf line 4: expected 'key = value'" },
		{ BASE "cache =\n", "pakfire.conf line 4: empty value for 'cache'" },
	};
	struct pf_ctx *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pf_config *cfg = (struct pf_config *)&cfg; /* must be reset */
		expect_error(ctx, parse(ctx, cases[i].text, &cfg), PF_E_USAGE, cases[i].needle);
		assert_null(cfg);
	}
}

static void test_name_in_messages(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_config *cfg = NULL;
	const char text[] = "bogus = 1\n";

	expect_error(ctx, pf_config_parse(ctx, "/tmp/r/etc/pakfire/pakfire.conf", text,
					  strlen(text), &cfg),
		     PF_E_USAGE, "/tmp/r/etc/pakfire/pakfire.conf line 1: unknown key 'bogus'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_size, setup, teardown),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_in_messages, setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
