/* `pakfire status`: what a person (or a web UI) needs to know at a glance. */
#ifndef PF_STATUS_H
#define PF_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ops/catalog.h"
#include "ops/history.h"
#include "state/mirrors.h"

struct pf_session;

struct pf_status_update {
	char unit[64];          /* "core-141" */
	unsigned number;
	char summary[256];
	bool reboot;
	uint64_t package_size;  /* the download: the index's Package-Size */
	char series_switch[64]; /* the series applying it moves the system to, or "" */
	bool have_manifest;     /* its verified manifest is kept (fetch/kept.h) */
	uint64_t installed_size; /* the size of the files it installs (if have_manifest) */
};

/* One file system that the pending chain touches. */
struct pf_status_mount {
	char mount[256];          /* as the user knows it: "/boot" inside --root */
	uint64_t available;       /* free now, as df shows it (f_bavail) */
	uint64_t needed;          /* what the chain needs there at its peak, counted from now */
	uint64_t reserve;         /* pakfire.conf's reserve */
	uint64_t inodes_available;
	uint64_t inodes_needed;   /* at the chain's peak, counted from now */
	bool inodes_unlimited;
	bool read_only;
	bool fits;                /* every pending update fits there, as the upgrade checks */
	char peak_unit[64];       /* the update at whose peak NEEDED is reached */
	char refused_unit[64];    /* the first update that does not fit there, or "" */
	unsigned refused_core;    /* its number, or 0 */
	/* The verdict on that update there (plan/verdict.h: pf_verdict_name),
	 * or "" when it could not be judged; what it rests on. */
	char verdict[24];
	uint64_t advised;         /* never-fits: the partition size to reinstall with */
	bool in_place;            /* never-fits: big enough, but not beside what stays there */
	uint64_t freeable;        /* fits-after-freeing: what the owner can free there */
	char cleanup[64];         /* fits-after-cleanup: the update to apply first ("core 140") */
};

/* The space the pending core chain needs, planned as the upgrade plans it
 * (plan/space.h) from the kept manifests, without the network. */
struct pf_status_space {
	bool planned;             /* the figures below are the plan of every pending update
				   * (none pending: true, no mounts) */
	size_t n_missing;         /* pending updates whose manifest is not kept: no figures */
	char error[512];          /* why the plan could not be made, else "" */
	/* The first pending update that does not fit, or "": the plan stops
	 * there, as the upgrade does, and the updates after it are not in
	 * the figures. */
	char refused_unit[64];
	unsigned refused_core;
	struct pf_status_mount *mounts; /* malloc'd; only mounts the chain touches */
	size_t n_mounts;
};

/* What a monitoring script acts on (docs/monitoring.md): each fact is a
 * bit of status's exit code, 0 when none holds, else PF_STATUS_ATTENTION +
 * the bits, so that 33..63 never mean an error of status itself. */
#define PF_STATUS_ATTENTION   32
#define PF_STATUS_CORE_UPDATE 1  /* a core update is available */
#define PF_STATUS_ADDON_UPDATES 2 /* add-on updates are available */
#define PF_STATUS_REBOOT      4  /* a reboot is required */
#define PF_STATUS_LAST_FAILED 8  /* the last transaction failed or was interrupted, or a hook is open */
#define PF_STATUS_INDEX_STALE 16 /* no index, or it is stale (index-stale) or expired */

/* What the front end shows; filled from the state layer, never a row of it. */
struct pf_status {
	char series[64];
	char arch[64];
	unsigned core;
	bool have_index;
	uint64_t index_revision;
	time_t index_date;
	time_t index_valid_until;
	time_t index_fetched_at;
	bool index_expired;
	char successor[64];     /* the index says the series is closed: its successor, else "" */
	/* The first pending update that moves the system to another series
	 * (pending[switch_at]), or SIZE_MAX: with a successor and none, the
	 * system is at the end of a closed series and stays there. */
	size_t switch_at;
	/* The core update at which the chain stops because this pakfire
	 * cannot honour it (resolve/resolve.h, T->blocked), or 0. */
	unsigned blocked_core;
	struct pf_status_update *pending; /* malloc'd */
	size_t n_pending;
	uint64_t pending_download;  /* the pending updates' downloads, in all */
	uint64_t pending_installed; /* their installed sizes, in all (when space.n_missing is 0) */
	/* Of them, those whose package lies whole in the download cache
	 * (`upgrade --download-only`): applied without a download. By size,
	 * as the plan counts it; the upgrade checks the hash. */
	size_t n_downloaded;
	struct pf_status_space space;
	/* pakfire.conf's series when it is not the database's, else "" (the
	 * database is the truth: a switching update moved it). */
	char config_series[64];
	struct pf_addon_view *addons; /* malloc'd: the installed add-ons, by name */
	size_t n_addons;
	size_t n_upgradable;
	bool have_last;
	struct pf_run last;    /* the newest run of a command, if have_last */
	/* The failed post hooks that hold upgrades (ops/hook.h), oldest first. */
	struct pf_hook_run_view *hooks_open; /* malloc'd */
	size_t n_hooks_open;
	/* A unit with Reboot: yes was applied in this boot (the kernel's boot
	 * id is still the one recorded with it): REBOOT_UNIT, its id. */
	bool reboot_required;
	char reboot_unit[64];
	char reboot_label[64]; /* how messages name it: "core 141" */
	bool index_stale;      /* fetched longer ago than index-stale */
	/* The newest run that was not a dry run, when it did not end ok
	 * (PF_STATUS_LAST_FAILED): its id, else 0. */
	int64_t failed_run;
	char failed_command[32];
	unsigned attention;    /* PF_STATUS_* bits */
	/* What each mirror did last (state/mirrors.h), by URL. */
	struct pf_mirror_result *mirrors; /* malloc'd */
	size_t n_mirrors;
};

/* The exit code of a status run that succeeded: 0, or
 * PF_STATUS_ATTENTION + ST->attention. */
int pf_status_exit_code(const struct pf_status *st);

int pf_status(struct pf_session *s, struct pf_status *out);
void pf_status_clear(struct pf_status *st);

#endif
