/* Running one hook: see run.h. The parent's side: fork, then a poll loop
 * on the output pipe, the leader (a pidfd) and pakfire's own signals until
 * the leader exits, with the timeout and the TERM-then-KILL sequence;
 * then the rest of the group killed, the pipe drained (boundedly) and the
 * leader reaped. The child's side is child.c, the record capture.c. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "hooks/run-parts.h"

#define CHUNK (64 * 1024)
#define PIPE_SIZE (1024 * 1024) /* fewer wake-ups for a chatty hook */
#define DRAIN_MS 2000           /* after the group is gone: see drain() */
#define POLL_FALLBACK_MS 50     /* without a pidfd: how often to look */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One run: what the loop knows. */
struct run {
	struct pf_ctx *ctx;
	const struct pf_hook_job *job;
	struct pf_capture cap;
	char *chunk;
	pid_t pid;            /* the leader; also the group's id */
	int out_fd;           /* the pipe's read end, -1 at EOF */
	int pidfd;            /* -1: look with waitid every POLL_FALLBACK_MS */
	enum pf_hook_outcome why; /* TIMEOUT or INTERRUPTED once we stopped it */
	int stop_signal;
	bool term_sent, kill_sent, leader_done;
	int64_t kill_at;
};

/* Read once from the pipe: the bytes to the live view and the record. */
static int read_chunk(struct run *r)
{
	ssize_t n = read(r->out_fd, r->chunk, CHUNK);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		close(r->out_fd);
		r->out_fd = -1;
		return 0;
	}
	if (r->job->live) {
		struct pf_event ev = {
			.type = PF_EV_HOOK_OUTPUT,
			.hook_output = { .unit = r->job->unit, .name = r->job->name,
					 .data = r->chunk, .len = (size_t)n },
		};
		pf_emit(r->ctx, &ev);
	}
	pf_capture_add(&r->cap, r->chunk, (size_t)n);
	return 0;
}

/* The whole group: the leader and anything it started that did not leave
 * it. ESRCH: nobody is left, which is fine. */
static void kill_group(pid_t pgid, int sig)
{
	if (kill(-pgid, sig) < 0 && errno == ESRCH)
		return;
}

static void stop(struct run *r, enum pf_hook_outcome why, unsigned grace)
{
	r->why = why;
	r->term_sent = true;
	r->kill_at = now_ms() + (int64_t)grace * 1000;
	kill_group(r->pid, SIGTERM);
}

/* pakfire's SIGINT/TERM/HUP, read from its signalfd: recorded as the rest
 * of pakfire does (ctx->stop_signal), passed on to the group. A second
 * one while the group is being terminated does not wait for the grace. */
