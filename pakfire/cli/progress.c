/* The downloads under way, their rates and times left: see progress.h. */
#include <stdio.h>
#include <string.h>

#include "base/event.h"
#include "base/time.h"
#include "progress.h"

/* Samples closer than this to the newest replace it: the window then holds
 * about 2 s however often the events come. */
#define SAMPLE_STEP_MS 100

static unsigned nth(const struct progress_rate *r, unsigned i)
{
	return (r->head + i) % PROGRESS_SAMPLES;
}

void progress_rate_add(struct progress_rate *r, int64_t now_ms, uint64_t bytes)
{
	unsigned last;

	if (r->n) {
		last = nth(r, r->n - 1);
		if (bytes < r->bytes[last] || now_ms < r->t[last])
			r->n = 0; /* started again: the old figures say nothing */
	}
	/* The newest sample is still young (within a step of the one before
	 * it): it moves on rather than a new one being kept. */
	if (r->n > 1 && r->t[nth(r, r->n - 1)] - r->t[nth(r, r->n - 2)] < SAMPLE_STEP_MS) {
		r->n--;
	} else if (r->n == PROGRESS_SAMPLES) {
		r->head = nth(r, 1);
		r->n--;
	}
	r->t[nth(r, r->n)] = now_ms;
	r->bytes[nth(r, r->n)] = bytes;
	r->n++;
	/* Keep one sample at or before the window's start: the base. */
	while (r->n > 2 && r->t[nth(r, 1)] <= now_ms - PROGRESS_WINDOW_MS) {
		r->head = nth(r, 1);
		r->n--;
	}
}

uint64_t progress_rate_get(const struct progress_rate *r)
{
	unsigned first, last;
	int64_t span;

	if (r->n < 2)
		return 0;
	first = nth(r, 0);
	last = nth(r, r->n - 1);
	span = r->t[last] - r->t[first];
	if (span < PROGRESS_MIN_SPAN_MS)
		return 0;
	return (r->bytes[last] - r->bytes[first]) * 1000 / (uint64_t)span;
}

int64_t progress_eta(uint64_t done, uint64_t total, uint64_t rate)
{
	if (!total)
		return -1;
	if (done >= total)
		return 0;
	if (!rate)
		return -1;
	return (int64_t)((total - done + rate - 1) / rate);
}

void progress_format_eta(int64_t s, char buf[16])
{
	/* Beyond 99 hours a figure is noise, not a promise. */
	if (s < 0 || s > 99 * 3600)
		snprintf(buf, 16, "--:--");
	else if (s < 3600)
		snprintf(buf, 16, "%d:%02d", (int)(s / 60), (int)(s % 60));
	else
		snprintf(buf, 16, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

void progress_format_rate(uint64_t rate, char buf[40])
{
	char size[32];

	if (!rate) {
		snprintf(buf, 40, "--/s");
		return;
	}
	pf_format_size(rate, size);
	snprintf(buf, 40, "%s/s", size);
}

void progress_format_pair(uint64_t done, uint64_t total, char buf[48])
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)done, t = (double)total;
	int u = 0;

	if (!total) {
		char size[32];

		pf_format_size(done, size);
		snprintf(buf, 48, "%s", size);
		return;
	}
	if (total < 1024) {
		snprintf(buf, 48, "%llu/%llu B", (unsigned long long)done,
			 (unsigned long long)total);
		return;
	}
	while (t >= 1024 && u < 4) {
		t /= 1024;
		d /= 1024;
		u++;
	}
	snprintf(buf, 48, "%.1f/%.1f %s", d, t, units[u]);
}

static void copy(char dst[PROGRESS_NAME], const char *src)
{
	snprintf(dst, PROGRESS_NAME, "%s", src ? src : "");
}

