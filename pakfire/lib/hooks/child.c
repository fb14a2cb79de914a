/* The child's side of the fork (run-parts.h): from pakfire's process to
 * the hook's first instruction. Only system calls here: the parent may
 * have threads, and whatever lock one held at fork stays held in the
 * child. A step that fails reports itself on the status pipe and exits;
 * the parent turns that into a line of the hook's output. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hooks/run-parts.h"

static const char *const step_names[] = {
	[PF_CHILD_SIGNALS] = "reset its signals",
	[PF_CHILD_SETSID] = "start its session",
	[PF_CHILD_PDEATHSIG] = "tie it to pakfire",
	[PF_CHILD_ROOT] = "enter the root",
	[PF_CHILD_STDIN] = "open /dev/null as its input",
	[PF_CHILD_OUTPUT] = "connect its output",
	[PF_CHILD_CLOSE] = "close pakfire's files",
	[PF_CHILD_EXEC] = "execute",
};

const char *pf_child_step_name(int step)
{
	if (step < 0 || (size_t)step >= sizeof(step_names) / sizeof(step_names[0]))
		return "start";
	return step_names[step];
}

__attribute__((noreturn)) static void fail(int status_fd, int step)
{
	struct pf_child_report rep = { .step = step, .err = errno };
	ssize_t w;

	do
		w = write(status_fd, &rep, sizeof(rep));
	while (w < 0 && errno == EINTR);
	/* Nothing more to do if even that failed: the exit code says it. */
	_exit(step == PF_CHILD_EXEC && rep.err == ENOENT ? 127 : 126);
}

/* Dispositions back to default and nothing blocked: pakfire blocks
 * SIGINT/TERM/HUP for its signalfd, and a hook must be stoppable by
 * them (a blocked or ignored signal survives execve). */
static int reset_signals(void)
{
	struct sigaction dfl;
	sigset_t none;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* EINVAL: the C library's own real-time signals; nothing to reset. */
		if (sigaction(sig, &dfl, NULL) < 0 && errno != EINVAL)
			return -1;
	}
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Every fd but 0, 1, 2 and KEEP (the status pipe, CLOEXEC). */
static int close_others(int keep, int max_fd)
{
#ifdef SYS_close_range
	if ((keep == 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0) &&
	    syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	for (int fd = 3; fd <= max_fd; fd++)
		if (fd != keep)
			close(fd); /* EBADF for most: nothing was open there */
	return 0;
}

void pf_hook_child(const struct pf_child_args *a)
{
	int status = a->status_fd, out = a->out_fd, nul;

	/* Above 0..2 first, so that the dup2s below cannot overwrite them
	 * (they may be low if pakfire was started with 0..2 closed). */
	if (status < 3 && (status = fcntl(status, F_DUPFD_CLOEXEC, 3)) < 0)
		_exit(126);
	if (reset_signals() < 0)
		fail(status, PF_CHILD_SIGNALS);
	/* Its own session and process group: the timeout and the final
	 * kill reach every process it starts, and no terminal's ^C does. */
	if (setsid() < 0)
		fail(status, PF_CHILD_SETSID);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		fail(status, PF_CHILD_PDEATHSIG);
	/* pakfire may have died before prctl: then nobody would kill it. */
	if (getppid() != a->parent)
		_exit(126);
	if (a->root_fd >= 0 ? fchdir(a->root_fd) < 0 : chdir("/") < 0)
		fail(status, PF_CHILD_ROOT);
	if (out < 3 && (out = fcntl(out, F_DUPFD, 3)) < 0)
		fail(status, PF_CHILD_OUTPUT);
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || (nul != 0 && dup2(nul, 0) < 0))
		fail(status, PF_CHILD_STDIN);
	if (dup2(out, 1) < 0 || dup2(out, 2) < 0)
		fail(status, PF_CHILD_OUTPUT);
	if (close_others(status, a->max_fd) < 0)
		fail(status, PF_CHILD_CLOSE);
	execve(a->path, a->argv, a->envp);
	fail(status, PF_CHILD_EXEC);
}
