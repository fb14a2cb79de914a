/* Downloads: see fetch.h.
 *
 * libcurl is loaded with the first download (dlopen), not at exec. With it
 * come 25 more libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SSH, ...) whose
 * relocations and constructors keep about 6 MiB resident and slow down the
 * start of every command, also of those that never download: status,
 * history, verify, and an upgrade from packages already in the cache
 * (bench/RESULTS.md). The ABI is libcurl.so.4, the soname of the headers
 * we build against; the handful of calls we make go through struct
 * curl_api, which lives in the context's fetch session like the handle. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/config.h"
#include "base/context.h"
#include "fetch/fetch.h"
#include "base/hash.h"

/* Give up on a connection that cannot be made in this time, and on a
 * transfer slower than LOW_SPEED bytes/s for LOW_TIME seconds. No overall
 * timeout: a 200 MB package on a slow line is legitimate. */
#define CONNECT_TIMEOUT 30L
#define LOW_SPEED       1024L
#define LOW_TIME        60L
#define MAX_REDIRECTS   5L
#define PROGRESS_STEP_NS 200000000LL /* at most 5 progress events a second */

#define CURL_SONAME "libcurl.so.4"

struct curl_api {
	void *lib;
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	void (*global_cleanup)(void);
};

struct pf_fetch {
	struct curl_api api;
	CURL *curl;
};

void pf_fetch_free(struct pf_fetch *f)
{
	if (!f)
		return;
	if (f->curl)
		f->api.easy_cleanup(f->curl);
	if (f->api.lib) {
		/* curl_easy_init initialised libcurl's globals: undo that
		 * before the library goes. */
		if (f->curl)
			f->api.global_cleanup();
		dlclose(f->api.lib);
	}
	free(f);
}

/* Load libcurl and the calls we make; pf_fail when it cannot be. */
static int load_curl(struct pf_ctx *ctx, struct curl_api *api)
{
	const char *missing = NULL;

	/* NODELETE: the handle is closed with the session, but the library
	 * stays mapped until exit. Its TLS libraries (OpenSSL, GnuTLS) leave
	 * thread-local state and exit handlers behind; unmapping them under
	 * those crashed LeakSanitizer's exit scan. */
	api->lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!api->lib)
		return pf_fail(ctx, PF_E_OTHER, "cannot load %s, which downloads need: %s",
			       CURL_SONAME, dlerror());
#define LOAD(field, symbol) \
	if (!(api->field = dlsym(api->lib, symbol)) && !missing) \
		missing = symbol
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_reset, "curl_easy_reset");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(global_cleanup, "curl_global_cleanup");
#undef LOAD
	if (missing)
		return pf_fail(ctx, PF_E_OTHER, "%s has no %s", CURL_SONAME, missing);
	return 0;
}

char *pf_fetch_url(const char *mirror, const char *series, const char *arch, const char *rel)
{
	char *url;

	if (asprintf(&url, "%s/%s/%s/%s", mirror, series, arch, rel) < 0)
		return NULL;
	return url;
}

int pf_fetch_mirrors(struct pf_ctx *ctx, const char *series, const char *arch,
		     const char *rel, pf_fetch_try_fn try, void *data)
{
	int r = pf_fail(ctx, PF_E_USAGE, "no mirror configured");

	for (size_t i = 0; i < ctx->config->n_mirrors; i++) {
		char *url = pf_fetch_url(ctx->config->mirrors[i], series, arch, rel);

		if (i > 0) {
			pf_warn(ctx, "%s; trying the next mirror", pf_error_message(ctx));
			pf_clear_error(ctx);
		} else {
			pf_clear_error(ctx); /* the "no mirror" above */
		}
		if (!url)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		r = try(ctx, url, data);
		free(url);
		if (r == 0 || pf_error_class(ctx) != PF_E_DOWNLOAD)
			break;
	}
	return r;
}

