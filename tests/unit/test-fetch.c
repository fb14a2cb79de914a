/* fetch/: the downloader as a handle of its own. The failover loop, the
 * copied mirror list, the cache check and the session's downloader need no
 * network, and must not load libcurl either (a command that downloads
 * nothing never maps it); the last test makes one real transfer, to a port
 * nobody listens on. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"

#include "base/hash.h"
#include "fetch/fetch.h"
#include "format/config.h"
#include "ops/session.h"

static const struct pf_fetch_opts opts = {
	.connect_timeout = 30, .transfer_timeout = 3600, .low_speed_limit = 1024,
	.low_speed_time = 60, .parallel = 4,
};

static bool curl_loaded(void)
{
	void *h = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);

	if (!h)
		return false;
	dlclose(h);
	return true;
}

/* What the failover loop handed to the try function. */
struct tries {
	char urls[4][256];
	size_t n;
	enum pf_errclass fail[4];   /* how try i fails, PF_E_OK: it succeeds */
	struct pf_fetch *f;         /* the handle it must be given */
};

static int try_fake(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	struct tries *t = data;
	size_t i = t->n++;

	assert_ptr_equal(f, t->f);
	assert_true(i < 4);
	snprintf(t->urls[i], sizeof(t->urls[i]), "%s", url);
	if (t->fail[i] == PF_E_OK)
		return 0;
	return pf_fail(ctx, t->fail[i], "%s: try %zu failed", url, i);
}

static void test_mirrors_copied(void **state)
{
	struct pf_ctx *ctx = *state;
	char a[] = "http://a.example/pakfire", b[] = "https://b.example";
	const char *mirrors[] = { a, b };
	struct tries t = { .fail = { PF_E_DOWNLOAD, PF_E_OK } };

	t.f = pf_fetch_new(ctx, &opts, mirrors, 2);
	assert_non_null(t.f);
	/* The handle keeps its own copy. */
	memset(a, 'x', sizeof(a) - 1);
	memset(b, 'y', sizeof(b) - 1);
	assert_int_equal(pf_fetch_mirrors(t.f, "core", "x86_64", "index", try_fake, &t), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.urls[0], "http://a.example/pakfire/core/x86_64/index");
	assert_string_equal(t.urls[1], "https://b.example/core/x86_64/index");
	/* The first mirror's failure was a warning, not the answer. */
	assert_int_equal(pf_error_class(ctx), PF_E_OK);
	pf_fetch_free(t.f);
	pf_fetch_free(NULL);
}

/* N mirrors (at most 3) whose tries fail as F0..F2 say: the loop stops at
 * the first success or at the first failure that is neither a download
 * nor a verification failure; when all failed, every failure is named. */
static void failover(struct pf_ctx *ctx, size_t n, enum pf_errclass f0, enum pf_errclass f1,
		     enum pf_errclass f2, enum pf_errclass want, const char *msg, size_t tries)
{
	const char *mirrors[] = { "http://a", "http://b", "http://c" };
	struct tries t = { .fail = { f0, f1, f2 } };

	t.f = pf_fetch_new(ctx, &opts, mirrors, n);
	assert_non_null(t.f);
	if (want == PF_E_OK)
		assert_int_equal(pf_fetch_mirrors(t.f, "s", "a", "core/core-2.pak", try_fake, &t), 0);
	else
		expect_error(ctx, pf_fetch_mirrors(t.f, "s", "a", "core/core-2.pak", try_fake, &t),
			     want, msg);
	assert_int_equal(t.n, tries);
	pf_fetch_free(t.f);
}

static void test_failover(void **state)
{
	const enum pf_errclass ok = PF_E_OK, dl = PF_E_DOWNLOAD;

	/* A bad copy from one mirror: the next one's good copy is taken
	 * (apt's CVE-2018-0501: the failure never counts as verified). */
	failover(*state, 3, dl, PF_E_VERIFY, ok, PF_E_OK, NULL, 3);
	failover(*state, 3, PF_E_OTHER, ok, ok, PF_E_OTHER,
		 "http://a/s/a/core/core-2.pak: try 0 failed", 1);
	/* Every mirror failed: each one's error; one bad copy makes it a
	 * verification failure. */
	failover(*state, 3, dl, dl, dl, PF_E_DOWNLOAD,
		 "http://a/s/a/core/core-2.pak: try 0 failed; http://b/s/a/core/core-2.pak:"
		 " try 1 failed; http://c/s/a/core/core-2.pak: try 2 failed", 3);
	failover(*state, 2, PF_E_VERIFY, dl, ok, PF_E_VERIFY,
		 "http://a/s/a/core/core-2.pak: try 0 failed; http://b/s/a/core/core-2.pak:"
		 " try 1 failed", 2);
	failover(*state, 0, ok, ok, ok, PF_E_USAGE, "no mirror configured", 0);
}

