/* pakfire.conf: see config.h. The syntax is kv.c's; this file gives the keys
 * their meaning. Every error is PF_E_USAGE and names the file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/config.h"
#include "base/context.h"
#include "base/error.h"
#include "base/numbers.h"
#include "format/kv.h"
#include "format/mirrors.h"
#include "base/path.h"

struct state {
	struct pf_config *cfg;
	unsigned *reserve_lines; /* line of each reserve item, for messages */
	/* line where each single-valued key was set, 0 if not yet */
	unsigned l_series, l_arch, l_keys, l_cache, l_database, l_grace,
		 l_hook_timeout, l_boot_id_file, l_log_size, l_index_stale;
	unsigned l_download[PF_DOWNLOAD_KEYS];
};

static bool token_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

/* Decimal digits into a uint64, refusing overflow. Returns the number of
 * digits consumed (0: none, or overflow). */
static size_t parse_digits(const char *s, uint64_t *out)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && pf_parse_u64(s, n, out) == 0 ? n : 0;
}

static bool mul_ok(uint64_t v, uint64_t f, uint64_t *out)
{
	if (f != 0 && v > UINT64_MAX / f)
		return false;
	*out = v * f;
	return true;
}

int pf_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, f = 1;
	size_t n = parse_digits(s, &v);

	if (n == 0)
		return -1;
	switch (s[n]) {
	case '\0': f = 1; break;
	case 'k': case 'K': f = 1ULL << 10; break;
	case 'm': case 'M': f = 1ULL << 20; break;
	case 'g': case 'G': f = 1ULL << 30; break;
	case 't': case 'T': f = 1ULL << 40; break;
	default: return -1;
	}
	if (s[n] != '\0' && s[n + 1] != '\0')
		return -1;
	return mul_ok(v, f, out) ? 0 : -1;
}

/* Seconds, or with suffix s, m, h and, when DAYS, d. */
int pf_parse_duration(const char *s, bool days, int64_t *out)
{
	uint64_t v, f, r;
	size_t n = parse_digits(s, &v);

	if (n == 0)
		return -1;
	switch (s[n]) {
	case '\0': case 's': f = 1; break;
	case 'm': f = 60; break;
	case 'h': f = 3600; break;
	case 'd': f = 86400; break;
	default: return -1;
	}
	if ((s[n] != '\0' && s[n + 1] != '\0') || (s[n] == 'd' && !days))
		return -1;
	if (!mul_ok(v, f, &r) || r > INT64_MAX)
		return -1;
	*out = (int64_t)r;
	return 0;
}

/* "/var//cache/" -> "/var/cache". Refuses relative paths and ".", ".."
 * components; "/" itself only when allow_root. Returns a malloc'd string, or
 * NULL with *why set (why == NULL: out of memory). */
static char *normalise_abs(const char *s, bool allow_root, const char **why)
{
	size_t n = strlen(s), o = 0;
	char *p;

	*why = "not an absolute path";
	if (s[0] != '/')
		return NULL;
	p = malloc(n + 1);
	if (!p) {
		*why = NULL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && o > 0 && p[o - 1] == '/')
			continue;
		p[o++] = s[i];
	}
	if (o > 1 && p[o - 1] == '/')
		o--;
	p[o] = '\0';
	if (o == 1) {
		if (allow_root)
			return p;
		*why = "the root directory itself";
		free(p);
		return NULL;
	}
	if (!pf_path_valid(p + 1, o - 1, why)) {
		free(p);
		return NULL;
	}
	return p;
}

char *pf_config_path(const char *s, const char **why)
{
	return normalise_abs(s, false, why);
}

char *pf_mount_normalise(const char *s, const char **why)
{
	return normalise_abs(s, true, why);
}

static int set_path(struct pf_ctx *ctx, const char *name, unsigned line,
		    const char *key, const char *value, char **slot)
{
	const char *why;
	char *p = normalise_abs(value, false, &why);

	if (!p) {
		if (!why)
			return pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory",
				       name, line);
		return pf_fail(ctx, PF_E_USAGE, "%s line %u: %s: '%s' is not usable: %s",
			       name, line, key, value, why);
	}
	free(*slot);
	*slot = p;
	return 0;
}