/* One transfer's sink: memory (buf) or a file (fd), with a hard cap. */
struct sink {
	struct pf_ctx *ctx;
	const char *name;      /* for progress events */
	char *buf;
	size_t cap;
	int fd;
	uint64_t got;
	uint64_t max;          /* more than this aborts the transfer */
	uint64_t expected;     /* for progress: 0 if unknown */
	bool too_large;
	int write_errno;
	struct pf_sha256 *sha;
	long long last_progress_ns;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;

	if (n > s->max - s->got) {
		s->too_large = true;
		return 0; /* aborts the transfer */
	}
	if (s->fd >= 0) {
		for (size_t done = 0; done < n;) {
			ssize_t w = write(s->fd, data + done, n - done);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				s->write_errno = errno;
				return 0;
			}
			done += (size_t)w;
		}
	} else {
		if (s->got + n + 1 > s->cap) {
			size_t cap = s->cap ? s->cap : 64 * 1024;
			char *p;

			while (cap < s->got + n + 1)
				cap *= 2;
			p = realloc(s->buf, cap);
			if (!p) {
				s->write_errno = ENOMEM;
				return 0;
			}
			s->buf = p;
			s->cap = cap;
		}
		memcpy(s->buf + s->got, data, n);
	}
	if (s->sha)
		pf_sha256_update(s->sha, data, n);
	s->got += n;
	return n;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct sink *s = userdata;
	long long t = now_ns();

	(void)ultotal;
	(void)ulnow;
	if (pf_interrupted(s->ctx))
		return 1; /* aborts the transfer */
	if (t - s->last_progress_ns < PROGRESS_STEP_NS)
		return 0;
	s->last_progress_ns = t;
	pf_emit_download(s->ctx, PF_EV_DOWNLOAD_PROGRESS, s->name, (uint64_t)dlnow,
			 s->expected ? s->expected : (uint64_t)(dltotal > 0 ? dltotal : 0));
	return 0;
}

/* The session's handle (libcurl loaded on first use), reset between
 * transfers but keeping its connection cache. NULL after pf_fail. */
static CURL *handle(struct pf_ctx *ctx)
{
	struct pf_fetch *f = ctx->fetch;

	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f) {
			pf_fail(ctx, PF_E_OTHER, "out of memory");
			return NULL;
		}
		if (load_curl(ctx, &f->api) < 0) {
			pf_fetch_free(f);
			return NULL;
		}
		f->curl = f->api.easy_init();
		if (!f->curl) {
			pf_fetch_free(f);
			pf_fail(ctx, PF_E_OTHER, "cannot start libcurl");
			return NULL;
		}
		ctx->fetch = f;
	}
	f->api.easy_reset(f->curl);
	return f->curl;
}

static const char *basename_of(const char *url)
{
	const char *slash = strrchr(url, '/');

	return slash ? slash + 1 : url;
}

/* Run one transfer into S. Maps every failure to a class and a message. */
static int transfer(struct pf_ctx *ctx, const char *url, struct sink *s, long *http_status)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	const struct curl_api *api;
	CURL *c;
	CURLcode rc;
	long status = 0;

	if (http_status)
		*http_status = 0;
	c = handle(ctx);
	if (!c)
		return -1;
	api = &ctx->fetch->api;
	if (api->easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_MAXREDIRS, MAX_REDIRECTS) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_TIME) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_USERAGENT, "pakfire/1") != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_WRITEDATA, s) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_XFERINFODATA, s) != CURLE_OK ||
	    api->easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    /* Compressed transfer encodings would let a mirror inflate past our
	     * caps before we count; ask for the bytes as they are. */
	    api->easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL) != CURLE_OK)
		return pf_fail(ctx, PF_E_OTHER, "%s: cannot set up libcurl", url);
	if (s->max < UINT64_MAX &&
	    api->easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max) != CURLE_OK)
		return pf_fail(ctx, PF_E_OTHER, "%s: cannot set up libcurl", url);

	s->name = basename_of(url);
	pf_emit_download(ctx, PF_EV_DOWNLOAD_START, s->name, 0, s->expected);
	rc = api->easy_perform(c);
	api->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (http_status)
		*http_status = status;
	if (rc == CURLE_OK) {
		pf_emit_download(ctx, PF_EV_DOWNLOAD_DONE, s->name, s->got, s->got);
		return 0;
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK && pf_interrupted(ctx))
		return pf_fail(ctx, PF_E_OTHER, "%s: download interrupted by %s", url,
			       strsignal(pf_interrupted(ctx)));
	if (s->too_large || rc == CURLE_FILESIZE_EXCEEDED)
		return pf_fail(ctx, PF_E_VERIFY, "%s: larger than the %llu bytes allowed (size mismatch)",
			       url, (unsigned long long)s->max);
	if (s->write_errno) {
		errno = s->write_errno;
		return pf_fail_errno(ctx, s->write_errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
				     "%s: cannot store download", url);
	}
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return pf_fail(ctx, PF_E_DOWNLOAD, "%s: HTTP status %ld", url, status);
	return pf_fail(ctx, PF_E_DOWNLOAD, "%s: %s", url, errbuf[0] ? errbuf : api->easy_strerror(rc));
}

