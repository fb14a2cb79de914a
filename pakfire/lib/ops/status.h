/* `pakfire status`: what a person (or a web UI) needs to know at a glance. */
#ifndef PF_STATUS_H
#define PF_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ops/history.h"

struct pf_session;

struct pf_status_update {
	char unit[64];          /* "core-141" */
	unsigned number;
	char summary[256];
	bool reboot;
	uint64_t package_size;
	char series_switch[64]; /* the series applying it moves the system to, else "" */
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
	struct pf_status_update *pending; /* malloc'd */
	size_t n_pending;
	bool have_last;
	struct pf_run last;    /* the newest run of a command, if have_last */
};

int pf_status(struct pf_session *s, struct pf_status *out);
void pf_status_clear(struct pf_status *st);

#endif
