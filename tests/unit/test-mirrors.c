/* The published mirror list (format/mirrors.c), its keys in the index
 * (index-parse.c, index-write.c) and the order mirrors are tried in
 * (fetch/mirrors.c): configured first, the list rotated by the machine's
 * seed, stale ones last, skipped ones never. */
#include <stdbool.h>
#include <string.h>
#include "unit.h"

#include "fetch/fetch.h"
#include "fetch/transfer.h"
#include "format/index.h"
#include "format/mirrors.h"

#define HA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

#define REPO \
	"Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 7\n" \
	"Date: 2026-11-25T10:00:00Z\nValid-Until: 2026-12-09T10:00:00Z\n"

static int list(struct pf_ctx *ctx, const char *text, struct pf_mirror_list **l)
{
	return pf_mirror_list_parse(ctx, "mirrors", text, strlen(text), l);
}

static void test_list_good(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_mirror_list *l = NULL;

	assert_int_equal(list(ctx, "pakfire-mirrors\t1\nhttps://a.example/pakfire/\n"
			      "http://127.0.0.1:8080\nHTTPS://B.example/x\n", &l), 0);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->urls[0], "https://a.example/pakfire");
	assert_string_equal(l->urls[1], "http://127.0.0.1:8080");
	assert_string_equal(l->urls[2], "HTTPS://B.example/x");
	pf_mirror_list_free(l);
	pf_mirror_list_free(NULL);
}

static void test_list_bad(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_mirror_list *l = NULL;
	char big[80 * 70], *p = big;

	expect_error(ctx, list(ctx, "", &l), PF_E_VERIFY, "mirrors line 1: not a mirror list");
	expect_error(ctx, list(ctx, "pakfire-mirrors 1\nhttp://a\n", &l), PF_E_VERIFY,
		     "line 1: not a mirror list");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t2\nhttp://a\n", &l), PF_E_VERIFY,
		     "line 1: not a mirror list");
	expect_error(ctx, list(ctx, "<html><body>Log in</body></html>\n", &l), PF_E_VERIFY,
		     "line 1: not a mirror list");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\n", &l), PF_E_VERIFY, "lists no mirror");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nhttp://a\n\nhttp://b\n", &l),
		     PF_E_VERIFY, "line 3: '' is blank");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nfile:///media/usb\n", &l), PF_E_VERIFY,
		     "line 2: 'file:///media/usb' does not start with http:// or https://");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nftp://a\n", &l), PF_E_VERIFY,
		     "does not start with http:// or https://");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nhttp://a b\n", &l), PF_E_VERIFY,
		     "contains blanks");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nhttp://a\r\n", &l), PF_E_VERIFY,
		     "contains a control character");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nhttps:///\n", &l), PF_E_VERIFY,
		     "names no host");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nhttp://a/\nhttp://a\n", &l), PF_E_VERIFY,
		     "line 3: 'http://a' is listed twice");
	expect_error(ctx, list(ctx, "pakfire-mirrors\t1\nhttp://a\nhttp://b", &l), PF_E_VERIFY,
		     "line 3: no newline at its end");
	{
		static const char nul[] = "pakfire-mirrors\t1\nhttp://a\0b\n";

		expect_error(ctx, pf_mirror_list_parse(ctx, "mirrors", nul, sizeof(nul) - 1, &l),
			     PF_E_VERIFY, "contains a NUL byte");
	}
	/* 65 mirrors: one too many. */
	p += sprintf(p, "pakfire-mirrors\t1\n");
	for (int i = 0; i <= PF_MIRRORS_MAX; i++)
		p += sprintf(p, "http://m%d.example\n", i);
	expect_error(ctx, list(ctx, big, &l), PF_E_VERIFY, "line 66: more than 64 mirrors");
	assert_null(l);
}

/* The keys of the repository stanza: all three or none, read back as
 * written, known only there. */
