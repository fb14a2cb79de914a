/* Running one hook (docs/hooks.md, "Execution contract"): an executable
 * started with argv (never a shell string built from data), never
 * chrooted, the root as its working directory, an environment made from
 * scratch, stdin from /dev/null, its own session and process group, its
 * stdout and stderr captured and bounded, a timeout after which the whole
 * group gets SIGTERM and then SIGKILL, and whatever is left of the group
 * killed when the hook exits. pakfire's own SIGINT/TERM while it runs is
 * passed on to the group the same way. */
#ifndef PF_HOOKS_RUN_H
#define PF_HOOKS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/event.h"

struct pf_ctx;

#define PF_HOOK_TIMEOUT_DEFAULT 300 /* seconds (hook-timeout in pakfire.conf) */
#define PF_HOOK_GRACE 5             /* seconds between SIGTERM and SIGKILL */
#define PF_HOOK_KEEP_HEAD (32 * 1024) /* output bytes kept from the start */
#define PF_HOOK_KEEP_TAIL (32 * 1024) /* and from the end */
#define PF_HOOK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum pf_hook_outcome {
	PF_HOOK_OK,          /* exited 0 */
	PF_HOOK_FAILED,      /* exited non-zero, or could not be executed (126/127) */
	PF_HOOK_KILLED,      /* ended by a signal pakfire did not send */
	PF_HOOK_TIMEOUT,     /* ran past its timeout: its group was terminated */
	PF_HOOK_INTERRUPTED, /* pakfire was asked to stop (SIGINT/TERM) while it ran */
};

/* "ok", "failed", "killed", "timeout", "interrupted": as the database and
 * JSON write them. */
const char *pf_hook_outcome_name(enum pf_hook_outcome o);

/* The contract's variables. Only those set (non-NULL, non-zero) are
 * passed, with PATH = PF_HOOK_PATH and LANG=C; nothing of pakfire's own
 * environment. */
struct pf_hook_env {
	const char *root;    /* PAKFIRE_ROOT: the root, absolute ("/" live) */
	unsigned core;       /* PAKFIRE_CORE: the core level as the hook runs */
	const char *series;  /* PAKFIRE_SERIES */
	const char *phase;   /* PAKFIRE_PHASE: pre, post, pre-install, ...,
			      * pre-transaction, post-transaction */
	unsigned update;     /* PAKFIRE_UPDATE: the core update's number */
	const char *addon;   /* PAKFIRE_ADDON: the add-on's name */
	const char *units;   /* PAKFIRE_UNITS: local hooks, space-separated ids */
};

struct pf_hook_job {
	const char *path;    /* the executable; relative paths are taken from
			      * the root (the working directory of the hook) */
	const char *name;    /* argv[0] and the name in messages and events */
	struct pf_hook_env env;
	unsigned timeout;    /* seconds; 0: PF_HOOK_TIMEOUT_DEFAULT */
	unsigned grace;      /* seconds between TERM and KILL; 0: PF_HOOK_GRACE */
	bool live;           /* emit PF_EV_HOOK_OUTPUT as the output comes */
	struct pf_unit_ref unit; /* for events; id NULL for a local hook */
	/* Called once the hook's process group exists, before it may run
	 * for long, with its id and the start time of its leader (field 22
	 * of /proc/PID/stat), so that the caller can record them: a run
	 * after a crash kills what is left of it (pf_hook_kill_left).
	 * Non-zero from it: the hook is killed and pf_hook_run fails. */
	int (*started)(void *data, pid_t pgid, uint64_t start_time);
	void *data;
};

struct pf_hook_result {
	enum pf_hook_outcome outcome;
	int exit_code;       /* its exit status, or -1 when a signal ended it */
	int signal;          /* the signal that ended it, else 0 */
	int stop_signal;     /* INTERRUPTED: pakfire's SIGINT or SIGTERM */
	int64_t duration_ms;
	char *output;        /* malloc'd, stdout and stderr interleaved: the
			      * first PF_HOOK_KEEP_HEAD bytes and, when more came,
			      * a line "[... N bytes dropped ...]" and the last
			      * PF_HOOK_KEEP_TAIL bytes; NUL-terminated */
	size_t output_len;   /* bytes in output, the NUL not counted */
	uint64_t output_total; /* bytes the hook wrote */
	uint64_t dropped;    /* of them, bytes not kept */
};

/* Run JOB and wait until it and its group are gone. 0 when it ran (RES
 * says how it ended; a hook that could not be executed is FAILED with exit
 * code 126 or 127 and the reason in its output); -1 after pf_fail when
 * pakfire itself could not run it (fork, pipe, memory). RES is cleared
 * first; pf_hook_result_clear frees it. */
int pf_hook_run(struct pf_ctx *ctx, const struct pf_hook_job *job, struct pf_hook_result *res);
void pf_hook_result_clear(struct pf_hook_result *res);

/* The last LINES lines of RES's output (a pointer into it), for a
 * message; "" when there is none. */
const char *pf_hook_output_tail(const struct pf_hook_result *res, unsigned lines);

/* After a crash: kill what is left of the process group PGID, which a
 * hook started at START_TIME in boot BOOT_ID; NOW is this boot's id
 * (base/bootid.h, "" or NULL when unknown). Nothing of a hook outlives a
 * reboot: in another boot (or an unknown one) the id may be anyone's and
 * nothing is killed. In the same boot: when a process PGID exists, only if
 * it is still the leader that started at START_TIME (a reused pid is left
 * alone); when none does, a group of that id can only be what is left of
 * the hook's (the kernel does not hand out the id of a live group). 0
 * also when nothing was left. */
int pf_hook_kill_left(pid_t pgid, uint64_t start_time, const char *boot_id, const char *now);

#endif
