/* String helpers: see strings.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strings.h"

const char *pf_basename(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

void pf_url_host(const char *url, char *buf, size_t size)
{
	/* past user:password@, which never goes into an event */
	const char *p = pf_url_after_userinfo(url);

	if (strncmp(url, "file://", 7) == 0 || !p) {
		snprintf(buf, size, "local");
		return;
	}
	snprintf(buf, size, "%.*s", (int)strcspn(p, "/?#"), p);
}

char *pf_join_lines(char *const *lines, size_t n)
{
	size_t total = 1, at = 0;
	char *buf;

	for (size_t i = 0; i < n; i++)
		total += strlen(lines[i]) + 1;
	buf = malloc(total);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);

		memcpy(buf + at, lines[i], len);
		buf[at + len] = '\n';
		at += len + 1;
	}
	buf[at] = '\0';
	return buf;
}

bool pf_path_inside(const char *path, const char *folder, bool direct)
{
	size_t len;

	if (!folder)
		return false;
	folder += strspn(folder, "/");
	len = strlen(folder);
	while (len && folder[len - 1] == '/')
		len--;
	if (!len || strncmp(path, folder, len) || path[len] != '/' || !path[len + 1])
		return false;
	return !direct || !strchr(path + len + 1, '/');
}

const char *pf_url_after_userinfo(const char *url)
{
	const char *p = strstr(url, "://"), *end;

	if (!p)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	/* The last '@' of the authority ends the userinfo (a password may
	 * hold an '@' of its own only %-encoded, but be lenient). */
	for (const char *at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	return p;
}

char *pf_url_redact(const char *url)
{
	const char *host = pf_url_after_userinfo(url), *auth = host ? strstr(url, "://") + 3 : NULL;
	char *out;

	if (!host || host == auth)
		return strdup(url);
	if (asprintf(&out, "%.*s***@%s", (int)(auth - url), url, host) < 0)
		return NULL;
	return out;
}
