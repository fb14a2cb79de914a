/* One HTTP(S) transfer in the multi handle: its options, its callbacks and
 * what its end means. See engine.h.
 *
 * Nothing of the setup comes from the environment: the CA bundle is read
 * from pakfire.conf's ca-bundle inside the root and given as a blob (no
 * default path, no SSL_CERT_FILE, no CURL_CA_BUNDLE), the proxy is
 * pakfire.conf's or none ("" turns http_proxy and friends off; NOPROXY ""
 * keeps no_proxy from bypassing a configured one), and
 * redirects are followed here, hop by hop, after pf_redirect_check. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/context.h"
#include "base/path.h"
#include "fetch/curl.h"
#include "fetch/engine.h"

#define REDIRECT_BODY_MAX (64 * 1024)

static bool is_https(const char *url)
{
	return url && strncasecmp(url, "https://", 8) == 0;
}

/* Headers of the answer: its status (each answer starts with one) and its
 * Content-Range. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct pf_xfer *t = userdata;
	size_t n = size * nmemb, len = n;
	const char *v;

	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len > 9 && strncmp(data, "HTTP/", 5) == 0 && (v = memchr(data, ' ', len))) {
		t->status = strtol(v + 1, NULL, 10);
		t->range[0] = '\0';
	} else if (len > 14 && strncasecmp(data, "Content-Range:", 14) == 0) {
		v = data + 14;
		while (v < data + len && (*v == ' ' || *v == '\t'))
			v++;
		snprintf(t->range, sizeof(t->range), "%.*s", (int)(data + len - v), v);
	}
	return n;
}

/* Whether Content-Range says the body starts at byte FROM. */
static bool range_starts_at(const char *range, uint64_t from)
{
	char *end;
	unsigned long long v;

	if (strncasecmp(range, "bytes ", 6) != 0)
		return false;
	v = strtoull(range + 6, &end, 10);
	return end != range + 6 && *end == '-' && v == from;
}

/* The first byte of an answer decides what the body is: a redirect's (not
 * ours), the rest of the partial file (206 from where we asked), or the
 * whole file (200: what we had is dropped; this is the one fresh download). */
static bool first_bytes(struct pf_xfer *t)
{
	t->answered = true;
	if (t->status >= 300 && t->status < 400) {
		t->redirect = true;
		return true;
	}
	if (!t->asked)
		return true;
	if (t->status == 206 && range_starts_at(t->range, t->asked)) {
		t->resumed = true;
		return true;
	}
	if (t->status == 200) {
		t->retried = true;
		return pf_sink_rewind(&t->sink) == 0;
	}
	t->bad_range = true;
	return false;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct pf_xfer *t = userdata;
	size_t n = size * nmemb;

	if (!t->answered && !first_bytes(t))
		return 0; /* aborts the transfer */
	if (t->redirect) {
		/* Its body is dropped, but read to its end: libcurl gives the
		 * target (CURLINFO_REDIRECT_URL) only to a transfer that ended
		 * well. A redirect does not get to send us more than this. */
		t->redirect_body += n;
		return t->redirect_body > REDIRECT_BODY_MAX ? 0 : n;
	}
	return pf_sink_write(&t->sink, data, n) < 0 ? 0 : n;
}

/* The options of one request, which has LEFT_MS of the try's
 * transfer-timeout; pf_fail when libcurl refuses one. */
