/* The error idiom: see error.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"

static const struct {
	int exit_code;
	const char *name;
} classes[] = {
	[PF_E_OK]       = { 0, "ok" },
	[PF_E_OTHER]    = { 1, "error" },
	[PF_E_USAGE]    = { 2, "usage or configuration error" },
	[PF_E_SPACE]    = { 3, "not enough space" },
	[PF_E_VERIFY]   = { 4, "verification failed" },
	[PF_E_DOWNLOAD] = { 5, "download failed" },
	[PF_E_HOOK]     = { 6, "hook failed" },
	[PF_E_LOCKED]   = { 7, "locked" },
};

int pf_exit_code(enum pf_errclass cls)
{
	if ((unsigned)cls >= sizeof(classes) / sizeof(classes[0]))
		return 1;
	return classes[cls].exit_code;
}

int pf_ctx_exit_code(const struct pf_ctx *ctx)
{
	enum pf_errclass cls = pf_error_class(ctx);

	/* Stopped by a signal: as shells expect (130 for SIGINT, 143 for
	 * SIGTERM), whatever it interrupted. */
	if (cls != PF_E_OK && ctx->stop_signal > 0)
		return 128 + ctx->stop_signal;
	return pf_exit_code(cls);
}

const char *pf_errclass_name(enum pf_errclass cls)
{
	if ((unsigned)cls >= sizeof(classes) / sizeof(classes[0]))
		return "error";
	return classes[cls].name;
}

static int vfail(struct pf_ctx *ctx, enum pf_errclass cls, int errnum,
		 const char *fmt, va_list ap)
{
	char msg[sizeof(ctx->err_msg)];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n >= 0 && errnum && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));
	/* The first failure decides the class; a later one on the same path
	 * (a cleanup that failed too) is appended so nothing is lost. */
	if (ctx->err_class != PF_E_OK) {
		size_t used = strlen(ctx->err_msg);
		snprintf(ctx->err_msg + used, sizeof(ctx->err_msg) - used, "; then: %s", msg);
		return -1;
	}
	ctx->err_class = cls == PF_E_OK ? PF_E_OTHER : cls;
	ctx->err_cause[0] = '\0';
	snprintf(ctx->err_msg, sizeof(ctx->err_msg), "%s", msg);
	return -1;
}

int pf_fail(struct pf_ctx *ctx, enum pf_errclass cls, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(ctx, cls, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int pf_fail_errno(struct pf_ctx *ctx, enum pf_errclass cls, const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;
	va_start(ap, fmt);
	vfail(ctx, cls, errnum ? errnum : EIO, fmt, ap);
	va_end(ap);
	return -1;
}

int pf_fail_wrap(struct pf_ctx *ctx, const char *fmt, ...)
{
	char prefix[512], old[sizeof(ctx->err_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (ctx->err_class == PF_E_OK)
		ctx->err_class = PF_E_OTHER;
	memcpy(old, ctx->err_msg, sizeof(old));
	/* A message too long is cut at the end: its start says what and where. */
	if (snprintf(ctx->err_msg, sizeof(ctx->err_msg), "%s: %s", prefix, old) < 0)
		ctx->err_msg[0] = '\0';
	return -1;
}

enum pf_errclass pf_error_class(const struct pf_ctx *ctx)
{
	return ctx->err_class;
}

const char *pf_error_message(const struct pf_ctx *ctx)
{
	return ctx->err_msg;
}

int pf_fail_cause(struct pf_ctx *ctx, const char *cause)
{
	if (ctx->err_class != PF_E_OK && !ctx->err_cause[0])
		snprintf(ctx->err_cause, sizeof(ctx->err_cause), "%s", cause);
	return -1;
}

const char *pf_error_cause(const struct pf_ctx *ctx)
{
	return ctx->err_cause;
}

void pf_clear_error(struct pf_ctx *ctx)
{
	ctx->err_cause[0] = '\0';
	ctx->err_class = PF_E_OK;
	ctx->err_msg[0] = '\0';
}
