/* Inside fetch/: the batch engine behind pf_fetch_files, pf_fetch_mem and
 * pf_fetch_file. A job walks the mirrors (pf_mirror_order); each try on one
 * mirror is a transfer in one of opts.parallel slots, through libcurl's
 * multi interface (http.c, multi.c) or read from a folder (dir.c, file://).
 * Bytes go through a sink (sink.c: cap, SHA-256, progress) into memory or a
 * partial file (partial.c: resume); engine.c judges each try's end. Not for
 * use outside fetch/. */
#ifndef PF_FETCH_ENGINE_H
#define PF_FETCH_ENGINE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/event.h"
#include "fetch/fetch.h"
#include "fetch/transfer.h"

#define PF_NO_MIRROR ((size_t)-1)
#define PF_MAX_REDIRECTS 3
#define PF_PROGRESS_STEP_NS 200000000LL /* at most 5 progress events a second */
#define PF_PROGRESS_IDLE_NS 1000000000LL /* and one a second while nothing comes */

/* Where one transfer's bytes go: a file (the partial) or memory; capped,
 * hashed and reported on the way in. */
struct pf_sink {
	struct pf_ctx *ctx;
	int fd;                   /* the partial file, or -1: memory */
	char *buf;                /* memory: what came, NUL-terminated */
	size_t cap;
	uint64_t got;             /* bytes held, a resumed prefix included */
	uint64_t max;             /* more than this aborts the transfer */
	struct pf_sha256 *sha;    /* of every byte held, or NULL */
	bool too_large;
	int write_errno;
	struct pf_ev_download ev; /* file, unit, mirror, slot, offset, total */
	char host[128];           /* ev.mirror */
	long long last_ns;        /* the last PROGRESS event */
	long long emitted_ns;     /* the last event of any kind (0: none yet) */
	bool pending;             /* bytes came that no event has told */
};

/* A file job's bytes until they are verified: <hex>.part in the partial/
 * folder (kept and resumed), or NAME.part beside NAME (pf_fetch_file: never
 * resumed, removed when the try fails). */
struct pf_part {
	int dirfd;                /* where NAME lives (not ours) */
	char name[NAME_MAX + 1];
	bool resumable;
	int fd;                   /* -1 when closed */
};

/* A file the engine fetches: a caller's job and the engine's notes on it. */
struct pf_xjob {
	struct pf_fetch_job *job;
	const char *url;          /* one URL, no mirrors (pf_fetch_mem/file), or NULL */
	uint64_t max;             /* the cap */
	bool check;               /* job->size and job->sha are checked */
	long http_status;         /* the last HTTP status (0: no answer) */
	bool *tried;              /* per mirror: tried for this job */
	bool bad;                 /* some mirror served bad bytes */
	enum pf_mirror_outcome outcome; /* of the last failure */
	bool running, done;
};

/* One try of a job on one mirror: through redirects, and through the one
 * fresh download that a failed resume gets. */
struct pf_xfer {
	struct pf_xjob *x;        /* NULL: the slot is free */
	size_t mirror;            /* into f->mirrors, or PF_NO_MIRROR */
	char *url;                /* the file on that mirror */
	char *shown;              /* URL without credentials: for messages */
	char *cur;                /* what is asked now: URL or a redirect target */
	unsigned hops;            /* redirects followed */
	bool resumed;             /* the answer was appended to a partial file */
	bool retried;             /* the one fresh download is used */
	long long deadline_ns;    /* transfer-timeout for the whole try, every
				   * redirect hop and the fresh download in it */
	enum pf_mirror_outcome outcome; /* of a failure, set by the transport */
	unsigned slot;
	void *easy;               /* CURL *, while it runs in the multi handle */
	struct pf_part part;
	struct pf_sink sink;
	/* http.c, per answer */
	char errbuf[256];         /* CURL_ERROR_SIZE */
	char range[96];           /* its Content-Range */
	long status;
	uint64_t asked;           /* the Range asked from (0: the whole file) */
	bool answered;            /* its first body byte was seen */
	bool redirect;            /* a 3xx: its body is not ours */
	size_t redirect_body;     /* ... and this much of it was dropped */
	bool bad_range;           /* a 206 that does not start where we asked */
};

struct pf_engine {
	struct pf_fetch *f;
	struct pf_xjob *x;
	size_t n;
	struct pf_xfer *slots;    /* opts.parallel */
	size_t *order;            /* room for f->n_mirrors */
	size_t running_http;      /* transfers in the multi handle */
	bool totals;              /* a batch: DOWNLOAD_TOTAL events */
	struct pf_ev_download_total total;
	long long last_total_ns;
};

