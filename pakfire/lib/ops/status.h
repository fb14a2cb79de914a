/* `pakfire status`: what a person (or a web UI) needs to know at a glance. */
#ifndef PF_STATUS_H
#define PF_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ops/catalog.h"
#include "ops/history.h"

struct pf_session;

struct pf_status_update {
	char unit[64];          /* "core-141" */
	unsigned number;
	char summary[256];
	bool reboot;
	uint64_t package_size;
	char series_switch[64]; /* the series applying it moves the system to, or "" */
};

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
	struct pf_status_update *pending; /* malloc'd */
	size_t n_pending;
	/* pakfire.conf's series when it is not the database's, else "" (the
	 * database is the truth: a switching update moved it). */
	char config_series[64];
	struct pf_addon_view *addons; /* malloc'd: the installed add-ons, by name */
	size_t n_addons;
	size_t n_upgradable;
	bool have_last;
	struct pf_run last;    /* the newest run of a command, if have_last */
};

int pf_status(struct pf_session *s, struct pf_status *out);
void pf_status_clear(struct pf_status *st);

#endif