static int set_options(struct pf_fetch *f, struct pf_xfer *t, CURL *c, char *range,
		       long left_ms)
{
	const struct curl_api *api = &f->curl->api;
	struct curl_blob ca = { .data = f->curl->ca, .len = f->curl->ca_len,
				.flags = CURL_BLOB_COPY };
	const char *proxy = f->opts.proxy ? f->opts.proxy : "";
	bool ok;

	ok = api->easy_setopt(c, CURLOPT_URL, t->cur) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_PRIVATE, t) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
	     /* No default CA file or folder, no environment: only the blob. */
	     api->easy_setopt(c, CURLOPT_CAINFO, NULL) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK &&
	     (!f->curl->ca || api->easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca) == CURLE_OK) &&
	     api->easy_setopt(c, CURLOPT_PROXY, proxy) == CURLE_OK &&
	     /* "" overrides no_proxy and NO_PROXY: the caller's environment
	      * must not take the configured proxy away either. */
	     api->easy_setopt(c, CURLOPT_NOPROXY, "") == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)f->opts.connect_timeout) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_TIMEOUT_MS, left_ms) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)f->opts.low_speed_limit) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)f->opts.low_speed_time) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_FAILONERROR, 1L) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_USERAGENT, "pakfire/1") == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_HEADERDATA, t) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
	     api->easy_setopt(c, CURLOPT_WRITEDATA, t) == CURLE_OK &&
	     /* Compressed transfer encodings would let a mirror inflate past
	      * our caps before we count; ask for the bytes as they are. */
	     api->easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL) == CURLE_OK &&
	     (t->sink.max == UINT64_MAX ||
	      api->easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->sink.max) == CURLE_OK) &&
	     /* CURLOPT_RANGE rather than RESUME_FROM: the same "Range:
	      * bytes=N-", but a 200 answer is handed to us (first_bytes)
	      * instead of failing the transfer. */
	     (!range || api->easy_setopt(c, CURLOPT_RANGE, range) == CURLE_OK);
	if (ok && is_https(f->opts.proxy))
		ok = api->easy_setopt(c, CURLOPT_PROXY_SSL_VERIFYPEER, 1L) == CURLE_OK &&
		     api->easy_setopt(c, CURLOPT_PROXY_SSL_VERIFYHOST, 2L) == CURLE_OK &&
		     api->easy_setopt(c, CURLOPT_PROXY_CAINFO, NULL) == CURLE_OK &&
		     api->easy_setopt(c, CURLOPT_PROXY_CAPATH, NULL) == CURLE_OK &&
		     api->easy_setopt(c, CURLOPT_PROXY_CAINFO_BLOB, &ca) == CURLE_OK;
	return ok ? 0 : pf_fail(f->ctx, PF_E_OTHER, "%s: cannot set up libcurl", t->shown);
}

int pf_http_start(struct pf_engine *e, struct pf_xfer *t)
{
	struct pf_fetch *f = e->f;
	long long left = (t->deadline_ns - pf_now_ns()) / 1000000;
	char range[32];
	CURL *c;
	CURLMcode mc;

	/* One transfer-timeout for the whole try: a redirect or a fresh
	 * download does not start the clock again. */
	if (left <= 0) {
		t->outcome = PF_MIRROR_TIMEOUT;
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: took longer than transfer-timeout (%lld s)",
			       t->shown, (long long)f->opts.transfer_timeout);
	}
	t->errbuf[0] = '\0';
	t->range[0] = '\0';
	t->status = 0;
	t->answered = t->redirect = t->bad_range = false;
	t->redirect_body = 0;
	t->asked = t->sink.got;
	c = pf_curl_easy(f, t->slot);
	if (!c)
		return -1;
	/* The CA bundle only when https is spoken, so a broken ca-bundle
	 * does not stop a plain-http appliance. */
	if ((is_https(t->cur) || is_https(f->opts.proxy)) && pf_curl_ca(f) < 0)
		return -1;
	snprintf(range, sizeof(range), "%" PRIu64 "-", t->asked);
	if (set_options(f, t, c, t->asked ? range : NULL, left > LONG_MAX ? LONG_MAX : (long)left) < 0)
		return -1;
	mc = f->curl->api.multi_add_handle(f->curl->multi, c);
	if (mc != CURLM_OK)
		return pf_fail(f->ctx, PF_E_OTHER, "%s: libcurl: %s", t->shown,
			       f->curl->api.multi_strerror(mc));
	t->easy = c;
	e->running_http++;
	return 0;
}

/* A 3xx: follow it when pf_redirect_check and the hop count allow. */
static int follow(struct pf_engine *e, struct pf_xfer *t)
{
	struct pf_fetch *f = e->f;
	char *to = NULL, *copy, quoted[300];

	f->curl->api.easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &to);
	t->outcome = PF_MIRROR_REDIRECT;
	if (!to || !*to) {
		t->outcome = PF_MIRROR_HTTP_ERROR;
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: HTTP status %ld without a Location",
			       t->shown, t->status);
	}
	switch (pf_redirect_check(t->cur, to)) {
	case PF_REDIRECT_CONTROL:
		return pf_fail(f->ctx, PF_E_DOWNLOAD,
			       "%s: redirect to a URL with control characters refused", t->shown);
	case PF_REDIRECT_SCHEME:
		return pf_fail(f->ctx, PF_E_DOWNLOAD,
			       "%s: redirect to '%s' refused: only http and https are followed",
			       t->shown, pf_quote(to, strlen(to), quoted, sizeof(quoted)));
	case PF_REDIRECT_DOWNGRADE:
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: redirect from https to http refused",
			       t->shown);
	case PF_REDIRECT_OK:
		break;
	}
	if (t->hops >= PF_MAX_REDIRECTS)
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: more than %d redirects", t->shown,
			       PF_MAX_REDIRECTS);
	copy = strdup(to);
	if (!copy)
		return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	free(t->cur);
	t->cur = copy;
	t->hops++;
	pf_multi_remove(e, t);
	return pf_http_start(e, t) < 0 ? -1 : 1;
}

