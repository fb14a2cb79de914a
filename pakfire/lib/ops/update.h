/* `pakfire update`: fetch the signed index of the system's series, verify
 * it, refuse rollbacks and expired metadata, and keep it in the database.
 * And the questions every command asks of the index kept there. */
#ifndef PF_UPDATE_H
#define PF_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct pf_ctx;
struct pf_index;
struct pf_index_entry;
struct pf_system;

/* Needs the configuration and an open database. */
int pf_update(struct pf_ctx *ctx);

/* The verified index kept for the system's series, parsed. No index yet is
 * a PF_E_USAGE error that says to run `pakfire update`; with check_expiry,
 * an index past Valid-Until (plus grace) is PF_E_VERIFY. */
int pf_current_index(struct pf_ctx *ctx, const struct pf_system *sys,
		     bool check_expiry, struct pf_index **out);

/* Whether an index valid until VALID_UNTIL is past it (and the grace). */
bool pf_index_expired(const struct pf_ctx *ctx, time_t valid_until);

/* The chain of core updates pending from CORE, in order, up to TO (0: all):
 * each one's Requires is the one before. *chain is malloc'd (may be NULL when
 * *n is 0); its elements point into IDX. */
int pf_pending(struct pf_ctx *ctx, const struct pf_index *idx, unsigned core,
	       unsigned to, const struct pf_index_entry ***chain, size_t *n);

#endif
