/* pakfire.conf: the client's configuration (DESIGN.md, "Command line"). */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct pf_ctx;

struct pf_reserve {
	char *mount;      /* "/boot", "/" ... as written, normalised (no trailing /) */
	uint64_t bytes;
};

struct pf_config {
	char *series;     /* required */
	char *arch;       /* required */
	char **mirrors;   /* in failover order; at least one */
	size_t n_mirrors;
	char *keys;       /* folder of trusted *.asc keys, inside the root */
	char *cache;      /* download cache, inside the root */
	char *database;   /* SQLite file, inside the root */
	struct pf_reserve *reserves;
	size_t n_reserves;
	int64_t valid_until_grace; /* seconds accepted past Valid-Until (>= 0) */
	unsigned hook_timeout;     /* seconds a hook may run (> 0) */
	/* Where the id of this boot is read, inside the root like every
	 * path here; NULL: the running kernel's (base/bootid.h). The reboot
	 * flag and hook recovery compare it. A test points it at a file it
	 * rewrites; a reboot cannot be real there. */
	char *boot_id_file;
	uint64_t log_size;         /* pakfire.log is rotated to .1 past this (> 0) */
	int64_t index_stale;       /* seconds after which status calls an index stale (> 0) */
};

/* Defaults for the optional keys. */
#define PF_DEFAULT_KEYS     "/etc/pakfire/keys"
#define PF_DEFAULT_CACHE    "/var/cache/pakfire"
#define PF_DEFAULT_DATABASE "/var/lib/pakfire/pakfire.db"
/* hook-timeout: 5 minutes. The same number as PF_HOOK_TIMEOUT_DEFAULT in
 * hooks/run.h (format/ does not include a later stage); a hook longer than
 * this is hung rather than slow. */
#define PF_DEFAULT_HOOK_TIMEOUT 300
#define PF_DEFAULT_LOG_SIZE (1024 * 1024)
#define PF_DEFAULT_INDEX_STALE (7 * 24 * 3600)
/* Longer than a day is a typo ("300h"), not a hook. */
#define PF_MAX_HOOK_TIMEOUT (24 * 3600)

/* Parse pakfire.conf text. Unknown keys, duplicate single-valued keys,
 * missing required keys (series, arch, mirror), malformed values
 * (reserve "MOUNT=SIZE" with SIZE like 4M, 64M, 1G, 512K or bytes;
 * valid-until-grace as seconds or with suffix s, m, h, d; hook-timeout as
 * seconds or with suffix s, m, h, from 1s to 24h; log-size a size from 4K;
 * index-stale a duration of at least 1h; boot-id-file an absolute host
 * path) are PF_E_USAGE
 * errors naming file and line. Paths must be absolute (they are taken inside
 * the root). On success *out is owned by the caller. */
int pf_config_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		    size_t len, struct pf_config **out);
void pf_config_free(struct pf_config *cfg);

/* A mount point as pakfire.conf's reserve (and the index's Min-Partition)
 * name it: "/var//cache/" -> "/var/cache" (malloc'd); NULL with *WHY set
 * for a relative path or "." and ".." components (WHY NULL: out of
 * memory). */
char *pf_mount_normalise(const char *s, const char **why);

/* "4M" -> 4194304. Returns -1 on malformed input (no context: a helper). */
int pf_parse_size(const char *s, uint64_t *out);

#endif
