/* Small helpers the commands share: see repo.h. */
#include <stdio.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/numbers.h"
#include "repo.h"

int repo_bad_option(struct pf_ctx *ctx, const char *cmd, int c, int optopt_,
		    const char *arg)
{
	/* getopt_long was told ":" first: ':' means a missing value, '?' an
	 * unknown option (optopt 0 for a long one, which arg then shows). */
	if (c == ':')
		return pf_fail(ctx, PF_E_USAGE, "%s: option '%s' needs a value",
			       cmd, arg);
	if (optopt_ > 0 && optopt_ < 0x7f)
		return pf_fail(ctx, PF_E_USAGE, "%s: unknown option '-%c'", cmd,
			       optopt_);
	return pf_fail(ctx, PF_E_USAGE, "%s: unknown option '%s'", cmd, arg);
}

int repo_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;

	/* One spelling per number: a leading zero is refused. */
	if ((s[0] == '0' && s[1] != '\0') || pf_parse_u64(s, strlen(s), &v) < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

bool repo_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 64 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == len;
}

void repo_format_size(uint64_t bytes, char buf[static 16])
{
	static const char *const units[] = { "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1000) {
		snprintf(buf, 16, "%u B", (unsigned)bytes);
		return;
	}
	v /= 1000;
	while (v >= 999.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	snprintf(buf, 16, "%.1f %s", v, units[u]);
}
