/* The hook while it runs (run-parts.h): a poll loop on the output pipe,
 * the leader (a pidfd) and pakfire's own signals until the leader ends,
 * with the timeout and the TERM-then-KILL sequence; then the pipe drained,
 * boundedly. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "hooks/run-parts.h"

#define DRAIN_MS 2000           /* after the group is gone: see pf_hook_drain() */
#define POLL_FALLBACK_MS 50     /* without a pidfd: how often to look */

int64_t pf_hook_now_ms(void)
{
	struct timespec ts = { 0, 0 };

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read once from the pipe: the bytes to the live view and the record. */
static int read_chunk(struct pf_hook_running *r)
{
	ssize_t n = read(r->out_fd, r->chunk, PF_HOOK_CHUNK);

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
 * it. ESRCH: nobody is left, which is fine; any other error (EPERM: a
 * member that became another user's through a setuid program) has no
 * remedy here: the loop goes on to the KILL and the reaping all the same. */
void pf_hook_kill_group(pid_t pgid, int sig)
{
	if (kill(-pgid, sig) < 0 && errno != ESRCH)
		return;
}

static void stop(struct pf_hook_running *r, enum pf_hook_outcome why, unsigned grace)
{
	r->why = why;
	r->term_sent = true;
	r->kill_at = pf_hook_now_ms() + (int64_t)grace * 1000;
	pf_hook_kill_group(r->pid, SIGTERM);
}

/* pakfire's SIGINT/TERM/HUP, read from its signalfd: recorded as the rest
 * of pakfire does (ctx->stop_signal), passed on to the group. A second
 * one while the group is being terminated does not wait for the grace. */
static void on_signal(struct pf_hook_running *r, unsigned grace)
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
		pf_hook_kill_group(r->pid, SIGKILL);
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
int pf_hook_watch(struct pf_hook_running *r, int64_t start)
{
	unsigned timeout = r->job->timeout ? r->job->timeout : PF_HOOK_TIMEOUT_DEFAULT;
	unsigned grace = r->job->grace ? r->job->grace : PF_HOOK_GRACE;
	int64_t deadline = start + (int64_t)timeout * 1000;

	while (!r->leader_done) {
		struct pollfd p[3];
		int n = 0, i_out = -1, i_pid = -1, i_sig = -1;
		int64_t now = pf_hook_now_ms(), wait_ms;

		if (!r->term_sent && now >= deadline)
			stop(r, PF_HOOK_TIMEOUT, grace);
		if (r->term_sent && !r->kill_sent && now >= r->kill_at) {
			r->kill_sent = true;
			pf_hook_kill_group(r->pid, SIGKILL);
		}
		wait_ms = !r->term_sent ? deadline - now : r->kill_sent ? 1000 : r->kill_at - now;
		if (r->pidfd < 0 && wait_ms > POLL_FALLBACK_MS)
			wait_ms = POLL_FALLBACK_MS;
		if (wait_ms > 60000)
			wait_ms = 60000; /* a timeout of days must not overflow poll's int */
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
int pf_hook_drain(struct pf_hook_running *r)
{
	int64_t until = pf_hook_now_ms() + DRAIN_MS;

	while (r->out_fd >= 0) {
		struct pollfd p = { .fd = r->out_fd, .events = POLLIN };
		int64_t left = until - pf_hook_now_ms();
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
