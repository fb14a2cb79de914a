/* pakfire.conf's download keys: see config.h (struct pf_download_config)
 * and pakfire.conf(5). Every error is PF_E_USAGE naming file and line. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/context.h"
#include "format/config.h"

enum { K_CONNECT, K_TRANSFER, K_LOW_LIMIT, K_LOW_TIME, K_PARALLEL, K_CA, K_PROXY };

static const char *const keys[PF_DOWNLOAD_KEYS] = {
	[K_CONNECT] = "connect-timeout",
	[K_TRANSFER] = "transfer-timeout",
	[K_LOW_LIMIT] = "low-speed-limit",
	[K_LOW_TIME] = "low-speed-time",
	[K_PARALLEL] = "parallel-downloads",
	[K_CA] = "ca-bundle",
	[K_PROXY] = "proxy",
};

static int duration(struct pf_ctx *ctx, const char *name, unsigned line, const char *key,
		    const char *value, int64_t min, int64_t max, const char *range, int64_t *out)
{
	if (pf_parse_duration(value, false, out) < 0 || *out < min || *out > max)
		return pf_fail(ctx, PF_E_USAGE,
			       "%s line %u: %s: '%s' is not a duration from %s (seconds, or with s, m, h)",
			       name, line, key, value, range);
	return 0;
}

/* http(s)://host[:port], nothing else: a proxy URL with a path or
 * credentials in it is most likely a typo, and blanks are two values. */
static bool proxy_valid(const char *v)
{
	size_t scheme = strncasecmp(v, "http://", 7) == 0 ? 7 :
			strncasecmp(v, "https://", 8) == 0 ? 8 : 0;
	const char *host = v + scheme;

	if (!scheme || !*host || strpbrk(v, " \t") || strchr(host, '@'))
		return false;
	host += strcspn(host, "/");
	return *host == '\0' || strcmp(host, "/") == 0;
}

int pf_config_download_key(struct pf_ctx *ctx, const char *name, unsigned line,
			   const char *key, const char *value,
			   struct pf_download_config *d, unsigned seen[PF_DOWNLOAD_KEYS])
{
	size_t k;

	for (k = 0; k < PF_DOWNLOAD_KEYS && strcmp(key, keys[k]); k++)
		;
	if (k == PF_DOWNLOAD_KEYS)
		return 1;
	if (seen[k])
		return pf_fail(ctx, PF_E_USAGE, "%s line %u: '%s' given twice (first on line %u)",
			       name, line, key, seen[k]);
	seen[k] = line;
	switch (k) {
	case K_CONNECT:
		return duration(ctx, name, line, key, value, 1, 600, "1s to 10m",
				&d->connect_timeout);
	case K_TRANSFER:
		return duration(ctx, name, line, key, value, 1, 48 * 3600, "1s to 48h",
				&d->transfer_timeout);
	case K_LOW_TIME:
		return duration(ctx, name, line, key, value, 1, 3600, "1s to 1h",
				&d->low_speed_time);
	case K_LOW_LIMIT:
		if (pf_parse_size(value, &d->low_speed_limit) < 0 || d->low_speed_limit < 1 ||
		    d->low_speed_limit > 100u * 1024 * 1024)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: %s: '%s' is not a rate from 1 to 100M bytes a second"
				       " (bytes, or with K, M)", name, line, key, value);
		return 0;
	case K_PARALLEL: {
		char *end;
		unsigned long n = strtoul(value, &end, 10);

		if (value[0] < '0' || value[0] > '9' || *end || n < 1 || n > PF_MAX_PARALLEL)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: %s: '%s' is not a number from 1 to %d",
				       name, line, key, value, PF_MAX_PARALLEL);
		d->parallel = (unsigned)n;
		return 0;
	}
	case K_CA: {
		const char *why;

		d->ca_bundle = pf_config_path(value, &why);
		if (!d->ca_bundle)
			return why ? pf_fail(ctx, PF_E_USAGE, "%s line %u: %s: '%s' is not usable: %s",
					     name, line, key, value, why)
				   : pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
		return 0;
	}
	default: /* K_PROXY */
		if (!proxy_valid(value))
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: %s: '%s' is not http://HOST:PORT or https://HOST:PORT",
				       name, line, key, value);
		d->proxy = strdup(value);
		return d->proxy ? 0 : pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
	}
}

int pf_config_download_defaults(struct pf_ctx *ctx, const char *name, struct pf_download_config *d)
{
	if (!d->connect_timeout)
		d->connect_timeout = PF_DEFAULT_CONNECT_TIMEOUT;
	if (!d->transfer_timeout)
		d->transfer_timeout = PF_DEFAULT_TRANSFER_TIMEOUT;
	if (!d->low_speed_limit)
		d->low_speed_limit = PF_DEFAULT_LOW_SPEED_LIMIT;
	if (!d->low_speed_time)
		d->low_speed_time = PF_DEFAULT_LOW_SPEED_TIME;
	if (!d->parallel)
		d->parallel = PF_DEFAULT_PARALLEL;
	if (!d->ca_bundle && !(d->ca_bundle = strdup(PF_DEFAULT_CA_BUNDLE)))
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	return 0;
}

void pf_config_download_free(struct pf_download_config *d)
{
	free(d->ca_bundle);
	free(d->proxy);
}
