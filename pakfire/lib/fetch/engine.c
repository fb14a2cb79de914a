/* The batch engine: see engine.h and fetch.h (pf_fetch_files).
 *
 * Each job walks the mirrors in pf_mirror_order, asked again before every
 * try (a mirror skipped meanwhile by another job's failures is left out).
 * A job whose next mirror already runs PF_MIRROR_MAX_ACTIVE transfers
 * starts on the first later one that has room (never on a stale one), and
 * waits when none has: the order is the admin's preference, and with it
 * parallel-downloads above 2 means something (bench/RESULTS.md,
 * "Downloads"); every mirror stays one try of the job's failover. A
 * failure of one mirror, a bad copy included, moves the job on to the next,
 * and nothing counts as verified but bytes that passed the signed size and
 * SHA-256 in this very try (apt's CVE-2018-0501: a retry never inherits a
 * verdict). Only a failure that is no mirror's fault (out of memory, no
 * space, an interrupt, a broken ca-bundle) stops the batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/strings.h"
#include "fetch/engine.h"

static bool is_dir_url(const char *url)
{
	return strncmp(url, "file://", 7) == 0;
}

static void emit_totals(struct pf_engine *e, bool force)
{
	struct pf_ev_download_total ev = e->total;
	long long t = pf_now_ns();

	if (!e->totals || !ev.files || (!force && t - e->last_total_ns < PF_PROGRESS_STEP_NS))
		return;
	e->last_total_ns = t;
	for (size_t i = 0; i < e->f->opts.parallel; i++)
		if (e->slots[i].x)
			ev.done += e->slots[i].sink.got;
	pf_emit(e->f->ctx, &(struct pf_event){ .type = PF_EV_DOWNLOAD_TOTAL, .download_total = ev });
}

/* The slot of a try that ended is free again; its partial file is kept
 * (resumed next time) unless KEEP is false. */
static void release(struct pf_engine *e, struct pf_xfer *t, bool keep)
{
	pf_multi_remove(e, t);
	pf_part_close(&t->part, keep);
	pf_sink_free(&t->sink);
	if (t->mirror != PF_NO_MIRROR && e->f->mirrors[t->mirror].active)
		e->f->mirrors[t->mirror].active--;
	t->x->running = false;
	free(t->url);
	free(t->shown);
	free(t->cur);
	memset(t, 0, sizeof(*t));
	t->part.fd = -1;
}

/* The first mirror in today's order that JOB has not tried, or
 * PF_NO_MIRROR. */
static size_t next_mirror(struct pf_engine *e, const struct pf_xjob *x)
{
	size_t n = pf_mirror_order(e->f, e->order);

	for (size_t k = 0; k < n; k++)
		if (!x->tried[e->order[k]])
			return e->order[k];
	return PF_NO_MIRROR;
}

/* Where JOB starts its next try: the first untried mirror with room for
 * a transfer, a stale one only when it is the first untried; else the
 * first untried (full: the job waits for it). PF_NO_MIRROR when every
 * mirror was tried. */
static size_t pick_mirror(struct pf_engine *e, const struct pf_xjob *x)
{
	size_t n = pf_mirror_order(e->f, e->order), first = PF_NO_MIRROR;

	for (size_t k = 0; k < n; k++) {
		size_t m = e->order[k];

		if (x->tried[m])
			continue;
		if (first == PF_NO_MIRROR)
			first = m;
		if (e->f->mirrors[m].active < PF_MIRROR_MAX_ACTIVE &&
		    (m == first || !e->f->mirrors[m].stale))
			return m;
	}
	return first;
}

/* Every mirror was tried (or skipped): the job failed. */
static void give_up(struct pf_engine *e, struct pf_xjob *x)
{
	struct pf_fetch_job *job = x->job;

	x->done = true;
	job->result = -1;
	job->cls = x->bad ? PF_E_VERIFY : PF_E_DOWNLOAD;
	if (job->error[0])
		return;
	if (!e->f->n_mirrors)
		job->cls = PF_E_USAGE;
	snprintf(job->error, sizeof(job->error), "%s",
		 e->f->n_mirrors ? "every mirror was skipped after repeated failures"
				 : "no mirror configured");
}

