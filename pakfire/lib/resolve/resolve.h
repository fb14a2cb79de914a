/* The resolver: builds a transaction from the signed index, and says why
 * when it cannot. Today it knows the core chain; add-on dependencies and
 * the series switch come here. */
#ifndef PF_RESOLVE_H
#define PF_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;
struct pf_index;
struct pf_index_entry;
struct pf_transaction;

/* Append the pending core updates on top of T's last unit (or T->core), in order, each one's
 * Requires the one before, up to TO (0: the newest). Two updates offered on
 * one level is a malformed index (PF_E_VERIFY). It stops before an update
 * this pakfire cannot honour (a higher Min-Client, an unknown key), which
 * it notes in T->blocked. */
int pf_resolve_core_chain(struct pf_ctx *ctx, const struct pf_index *idx,
			  struct pf_transaction *t, unsigned to);

/* `upgrade [--to TO]`: the core chain, and a refusal in words when it
 * cannot be what was asked: TO older than the system (pakfire never goes
 * back) or not reachable in the index (PF_E_USAGE, naming the newest it
 * offers). A chain that ends with an update switching series before TO is
 * not finished: it goes on with pf_resolve_continue in the index of the
 * series it moves to. */
int pf_resolve_upgrade(struct pf_ctx *ctx, const struct pf_index *idx,
		       struct pf_transaction *t, unsigned to);
int pf_resolve_continue(struct pf_ctx *ctx, const struct pf_index *idx,
			struct pf_transaction *t, unsigned to);

/* Why this pakfire cannot honour E (named LABEL) into BUF: the level it
 * needs, or the key it does not know. Returns the client level needed. */
unsigned pf_resolve_why_not(const struct pf_index_entry *e, const char *label, char *buf,
			    size_t size);

/* Why the chain stopped at T->blocked, as the error (PF_E_OTHER): the
 * client level it needs and the update that brings one (applied already
 * when its number is at most LEVEL, the system's level now); CHANGED:
 * whether the updates before it were applied. */
int pf_resolve_blocked(struct pf_ctx *ctx, const struct pf_transaction *t, unsigned level,
		       bool changed);
/* The same words, without the end, for a warning (update, status). */
void pf_resolve_blocked_text(const struct pf_transaction *t, unsigned level, char *buf,
			     size_t size);

/* The first core update of IDX above LEVEL that switches series, or NULL:
 * whether a system at LEVEL has a way out of a closed series. */
const struct pf_index_entry *pf_resolve_switch_above(const struct pf_index *idx, unsigned level);

#endif
