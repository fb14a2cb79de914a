/* `pakfire update`: fetch the signed index of the system's series, verify
 * it, refuse rollbacks and expired metadata, and keep it in the database.
 * And the questions every command asks of the index kept there. */
#ifndef PF_UPDATE_H
#define PF_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_ctx;
struct pf_index;
struct pf_session;
struct pf_system;

/* Needs the configuration and an open database. Warns when the index says
 * its series is closed (Successor). */
int pf_update(struct pf_session *s);

/* The verified index kept for the system's series, parsed. No index yet is
 * a PF_E_USAGE error that says to run `pakfire update`; with check_expiry,
 * an index past Valid-Until (plus grace) is PF_E_VERIFY. */
int pf_current_index(struct pf_session *s, const struct pf_system *sys,
		     bool check_expiry, struct pf_index **out);

/* Warn when IDX says its series is closed (Successor): the system cannot
 * follow it yet, and nobody should think it is up to date. */
void pf_warn_successor(struct pf_ctx *ctx, const struct pf_index *idx);

/* Whether an index valid until VALID_UNTIL is past it (and GRACE seconds). */
bool pf_index_expired(int64_t grace, time_t valid_until);

#endif
