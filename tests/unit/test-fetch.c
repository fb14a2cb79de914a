/* fetch/: the downloader as a handle of its own. The failover loop, the
 * copied mirror list, the cache check, the session's downloader, the
 * redirect check and whole batches from folders (file:// mirrors: order,
 * failover, resume) need no network, and must not load libcurl either (a command that downloads
 * nothing never maps it); the last test makes one real transfer, to a port
 * nobody listens on. */
#include <dirent.h>
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
#include "base/context.h"
#include "fetch/engine.h"
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

/* Each try fails but the one on a URL below "http://a/p/q/", whose index
 * is of revision 7 and stale. */
static int try_revision(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	unsigned *tries = data;

	(*tries)++;
	if (strncmp(url, "http://a/p/q/", 13) != 0)
		return pf_fail(ctx, PF_E_DOWNLOAD, "%s: no", url);
	pf_fetch_mirror_revision(f, url, 7, true);
	return 0;
}

/* The revision goes to the mirror the try was on, not to one whose base
 * URL is a prefix of its; a mirror found stale is never asked for an
 * index again this run (other files: last). */
static void test_revision_and_stale(void **state)
{
	struct pf_ctx *ctx = *state;
	const char *mirrors[] = { "http://a/p", "http://a/p/q" };
	struct pf_fetch *f = pf_fetch_new(ctx, &opts, mirrors, 2);
	const struct pf_mirror *m;
	unsigned tries = 0;
	size_t n;

	assert_non_null(f);
	assert_int_equal(pf_fetch_mirrors(f, "s", "a", "index", try_revision, &tries), 0);
	assert_int_equal(tries, 2);
	m = pf_fetch_mirror_list(f, &n);
	assert_int_equal(m[0].revision, 0);
	assert_false(m[0].stale);
	assert_int_equal(m[1].revision, 7);
	assert_true(m[1].stale);
	tries = 0;
	expect_error(ctx, pf_fetch_mirrors(f, "t", "a", "index", try_revision, &tries),
		     PF_E_DOWNLOAD, "http://a/p/t/a/index: no");
	assert_int_equal(tries, 1);
	tries = 0;
	assert_int_equal(pf_fetch_mirrors(f, "s", "a", "core/core-2.manifest", try_revision,
					  &tries), 0);
	assert_int_equal(tries, 2);
	pf_fetch_free(f);
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

/* Which redirect targets are followed (fetch/redirect.c). */
static void test_redirect_check(void **state)
{
	(void)state;
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/y"), PF_REDIRECT_OK);
	assert_int_equal(pf_redirect_check("http://a/x", "https://b/y"), PF_REDIRECT_OK);
	assert_int_equal(pf_redirect_check("https://a/x", "HTTPS://b/y"), PF_REDIRECT_OK);
	assert_int_equal(pf_redirect_check("https://a/x", "https://b/a%20b%2F"), PF_REDIRECT_OK);
	assert_int_equal(pf_redirect_check("http://a/x", "file:///etc/passwd"), PF_REDIRECT_SCHEME);
	assert_int_equal(pf_redirect_check("http://a/x", "ftp://b/y"), PF_REDIRECT_SCHEME);
	assert_int_equal(pf_redirect_check("http://a/x", "gopher://b/y"), PF_REDIRECT_SCHEME);
	assert_int_equal(pf_redirect_check("http://a/x", "httpx://b/y"), PF_REDIRECT_SCHEME);
	assert_int_equal(pf_redirect_check("http://a/x", "/relative"), PF_REDIRECT_SCHEME);
	assert_int_equal(pf_redirect_check("https://a/x", "http://b/y"), PF_REDIRECT_DOWNGRADE);
	assert_int_equal(pf_redirect_check("HTTPS://a/x", "Http://b/y"), PF_REDIRECT_DOWNGRADE);
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/y%0aSet-Cookie:"),
			 PF_REDIRECT_CONTROL);
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/y%0D"), PF_REDIRECT_CONTROL);
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/%00"), PF_REDIRECT_CONTROL);
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/%7f"), PF_REDIRECT_CONTROL);
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/y\tz"), PF_REDIRECT_CONTROL);
	/* Control characters win over the scheme: the message must not
	 * carry them. */
	assert_int_equal(pf_redirect_check("http://a/x", "file:///a%0a"), PF_REDIRECT_CONTROL);
	/* A lone % or %zz is no control character. */
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/100%"), PF_REDIRECT_OK);
	assert_int_equal(pf_redirect_check("http://a/x", "http://b/%zz%2"), PF_REDIRECT_OK);
}

