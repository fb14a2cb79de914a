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

/* Fetch the signed index of SERIES/ARCH from the mirrors, verify it
 * (signature by a trusted key, Series and Arch, Revision not below the one
 * last seen for that series, the same Revision with the same bytes,
 * Valid-Until), each mirror in turn until one serves an index that passes
 * all of it (one behind is marked stale; a captive portal is a download
 * failure), and, with STORE, keep it in the database with its mirror list
 * (ops/mirror-list.h): `update` for the
 * system's series, the crossing for the series it moves to. *OUT: parsed.
 * SIGNER (may be NULL): who signed it; after a refusal only for want of a
 * trusted signer, that signer (pf_verify_signature), else "". */
int pf_index_refresh(struct pf_session *s, const char *series, const char *arch, bool store,
		     struct pf_index **out, char signer[128]);

/* Warn when IDX says its series is closed (Successor) and no update in it
 * moves the system on (SWITCH_PENDING false): nobody should think such a
 * system is up to date. */
void pf_warn_successor(struct pf_ctx *ctx, const struct pf_index *idx, bool switch_pending);

/* Warn when pakfire.conf names another series than the database. */
void pf_warn_series_config(struct pf_session *s, const struct pf_system *sys);

/* Whether an index valid until VALID_UNTIL is past it (and GRACE seconds). */
bool pf_index_expired(int64_t grace, time_t valid_until);

#endif