static void append_error(struct pf_fetch_job *job, const char *msg)
{
	size_t n = strlen(job->error);

	if (n + 3 < sizeof(job->error))
		snprintf(job->error + n, sizeof(job->error) - n, "%s%s", n ? "; " : "", msg);
}

/* The try failed (the context's error). -1 when the batch must stop. */
static int failed(struct pf_engine *e, struct pf_xfer *t)
{
	struct pf_ctx *ctx = e->f->ctx;
	struct pf_xjob *x = t->x;
	int cls = pf_error_class(ctx);
	const char *msg = pf_error_message(ctx);
	enum pf_mirror_outcome o = t->outcome;
	size_t m = t->mirror;

	/* Bytes that failed a check, or too many of them, are worth nothing;
	 * a prefix that only stopped coming is resumed next time. */
	if (cls != PF_E_DOWNLOAD && cls != PF_E_VERIFY) {
		release(e, t, cls != PF_E_SPACE);
		return -1;
	}
	release(e, t, cls != PF_E_VERIFY);
	if (cls == PF_E_VERIFY)
		o = PF_MIRROR_VERIFY;
	else if (o == PF_MIRROR_UNTRIED)
		o = pf_mirror_outcome_of(cls);
	x->outcome = o;
	if (m == PF_NO_MIRROR) {
		x->done = true;
		x->job->result = -1;
		x->job->cls = cls;
		snprintf(x->job->error, sizeof(x->job->error), "%s", msg);
		pf_clear_error(ctx);
		return 0;
	}
	pf_mirror_note(e->f, m, o, msg);
	x->bad |= cls == PF_E_VERIFY;
	append_error(x->job, msg);
	pf_emit_download_failed(ctx, x->job->rel, e->f->mirrors[m].shown, cls, msg,
				next_mirror(e, x) != PF_NO_MIRROR);
	pf_clear_error(ctx);
	return 0;
}

/* The bytes came whole: are they the signed ones? 0 yes, 2 a resume went
 * wrong (one fresh download is due), -1 no (the context's error). */
static int judge(struct pf_engine *e, struct pf_xfer *t)
{
	const struct pf_fetch_job *job = t->x->job;
	uint8_t sum[32];

	if (!t->x->check)
		return 0;
	/* A whole answer (a broken-off one is a download failure, kept for a
	 * resume: http.c) shorter than the signed size is the mirror's file:
	 * a bad copy, like one of the right size with other bytes. */
	pf_sha256_final(t->sink.sha, sum);
	if (t->sink.got == job->size && memcmp(sum, job->sha, sizeof(sum)) == 0)
		return 0;
	if (t->resumed && !t->retried)
		return 2;
	t->outcome = PF_MIRROR_VERIFY;
	return pf_check_signed_size_hash(e->f->ctx, t->shown, t->sink.got, sum, job->size, job->sha);
}

/* The verified bytes go to the job; the slot is free. */
static int succeeded(struct pf_engine *e, struct pf_xfer *t)
{
	struct pf_xjob *x = t->x;
	struct pf_fetch_job *job = x->job;

	if (job->dirfd >= 0 && pf_part_commit(e->f->ctx, &t->part, job) < 0)
		return -1;
	if (job->dirfd < 0) {
		if (!t->sink.buf && !(t->sink.buf = calloc(1, 1)))
			return pf_fail(e->f->ctx, PF_E_OTHER, "out of memory");
		free(job->buf);
		job->buf = t->sink.buf;
		job->len = (size_t)t->sink.got;
		t->sink.buf = NULL;
	}
	if (t->sink.ev.done != t->sink.got)
		pf_sink_event(&t->sink, PF_EV_DOWNLOAD_PROGRESS, true);
	if (!t->sink.ev.total)
		t->sink.ev.total = t->sink.got;
	pf_sink_event(&t->sink, PF_EV_DOWNLOAD_DONE, true);
	job->result = 0;
	job->cls = PF_E_OK;
	job->error[0] = '\0';
	job->resumed_from = t->resumed ? t->sink.ev.offset : 0;
	if (t->mirror != PF_NO_MIRROR)
		pf_mirror_note(e->f, t->mirror, PF_MIRROR_OK, NULL);
	x->done = true;
	e->total.files_done++;
	e->total.done += t->sink.got;
	release(e, t, true);
	return 0;
}

