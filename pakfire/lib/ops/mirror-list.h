/* The repository's published mirror list on the client (docs/formats.md,
 * "mirrors"): fetched with the index that names it, kept with that index,
 * added after the configured mirrors of every downloader, and what each
 * mirror did recorded when the session closes (state/mirrors.h). */
#ifndef PF_OPS_MIRROR_LIST_H
#define PF_OPS_MIRROR_LIST_H

struct pf_fetch;
struct pf_index;
struct pf_session;

/* IDX was just verified and stored: fetch the mirror list it names (from
 * the mirrors, capped at its signed size), check its size and SHA-256
 * against IDX, parse it, keep it with the index and add it to this run's
 * downloader (never with --from-dir: the folder is the run's one source,
 * the list is only verified and kept). A list that cannot be fetched or is wrong is a warning that
 * names each mirror's failure: the run goes on without it. -1 only when
 * the run must stop (interrupted, the database failed). */
int pf_mirror_list_refresh(struct pf_session *s, const struct pf_index *idx);

/* Add the list kept with the system's index to F, rotated by this
 * machine's seed (drawn and stored the first time, under the lock; a dry
 * run or a command without the lock uses the stored one or 0). The list
 * is checked against the stored index's Mirrors-SHA256 again. Whatever
 * goes wrong is a warning: F keeps the configured mirrors. */
void pf_mirror_list_use(struct pf_session *s, struct pf_fetch *f);

/* Record what each mirror of the session's downloader did this run, in
 * the session's last transaction; nothing for a dry run or without the
 * lock. A failure is a warning; the error already on the context stays. */
void pf_mirror_results_record(struct pf_session *s);

#endif