static void on_signal(struct run *r, unsigned grace)
{
	struct signalfd_siginfo si;

	if (read(r->ctx->signal_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (!r->ctx->stop_signal)
		r->ctx->stop_signal = (int)si.ssi_signo;
	if (!r->term_sent) {
		r->stop_signal = (int)si.ssi_signo;
		stop(r, PF_HOOK_INTERRUPTED, grace);
	} else if (!r->kill_sent) {
		r->kill_sent = true;
		kill_group(r->pid, SIGKILL);
	}
}

/* Has the leader ended? Without reaping it: while it is a zombie its id
 * cannot go to another process, so the group can still be killed safely. */
static bool leader_ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Until the leader ends: output, signals, the timeout and the grace. */
static int watch(struct run *r, int64_t start)
{
	unsigned timeout = r->job->timeout ? r->job->timeout : PF_HOOK_TIMEOUT_DEFAULT;
	unsigned grace = r->job->grace ? r->job->grace : PF_HOOK_GRACE;
	int64_t deadline = start + (int64_t)timeout * 1000;

	while (!r->leader_done) {
		struct pollfd p[3];
		int n = 0, i_out = -1, i_pid = -1, i_sig = -1;
		int64_t now = now_ms(), wait_ms;

		if (!r->term_sent && now >= deadline)
			stop(r, PF_HOOK_TIMEOUT, grace);
		if (r->term_sent && !r->kill_sent && now >= r->kill_at) {
			r->kill_sent = true;
			kill_group(r->pid, SIGKILL);
		}
		wait_ms = !r->term_sent ? deadline - now : r->kill_sent ? 1000 : r->kill_at - now;
		if (r->pidfd < 0 && wait_ms > POLL_FALLBACK_MS)
			wait_ms = POLL_FALLBACK_MS;
		if (r->out_fd >= 0) {
			i_out = n;
			p[n++] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
		}
		if (r->pidfd >= 0) {
			i_pid = n;
			p[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		}
		if (r->ctx->signal_fd >= 0) {
			i_sig = n;
			p[n++] = (struct pollfd){ .fd = r->ctx->signal_fd, .events = POLLIN };
		}
		if (poll(p, (nfds_t)n, (int)(wait_ms < 0 ? 0 : wait_ms)) < 0) {
			if (errno == EINTR)
				continue;
			return pf_fail_errno(r->ctx, PF_E_OTHER, "hook %s: poll", r->job->name);
		}
		if (i_out >= 0 && p[i_out].revents && read_chunk(r) < 0)
			return pf_fail_errno(r->ctx, PF_E_OTHER, "hook %s: reading its output",
					     r->job->name);
		if (i_sig >= 0 && p[i_sig].revents)
			on_signal(r, grace);
		if ((i_pid >= 0 && p[i_pid].revents) || (r->pidfd < 0 && leader_ended(r->pid)))
			r->leader_done = true;
	}
	return 0;
}

/* After the group was killed, its processes' ends of the pipe close as
 * they die. One that left the group (setsid) may keep the pipe open for
 * ever: stop reading after DRAIN_MS and say so in the record. */
static int drain(struct run *r)
{
	int64_t until = now_ms() + DRAIN_MS;

	while (r->out_fd >= 0) {
		struct pollfd p = { .fd = r->out_fd, .events = POLLIN };
		int64_t left = until - now_ms();
		int n;

		if (left <= 0) {
			pf_capture_note(&r->cap, "output no longer read: a process that left the hook's process group still holds it open");
			break;
		}
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return pf_fail_errno(r->ctx, PF_E_OTHER, "hook %s: poll", r->job->name);
		if (n > 0 && read_chunk(r) < 0)
			return pf_fail_errno(r->ctx, PF_E_OTHER, "hook %s: reading its output",
					     r->job->name);
	}
	return 0;
}

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
static int read_report(struct run *r, int fd)
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
			pf_capture_note(&r->cap, "cannot execute %s: %s", r->job->path, s);
		else
			pf_capture_note(&r->cap, "cannot start hook %s: cannot %s: %s",
					r->job->name, pf_child_step_name(rep.step), s);
	}
	return 0;
}

static void fill_result(struct run *r, int status, struct pf_hook_result *res)
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
static void abandon(struct run *r)
{
	int status;

	kill_group(r->pid, SIGKILL);
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
	struct run r = { .ctx = ctx, .job = job, .pid = -1, .out_fd = -1, .pidfd = -1 };
	char *argv[2] = { (char *)job->name, NULL };
	int out[2] = { -1, -1 }, st[2] = { -1, -1 }, status, ret = -1;
	struct pf_child_args a;
	uint64_t start_time;
	char **envp = NULL;
	int64_t start;
	pid_t pgrp;

	memset(res, 0, sizeof(*res));
	memset(&r.cap, 0, sizeof(r.cap));
	if (pf_capture_init(&r.cap) < 0 || !(r.chunk = malloc(CHUNK)) ||
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
	start = now_ms();
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
	if (watch(&r, start) < 0)
		goto abandon;
	/* The leader is gone (a zombie still holds its id): whatever it
	 * left running in its group goes too. */
	kill_group(r.pid, SIGKILL);
	if (drain(&r) < 0)
		goto abandon;
	if (reap(r.pid, &status) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "hook %s: waitpid %d", job->name, (int)r.pid);
		goto out;
	}
	res->duration_ms = now_ms() - start;
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