static int add_reserve(struct pf_ctx *ctx, const char *name, unsigned line,
		       struct state *st, const char *item)
{
	struct pf_config *cfg = st->cfg;
	const char *eq = strchr(item, '='), *why;
	char *mount = NULL, *spec = NULL, *p;
	struct pf_reserve *res;
	unsigned *lines;
	uint64_t bytes;
	int r = -1;

	if (!eq || eq == item || eq[1] == '\0') {
		pf_fail(ctx, PF_E_USAGE,
			"%s line %u: reserve: '%s' is not MOUNT=SIZE (like /boot=4M)",
			name, line, item);
		goto out;
	}
	spec = strndup(item, (size_t)(eq - item));
	if (!spec) {
		pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
		goto out;
	}
	mount = normalise_abs(spec, true, &why);
	if (!mount) {
		if (!why)
			pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
		else
			pf_fail(ctx, PF_E_USAGE, "%s line %u: reserve: mount point '%s': %s",
				name, line, spec, why);
		goto out;
	}
	if (pf_parse_size(eq + 1, &bytes) < 0) {
		pf_fail(ctx, PF_E_USAGE,
			"%s line %u: reserve: size '%s' for %s is not a size (like 4M, 64M, 1G, 512K or bytes)",
			name, line, eq + 1, mount);
		goto out;
	}
	for (size_t i = 0; i < cfg->n_reserves; i++) {
		if (strcmp(cfg->reserves[i].mount, mount) == 0) {
			pf_fail(ctx, PF_E_USAGE,
				"%s line %u: reserve: mount point %s given twice (first on line %u)",
				name, line, mount, st->reserve_lines[i]);
			goto out;
		}
	}
	res = realloc(cfg->reserves, (cfg->n_reserves + 1) * sizeof(*res));
	if (!res) {
		pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
		goto out;
	}
	cfg->reserves = res;
	lines = realloc(st->reserve_lines, (cfg->n_reserves + 1) * sizeof(*lines));
	if (!lines) {
		pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
		goto out;
	}
	st->reserve_lines = lines;
	p = mount;
	mount = NULL;
	res[cfg->n_reserves].mount = p;
	res[cfg->n_reserves].bytes = bytes;
	lines[cfg->n_reserves] = line;
	cfg->n_reserves++;
	r = 0;
out:
	free(mount);
	free(spec);
	return r;
}

static int push_mirror(struct pf_ctx *ctx, const char *name, unsigned line,
		       struct pf_config *cfg, char *url)
{
	char **m = realloc(cfg->mirrors, (cfg->n_mirrors + 1) * sizeof(*m));

	if (!m) {
		free(url);
		return pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
	}
	cfg->mirrors = m;
	m[cfg->n_mirrors++] = url;
	return 0;
}

/* file:///ABS: a folder of this host (not inside the root: a USB stick is
 * mounted where the admin chose), read without libcurl. */
static int add_dir_mirror(struct pf_ctx *ctx, const char *name, unsigned line,
			  struct pf_config *cfg, const char *value)
{
	const char *why;
	char *path = normalise_abs(value + 7, false, &why), *url;

	if (!path) {
		if (!why)
			return pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
		return pf_fail(ctx, PF_E_USAGE,
			       "%s line %u: mirror: '%s' is not file:// and an absolute path: %s",
			       name, line, value, why);
	}
	if (asprintf(&url, "file://%s", path) < 0) {
		free(path);
		return pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
	}
	free(path);
	return push_mirror(ctx, name, line, cfg, url);
}

static int add_mirror(struct pf_ctx *ctx, const char *name, unsigned line,
		      struct pf_config *cfg, const char *value)
{
	const char *why;
	char *url;
	size_t n;