/* The try starts again from byte 0 on its first URL. */
static int prepare_fresh(struct pf_engine *e, struct pf_xfer *t)
{
	char *url = strdup(t->url);

	if (!url)
		return pf_fail(e->f->ctx, PF_E_OTHER, "out of memory");
	free(t->cur);
	t->cur = url;
	t->hops = 0;
	t->retried = true;
	t->resumed = false;
	if (pf_sink_rewind(&t->sink) < 0)
		return pf_sink_fail(&t->sink, t->shown);
	pf_sink_event(&t->sink, PF_EV_DOWNLOAD_START, true);
	return 0;
}

int pf_engine_restart_fresh(struct pf_engine *e, struct pf_xfer *t)
{
	return prepare_fresh(e, t) < 0 ? -1 : pf_http_start(e, t);
}

int pf_engine_ended(struct pf_engine *e, struct pf_xfer *t, int r)
{
again:
	if (r == 0)
		r = judge(e, t);
	if (r == 2) {
		if (is_dir_url(t->url)) {
			r = prepare_fresh(e, t) < 0 ? -1 : pf_dir_fetch(e, t);
			goto again;
		}
		if (pf_engine_restart_fresh(e, t) == 0)
			return 0;
		r = -1;
	}
	if (r == 0 && succeeded(e, t) == 0)
		return 0;
	return failed(e, t);
}

/* Start job X's next try in slot T on mirror M (PF_NO_MIRROR: X->url). */
static int start(struct pf_engine *e, struct pf_xjob *x, struct pf_xfer *t, size_t m)
{
	struct pf_fetch *f = e->f;
	struct pf_fetch_job *job = x->job;
	unsigned slot = (unsigned)(t - e->slots);

	t->x = x;
	t->mirror = m;
	t->slot = slot;
	t->deadline_ns = pf_now_ns() + (long long)f->opts.transfer_timeout * 1000000000LL;
	t->part.fd = -1;
	x->running = true;
	if (m != PF_NO_MIRROR) {
		x->tried[m] = true;
		f->mirrors[m].active++;
	}
	pf_sink_init(&t->sink, f->ctx, -1, x->max);
	t->url = m == PF_NO_MIRROR ? strdup(x->url)
				   : pf_fetch_url(f->mirrors[m].url, job->series, job->arch, job->rel);
	t->cur = t->url ? strdup(t->url) : NULL;
	t->shown = t->url ? pf_url_redact(t->url) : NULL;
	if (!t->cur || !t->shown || (x->check && !(t->sink.sha = pf_sha256_new()))) {
		pf_fail(f->ctx, PF_E_OTHER, "out of memory");
		return pf_engine_ended(e, t, -1);
	}
	pf_sink_host(&t->sink, t->url);
	t->sink.ev.file = pf_basename(job->rel ? job->rel : t->url);
	t->sink.ev.unit = job->unit;
	t->sink.ev.slot = slot;
	t->sink.ev.total = x->check ? job->size : 0;
	if (job->dirfd >= 0 && pf_part_open(f->ctx, &t->part, job, &t->sink) < 0)
		return pf_engine_ended(e, t, -1);
	pf_sink_event(&t->sink, PF_EV_DOWNLOAD_START, true);
	if (is_dir_url(t->url))
		return pf_engine_ended(e, t, pf_dir_fetch(e, t));
	if (pf_http_start(e, t) < 0)
		return pf_engine_ended(e, t, -1);
	return 0;
}