/* A cache folder holding core-2.pak = "package". */
static int make_cache(char dir[64], uint8_t sha[32])
{
	int dfd, fd;

	snprintf(dir, 64, "/tmp/pf-fetch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	fd = openat(dfd, "core-2.pak", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "package", 7), 7);
	close(fd);
	assert_int_equal(symlinkat("core-2.pak", dfd, "link.pak"), 0);
	pf_sha256_buf("package", 7, sha);
	return dfd;
}

static void drop_cache(const char *dir, int dfd)
{
	unlinkat(dfd, "core-2.pak", 0);
	unlinkat(dfd, "link.pak", 0);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

static void test_cached(void **state)
{
	struct pf_ctx *ctx = *state;
	uint8_t sha[32], other[32];
	char dir[64], buf[8];
	int dfd = make_cache(dir, sha), fd;

	pf_sha256_buf("packagf", 7, other);
	assert_int_equal(pf_fetch_cached(ctx, dfd, "core-2.pak", 7, sha, &fd), 0);
	assert_true(fd >= 0);
	/* Open at offset 0, ready to be read again. */
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	/* Another size or hash, a missing file, a symlink: download it. */
	assert_int_equal(pf_fetch_cached(ctx, dfd, "core-2.pak", 8, sha, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(pf_fetch_cached(ctx, dfd, "core-2.pak", 7, other, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(pf_fetch_cached(ctx, dfd, "core-3.pak", 7, sha, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(pf_fetch_cached(ctx, dfd, "link.pak", 7, sha, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(pf_error_class(ctx), PF_E_OK);
	drop_cache(dir, dfd);
}

/* A file already in the cache is kept without a transfer. */
static void test_file_in_cache(void **state)
{
	struct pf_ctx *ctx = *state;
	const char *mirrors[] = { "http://127.0.0.1:1" };
	struct pf_fetch *f = pf_fetch_new(ctx, &opts, mirrors, 1);
	uint8_t sha[32];
	char dir[64];
	int dfd = make_cache(dir, sha);

	assert_non_null(f);
	assert_int_equal(pf_fetch_file(f, "http://127.0.0.1:1/s/a/core/core-2.pak", dfd,
				       "core-2.pak", 7, sha), 0);
	pf_fetch_free(f);
	drop_cache(dir, dfd);
}

/* The session's downloader: made once, from the configured mirrors. */
static void test_downloader(void **state)
{
	struct pf_ctx *ctx = *state;
	static const char conf[] = "series = s\narch = a\nmirror = http://127.0.0.1:1/r\n";
	struct pf_session *s = calloc(1, sizeof(*s));
	struct pf_fetch *f;

	assert_non_null(s);
	s->ctx = ctx;
	s->lock_fd = -1;
	assert_null(pf_session_fetch(s));
	expect_error(ctx, -1, PF_E_OTHER, "downloader made before configuration");
	assert_int_equal(pf_config_parse(ctx, "pakfire.conf", conf, strlen(conf), &s->config), 0);
	f = pf_session_fetch(s);
	assert_non_null(f);
	assert_ptr_equal(pf_session_fetch(s), f);
	pf_session_close(s); /* frees it */
}

/* Nothing above transferred a byte, so nothing loaded libcurl. */
static void test_curl_not_loaded(void **state)
{
	(void)state;
	assert_false(curl_loaded());
}

/* One real transfer, to a port nobody listens on: a download failure
 * (the next mirror would be tried), and no part file left behind. */
static void test_unreachable(void **state)
{
	struct pf_ctx *ctx = *state;
	const char *mirrors[] = { "http://127.0.0.1:1" };
	struct pf_fetch *f = pf_fetch_new(ctx, &opts, mirrors, 1);
	uint8_t sha[32];
	char dir[64], *buf = NULL;
	size_t len = 0;
	long status = -1;
	int dfd = make_cache(dir, sha);

	assert_non_null(f);
	expect_error(ctx, pf_fetch_mem(f, "http://127.0.0.1:1/s/a/index", 100, &buf, &len, &status),
		     PF_E_DOWNLOAD, "http://127.0.0.1:1/s/a/index: ");
	assert_null(buf);
	assert_int_equal(status, 0);
	expect_error(ctx, pf_fetch_file(f, "http://127.0.0.1:1/s/a/core/core-3.pak", dfd,
					"core-3.pak", 7, sha),
		     PF_E_DOWNLOAD, "http://127.0.0.1:1/s/a/core/core-3.pak: ");
	assert_int_equal(faccessat(dfd, "core-3.pak.part", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(errno, ENOENT);
	/* And the probe of test_curl_not_loaded sees a loaded libcurl. */
	assert_true(curl_loaded());
	pf_fetch_free(f);
	drop_cache(dir, dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mirrors_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_in_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downloader, setup, teardown),
		/* Keep these two last: the first checks that nothing above
		 * loaded libcurl, the second loads it. */
		cmocka_unit_test(test_curl_not_loaded),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
	};

	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
