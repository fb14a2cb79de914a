/* Small helpers the commands share: see repo.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/context.h"
#include "base/error.h"
#include "repo.h"

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

int repo_mkdirs(struct pf_ctx *ctx, const char *path)
{
	char *p;
	int r = -1;

	if (!*path)
		return pf_fail(ctx, PF_E_USAGE, "an empty folder name");
	p = strdup(path);
	if (!p)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	/* Each prefix that ends before a '/', then the whole path. */
	for (char *s = p + 1;; s++) {
		bool last = *s == '\0';

		if (*s != '/' && !last)
			continue;
		*s = '\0';
		if (s > p && s[-1] != '/' && mkdir(p, 0755) < 0 && errno != EEXIST) {
			pf_fail_errno(ctx, PF_E_OTHER, "%s: mkdir", p);
			goto out;
		}
		if (last)
			break;
		*s = '/';
	}
	r = 0;
out:
	free(p);
	return r;
}
