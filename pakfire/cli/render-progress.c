/* The progress block on a terminal (stderr, o->tty): a line per transfer
 * under way, a Total line for a batch of several files, the step being
 * worked on (staging, syncing) with a spinner. It is redrawn in place at
 * most 5 times a second: the cursor goes up over the lines drawn last
 * time, each line is written again and cleared to its end. Every line is
 * cut to the terminal's width (read at each redraw: a resized window is
 * followed), so that no line wraps and the count of lines to go up stays
 * true. Any other output first erases the block (render_text), which is
 * then drawn again below it; at the end of a command nothing of it
 * remains. In a pipe there is no block: the DONE line is the news. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/event.h"
#include "progress.h"
#include "render.h"

#define REDRAW_MS 200          /* at most 5 redraws a second */
#define NAME_COLUMNS 24
#define BAR_MAX 40
#define BAR_MIN 8
#define LINE_MAX 512
/* Lines of the block: the transfers, Total, the step. */
#define BLOCK_LINES (PROGRESS_XFERS + 2)

static unsigned term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return 80;
	return ws.ws_col;
}

/* A name as the terminal may show it: printable ASCII only (a file name
 * comes from the network; an escape sequence in it must not reach the
 * terminal), cut to COLS with a '~' where it was cut. */
static void printable(const char *s, char *out, size_t cols)
{
	size_t n = 0, len = strlen(s);

	for (; n < len && n < cols; n++)
		out[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
	if (len > cols && cols > 0)
		out[cols - 1] = '~';
	out[n] = '\0';
}

/* "[=====>     ]" with INNER columns inside, or an empty string when there
 * is no room; a file of unknown size gets a marker that moves. */
static void bar(char *out, unsigned inner, uint64_t done, uint64_t total, unsigned tick)
{
	unsigned fill, i;

	out[0] = '[';
	for (i = 1; i <= inner; i++)
		out[i] = ' ';
	if (total) {
		fill = done >= total ? inner : (unsigned)(done * inner / total);
		for (i = 0; i < fill; i++)
			out[1 + i] = '=';
		if (fill > 0 && fill < inner)
			out[fill] = '>';
	} else if (inner >= 3) {
		unsigned span = inner - 3, pos = span ? tick % (2 * span) : 0;

		pos = pos > span ? 2 * span - pos : pos;
		memcpy(out + 1 + pos, "<=>", 3);
	}
	out[inner + 1] = ']';
	out[inner + 2] = '\0';
}

/* One line: LABEL, a bar where it fits, and the figures on the right. */
static void line(char *out, unsigned width, const char *label, uint64_t done, uint64_t total,
		 uint64_t rate, unsigned tick)
{
	char name[NAME_COLUMNS + 1], pair[48], speed[40], eta[16], right[128], b[BAR_MAX + 3];
	unsigned max = width > 1 ? width - 1 : 1, inner = 0;
	size_t rlen;

	printable(label, name, NAME_COLUMNS);
	progress_format_pair(done, total, pair);
	progress_format_rate(rate, speed);
	progress_format_eta(progress_eta(done, total, rate), eta);
	snprintf(right, sizeof(right), " %15s %11s %7s", pair, speed, eta);
	rlen = strlen(right);
	/* name, a space, the bar with its brackets, the figures */
	if (max > NAME_COLUMNS + 1 + 2 + rlen)
		inner = max - NAME_COLUMNS - 1 - 2 - (unsigned)rlen;
	if (inner > BAR_MAX)
		inner = BAR_MAX;
	if (inner >= BAR_MIN)
		bar(b, inner, done, total, tick);
	else
		b[0] = '\0';
	snprintf(out, LINE_MAX, "%-*s %s%s", NAME_COLUMNS, name, b, right);
	if (strlen(out) > max)
		out[max] = '\0';
}

/* "/ staging core-141  1200/2407 files" */
static void activity_line(char *out, unsigned width, const struct progress *p)
{
	static const char spinner[] = "|/-\\";
	char unit[PROGRESS_NAME], what[32], count[64] = "";
	unsigned max = width > 1 ? width - 1 : 1;

	printable(p->act_unit, unit, sizeof(unit) - 1);
	printable(p->act_what, what, sizeof(what) - 1);
	if (p->act_total)
		snprintf(count, sizeof(count), "  %llu/%llu files", (unsigned long long)p->act_done,
			 (unsigned long long)p->act_total);
	else if (p->act_done)
		snprintf(count, sizeof(count), "  %llu files", (unsigned long long)p->act_done);
	snprintf(out, LINE_MAX, "%c %s%s%s%s", spinner[p->spin % 4], what, unit[0] ? " " : "",
		 unit, count);
	if (strlen(out) > max)
		out[max] = '\0';
}

void render_progress_draw(struct output *o, bool force)
{
	struct progress *p = o->progress;
	struct progress_xfer *xs[PROGRESS_XFERS];
	char text[LINE_MAX], label[64], buf[BLOCK_LINES * (LINE_MAX + 8) + 32];
	int64_t now = progress_now_ms();
	unsigned n, lines = 0, width, tick;
	size_t len = 0, cap = sizeof(buf);
	bool total;

	if (!o->tty || !p || (!force && p->drawn && now - p->drawn_ms < REDRAW_MS))
		return;
	n = progress_active(p, xs);
	/* The Total line goes with the transfers: a batch whose last total
	 * never came must not stay under the lines that follow it. */
	total = n && progress_total_shown(p);
	if (!n && !p->activity && !p->drawn)
		return;
	width = term_width();
	tick = (unsigned)(now / REDRAW_MS);
	if (p->drawn)
		len += (size_t)snprintf(buf + len, cap - len, "\033[%uA", p->drawn);
	for (unsigned i = 0; i < n; i++) {
		line(text, width, xs[i]->file, xs[i]->done, xs[i]->total,
		     progress_rate_get(&xs[i]->rate), tick);
		len += (size_t)snprintf(buf + len, cap - len, "\r%s\033[K\n", text);
		lines++;
	}
	if (total) {
		snprintf(label, sizeof(label), "Total %u/%u files", p->files_done, p->files);
		line(text, width, label, p->done, p->total, progress_rate_get(&p->total_rate), tick);
		len += (size_t)snprintf(buf + len, cap - len, "\r%s\033[K\n", text);
		lines++;
	}
	if (p->activity) {
		activity_line(text, width, p);
		len += (size_t)snprintf(buf + len, cap - len, "\r%s\033[K\n", text);
		lines++;
		p->spin++;
	}
	/* Fewer lines than last time: clear what was below them. */
	if (lines < p->drawn)
		len += (size_t)snprintf(buf + len, cap - len, "\r\033[J");
	fflush(stdout); /* what came before stays above the block */
	fwrite(buf, 1, len, stderr);
	fflush(stderr);
	p->drawn = lines;
	p->drawn_ms = now;
}

void render_progress_erase(struct output *o)
{
	struct progress *p = o->progress;

	if (!p)
		return;
	/* The step line is replaced by the next output. */
	p->activity = false;
	if (!o->tty || !p->drawn)
		return;
	fprintf(stderr, "\033[%uA\r\033[J", p->drawn);
	fflush(stderr);
	p->drawn = 0;
}

void render_text_end_progress(struct output *o)
{
	render_progress_erase(o);
	if (o->progress)
		progress_reset(o->progress);
}

/* START, PROGRESS: the transfer's line (a new one drawn at once, the
 * figures of one on screen at the next redraw). */
void render_progress_download(struct output *o, const struct pf_event *ev)
{
	struct progress *p = o->progress;
	int64_t now = progress_now_ms();
	struct progress_xfer *x;
	bool fresh;

	if (!o->tty || !p)
		return;
	x = progress_xfer_of(p, &ev->download, false, now);
	fresh = !x;
	if (!x)
		x = progress_xfer_of(p, &ev->download, true, now);
	if (!x)
		return;
	if (ev->type == PF_EV_DOWNLOAD_START && !fresh) {
		/* The same file again on its slot: a new attempt. */
		memset(&x->rate, 0, sizeof(x->rate));
		x->started_ms = now;
		fresh = true;
	}
	progress_xfer_update(x, &ev->download, now);
	render_progress_draw(o, fresh);
}

void render_progress_total(struct output *o, const struct pf_event *ev)
{
	struct progress *p = o->progress;
	bool was;

	if (!o->tty || !p)
		return;
	was = progress_total_shown(p);
	progress_set_total(p, &ev->download_total, progress_now_ms());
	render_progress_draw(o, was != progress_total_shown(p));
}

void render_progress_activity(struct output *o, const struct pf_event *ev)
{
	struct progress *p = o->progress;
	const struct pf_ev_activity *a = &ev->activity;
	bool same;

	if (!o->tty || !p)
		return;
	same = p->activity && !strcmp(p->act_what, a->what ? a->what : "working") &&
	       !strncmp(p->act_unit, a->unit ? a->unit : "", PROGRESS_NAME - 1);
	progress_set_activity(p, a);
	render_progress_draw(o, !same);
}

/* "Downloaded core-140.pak (6.0 MiB, 1.9 MiB/s, resumed at 2.0 MiB)": on
 * stdout with the rest of the command's story; the rate on a terminal only
 * (a log in a pipe reads the same on every run). Only for the files of an
 * update (manifests, packages): the index, its signature and the mirror
 * list come with every `update`, from cron too, and say nothing new; they
 * are shown with --verbose. */
void render_progress_done(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_download *d = &ev->download;
	struct progress_xfer *x = NULL;
	char name[256], size[32], speed[48] = "", resumed[48] = "";
	int64_t now = progress_now_ms();
	uint64_t rate;

	if (!d->unit && o->verbosity < 1) {
		if (o->progress)
			progress_forget(o->progress, d->file);
		return;
	}
	if (o->tty && o->progress)
		x = progress_xfer_of(o->progress, d, false, now);
	printable(d->file ? d->file : "?", name, sizeof(name) - 1);
	pf_format_size(d->done, size);
	if (x) {
		x->done = d->done;
		x->offset = d->offset;
		rate = progress_xfer_mean_rate(x, now);
		if (rate) {
			char r[40];

			progress_format_rate(rate, r);
			snprintf(speed, sizeof(speed), ", %s", r);
		}
	}
	if (d->offset) {
		char at[32];

		pf_format_size(d->offset, at);
		snprintf(resumed, sizeof(resumed), ", resumed at %s", at);
	}
	printf("Downloaded %s (%s%s%s)\n", name, size, speed, resumed);
	if (o->progress)
		progress_forget(o->progress, d->file);
}
