/* Which redirects are followed: see engine.h. libcurl does not follow them
 * (FOLLOWLOCATION off); http.c asks this about each target, so that a
 * mirror can send us neither to another protocol (file:// would read the
 * appliance's own files, and the cap would not save us), nor from https
 * down to plain http, nor to a URL whose control characters could split a
 * request or a log line. A pure function: the unit tests call it. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fetch/engine.h"

static bool has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A byte below 0x20 or 0x7f, as it is or as %XX. */
static bool has_control(const char *url)
{
	for (const char *p = url; *p; p++) {
		unsigned char c = (unsigned char)*p;
		int hi, lo;

		if (c < 0x20 || c == 0x7f)
			return true;
		if (c != '%' || (hi = hex_value(p[1])) < 0 || (lo = hex_value(p[2])) < 0)
			continue;
		c = (unsigned char)(hi * 16 + lo);
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

enum pf_redirect_verdict pf_redirect_check(const char *from, const char *to)
{
	if (has_control(to))
		return PF_REDIRECT_CONTROL;
	if (!has_scheme(to, "http") && !has_scheme(to, "https"))
		return PF_REDIRECT_SCHEME;
	if (has_scheme(from, "https") && has_scheme(to, "http"))
		return PF_REDIRECT_DOWNGRADE;
	return PF_REDIRECT_OK;
}
