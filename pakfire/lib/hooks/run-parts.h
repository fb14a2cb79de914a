/* Inside the runner (run.c, watch.c, capture.c, env.c, child.c, proc.c):
 * the bounded record of a hook's output, its environment, the child's side
 * of the fork, the loop while it runs and what /proc says of a process.
 * Not for use elsewhere (tests excepted). */
#ifndef PF_HOOKS_RUN_PARTS_H
#define PF_HOOKS_RUN_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hooks/run.h"

/* The output as kept: the first PF_HOOK_KEEP_HEAD bytes, then a ring of
 * the last PF_HOOK_KEEP_TAIL, so that any amount costs the same memory and
 * one or two memcpy per read. Notes are pakfire's own lines (a failed exec,
 * output no longer read), put after the hook's bytes and not counted in
 * its total. */
struct pf_capture {
	char *buf;          /* head, then ring: one allocation */
	size_t head_len;
	size_t ring_pos;    /* where the next byte of the ring goes */
	size_t ring_len;    /* bytes in the ring, at most PF_HOOK_KEEP_TAIL */
	uint64_t total;
	char notes[512];
	size_t notes_len;
};

/* -1 (errno ENOMEM) when there is no memory. */
int pf_capture_init(struct pf_capture *c);
void pf_capture_add(struct pf_capture *c, const char *data, size_t len);
/* A line of pakfire's own ("pakfire: " is prefixed, "\n" appended);
 * silently shortened if the notes are full. */
void pf_capture_note(struct pf_capture *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The record into RES's output, output_len, output_total and dropped. -1
 * (errno ENOMEM) when there is no memory. */
int pf_capture_finish(struct pf_capture *c, struct pf_hook_result *res);
void pf_capture_free(struct pf_capture *c);

/* The environment of a hook made from scratch (env.c): PATH, LANG=C and
 * the PAKFIRE_* of ENV that are set, as a NULL-terminated malloc'd array
 * for execve. NULL (errno ENOMEM) when there is no memory. */
char **pf_hook_envp(const struct pf_hook_env *env);
void pf_hook_envp_free(char **envp);

/* What the child reports on its CLOEXEC status pipe when it cannot get
 * to the hook's first instruction; nothing (EOF) once execve worked. */
enum pf_child_step {
	PF_CHILD_SIGNALS, PF_CHILD_SETSID, PF_CHILD_PDEATHSIG, PF_CHILD_ROOT,
	PF_CHILD_STDIN, PF_CHILD_OUTPUT, PF_CHILD_CLOSE, PF_CHILD_EXEC,
};

struct pf_child_report {
	int step;           /* enum pf_child_step */
	int err;            /* its errno */
};

/* Everything the child needs, made before fork: after it, the child only
 * makes system calls (a threaded parent may hold malloc's lock). */
struct pf_child_args {
	const char *path;
	char *const *argv;
	char *const *envp;
	int root_fd;        /* the root (O_PATH is enough), or -1 for "/" */
	int out_fd;         /* the capture pipe's write end */
	int status_fd;      /* CLOEXEC: a pf_child_report when it fails */
	pid_t parent;       /* to notice that pakfire died before PDEATHSIG */
	int max_fd;         /* when close_range is missing: close up to it */
};

/* child.c: the child's side of the fork. Never returns: execve or _exit
 * (126, or 127 when the executable does not exist). */
__attribute__((noreturn)) void pf_hook_child(const struct pf_child_args *a);
/* "start the session", "execute", ...: for the parent's note. */
const char *pf_child_step_name(int step);

#define PF_HOOK_CHUNK (64 * 1024) /* one read of the output */

/* One run: what run.c and the loop in watch.c share. */
struct pf_hook_running {
	struct pf_ctx *ctx;
	const struct pf_hook_job *job;
	struct pf_capture cap;
	char *chunk;
	pid_t pid;            /* the leader; also the group's id */
	int out_fd;           /* the pipe's read end, -1 at EOF */
	int pidfd;            /* -1: look with waitid at short intervals */
	enum pf_hook_outcome why; /* TIMEOUT or INTERRUPTED once stopped */
	int stop_signal;
	bool term_sent, kill_sent, leader_done;
	int64_t kill_at;
};

/* watch.c: until the leader ends (not reaped: while it is a zombie its id
 * cannot go to another process, so its group can still be killed), then
 * the rest of the output. -1 after pf_fail. */
int pf_hook_watch(struct pf_hook_running *r, int64_t start);
int pf_hook_drain(struct pf_hook_running *r);
/* SIG to the group PGID; nobody left (ESRCH) is fine. */
void pf_hook_kill_group(pid_t pgid, int sig);
int64_t pf_hook_now_ms(void); /* CLOCK_MONOTONIC */

/* proc.c: the process group and the start time (field 22 of
 * /proc/PID/stat, in clock ticks since boot) of process PID. -1 with
 * errno (ENOENT: no such process) when it cannot be read. */
int pf_proc_stat(pid_t pid, pid_t *pgrp, uint64_t *start_time);

#endif