	if (strncmp(value, "file://", 7) == 0)
		return add_dir_mirror(ctx, name, line, cfg, value);
	/* The rule of the published list's URLs too (format/mirrors.h). */
	why = pf_mirror_url_problem(value, true, &n);
	if (why)
		return pf_fail(ctx, PF_E_USAGE, "%s line %u: mirror: '%s' %s", name, line, value, why);
	url = strndup(value, n);
	if (!url)
		return pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
	return push_mirror(ctx, name, line, cfg, url);
}

/* A single-valued key: refuse a second assignment. */
static int once(struct pf_ctx *ctx, const char *name, unsigned line,
		const char *key, unsigned *seen)
{
	if (*seen)
		return pf_fail(ctx, PF_E_USAGE, "%s line %u: '%s' given twice (first on line %u)",
			       name, line, key, *seen);
	*seen = line;
	return 0;
}

static int set_token(struct pf_ctx *ctx, const char *name, unsigned line,
		     const char *key, const char *value, char **slot)
{
	char *v;

	if (!token_valid(value))
		return pf_fail(ctx, PF_E_USAGE,
			       "%s line %u: %s: '%s' is not a valid name (letters, digits, '.', '_', '-')",
			       name, line, key, value);
	v = strdup(value);
	if (!v)
		return pf_fail(ctx, PF_E_OTHER, "%s line %u: out of memory", name, line);
	free(*slot);
	*slot = v;
	return 0;
}

static int on_kv(struct pf_ctx *ctx, const char *name, unsigned line,
		 const char *key, const char *value, void *data)
{
	struct state *st = data;
	struct pf_config *cfg = st->cfg;
	int r;

	if (strcmp(key, "series") == 0) {
		if (once(ctx, name, line, key, &st->l_series) < 0)
			return -1;
		return set_token(ctx, name, line, key, value, &cfg->series);
	}
	if (strcmp(key, "arch") == 0) {
		if (once(ctx, name, line, key, &st->l_arch) < 0)
			return -1;
		return set_token(ctx, name, line, key, value, &cfg->arch);
	}
	if (strcmp(key, "mirror") == 0)
		return add_mirror(ctx, name, line, cfg, value);
	if (strcmp(key, "keys") == 0) {
		if (once(ctx, name, line, key, &st->l_keys) < 0)
			return -1;
		return set_path(ctx, name, line, key, value, &cfg->keys);
	}
	if (strcmp(key, "cache") == 0) {
		if (once(ctx, name, line, key, &st->l_cache) < 0)
			return -1;
		return set_path(ctx, name, line, key, value, &cfg->cache);
	}
	if (strcmp(key, "database") == 0) {
		if (once(ctx, name, line, key, &st->l_database) < 0)
			return -1;
		return set_path(ctx, name, line, key, value, &cfg->database);
	}
	if (strcmp(key, "reserve") == 0) {
		const char *p = value;

		while (*p) {
			size_t n = strcspn(p, " \t");
			char item[4097];

			if (n > 0) {
				memcpy(item, p, n);
				item[n] = '\0';
				if (add_reserve(ctx, name, line, st, item) < 0)
					return -1;
			}
			p += n;
			p += strspn(p, " \t");
		}
		return 0;
	}
	if (strcmp(key, "valid-until-grace") == 0) {
		if (once(ctx, name, line, key, &st->l_grace) < 0)
			return -1;
		if (pf_parse_duration(value, true, &cfg->valid_until_grace) < 0)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: valid-until-grace: '%s' is not a duration (seconds, or with s, m, h, d)",
				       name, line, value);
		return 0;
	}
	if (strcmp(key, "hook-timeout") == 0) {
		int64_t t;

		if (once(ctx, name, line, key, &st->l_hook_timeout) < 0)
			return -1;
		/* 0 would mean "no timeout" to some readers and "kill at once"
		 * to others: neither is wanted, so it is refused. */
		if (pf_parse_duration(value, false, &t) < 0 || t == 0 || t > PF_MAX_HOOK_TIMEOUT)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: hook-timeout: '%s' is not a duration from 1s to 24h (seconds, or with s, m, h)",
				       name, line, value);
		cfg->hook_timeout = (unsigned)t;
		return 0;
	}
	if (strcmp(key, "boot-id-file") == 0) {
		if (once(ctx, name, line, key, &st->l_boot_id_file) < 0)
			return -1;
		return set_path(ctx, name, line, key, value, &cfg->boot_id_file);
	}
	if (strcmp(key, "log-size") == 0) {
		if (once(ctx, name, line, key, &st->l_log_size) < 0)
			return -1;
		/* Below 4K a single failure's lines would not fit. */
		if (pf_parse_size(value, &cfg->log_size) < 0 || cfg->log_size < 4096)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: log-size: '%s' is not a size of at least 4K"
				       " (bytes, or with K, M, G or T: powers of 1024)",
				       name, line, value);
		return 0;
	}
	if (strcmp(key, "index-stale") == 0) {
		if (once(ctx, name, line, key, &st->l_index_stale) < 0)
			return -1;
		if (pf_parse_duration(value, true, &cfg->index_stale) < 0 || cfg->index_stale < 3600)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: index-stale: '%s' is not a duration of at least 1h (seconds, or with s, m, h, d)",
				       name, line, value);
		return 0;
	}
	r = pf_config_download_key(ctx, name, line, key, value, &cfg->download, st->l_download);
	if (r <= 0)
		return r;
	return pf_fail(ctx, PF_E_USAGE, "%s line %u: unknown key '%s'", name, line, key);
}

