/* Event delivery: see event.h. */
#include <stdarg.h>
#include <stdio.h>

#include "base/context.h"
#include "base/event.h"

void pf_emit(struct pf_ctx *ctx, const struct pf_event *ev)
{
	if (ctx->event_fn)
		ctx->event_fn(ev, ctx->event_data);
}

static void emit_text(struct pf_ctx *ctx, enum pf_event_type type,
		      const char *fmt, va_list ap)
{
	char text[1024];

	if (!ctx->event_fn)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	pf_emit(ctx, &(struct pf_event){ .type = type, .text = { .message = text } });
}

void pf_emit_download_failed(struct pf_ctx *ctx, const char *file, const char *mirror, int cls,
			     const char *message, bool next)
{
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_DOWNLOAD_FAILED,
		.download_failed = { .file = file, .mirror = mirror, .cls = cls,
				     .message = message, .next = next },
	});
}

void pf_emit_activity(struct pf_ctx *ctx, const char *unit, const char *what, uint64_t done,
		      uint64_t total)
{
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_ACTIVITY,
		.activity = { .unit = unit, .what = what, .done = done, .total = total },
	});
}

void pf_emit_file_kept(struct pf_ctx *ctx, struct pf_unit_ref unit, const char *path,
		       const char *reason)
{
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_FILE_KEPT, .kept = { .unit = unit, .path = path, .reason = reason },
	});
}

void pf_info(struct pf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_text(ctx, PF_EV_INFO, fmt, ap);
	va_end(ap);
}

void pf_warn(struct pf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_text(ctx, PF_EV_WARNING, fmt, ap);
	va_end(ap);
}

void pf_debug(struct pf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_text(ctx, PF_EV_DEBUG, fmt, ap);
	va_end(ap);
}

void pf_format_size_whole(uint64_t bytes, char buf[32])
{
	static const struct { uint64_t unit; const char *name; } whole[] = {
		{ 1ULL << 40, "TiB" }, { 1ULL << 30, "GiB" }, { 1ULL << 20, "MiB" },
	};

	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if (bytes >= whole[i].unit && bytes % whole[i].unit == 0) {
			snprintf(buf, 32, "%llu %s", (unsigned long long)(bytes / whole[i].unit),
				 whole[i].name);
			return;
		}
	pf_format_size(bytes, buf);
}

void pf_format_size(uint64_t bytes, char buf[32])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, 32, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.1f %s", v, units[u]);
}