int pf_fetch_mem(struct pf_ctx *ctx, const char *url, size_t max, char **buf, size_t *len,
		 long *http_status)
{
	struct sink s = { .ctx = ctx, .fd = -1, .max = max };

	if (transfer(ctx, url, &s, http_status) < 0) {
		free(s.buf);
		return -1;
	}
	if (!s.buf) {
		s.buf = malloc(1);
		if (!s.buf)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	s.buf[s.got] = '\0';
	*buf = s.buf;
	*len = (size_t)s.got;
	return 0;
}

/* Is NAME below dirfd already the verified file? */
int pf_fetch_cached(struct pf_ctx *ctx, int dirfd, const char *name, uint64_t size,
		    const uint8_t sha[32], int *fd)
{
	uint8_t got[32];
	uint64_t got_size;
	struct stat st;
	int f;

	*fd = -1;
	f = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return errno == ENOENT || errno == ELOOP ? 0 :
			pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		close(f);
		return 0;
	}
	if (pf_sha256_fd(ctx, f, name, got, &got_size) < 0) {
		close(f);
		return -1;
	}
	if (got_size != size || memcmp(got, sha, 32) != 0 || lseek(f, 0, SEEK_SET) < 0) {
		close(f);
		return 0;
	}
	*fd = f;
	return 0;
}

int pf_fetch_file(struct pf_ctx *ctx, const char *url, int dirfd, const char *name,
		  uint64_t size, const uint8_t sha[32])
{
	struct sink s = { .ctx = ctx, .fd = -1, .max = size, .expected = size };
	char *part = NULL;
	uint8_t got[32];
	int cached, r = -1;

	if (pf_fetch_cached(ctx, dirfd, name, size, sha, &cached) < 0)
		return -1;
	if (cached >= 0) {
		close(cached);
		pf_debug(ctx, "%s: already downloaded and verified", name);
		return 0;
	}
	if (asprintf(&part, "%s.part", name) < 0) {
		part = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	s.fd = openat(dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s.fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", part);
		goto out;
	}
	s.sha = pf_sha256_new();
	if (!s.sha) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (transfer(ctx, url, &s, NULL) < 0)
		goto out;
	pf_sha256_final(s.sha, got);
	if (s.got != size) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %llu bytes, but the signed index says its size is %llu",
			url, (unsigned long long)s.got, (unsigned long long)size);
		goto out;
	}
	if (memcmp(got, sha, 32) != 0) {
		char want[65], have[65];

		pf_hex(sha, want);
		pf_hex(got, have);
		pf_fail(ctx, PF_E_VERIFY, "%s: SHA-256 %s does not match the signed index (%s)",
			url, have, want);
		goto out;
	}
	if (close(s.fd) < 0) {
		s.fd = -1;
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", part);
		goto out;
	}
	s.fd = -1;
	if (renameat(dirfd, part, dirfd, name) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
		goto out;
	}
	r = 0;
out:
	if (s.fd >= 0)
		close(s.fd);
	if (r < 0 && part)
		unlinkat(dirfd, part, 0);
	pf_sha256_free(s.sha);
	free(part);
	return r;
}