/* Events a batch sent: how many of each, and the last DONE and FAILED. */
struct seen {
	unsigned start, progress, done, failed, total;
	char done_mirror[64], done_file[64];
	uint64_t done_bytes, done_total, offset;
	bool failed_next[4];
	char failed_mirror[4][256];
};

static void on_event(const struct pf_event *ev, void *data)
{
	struct seen *s = data;

	switch (ev->type) {
	case PF_EV_DOWNLOAD_START:
		s->start++;
		break;
	case PF_EV_DOWNLOAD_PROGRESS:
		s->progress++;
		break;
	case PF_EV_DOWNLOAD_DONE:
		s->done++;
		snprintf(s->done_mirror, sizeof(s->done_mirror), "%s", ev->download.mirror);
		snprintf(s->done_file, sizeof(s->done_file), "%s", ev->download.file);
		s->done_bytes = ev->download.done;
		s->done_total = ev->download.total;
		s->offset = ev->download.offset;
		break;
	case PF_EV_DOWNLOAD_FAILED:
		if (s->failed < 4) {
			s->failed_next[s->failed] = ev->download_failed.next;
			snprintf(s->failed_mirror[s->failed], sizeof(s->failed_mirror[0]), "%s",
				 ev->download_failed.mirror);
		}
		s->failed++;
		break;
	case PF_EV_DOWNLOAD_TOTAL:
		s->total++;
		break;
	default:
		break;
	}
}

/* Three folders as file:// mirrors of series s, arch a: the first lacks
 * core/core-2.pak, the second has a bad copy, the third the good one
 * (BODY); plus a cache folder with partial/ beside core/. */
struct dirs {
	char top[64];
	char mirror[3][128];
	int cache_fd, partial_fd;
};

static void put(const char *path, const char *body, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(body, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void make_dirs(struct dirs *d, const char *body)
{
	char path[256], top[64] = "/tmp/pf-dirs-XXXXXX";

	assert_non_null(mkdtemp(top));
	memcpy(d->top, top, sizeof(top));
	for (int i = 0; i < 3; i++) {
		snprintf(d->mirror[i], sizeof(d->mirror[i]), "file://%s/m%d", top, i);
		snprintf(path, sizeof(path), "mkdir -p %s/m%d/s/a/core", d->top, i);
		assert_int_equal(system(path), 0);
	}
	snprintf(path, sizeof(path), "%s/m1/s/a/core/core-2.pak", d->top);
	put(path, "PACKAGE-AND-MORE", strlen(body));
	snprintf(path, sizeof(path), "%s/m2/s/a/core/core-2.pak", d->top);
	put(path, body, strlen(body));
	snprintf(path, sizeof(path), "mkdir -p %s/cache/core %s/cache/partial", d->top, d->top);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/cache/core", d->top);
	d->cache_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/cache/partial", d->top);
	d->partial_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d->cache_fd >= 0 && d->partial_fd >= 0);
}

static void drop_dirs(struct dirs *d)
{
	char cmd[128];

	close(d->cache_fd);
	close(d->partial_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->top);
	assert_int_equal(system(cmd), 0);
}

static struct pf_fetch_job pak_job(const struct dirs *d, const char *body)
{
	struct pf_fetch_job job = {
		.series = "s", .arch = "a", .rel = "core/core-2.pak", .size = strlen(body),
		.dirfd = d->cache_fd, .name = "core-2.pak", .partial_fd = d->partial_fd,
		.unit = "core-2",
	};

	pf_sha256_buf(body, strlen(body), job.sha);
	return job;
}

static void assert_file(int dirfd, const char *name, const char *body)
{
	char buf[64] = "";
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), strlen(body));
	assert_string_equal(buf, body);
	close(fd);
}

