/* `pakfire upgrade`: bring the system to the newest core update (or --to
 * N), as one transaction: resolve -> fetch manifests -> plan -> per unit:
 * space check, fetch package, apply, record. With --from-dir (the
 * session's from_dir) the index is first refreshed from that folder, with
 * every check of `pakfire update`. */
#ifndef PF_UPGRADE_H
#define PF_UPGRADE_H

#include <stdbool.h>

struct pf_session;

struct pf_upgrade_opts {
	unsigned to;        /* stop at this core level (0: the newest) */
	bool dry_run;       /* show what would happen, change nothing */
	/* Download and verify every package of the pending transaction into
	 * the cache, and change nothing else: a later upgrade applies them
	 * without a request. Refused (PF_E_SPACE) when the cache's mount
	 * cannot hold them all until each one's commit. */
	bool download_only;
	/* Asked once the pending chain is known (PF_EV_UNIT_PENDING events
	 * were emitted); false stops without changing anything. NULL: yes. */
	bool (*confirm)(void *data);
	void *confirm_data;
};

int pf_upgrade(struct pf_session *s, const struct pf_upgrade_opts *opts);

#endif
