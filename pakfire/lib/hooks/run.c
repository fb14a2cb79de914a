/* Running one hook: see run.h. The parent's side from start to end: the
 * pipes and the environment made before fork, the child's report of its
 * start, the caller told of the group, the loop (watch.c) until the
 * leader ends, then the rest of the group killed, the pipe drained and
 * the leader reaped. The child's side is child.c, the record capture.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/context.h"
#include "hooks/run-parts.h"

#define PIPE_SIZE (1024 * 1024) /* fewer wake-ups for a chatty hook */

static int reap(pid_t pid, int *status)
{
	pid_t w;

	do
		w = waitpid(pid, status, 0);
	while (w < 0 && errno == EINTR);
	return w == pid ? 0 : -1;
}

/* The child's report on the status pipe: EOF once execve worked, else
 * which step failed (its reason goes into the hook's output). Blocks
 * only for the few system calls between fork and execve. */
static int read_report(struct pf_hook_running *r, int fd)
{
	struct pf_child_report rep;
	ssize_t n;
	char why[256];

	do
		n = read(fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return pf_fail_errno(r->ctx, PF_E_OTHER, "hook %s: reading its start", r->job->name);
	if (n == (ssize_t)sizeof(rep)) {
		/* strerror_r: the GNU one returns the string. */
		const char *s = strerror_r(rep.err, why, sizeof(why));

		if (rep.step == PF_CHILD_EXEC)
			pf_capture_note(&r->cap, "cannot execute %s%s%s%s: %s", r->job->name,
					strcmp(r->job->name, r->job->path) ? " (" : "",
					strcmp(r->job->name, r->job->path) ? r->job->path : "",
					strcmp(r->job->name, r->job->path) ? ")" : "", s);
		else
			pf_capture_note(&r->cap, "cannot start hook %s: cannot %s: %s",
					r->job->name, pf_child_step_name(rep.step), s);
	}
	return 0;
}

static void fill_result(struct pf_hook_running *r, int status, struct pf_hook_result *res)
{
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else {
		res->exit_code = -1;
		res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	if (r->term_sent)
		res->outcome = r->why;
	else if (WIFEXITED(status))
		res->outcome = res->exit_code == 0 ? PF_HOOK_OK : PF_HOOK_FAILED;
	else
		res->outcome = PF_HOOK_KILLED;
	if (res->outcome == PF_HOOK_INTERRUPTED)
		res->stop_signal = r->stop_signal;
}

/* After a failure of pakfire's own once the child exists: nothing of the
 * hook may outlive the call. */
static void abandon(struct pf_hook_running *r)
{
	int status;

	pf_hook_kill_group(r->pid, SIGKILL);
	/* Also the leader alone, in case it never got to be a group. */
	if (kill(r->pid, SIGKILL) < 0 && errno != ESRCH)
		return; /* cannot happen for our own child; reaping would hang */
	if (reap(r->pid, &status) < 0)
		return; /* ECHILD: someone reaped it already */
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	/* CLOEXEC by itself. Any failure (an old kernel, a filter): the
	 * loop then looks with waitid at short intervals instead. */
	return (int)syscall(SYS_pidfd_open, pid, 0U);
#else
	(void)pid;
	return -1;
#endif
}

/* The highest fd the child closes when it has no close_range. */
static int max_fd(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 65536)
		return 65535;
	return rl.rlim_cur > 0 ? (int)rl.rlim_cur - 1 : 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int pf_hook_run(struct pf_ctx *ctx, const struct pf_hook_job *job, struct pf_hook_result *res)
{
	struct pf_hook_running r = { .ctx = ctx, .job = job, .pid = -1, .out_fd = -1, .pidfd = -1 };
	char *argv[2] = { (char *)job->name, NULL };
	int out[2] = { -1, -1 }, st[2] = { -1, -1 }, status, ret = -1;
	struct pf_child_args a;
	uint64_t start_time;
	char **envp = NULL;
	int64_t start;
	pid_t pgrp;

	memset(res, 0, sizeof(*res));
	memset(&r.cap, 0, sizeof(r.cap));
	if (pf_capture_init(&r.cap) < 0 || !(r.chunk = malloc(PF_HOOK_CHUNK)) ||
	    !(envp = pf_hook_envp(&job->env))) {
		pf_fail(ctx, PF_E_OTHER, "hook %s: out of memory", job->name);
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "hook %s: pipe", job->name);
		goto out;
	}
	if (fcntl(out[0], F_SETPIPE_SZ, PIPE_SIZE) < 0) {
		/* EPERM past /proc/sys/fs/pipe-max-size: the default size
		 * works, with more wake-ups. */
	}
	a = (struct pf_child_args){
		.path = job->path, .argv = argv, .envp = envp, .root_fd = ctx->root_fd,
		.out_fd = out[1], .status_fd = st[1], .parent = getpid(), .max_fd = max_fd(),
	};
	start = pf_hook_now_ms();
	r.pid = fork();
	if (r.pid < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "hook %s: fork", job->name);
		goto out;
	}
	if (r.pid == 0)
		pf_hook_child(&a);
	close_fd(&out[1]);
	close_fd(&st[1]);
	r.out_fd = out[0];
	out[0] = -1;
	if (read_report(&r, st[0]) < 0)
		goto abandon;
	r.pidfd = open_pidfd(r.pid);
	if (pf_proc_stat(r.pid, &pgrp, &start_time) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "hook %s: cannot read /proc/%d/stat", job->name,
			      (int)r.pid);
		goto abandon;
	}
	if (job->started && job->started(job->data, r.pid, start_time) != 0) {
		if (pf_error_class(ctx) == PF_E_OK)
			pf_fail(ctx, PF_E_OTHER, "hook %s: its start could not be recorded",
				job->name);
		goto abandon;
	}
	if (pf_hook_watch(&r, start) < 0)
		goto abandon;
	/* The leader is gone (a zombie still holds its id): whatever it
	 * left running in its group goes too. */
	pf_hook_kill_group(r.pid, SIGKILL);
	if (pf_hook_drain(&r) < 0)
		goto abandon;
	if (reap(r.pid, &status) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "hook %s: waitpid %d", job->name, (int)r.pid);
		goto out;
	}
	res->duration_ms = pf_hook_now_ms() - start;
	fill_result(&r, status, res);
	if (pf_capture_finish(&r.cap, res) < 0) {
		pf_hook_result_clear(res);
		pf_fail(ctx, PF_E_OTHER, "hook %s: out of memory", job->name);
		goto out;
	}
	ret = 0;
	goto out;
abandon:
	abandon(&r);
out:
	close_fd(&r.out_fd);
	close_fd(&r.pidfd);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&st[0]);
	close_fd(&st[1]);
	pf_hook_envp_free(envp);
	free(r.chunk);
	pf_capture_free(&r.cap);
	return ret;
}
