/* `pakfire status`: what a person (or a web UI) needs to know at a glance. */
#ifndef PF_STATUS_H
#define PF_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "state/history.h"
#include "state/system.h"

struct pf_session;

struct pf_status_update {
	unsigned number;
	char summary[256];
	bool reboot;
	uint64_t package_size;
};

struct pf_status {
	struct pf_system system;
	bool have_index;
	uint64_t index_revision;
	time_t index_date;
	time_t index_valid_until;
	time_t index_fetched_at;
	bool index_expired;
	struct pf_status_update *pending; /* malloc'd */
	size_t n_pending;
	struct pf_tx_info last;
};

int pf_status(struct pf_session *s, struct pf_status *out);
void pf_status_clear(struct pf_status *st);

#endif
