/* pakfire.conf: the client's configuration (DESIGN.md, "Command line"). */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;

struct pf_reserve {
	char *mount;      /* "/boot", "/" ... as written, normalised (no trailing /) */
	uint64_t bytes;
};

/* How downloads are made (fetch/fetch.h, struct pf_fetch_opts): the
 * download keys, parsed in config-download.c. Every limit can be set, so
 * that a slow line gets more patience and a test runs in seconds. */
struct pf_download_config {
	int64_t connect_timeout;   /* connect-timeout, seconds */
	int64_t transfer_timeout;  /* transfer-timeout: one whole file, seconds */
	uint64_t low_speed_limit;  /* low-speed-limit, bytes/s ... */
	int64_t low_speed_time;    /* ... for low-speed-time seconds aborts */
	unsigned parallel;         /* parallel-downloads: transfers at once */
	char *ca_bundle;           /* ca-bundle: PEM file inside the root */
	char *proxy;               /* proxy: http(s)://host:port, NULL none */
};

#define PF_DEFAULT_CONNECT_TIMEOUT 30
#define PF_DEFAULT_TRANSFER_TIMEOUT (6 * 3600)  /* 2 GB at 1 Mbit/s is 4.5 h */
#define PF_DEFAULT_LOW_SPEED_LIMIT 1024
#define PF_DEFAULT_LOW_SPEED_TIME 60
#define PF_DEFAULT_PARALLEL 4
#define PF_MAX_PARALLEL 16
#define PF_DEFAULT_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

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
	struct pf_download_config download;
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

/* "90s", "5m", "2h", "7d" (when DAYS) or plain seconds -> seconds.
 * Returns -1 on malformed input. */
int pf_parse_duration(const char *s, bool days, int64_t *out);

/* config-download.c: KEY = VALUE when KEY is a download key (1: not one of
 * them, for the caller to go on; 0 done; -1 pf_fail naming NAME and LINE).
 * SEEN has a slot per download key, the line it was set on. */
#define PF_DOWNLOAD_KEYS 7
int pf_config_download_key(struct pf_ctx *ctx, const char *name, unsigned line,
			   const char *key, const char *value,
			   struct pf_download_config *d, unsigned seen[PF_DOWNLOAD_KEYS]);
/* Defaults for the download keys not set. */
int pf_config_download_defaults(struct pf_ctx *ctx, const char *name,
				struct pf_download_config *d);
void pf_config_download_free(struct pf_download_config *d);

/* An absolute path as the path keys take it: "/var//x/" -> "/var/x";
 * NULL with *WHY set when it is not (WHY NULL: out of memory). */
char *pf_config_path(const char *s, const char **why);

/* "4M" -> 4194304. Returns -1 on malformed input (no context: a helper). */
int pf_parse_size(const char *s, uint64_t *out);

#endif