static size_t partial_count(int partial_fd)
{
	DIR *dir = fdopendir(dup(partial_fd));
	struct dirent *e;
	size_t n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dir);
	return n;
}

/* Missing on the first mirror, a bad copy on the second, the good one on
 * the third: each is tried in order, each failure noted, and the file
 * lands verified; nothing but the good bytes counts. */
static void test_dir_mirrors_in_order(void **state)
{
	struct pf_ctx *ctx = *state;
	static const char body[] = "PACKAGE-2-BODY";
	struct dirs d;
	struct seen seen = { 0 };
	struct pf_fetch_job job;
	const struct pf_mirror *ms;
	struct pf_fetch *f;
	const char *mirrors[3];
	size_t n;

	make_dirs(&d, body);
	for (int i = 0; i < 3; i++)
		mirrors[i] = d.mirror[i];
	f = pf_fetch_new(ctx, &opts, mirrors, 3);
	assert_non_null(f);
	pf_ctx_set_event_sink(ctx, on_event, &seen);
	job = pak_job(&d, body);
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, 0);
	assert_int_equal(job.cls, PF_E_OK);
	assert_file(d.cache_fd, "core-2.pak", body);
	assert_int_equal(partial_count(d.partial_fd), 0);
	assert_int_equal(seen.start, 3);
	assert_int_equal(seen.failed, 2);
	assert_true(seen.failed_next[0] && seen.failed_next[1]);
	assert_string_equal(seen.failed_mirror[0], d.mirror[0]);
	assert_string_equal(seen.failed_mirror[1], d.mirror[1]);
	assert_int_equal(seen.done, 1);
	assert_string_equal(seen.done_mirror, "local");
	assert_string_equal(seen.done_file, "core-2.pak");
	assert_int_equal(seen.done_bytes, strlen(body));
	assert_int_equal(seen.done_total, strlen(body));
	assert_true(seen.total >= 1);
	ms = pf_fetch_mirror_list(f, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ms[0].last, PF_MIRROR_HTTP_ERROR);
	assert_int_equal(ms[1].last, PF_MIRROR_VERIFY);
	assert_int_equal(ms[2].last, PF_MIRROR_OK);
	assert_int_equal(ms[0].active + ms[1].active + ms[2].active, 0);

	/* Verified in place: nothing is transferred again. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, 0);
	assert_int_equal(seen.start, 0);
	assert_int_equal(seen.total, 0);
	pf_ctx_set_event_sink(ctx, NULL, NULL);
	pf_fetch_free(f);
	drop_dirs(&d);
}

/* Every mirror failed, one of them with bad bytes: a verification failure
 * naming each one's failure, and no partial file left of the bad bytes. */
static void test_dir_mirrors_all_bad(void **state)
{
	struct pf_ctx *ctx = *state;
	static const char body[] = "PACKAGE-2-BODY";
	struct dirs d;
	struct pf_fetch_job job;
	struct pf_fetch *f;
	const char *mirrors[2];

	make_dirs(&d, body);
	mirrors[0] = d.mirror[0];
	mirrors[1] = d.mirror[1];
	f = pf_fetch_new(ctx, &opts, mirrors, 2);
	assert_non_null(f);
	job = pak_job(&d, body);
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, -1);
	assert_int_equal(job.cls, PF_E_VERIFY);
	assert_non_null(strstr(job.error, "m0/s/a/core/core-2.pak: no such file; "));
	assert_non_null(strstr(job.error, "m1/s/a/core/core-2.pak: SHA-256 "));
	assert_int_equal(faccessat(d.cache_fd, "core-2.pak", F_OK, 0), -1);
	assert_int_equal(partial_count(d.partial_fd), 0);
	assert_int_equal(pf_error_class(ctx), PF_E_OK);
	pf_fetch_free(f);
	drop_dirs(&d);
}

/* A partial file: a right prefix is resumed (only the rest is read), a
 * wrong one costs one fresh copy, a symlink in its place is replaced. */
