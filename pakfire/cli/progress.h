/* What the front end knows about the downloads under way, from the
 * library's DOWNLOAD_* and ACTIVITY events: each transfer's bytes, its rate
 * (a moving average over about 2 s) and time left, the batch's total, the
 * step being worked on. The text block (render-progress.c) and the JSON
 * progress lines (render-json-progress.c) are drawn from it. Times are
 * milliseconds of the monotonic clock, passed in, so that the arithmetic
 * can be tested without waiting. */
#ifndef PF_CLI_PROGRESS_H
#define PF_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct pf_ev_download;
struct pf_ev_download_total;
struct pf_ev_activity;

/* The window of the moving average, and the shortest span that gives a
 * rate at all (before it: not known). */
#define PROGRESS_WINDOW_MS 2000
#define PROGRESS_MIN_SPAN_MS 300
#define PROGRESS_SAMPLES 32

struct progress_rate {
	int64_t t[PROGRESS_SAMPLES];
	uint64_t bytes[PROGRESS_SAMPLES];
	unsigned n, head;      /* samples held; the oldest is at head */
};

/* BYTES (a running count) seen at NOW_MS. A count lower than the last one
 * (a transfer that started again) starts the average afresh. */
void progress_rate_add(struct progress_rate *r, int64_t now_ms, uint64_t bytes);
/* Bytes per second over the window; 0 when not known yet. */
uint64_t progress_rate_get(const struct progress_rate *r);

/* Seconds left for TOTAL - DONE bytes at RATE; -1 when not known (no
 * total, no rate). */
int64_t progress_eta(uint64_t done, uint64_t total, uint64_t rate);
/* "0:03", "12:34", "1:02:03"; "--:--" for -1. */
void progress_format_eta(int64_t seconds, char buf[16]);
/* "1.2 MiB/s", "980 B/s"; "--/s" for 0 (not known). */
void progress_format_rate(uint64_t rate, char buf[40]);
/* "2.1/6.0 MiB": DONE in TOTAL's unit; "2.1 MiB" when TOTAL is 0. */
void progress_format_pair(uint64_t done, uint64_t total, char buf[48]);

/* One transfer under way. Its names are copies: an event's strings live
 * only during the call. */
#define PROGRESS_NAME 96
struct progress_xfer {
	bool used;
	char file[PROGRESS_NAME];
	char unit[PROGRESS_NAME];
	char mirror[PROGRESS_NAME];
	unsigned slot;
	uint64_t done, total, offset;
	int64_t started_ms;
	int64_t json_ms;       /* when its last JSON progress line went out */
	bool json_pending;     /* news held back by the JSON stream's step */
	struct progress_rate rate;
};

/* parallel-downloads is at most 16; a few more for a memory transfer (a
 * manifest) beside them. */
#define PROGRESS_XFERS 20

struct progress {
	struct progress_xfer x[PROGRESS_XFERS];
	/* DOWNLOAD_TOTAL: the batch, once one came */
	bool have_total;
	unsigned files_done, files;
	uint64_t done, total;
	struct progress_rate total_rate;
	int64_t total_json_ms;
	bool total_json_pending;
	/* ACTIVITY: the step shown until the next output */
	bool activity;
	char act_unit[PROGRESS_NAME];
	char act_what[32];
	uint64_t act_done, act_total;
	unsigned spin;         /* the spinner's frame */
	/* the text block on the terminal */
	unsigned drawn;        /* its lines on screen now (0: none) */
	int64_t drawn_ms;      /* when it was last drawn */
};

/* The transfer an event is about: the one on its slot with its file (a
 * slot that moved on to another file ends the one before); created when
 * CREATE (NULL if the table is full). */
struct progress_xfer *progress_xfer_of(struct progress *p, const struct pf_ev_download *d,
				       bool create, int64_t now_ms);
/* An event's news into the transfer it is about (START, PROGRESS, DONE). */
void progress_xfer_update(struct progress_xfer *x, const struct pf_ev_download *d,
			  int64_t now_ms);
/* The transfer's mean rate since it started (for its DONE line): bytes
 * received this time over the time it took; 0 when too short to say. */
uint64_t progress_xfer_mean_rate(const struct progress_xfer *x, int64_t now_ms);
/* The transfer of FILE (matched by the last part of the name) from MIRROR
 * (host[:port]; NULL or "": any), or NULL: a failure names the file by its
 * path and may come before the transfer's start. */
struct progress_xfer *progress_find(struct progress *p, const char *file, const char *mirror);
/* Forget the transfers of FILE (it is done, or its mirror failed it),
 * matched by the last part of the name. */
void progress_forget(struct progress *p, const char *file);

void progress_set_total(struct progress *p, const struct pf_ev_download_total *t,
			int64_t now_ms);
/* Whether the block has a Total line: a batch of more than one file, not
 * all of them done. */
bool progress_total_shown(const struct progress *p);
void progress_set_activity(struct progress *p, const struct pf_ev_activity *a);
/* Transfers under way, in slot order (then by start); returns how many. */
unsigned progress_active(struct progress *p, struct progress_xfer *out[PROGRESS_XFERS]);
/* Forget everything but what is on screen (drawn). */
void progress_reset(struct progress *p);

/* The monotonic clock in milliseconds. */
int64_t progress_now_ms(void);

#endif
