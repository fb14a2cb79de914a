/* pakfire runs as root and downloads through libcurl, which with OpenSSL or
 * GnuTLS reads variables of the caller's environment: SSLKEYLOGFILE writes
 * the TLS session secrets to any path, OPENSSL_CONF can load an engine or a
 * provider (code) and change protocols and ciphers, SSL_CERT_FILE and
 * CURL_CA_BUNDLE change trust, no_proxy can bypass the configured proxy.
 * pakfire.conf is the one place that says how to download (fetch.h), and
 * fetch/http.c already sets the CA and the proxy explicitly; but some of
 * these are read by the TLS library itself, below any option libcurl has,
 * so they are taken out of the environment at start, before libcurl or gpg
 * is loaded or started. Hooks get an environment made from scratch anyway
 * (hooks/env.c). Matching is by prefix, so that a variable a newer library
 * adds under the same family name is cleared too. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "environ.h"

extern char **environ;

/* Whole names. */
static const char *const names[] = {
	"SSLKEYLOGFILE", "RANDFILE", "CTLOG_FILE", "CURL_HOME",
};

/* Families: OpenSSL's, GnuTLS's, libcurl's, and SSL_CERT_FILE/_DIR. */
static const char *const prefixes[] = {
	"OPENSSL_", "GNUTLS_", "CURL_", "SSL_",
};

static bool scrubbed(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncmp(name, names[i], len) == 0)
			return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (len >= strlen(prefixes[i]) && strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	/* http_proxy, https_proxy, all_proxy, no_proxy and the rest, in
	 * either case (libcurl reads both for most of them). */
	return len >= 6 && strncasecmp(name + len - 6, "_proxy", 6) == 0;
}

int cli_environ_scrub(void)
{
	bool again = true;

	/* unsetenv changes environ: look again from the start after each. */
	while (again) {
		again = false;
		for (char **e = environ; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
			char *name;
			int r;

			if (!scrubbed(*e, len))
				continue;
			name = strndup(*e, len);
			if (!name) {
				errno = ENOMEM;
				return -1;
			}
			r = unsetenv(name);
			free(name);
			if (r < 0)
				return -1;
			again = true;
			break;
		}
	}
	return 0;
}
