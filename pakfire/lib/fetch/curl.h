/* Inside fetch/: libcurl, loaded with the first network transfer (curl.c
 * says why), its calls, the multi handle and one easy handle per slot, and
 * the CA bundle read once from inside the root. Only curl.c, http.c and
 * multi.c include this. */
#ifndef PF_FETCH_CURL_H
#define PF_FETCH_CURL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

struct pf_fetch;

struct curl_api {
	void *lib;
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	void (*global_cleanup)(void);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	const char *(*multi_strerror)(CURLMcode);
};

struct pf_curl {
	struct curl_api api;
	CURLM *multi;
	CURL **easy;        /* one per slot (opts.parallel), made when first used */
	size_t n_easy;
	char *ca;           /* the CA bundle's bytes, once read */
	size_t ca_len;
};

/* The downloader's libcurl, loaded now if it is not yet; NULL after
 * pf_fail. */
struct pf_curl *pf_curl_get(struct pf_fetch *f);
/* SLOT's easy handle, reset for a new transfer; NULL after pf_fail. */
CURL *pf_curl_easy(struct pf_fetch *f, unsigned slot);
/* The CA bundle (opts.ca_bundle, inside the root, at most 4 MiB), read on
 * the first call; -1 after pf_fail (PF_E_USAGE: it cannot be read). */
int pf_curl_ca(struct pf_fetch *f);

#endif