struct progress_xfer *progress_xfer_of(struct progress *p, const struct pf_ev_download *d,
				       bool create, int64_t now_ms)
{
	const char *file = d->file ? d->file : "";
	struct progress_xfer *free_x = NULL, *same_slot = NULL, *x;

	for (unsigned i = 0; i < PROGRESS_XFERS; i++) {
		x = &p->x[i];
		if (!x->used) {
			if (!free_x)
				free_x = x;
			continue;
		}
		if (x->slot == d->slot && !strncmp(x->file, file, PROGRESS_NAME - 1))
			return x;
		if (x->slot == d->slot && !same_slot)
			same_slot = x;
	}
	if (!create)
		return NULL;
	/* A slot serves one transfer at a time: one that moved on to another
	 * file ended the one before (failed over, say). */
	x = same_slot ? same_slot : free_x;
	if (!x)
		return NULL;
	memset(x, 0, sizeof(*x));
	x->used = true;
	x->slot = d->slot;
	x->started_ms = now_ms;
	copy(x->file, file);
	return x;
}

void progress_xfer_update(struct progress_xfer *x, const struct pf_ev_download *d,
			  int64_t now_ms)
{
	if (d->unit)
		copy(x->unit, d->unit);
	if (d->mirror)
		copy(x->mirror, d->mirror);
	if (d->total)
		x->total = d->total;
	x->offset = d->offset;
	x->done = d->done;
	progress_rate_add(&x->rate, now_ms, d->done);
}

uint64_t progress_xfer_mean_rate(const struct progress_xfer *x, int64_t now_ms)
{
	int64_t took = now_ms - x->started_ms;

	/* A file that came in a few milliseconds has no rate worth a word. */
	if (took < 50 || x->done < x->offset)
		return 0;
	return (x->done - x->offset) * 1000 / (uint64_t)took;
}

/* The last part of a name: a failure names the file by its path on the
 * mirror (core/core-141.pak), a transfer by its URL's last part. */
static const char *last_part(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

struct progress_xfer *progress_find(struct progress *p, const char *file, const char *mirror)
{
	const char *name = last_part(file ? file : "");

	for (unsigned i = 0; i < PROGRESS_XFERS; i++)
		if (p->x[i].used && !strncmp(last_part(p->x[i].file), name, PROGRESS_NAME - 1) &&
		    (!mirror || !*mirror || !strncmp(p->x[i].mirror, mirror, PROGRESS_NAME - 1)))
			return &p->x[i];
	return NULL;
}

void progress_forget(struct progress *p, const char *file)
{
	const char *name = last_part(file ? file : "");

	for (unsigned i = 0; i < PROGRESS_XFERS; i++)
		if (p->x[i].used && !strncmp(last_part(p->x[i].file), name, PROGRESS_NAME - 1))
			memset(&p->x[i], 0, sizeof(p->x[i]));
}

void progress_set_total(struct progress *p, const struct pf_ev_download_total *t,
			int64_t now_ms)
{
	p->have_total = true;
	p->files_done = t->files_done;
	p->files = t->files;
	p->done = t->done;
	p->total = t->total;
	progress_rate_add(&p->total_rate, now_ms, t->done);
}

bool progress_total_shown(const struct progress *p)
{
	return p->have_total && p->files > 1 && p->files_done < p->files;
}

void progress_set_activity(struct progress *p, const struct pf_ev_activity *a)
{
	p->activity = true;
	copy(p->act_unit, a->unit);
	snprintf(p->act_what, sizeof(p->act_what), "%s", a->what ? a->what : "working");
	p->act_done = a->done;
	p->act_total = a->total;
}

unsigned progress_active(struct progress *p, struct progress_xfer *out[PROGRESS_XFERS])
{
	unsigned n = 0;

	for (unsigned i = 0; i < PROGRESS_XFERS; i++) {
		struct progress_xfer *x = &p->x[i];
		unsigned j = n++;

		if (!x->used) {
			n--;
			continue;
		}
		/* Insertion sort: a handful of rows. */
		while (j > 0 && (out[j - 1]->slot > x->slot ||
				 (out[j - 1]->slot == x->slot && out[j - 1]->started_ms > x->started_ms))) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	return n;
}

void progress_reset(struct progress *p)
{
	unsigned drawn = p->drawn;
	int64_t drawn_ms = p->drawn_ms;

	memset(p, 0, sizeof(*p));
	p->drawn = drawn;
	p->drawn_ms = drawn_ms;
}

int64_t progress_now_ms(void)
{
	return pf_monotonic_ns() / 1000000;
}