static void test_dir_resume(void **state)
{
	struct pf_ctx *ctx = *state;
	static const char body[] = "PACKAGE-2-BODY";
	struct dirs d;
	struct seen seen = { 0 };
	struct pf_fetch_job job;
	struct pf_fetch *f;
	const char *mirrors[1];
	char hex[65], part[80];
	int fd;

	make_dirs(&d, body);
	mirrors[0] = d.mirror[2];
	f = pf_fetch_new(ctx, &opts, mirrors, 1);
	assert_non_null(f);
	pf_ctx_set_event_sink(ctx, on_event, &seen);
	job = pak_job(&d, body);
	pf_hex(job.sha, hex);
	snprintf(part, sizeof(part), "%s.part", hex);

	fd = openat(d.partial_fd, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, body, 5), 5);
	close(fd);
	assert_int_equal(partial_count(d.partial_fd), 1);
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, 0);
	assert_int_equal(job.resumed_from, 5);
	assert_int_equal(seen.offset, 5);
	assert_file(d.cache_fd, "core-2.pak", body);
	assert_int_equal(partial_count(d.partial_fd), 0);

	/* Wrong bytes: fresh from 0, the same mirror, one more START. */
	assert_int_equal(unlinkat(d.cache_fd, "core-2.pak", 0), 0);
	fd = openat(d.partial_fd, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, "XXXXX", 5), 5);
	close(fd);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, 0);
	assert_int_equal(job.resumed_from, 0);
	assert_int_equal(seen.start, 2);
	assert_int_equal(seen.failed, 0);
	assert_file(d.cache_fd, "core-2.pak", body);

	/* A symlink where the partial goes is removed, never followed. */
	assert_int_equal(unlinkat(d.cache_fd, "core-2.pak", 0), 0);
	assert_int_equal(symlinkat("/etc/passwd", d.partial_fd, part), 0);
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, 0);
	assert_int_equal(job.resumed_from, 0);
	assert_file(d.cache_fd, "core-2.pak", body);
	pf_ctx_set_event_sink(ctx, NULL, NULL);
	pf_fetch_free(f);
	drop_dirs(&d);
}

/* A partial that is already whole and right (its download came to the end
 * just as a stop signal came) is taken as it is: no transfer (the only
 * mirror has no such file), no START event. One of the right size with
 * other bytes is downloaded again. */
