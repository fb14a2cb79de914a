/* `pakfire hook`: the runs of hooks as the front end shows them (list,
 * show; history and status show them too), and what the admin does about
 * a failed post hook: run it again, or acknowledge it (docs/hooks.md). The
 * views are filled from the state layer's rows here, so that the front end
 * never sees a database row. */
#ifndef PF_OPS_HOOK_H
#define PF_OPS_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_session;
struct pf_hook_run_row;

/* One run of a hook. */
struct pf_hook_run_view {
	int64_t id;
	int64_t tx;             /* the transaction (history ID) it ran in */
	char unit[64];          /* "core-141", an add-on's name; "" for a local hook */
	char label[64];         /* as messages name it: "core 141", "tor", "local" */
	bool local;             /* a hook of <root>/etc/pakfire/hooks.d/ */
	char phase[24];
	char name[128];
	char state[16];         /* pending | running | ok | failed | killed | timeout |
				 * interrupted | refused */
	time_t started, ended;  /* 0: not yet */
	int64_t duration_ms;
	int exit_code;          /* -1: none */
	int signal;             /* 0: none */
	uint64_t output_total;  /* bytes it wrote */
	uint64_t dropped;       /* of them, not kept */
	char *output;           /* malloc'd when asked for, else NULL */
	size_t output_len;
	bool open;              /* a failed post hook that holds upgrades */
	int64_t resolved_by;    /* the ok run that resolved it, or 0 */
	bool acknowledged;
	int64_t rerun_of;       /* the run it repeats, or 0 */
};

void pf_hook_run_view_clear(struct pf_hook_run_view *v);
void pf_hook_run_views_free(struct pf_hook_run_view *v, size_t n);
/* The view of ROW; takes its output (ROW's is NULL afterwards). */
void pf_hook_run_view_of(struct pf_hook_run_row *row, struct pf_hook_run_view *v);
/* Views of N rows (taking their output); NULL after pf_fail. */
struct pf_hook_run_view *pf_hook_run_views_of(struct pf_session *s, struct pf_hook_run_row *rows,
					      size_t n);

#define PF_HOOK_LIST_RECENT 20  /* runs `hook list` shows without --all */

struct pf_hook_list {
	struct pf_hook_run_view *open;   /* the open ones, oldest first */
	size_t n_open;
	struct pf_hook_run_view *recent; /* the last PF_HOOK_LIST_RECENT runs (all:
					  * every one), oldest first */
	size_t n_recent;
	bool all;
};

/* `hook list [--all]`. */
int pf_hook_list(struct pf_session *s, bool all, struct pf_hook_list *out);
void pf_hook_list_clear(struct pf_hook_list *l);

/* `hook show ID`: the run with its output; a usage error when none. */
int pf_hook_show(struct pf_session *s, int64_t id, struct pf_hook_run_view *out);

/* `hook ack ID` (under the lock): the open run ID is acknowledged, and a
 * transaction "hook ack" records it; *OUT the run afterwards. A usage
 * error, nothing recorded, when ID is no run or not open. */
int pf_hook_ack(struct pf_session *s, int64_t id, struct pf_hook_run_view *out);

/* `hook rerun ID` (under the lock): the hook of run ID run again from its
 * kept bytes (hooks/hooks.h: pf_hooks_rerun) in a transaction "hook
 * rerun"; *OUT run ID afterwards (resolved when the rerun ended ok). */
int pf_hook_rerun(struct pf_session *s, int64_t id, struct pf_hook_run_view *out);

/* The open runs (status) and the runs of transaction TX with their output
 * (history ID). */
int pf_hook_open_runs(struct pf_session *s, struct pf_hook_run_view **out, size_t *n);
int pf_hook_runs_of_tx(struct pf_session *s, int64_t tx, struct pf_hook_run_view **out,
		       size_t *n);

#endif