static void test_index_keys(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL, *back = NULL;
	char *out = NULL;
	size_t len = 0;
	const char *with = REPO "Mirrors: mirrors\nMirrors-Size: 120\nMirrors-SHA256: " HA "\n"
		"Optional-Keys: Mirrors, Mirrors-Size, Mirrors-SHA256\n";

	assert_int_equal(pf_index_parse(ctx, "index", with, strlen(with), &idx), 0);
	assert_string_equal(idx->mirrors, "mirrors");
	assert_int_equal(idx->mirrors_size, 120);
	assert_int_equal(idx->mirrors_sha256[0], 0xba);
	assert_int_equal(pf_index_write(ctx, idx, &out, &len), 0);
	assert_string_equal(out, with);
	assert_int_equal(pf_index_parse(ctx, "index", out, len, &back), 0);
	assert_memory_equal(back->mirrors_sha256, idx->mirrors_sha256, 32);
	pf_index_free(back);
	pf_index_free(idx);
	free(out);

	/* Without them: no list. */
	assert_int_equal(pf_index_parse(ctx, "index", REPO, strlen(REPO), &idx), 0);
	assert_null(idx->mirrors);
	pf_index_free(idx);

#define BAD(text, needle) \
	expect_error(ctx, pf_index_parse(ctx, "index", REPO text, strlen(REPO text), &idx), \
		     PF_E_VERIFY, needle)
	BAD("Mirrors: mirrors\nMirrors-SHA256: " HA "\n", "Mirrors-Size: missing");
	BAD("Mirrors: mirrors\nMirrors-Size: 12\n", "Mirrors-SHA256: missing");
	BAD("Mirrors-Size: 12\n", "Mirrors-Size: given without Mirrors");
	BAD("Mirrors-SHA256: " HA "\n", "Mirrors-SHA256: given without Mirrors");
	BAD("Mirrors: ../mirrors\nMirrors-Size: 12\nMirrors-SHA256: " HA "\n",
	    "is not a relative path in the repository");
	BAD("Mirrors: /mirrors\nMirrors-Size: 12\nMirrors-SHA256: " HA "\n",
	    "is not a relative path in the repository");
	BAD("Mirrors: mirrors\nMirrors-Size: 65537\nMirrors-SHA256: " HA "\n",
	    "Mirrors-Size: 65537 is above the limit of 65536");
	BAD("Mirrors: mirrors\nMirrors-Size: 0\nMirrors-SHA256: " HA "\n", "Mirrors-Size: 0 bytes");
	BAD("Mirrors: mirrors\nMirrors-Size: 12\nMirrors-SHA256: abc\n", "Mirrors-SHA256");
#undef BAD
	/* On an update stanza it is a key this pakfire does not know there. */
	{
		const char *core = REPO "\nType: core\nNumber: 139\nRequires: 138\n"
			"Manifest: core/core-139.manifest\nManifest-Size: 1\nManifest-SHA256: " HA
			"\nPackage: core/core-139.pak\nPackage-Size: 1\nPackage-SHA256: " HA
			"\nMirrors: mirrors\n";

		assert_int_equal(pf_index_parse(ctx, "index", core, strlen(core), &idx), 0);
		assert_string_equal(idx->entries[0].unknown_key, "Mirrors");
		pf_index_free(idx);
	}
}

/* The URL rule pakfire.conf shares. */
static void test_url_rule(void **state)
{
	size_t n = 0;

	(void)state;
	assert_null(pf_mirror_url_problem("https://a.example//", false, &n));
	assert_int_equal(n, strlen("https://a.example"));
	assert_string_equal(pf_mirror_url_problem("file:///x", true, &n),
			    "does not start with http://, https:// or file:///");
	assert_string_equal(pf_mirror_url_problem("http://", false, &n), "names no host");
}

static const struct pf_fetch_opts opts = {
	.connect_timeout = 30, .transfer_timeout = 3600, .low_speed_limit = 1024,
	.low_speed_time = 60, .parallel = 4,
};

static const char *const listed[] = {
	"http://l0", "http://l1", "http://c1", "http://l2", "http://l3",
};

/* The order of F's mirrors as pf_mirror_order gives it, joined. */
static void order_of(struct pf_fetch *f, char *buf, size_t size)
{
	const struct pf_mirror *m;
	size_t order[16], n, k, len = 0;

	m = pf_fetch_mirror_list(f, &n);
	assert_true(n <= 16);
	k = pf_mirror_order(f, order);
	buf[0] = '\0';
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "",
					m[order[i]].url + 7);
}

/* The try's index is behind: its mirror is stale. */
static int try_stale(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	(void)ctx;
	(void)data;
	pf_fetch_mirror_revision(f, url, 5, true);
	return 0;
}

static void test_order(void **state)
{
	struct pf_ctx *ctx = *state;
	const char *const conf[] = { "http://c0", "http://c1" };
	char got[256];
	struct pf_fetch *f;

	/* Configured ones first, in their order; the list without those,
	 * rotated to start at seed % 4. */
	for (uint32_t seed = 0; seed < 9; seed += 4) {
		f = pf_fetch_new(ctx, &opts, conf, 2);
		assert_non_null(f);
		assert_int_equal(pf_fetch_add_list(f, listed, 5, seed), 0);
		order_of(f, got, sizeof(got));
		assert_string_equal(got, "c0 c1 l0 l1 l2 l3");
		pf_fetch_free(f);
	}
	f = pf_fetch_new(ctx, &opts, conf, 2);
	assert_int_equal(pf_fetch_add_list(f, listed, 5, 6), 0);
	order_of(f, got, sizeof(got));
	assert_string_equal(got, "c0 c1 l2 l3 l0 l1");
	/* Stale last, skipped never (the first mirror's index is behind). */
	assert_int_equal(pf_fetch_mirrors(f, "2.25", "x86_64", "index", try_stale, NULL), 0);
	pf_mirror_note(f, 0, PF_MIRROR_STALE, "behind");
	for (int i = 0; i < PF_MIRROR_MAX_ERRORS; i++)
		pf_mirror_note(f, 3, PF_MIRROR_UNREACHABLE, "refused");
	order_of(f, got, sizeof(got));
	assert_string_equal(got, "c1 l2 l0 l1 c0");
	pf_mirror_note(f, 2, PF_MIRROR_TLS, "bad certificate");
	order_of(f, got, sizeof(got));
	assert_string_equal(got, "c1 l0 l1 c0");
	/* A URL that is no mirror's changes nothing. */
	pf_fetch_mirror_revision(f, "http://c1x/index", 5, true);
	order_of(f, got, sizeof(got));
	assert_string_equal(got, "c1 l0 l1 c0");
	pf_fetch_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_keys, setup, teardown),
		cmocka_unit_test(test_url_rule),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