static void test_whole_partial_taken(void **state)
{
	struct pf_ctx *ctx = *state;
	static const char body[] = "PACKAGE-2-BODY";
	struct dirs d;
	struct seen seen = { 0 };
	struct pf_fetch_job job;
	struct pf_fetch *f;
	const char *mirrors[1];
	char hex[65], part[80];
	int fd;

	make_dirs(&d, body);
	mirrors[0] = d.mirror[0]; /* has no core-2.pak */
	f = pf_fetch_new(ctx, &opts, mirrors, 1);
	assert_non_null(f);
	pf_ctx_set_event_sink(ctx, on_event, &seen);
	job = pak_job(&d, body);
	pf_hex(job.sha, hex);
	snprintf(part, sizeof(part), "%s.part", hex);
	fd = openat(d.partial_fd, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);

	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, 0);
	assert_int_equal(seen.start, 0);
	assert_file(d.cache_fd, "core-2.pak", body);
	assert_int_equal(partial_count(d.partial_fd), 0);

	/* The right size, other bytes: fetched (here: not found). */
	assert_int_equal(unlinkat(d.cache_fd, "core-2.pak", 0), 0);
	fd = openat(d.partial_fd, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, "XXXXXXXXXXXXXX", strlen(body)), (ssize_t)strlen(body));
	close(fd);
	assert_int_equal(pf_fetch_files(f, &job, 1), 0);
	assert_int_equal(job.result, -1);
	assert_int_equal(seen.start, 1);
	assert_int_equal(faccessat(d.cache_fd, "core-2.pak", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	pf_ctx_set_event_sink(ctx, NULL, NULL);
	pf_fetch_free(f);
	drop_dirs(&d);
}

/* The index and its signature come through pf_fetch_mem: a folder's file
 * too, and a missing one reads as a 404 would. */
static void test_dir_mem(void **state)
{
	struct pf_ctx *ctx = *state;
	static const char body[] = "PACKAGE-2-BODY";
	struct dirs d;
	struct pf_fetch *f;
	const char *mirrors[1];
	char url[256], *buf = NULL;
	size_t len = 0;
	long status = 0;

	make_dirs(&d, body);
	mirrors[0] = d.mirror[2];
	f = pf_fetch_new(ctx, &opts, mirrors, 1);
	assert_non_null(f);
	snprintf(url, sizeof(url), "%s/s/a/core/core-2.pak", d.mirror[2]);
	assert_int_equal(pf_fetch_mem(f, url, 100, &buf, &len, &status), 0);
	assert_int_equal(len, strlen(body));
	assert_string_equal(buf, body);
	assert_int_equal(status, 200);
	free(buf);
	/* More than the cap: a verification failure. */
	expect_error(ctx, pf_fetch_mem(f, url, 4, &buf, &len, &status), PF_E_VERIFY,
		     "core-2.pak: larger than the 4 bytes allowed (size mismatch)");
	pf_clear_error(ctx);
	snprintf(url, sizeof(url), "%s/s/a/index", d.mirror[2]);
	expect_error(ctx, pf_fetch_mem(f, url, 100, &buf, &len, &status), PF_E_DOWNLOAD,
		     "/s/a/index: no such file");
	assert_null(buf);
	assert_int_equal(status, 404);
	pf_clear_error(ctx);
	pf_fetch_free(f);
	drop_dirs(&d);
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

/* A try that fetches its URL into memory; for the mirror "portal" it says
 * what a captive portal's page is. */
static int try_mem(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	char *buf = NULL;
	size_t len = 0;
	long status;
	(void)data;

	if (strstr(url, "portal")) {
		pf_fetch_note_outcome(f, PF_MIRROR_NOT_REPOSITORY);
		return pf_fail(ctx, PF_E_DOWNLOAD, "%s: not a pakfire repository", url);
	}
	if (pf_fetch_mem(f, url, 100, &buf, &len, &status) < 0)
		return -1;
	free(buf);
	return 0;
}

/* A mirror's outcome is what the transport said, never read from a
 * message that holds its URL: a path with "SSL", "certificate", "timed
 * out" or "redirects" in it that cannot be reached is unreachable (a TLS
 * outcome would skip the mirror at once). */
static void test_outcome_not_from_the_url(void **state)
{
	struct pf_ctx *ctx = *state;
	const char *mirrors[] = { "http://127.0.0.1:1/SSL/certificate/TLS",
				  "http://127.0.0.1:1/timed out/redirects", "http://portal" };
	const struct pf_mirror *m;
	struct pf_fetch *f = pf_fetch_new(ctx, &opts, mirrors, 3);
	size_t n;

	assert_non_null(f);
	expect_error(ctx, pf_fetch_mirrors(f, "s", "a", "index", try_mem, NULL), PF_E_DOWNLOAD,
		     "http://127.0.0.1:1/SSL/certificate/TLS/s/a/index: ");
	m = pf_fetch_mirror_list(f, &n);
	assert_int_equal(n, 3);
	assert_string_equal(pf_mirror_outcome_name(m[0].last), "unreachable");
	assert_false(m[0].skipped);
	assert_string_equal(pf_mirror_outcome_name(m[1].last), "unreachable");
	assert_false(m[1].skipped);
	assert_string_equal(pf_mirror_outcome_name(m[2].last), "not-repository");
	pf_fetch_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mirrors_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision_and_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_in_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downloader, setup, teardown),
		cmocka_unit_test(test_redirect_check),
		cmocka_unit_test_setup_teardown(test_dir_mirrors_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_mirrors_all_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_mem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_partial_taken, setup, teardown),
		/* Keep these two last: the first checks that nothing above
		 * loaded libcurl, the second loads it. */
		cmocka_unit_test(test_curl_not_loaded),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outcome_not_from_the_url, setup, teardown),
	};

	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