/* A transfer that timed out: too slow, too long, or no connection. */
static int timed_out(struct pf_fetch *f, struct pf_xfer *t)
{
	char speed[32];

	if (strncmp(t->errbuf, "Operation too slow", 18) == 0) {
		t->outcome = PF_MIRROR_TOO_SLOW;
		pf_format_size(f->opts.low_speed_limit, speed);
		return pf_fail(f->ctx, PF_E_DOWNLOAD,
			       "%s: too slow: less than %s/s for %lld s (low-speed-limit,"
			       " low-speed-time)", t->shown, speed, (long long)f->opts.low_speed_time);
	}
	t->outcome = PF_MIRROR_TIMEOUT;
	if (strncmp(t->errbuf, "Operation timed out", 19) == 0)
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: took longer than transfer-timeout (%lld s)",
			       t->shown, (long long)f->opts.transfer_timeout);
	return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: %s", t->shown,
		       t->errbuf[0] ? t->errbuf : "connection timed out");
}

static bool is_tls(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	       rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_INVALIDCERTSTATUS ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_CRL_BADFILE;
}

int pf_http_ended(struct pf_engine *e, struct pf_xfer *t, int rc_)
{
	struct pf_fetch *f = e->f;
	const struct curl_api *api = &f->curl->api;
	CURLcode rc = (CURLcode)rc_;
	long status = 0;

	api->easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status)
		t->status = status;
	t->x->http_status = t->status;
	/* Stopping: no redirect or retry is started, but a file that came
	 * whole is still judged (multi.c stops the batch after). */
	if (pf_interrupted(f->ctx) &&
	    !(rc == CURLE_OK && !t->redirect && t->status >= 200 && t->status < 300))
		return pf_fail(f->ctx, PF_E_OTHER, "%s: download interrupted by %s", t->shown,
			       strsignal(pf_interrupted(f->ctx)));
	if (t->redirect || (rc == CURLE_OK && t->status >= 300 && t->status < 400))
		return follow(e, t);
	/* A Range the server would not serve as asked (416, or a 206 from
	 * elsewhere): once from byte 0. */
	if ((t->bad_range || (rc == CURLE_HTTP_RETURNED_ERROR && t->status == 416)) &&
	    t->asked && !t->retried) {
		pf_multi_remove(e, t);
		return pf_engine_restart_fresh(e, t) < 0 ? -1 : 1;
	}
	t->outcome = PF_MIRROR_UNREACHABLE;
	if (rc == CURLE_OK && t->status >= 200 && t->status < 300)
		return 0;
	if (rc == CURLE_OK) {
		t->outcome = PF_MIRROR_HTTP_ERROR;
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: HTTP status %ld", t->shown, t->status);
	}
	if (t->sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		t->sink.too_large = true;
		t->outcome = PF_MIRROR_VERIFY;
		return pf_sink_fail(&t->sink, t->shown);
	}
	if (t->sink.write_errno)
		return pf_sink_fail(&t->sink, t->shown);
	if (t->bad_range) {
		t->outcome = PF_MIRROR_HTTP_ERROR;
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: asked for bytes from %" PRIu64
			       ", answered with '%s'", t->shown, t->asked, t->range);
	}
	if (rc == CURLE_HTTP_RETURNED_ERROR) {
		t->outcome = PF_MIRROR_HTTP_ERROR;
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: HTTP status %ld", t->shown, t->status);
	}
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return timed_out(f, t);
	if (rc == CURLE_PARTIAL_FILE && t->x->check)
		return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: ended after %" PRIu64 " of %" PRIu64
			       " bytes", t->shown, t->sink.got, t->x->job->size);
	if (is_tls(rc))
		t->outcome = PF_MIRROR_TLS;
	return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: %s", t->shown,
		       t->errbuf[0] ? t->errbuf : api->easy_strerror(rc));
}
