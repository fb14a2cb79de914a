/* The context: see context.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "format/config.h"
#include "base/context.h"
#include "state/db.h"
#include "fetch/fetch.h"
#include "base/path.h"

/* Upper bound for pakfire.conf: it is a handful of lines. */
#define CONFIG_MAX (64 * 1024)

struct pf_ctx *pf_ctx_new(void)
{
	struct pf_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->root_fd = -1;
	ctx->lock_fd = -1;
	ctx->signal_fd = -1;
	return ctx;
}

void pf_ctx_free(struct pf_ctx *ctx)
{
	if (!ctx)
		return;
	pf_fetch_free(ctx->fetch);
	pf_db_close(ctx->db);
	pf_config_free(ctx->config);
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd); /* releases the lock */
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

int pf_ctx_load_config(struct pf_ctx *ctx, const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	int r = -1;

	if (file) {
		/* --config names a file on the host, as a user would expect. */
		if (pf_read_file_at(AT_FDCWD, file, CONFIG_MAX, &buf, &len) < 0) {
			pf_fail_errno(ctx, PF_E_USAGE, "cannot read configuration %s", file);
			goto out;
		}
	} else {
		int fd = pf_root_open(ctx, "etc/pakfire", O_PATH | O_DIRECTORY, 0);

		file = "/etc/pakfire/pakfire.conf";
		if (fd >= 0) {
			r = pf_read_file_at(fd, "pakfire.conf", CONFIG_MAX, &buf, &len);
			close(fd);
		}
		if (fd < 0 || r < 0) {
			r = -1;
			pf_fail_errno(ctx, PF_E_USAGE, "cannot read configuration %s%s",
				      pf_ctx_root_prefix(ctx), file);
			goto out;
		}
	}
	pf_config_free(ctx->config);
	ctx->config = NULL;
	r = pf_config_parse(ctx, file, buf, len, &ctx->config);
out:
	free(buf);
	return r;
}

int pf_ctx_open_db(struct pf_ctx *ctx, bool must_exist)
{
	if (ctx->db)
		return 0;
	if (!ctx->config)
		return pf_fail(ctx, PF_E_OTHER, "internal: database opened before configuration");
	return pf_db_open(ctx, ctx->config->database, must_exist, &ctx->db);
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
