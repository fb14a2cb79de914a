/* libcurl for the downloader: see curl.h.
 *
 * libcurl is loaded with the first network transfer (dlopen), not at exec.
 * With it come 25 more libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SSH, ...)
 * whose relocations and constructors keep about 6 MiB resident and slow
 * down the start of every command, also of those that never download:
 * status, history, verify, an upgrade from packages already in the cache,
 * and one from a folder (file://, dir.c reads it without libcurl)
 * (bench/RESULTS.md). The ABI is libcurl.so.4, the soname of the headers
 * we build against; the calls we make go through struct curl_api. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "fetch/curl.h"
#include "fetch/transfer.h"

#define CURL_SONAME "libcurl.so.4"
#define CA_BUNDLE_MAX (4u * 1024 * 1024)

void pf_curl_free(struct pf_curl *c)
{
	if (!c)
		return;
	/* The multi handle first: it may still refer to the easy ones. */
	bool inited = false;

	if (c->multi)
		c->api.multi_cleanup(c->multi);
	for (size_t i = 0; i < c->n_easy; i++)
		if (c->easy[i]) {
			c->api.easy_cleanup(c->easy[i]);
			inited = true;
		}
	free(c->easy);
	free(c->ca);
	if (c->api.lib) {
		/* curl_easy_init initialised libcurl's globals: undo that
		 * before the library goes. */
		if (inited)
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
	if (!(*(void **)&api->field = dlsym(api->lib, symbol)) && !missing) \
		missing = symbol
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_reset, "curl_easy_reset");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(global_cleanup, "curl_global_cleanup");
	LOAD(multi_init, "curl_multi_init");
	LOAD(multi_cleanup, "curl_multi_cleanup");
	LOAD(multi_setopt, "curl_multi_setopt");
	LOAD(multi_add_handle, "curl_multi_add_handle");
	LOAD(multi_remove_handle, "curl_multi_remove_handle");
	LOAD(multi_perform, "curl_multi_perform");
	LOAD(multi_poll, "curl_multi_poll");
	LOAD(multi_info_read, "curl_multi_info_read");
	LOAD(multi_strerror, "curl_multi_strerror");
#undef LOAD
	if (missing)
		return pf_fail(ctx, PF_E_OTHER, "%s has no %s (libcurl 7.88 or later is needed)",
			       CURL_SONAME, missing);
	return 0;
}

struct pf_curl *pf_curl_get(struct pf_fetch *f)
{
	struct pf_curl *c = f->curl;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->easy = calloc(f->opts.parallel, sizeof(*c->easy)))) {
		free(c);
		pf_fail(f->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	c->n_easy = f->opts.parallel;
	if (load_curl(f->ctx, &c->api) < 0)
		goto fail;
	c->multi = c->api.multi_init();
	if (!c->multi) {
		pf_fail(f->ctx, PF_E_OTHER, "cannot start libcurl");
		goto fail;
	}
	/* Our own scheduler keeps to opts.parallel and to PF_MIRROR_MAX_ACTIVE
	 * per mirror; this is the same bound on libcurl's side. */
	if (c->api.multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
				(long)f->opts.parallel) != CURLM_OK) {
		pf_fail(f->ctx, PF_E_OTHER, "cannot set up libcurl");
		goto fail;
	}
	f->curl = c;
	return c;
fail:
	pf_curl_free(c);
	return NULL;
}

CURL *pf_curl_easy(struct pf_fetch *f, unsigned slot)
{
	struct pf_curl *c = pf_curl_get(f);

	if (!c)
		return NULL;
	if (!c->easy[slot]) {
		/* Kept per slot across transfers: its connection stays warm. */
		c->easy[slot] = c->api.easy_init();
		if (!c->easy[slot]) {
			pf_fail(f->ctx, PF_E_OTHER, "cannot start libcurl");
			return NULL;
		}
	} else {
		c->api.easy_reset(c->easy[slot]);
	}
	return c->easy[slot];
}

int pf_curl_ca(struct pf_fetch *f)
{
	struct pf_curl *c = pf_curl_get(f);
	const char *path = f->opts.ca_bundle, *base;
	int dir, r;

	if (!c)
		return -1;
	if (c->ca)
		return 0;
	if (!path)
		return pf_fail(f->ctx, PF_E_USAGE, "no ca-bundle configured (pakfire.conf; a PEM"
			       " file inside the root)");
	/* Inside the root, as every path of pakfire.conf: an appliance's own
	 * trust, never the caller's SSL_CERT_FILE or a default path. */
	dir = pf_root_open_parent(f->ctx, path, &base);
	if (dir < 0)
		r = -1;
	else
		r = pf_read_file_at(dir, base, CA_BUNDLE_MAX, &c->ca, &c->ca_len);
	if (r < 0) {
		int e = errno;

		if (dir >= 0)
			close(dir);
		c->ca = NULL;
		return pf_fail(f->ctx, PF_E_USAGE, "ca-bundle %s: %s (pakfire.conf; a PEM file"
			       " inside the root)", path, strerror(e));
	}
	close(dir);
	return 0;
}
