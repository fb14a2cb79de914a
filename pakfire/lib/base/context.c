/* The context: see context.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"

struct pf_ctx *pf_ctx_new(void)
{
	struct pf_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->root_fd = -1;
	ctx->signal_fd = -1;
	return ctx;
}

void pf_ctx_free(struct pf_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	if (ctx->signal_fd >= 0)
		close(ctx->signal_fd);
	free(ctx->root);
	free(ctx);
}

int pf_ctx_set_root(struct pf_ctx *ctx, const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *copy;

	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "--root %s", dir);
	copy = strdup(dir);
	if (!copy) {
		close(fd);
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	free(ctx->root);
	ctx->root_fd = fd;
	ctx->root = copy;
	return 0;
}

const char *pf_ctx_root_prefix(const struct pf_ctx *ctx)
{
	return ctx->root && strcmp(ctx->root, "/") ? ctx->root : "";
}

void pf_ctx_set_event_sink(struct pf_ctx *ctx, pf_event_fn fn, void *data)
{
	ctx->event_fn = fn;
	ctx->event_data = data;
}

int pf_ctx_watch_signals(struct pf_ctx *ctx)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cannot block signals");
	ctx->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ctx->signal_fd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "signalfd");
	return 0;
}

int pf_interrupted(struct pf_ctx *ctx)
{
	struct signalfd_siginfo si;

	if (!ctx->stop_signal && ctx->signal_fd >= 0 &&
	    read(ctx->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		ctx->stop_signal = (int)si.ssi_signo;
	return ctx->stop_signal;
}
