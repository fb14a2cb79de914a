/* One transfer with libcurl: see transfer.h and fetch.h.
 *
 * libcurl is loaded with the first download (dlopen), not at exec. With it
 * come 25 more libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SSH, ...) whose
 * relocations and constructors keep about 6 MiB resident and slow down the
 * start of every command, also of those that never download: status,
 * history, verify, and an upgrade from packages already in the cache
 * (bench/RESULTS.md). The ABI is libcurl.so.4, the soname of the headers
 * we build against; the handful of calls we make go through struct
 * curl_api, which lives in the downloader's struct pf_curl with the easy
 * handle. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/strings.h"
#include "fetch/fetch.h"
#include "fetch/transfer.h"

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

struct pf_curl {
	struct curl_api api;
	CURL *curl;
};

void pf_curl_free(struct pf_curl *c)
{
	if (!c)
		return;
	if (c->curl)
		c->api.easy_cleanup(c->curl);
	if (c->api.lib) {
		/* curl_easy_init initialised libcurl's globals: undo that
		 * before the library goes. */
		if (c->curl)
			c->api.global_cleanup();
		dlclose(c->api.lib);
	}
	free(c);
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

/* The downloader's handle (libcurl loaded on first use), reset between
 * transfers but keeping its connection cache. NULL after pf_fail. */
static CURL *handle(struct pf_fetch *f)
{
	struct pf_curl *c = f->curl;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			pf_fail(f->ctx, PF_E_OTHER, "out of memory");
			return NULL;
		}
		if (load_curl(f->ctx, &c->api) < 0) {
			pf_curl_free(c);
			return NULL;
		}
		c->curl = c->api.easy_init();
		if (!c->curl) {
			pf_curl_free(c);
			pf_fail(f->ctx, PF_E_OTHER, "cannot start libcurl");
			return NULL;
		}
		f->curl = c;
	}
	c->api.easy_reset(c->curl);
	return c->curl;
}

/* Run one transfer into S. Maps every failure to a class and a message. */
static int transfer(struct pf_fetch *f, const char *url, struct sink *s, long *http_status)
{
	struct pf_ctx *ctx = f->ctx;
	char errbuf[CURL_ERROR_SIZE] = "";
	const struct curl_api *api;
	CURL *c;
	CURLcode rc;
	long status = 0;

	if (http_status)
		*http_status = 0;
	c = handle(f);
	if (!c)
		return -1;
	api = &f->curl->api;
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

	s->name = pf_basename(url);
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

int pf_fetch_mem(struct pf_fetch *f, const char *url, size_t max, char **buf, size_t *len,
		 long *http_status)
{
	struct sink s = { .ctx = f->ctx, .fd = -1, .max = max };

	if (transfer(f, url, &s, http_status) < 0) {
		free(s.buf);
		return -1;
	}
	if (!s.buf) {
		s.buf = malloc(1);
		if (!s.buf)
			return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	}
	s.buf[s.got] = '\0';
	*buf = s.buf;
	*len = (size_t)s.got;
	return 0;
}

int pf_transfer_fd(struct pf_fetch *f, const char *url, int fd, uint64_t max,
		   uint64_t expected, uint64_t *got, uint8_t sha[32])
{
	struct sink s = { .ctx = f->ctx, .fd = fd, .max = max, .expected = expected };
	int r;

	s.sha = pf_sha256_new();
	if (!s.sha)
		return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	r = transfer(f, url, &s, NULL);
	pf_sha256_final(s.sha, sha);
	pf_sha256_free(s.sha);
	*got = s.got;
	return r;
}