static int set_default(struct pf_ctx *ctx, const char *name, char **slot,
		       const char *def)
{
	if (*slot)
		return 0;
	*slot = strdup(def);
	if (!*slot)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	return 0;
}

int pf_config_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		    size_t len, struct pf_config **out)
{
	struct state st = { 0 };
	int r = -1;

	*out = NULL;
	st.cfg = calloc(1, sizeof(*st.cfg));
	if (!st.cfg)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	if (pf_kv_parse(ctx, name, buf, len, on_kv, &st) < 0)
		goto out;
	if (!st.cfg->series) {
		pf_fail(ctx, PF_E_USAGE, "%s: missing required key 'series'"
			" (like 'series = 2.25'; see 'man 5 pakfire.conf')", name);
		goto out;
	}
	if (!st.cfg->arch) {
		pf_fail(ctx, PF_E_USAGE, "%s: missing required key 'arch'"
			" (like 'arch = x86_64'; see 'man 5 pakfire.conf')", name);
		goto out;
	}
	if (st.cfg->n_mirrors == 0) {
		pf_fail(ctx, PF_E_USAGE, "%s: missing required key 'mirror' (at least one, like"
			" 'mirror = https://mirror.example.org/pakfire'; see 'man 5 pakfire.conf')",
			name);
		goto out;
	}
	if (!st.l_hook_timeout)
		st.cfg->hook_timeout = PF_DEFAULT_HOOK_TIMEOUT;
	if (!st.l_log_size)
		st.cfg->log_size = PF_DEFAULT_LOG_SIZE;
	if (!st.l_index_stale)
		st.cfg->index_stale = PF_DEFAULT_INDEX_STALE;
	if (pf_config_download_defaults(ctx, name, &st.cfg->download) < 0 ||
	    set_default(ctx, name, &st.cfg->keys, PF_DEFAULT_KEYS) < 0 ||
	    set_default(ctx, name, &st.cfg->cache, PF_DEFAULT_CACHE) < 0 ||
	    set_default(ctx, name, &st.cfg->database, PF_DEFAULT_DATABASE) < 0)
		goto out;
	*out = st.cfg;
	st.cfg = NULL;
	r = 0;
out:
	pf_config_free(st.cfg);
	free(st.reserve_lines);
	return r;
}

void pf_config_free(struct pf_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->series);
	free(cfg->arch);
	for (size_t i = 0; i < cfg->n_mirrors; i++)
		free(cfg->mirrors[i]);
	free(cfg->mirrors);
	free(cfg->keys);
	free(cfg->cache);
	free(cfg->database);
	free(cfg->boot_id_file);
	pf_config_download_free(&cfg->download);
	for (size_t i = 0; i < cfg->n_reserves; i++)
		free(cfg->reserves[i].mount);
	free(cfg->reserves);
	free(cfg);
}