/* Start what can start now: free slots, jobs whose next mirror has room.
 * A folder's file is read at once, so its job may go on to its next try
 * (or end) right here. */
static int schedule(struct pf_engine *e)
{
	unsigned parallel = e->f->opts.parallel;

	for (size_t i = 0; i < e->n; i++) {
		struct pf_xjob *x = &e->x[i];

		while (!x->done && !x->running) {
			size_t m = x->url ? PF_NO_MIRROR : pick_mirror(e, x), s;

			if (!x->url && m == PF_NO_MIRROR) {
				give_up(e, x);
				break;
			}
			if (m != PF_NO_MIRROR && e->f->mirrors[m].active >= PF_MIRROR_MAX_ACTIVE)
				break;
			for (s = 0; s < parallel && e->slots[s].x; s++)
				;
			if (s == parallel)
				return 0;
			if (start(e, x, &e->slots[s], m) < 0)
				return -1;
		}
	}
	return 0;
}

/* Jobs whose file is verified in place already transfer nothing. */
static int prepare(struct pf_engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		struct pf_xjob *x = &e->x[i];
		struct pf_fetch_job *job = x->job;
		int fd;

		job->result = -1;
		job->cls = PF_E_DOWNLOAD;
		snprintf(job->error, sizeof(job->error), "not fetched");
		job->buf = NULL;
		job->len = 0;
		job->resumed_from = 0;
		x->tried = calloc(e->f->n_mirrors + 1, sizeof(*x->tried));
		if (!x->tried)
			return pf_fail(e->f->ctx, PF_E_OTHER, "out of memory");
		if (x->check && job->dirfd >= 0) {
			bool whole = false;

			if (pf_fetch_cached(e->f->ctx, job->dirfd, job->name, job->size, job->sha, &fd) < 0)
				return -1;
			if (fd < 0 && pf_part_take_whole(e->f->ctx, job, &whole) < 0)
				return -1;
			if (fd >= 0 || whole) {
				if (fd >= 0)
					close(fd);
				pf_debug(e->f->ctx, "%s: already downloaded and verified", job->name);
				x->done = true;
				job->result = 0;
				job->cls = PF_E_OK;
				job->error[0] = '\0';
				continue;
			}
		}
		job->error[0] = '\0';
		e->total.files++;
		e->total.total += x->max;
	}
	return 0;
}

static bool all_done(const struct pf_engine *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (!e->x[i].done)
			return false;
	return true;
}

int pf_engine_run(struct pf_fetch *f, struct pf_xjob *x, size_t n, bool totals)
{
	struct pf_engine e = { .f = f, .x = x, .n = n, .totals = totals };
	int r = -1;

	e.slots = calloc(f->opts.parallel, sizeof(*e.slots));
	e.order = calloc(f->n_mirrors + 1, sizeof(*e.order));
	if (!e.slots || !e.order) {
		pf_fail(f->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (prepare(&e) < 0)
		goto out;
	for (;;) {
		if (schedule(&e) < 0)
			goto out;
		if (all_done(&e))
			break;
		if (!e.running_http) {
			pf_fail(f->ctx, PF_E_OTHER, "internal: downloads waiting with none running");
			goto out;
		}
		if (pf_multi_step(&e) < 0)
			goto out;
		pf_sink_flush_all(&e);
		emit_totals(&e, false);
	}
	emit_totals(&e, true);
	r = 0;
out:
	/* Stopped (interrupted, no space): what came so far is kept. */
	for (size_t i = 0; e.slots && i < f->opts.parallel; i++)
		if (e.slots[i].x)
			release(&e, &e.slots[i], true);
	for (size_t i = 0; i < n; i++) {
		free(x[i].tried);
		x[i].tried = NULL;
	}
	free(e.slots);
	free(e.order);
	return r;
}