long long pf_now_ns(void);

/* engine.c: run the jobs X[0..N) to their ends; -1 when the batch stopped
 * (the context's error: out of memory, no space, interrupted). */
int pf_engine_run(struct pf_fetch *f, struct pf_xjob *x, size_t n, bool totals);
/* A try ended: R 0 when its bytes came whole from the transport, -1 on a
 * failure (the context's error, T->outcome). Starts the next try of its job
 * when there is one to start now. -1 when the batch must stop. */
int pf_engine_ended(struct pf_engine *e, struct pf_xfer *t, int r);
/* Start T's try again from byte 0 on the same URL (a failed resume). */
int pf_engine_restart_fresh(struct pf_engine *e, struct pf_xfer *t);

/* multi.c: wait for the running HTTP transfers and hand each one that
 * ends to http.c and pf_engine_ended; -1 when the batch must stop. */
int pf_multi_step(struct pf_engine *e);
/* Take T out of the multi handle (its slot's easy handle stays). */
void pf_multi_remove(struct pf_engine *e, struct pf_xfer *t);

/* http.c: start T's transfer of T->cur (a resume from T->sink.got). */
int pf_http_start(struct pf_engine *e, struct pf_xfer *t);
/* T's transfer ended with libcurl's code RC. 1: it was started again (a
 * redirect followed, a refused Range asked again from 0), 0: its bytes came
 * whole, -1: it failed (the context's error, T->outcome). */
int pf_http_ended(struct pf_engine *e, struct pf_xfer *t, int rc);

/* dir.c: T's file read from a folder (a file:// mirror) into its sink; 0 or
 * -1 as pf_http_ended. Never loads libcurl. */
int pf_dir_fetch(struct pf_engine *e, struct pf_xfer *t);

/* redirect.c: whether a redirect from FROM to TO may be followed. */
enum pf_redirect_verdict {
	PF_REDIRECT_OK,
	PF_REDIRECT_SCHEME,    /* not http or https */
	PF_REDIRECT_DOWNGRADE, /* https to http */
	PF_REDIRECT_CONTROL,   /* a control character, raw or %-encoded */
};
enum pf_redirect_verdict pf_redirect_check(const char *from, const char *to);

/* sink.c */
void pf_sink_init(struct pf_sink *s, struct pf_ctx *ctx, int fd, uint64_t max);
void pf_sink_free(struct pf_sink *s);
/* The host[:port] of URL ("local" for file://) as the events' mirror. */
void pf_sink_host(struct pf_sink *s, const char *url);
/* N bytes came: -1 (and too_large or write_errno set) when they cannot be
 * held. */
int pf_sink_write(struct pf_sink *s, const void *data, size_t n);
/* Drop what came: the file truncated, the hash started again. */
int pf_sink_rewind(struct pf_sink *s);
/* START, PROGRESS (FORCE: now, else at most 5 a second) or DONE. */
void pf_sink_event(struct pf_sink *s, enum pf_event_type type, bool force);
/* Whether a PROGRESS event is due at NOW_NS although no bytes came: the
 * last bytes were held back by the step and the step has passed (a bar
 * never stays short of what came when a burst ends), or a started
 * transfer told nothing for PF_PROGRESS_IDLE_NS (a stalled one: its rate
 * falls on the screen). */
bool pf_sink_due(const struct pf_sink *s, long long now_ns);
/* The PROGRESS events due (pf_sink_due) of the transfers under way: the
 * engine's loop calls it after each wait. */
void pf_sink_flush_all(struct pf_engine *e);
/* The failure of a write: PF_E_VERIFY over the cap, PF_E_SPACE, ... */
int pf_sink_fail(struct pf_sink *s, const char *url);

/* partial.c: open the partial of JOB (as P says) and take what it already
 * holds into S: its prefix hashed, S->got set. */
int pf_part_open(struct pf_ctx *ctx, struct pf_part *p, const struct pf_fetch_job *job,
		 struct pf_sink *s);
/* The verified bytes into place: fsync, rename to JOB's name, fsync the
 * folder. Closes P. */
int pf_part_commit(struct pf_ctx *ctx, struct pf_part *p, const struct pf_fetch_job *job);
/* A partial of JOB that is already whole (a download that completed just
 * as a stop signal came): when it is exactly the signed size and SHA-256,
 * it is put in place as pf_part_commit does, and *TAKEN set; anything
 * else is left for pf_part_open. -1 on an error. */
int pf_part_take_whole(struct pf_ctx *ctx, const struct pf_fetch_job *job, bool *taken);
/* Close P; the file is removed unless KEEP (and resumable). */
void pf_part_close(struct pf_part *p, bool keep);

#endif
