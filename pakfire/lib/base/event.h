/* The library talks in events; the front end chooses the words.
 * No library function prints. Events are delivered synchronously to the sink
 * set on the context; the pointers inside live only during the call. */
#ifndef PF_EVENT_H
#define PF_EVENT_H

#include <stdint.h>
#include <time.h>

struct pf_ctx;

enum pf_event_type {
	PF_EV_INFO,            /* text: a line for the user (shown unless --quiet) */
	PF_EV_WARNING,         /* text: something the user should know */
	PF_EV_DEBUG,           /* text: shown with --verbose */
	PF_EV_INDEX_VERIFIED,  /* series, revision, date, valid_until, signer, count */
	PF_EV_DOWNLOAD_START,  /* name, total (0 if unknown) */
	PF_EV_DOWNLOAD_PROGRESS, /* name, done, total */
	PF_EV_DOWNLOAD_DONE,   /* name, done */
	PF_EV_UPTODATE,        /* number: the core level, nothing pending */
	PF_EV_UPDATE_PENDING,  /* number, text (summary), files, total (bytes), removed, reboot */
	PF_EV_UPDATE_BEGIN,    /* number, text (summary) */
	PF_EV_UPDATE_DONE,     /* number, files, removed, kept, reboot */
	PF_EV_FILE_KEPT,       /* number, path, text: why a removal was skipped */
	PF_EV_PLAN,            /* number, name (mount), space: one row of the plan */
	PF_EV_REFUSED,         /* number, name (mount), space: a row of a refusal */
};

struct pf_event {
	enum pf_event_type type;
	const char *text;
	const char *name;      /* download: file name; index: signer fingerprint */
	const char *path;
	const char *series;
	unsigned number;       /* core update number; index: stanza count */
	uint64_t revision;
	time_t date;
	time_t valid_until;
	uint64_t done;
	uint64_t total;
	uint64_t files;
	uint64_t removed;
	uint64_t kept;
	int reboot;
	struct pf_event_space {
		uint64_t needed, inodes_needed;
		uint64_t available, inodes_available;
		uint64_t reserve, after;
		int fits;
		int readonly;
	} space;
};

typedef void (*pf_event_fn)(const struct pf_event *ev, void *data);

/* Deliver ev to the context's sink (no-op without one). */
void pf_emit(struct pf_ctx *ctx, const struct pf_event *ev);

/* "20.1 MiB": sizes as people read them (binary units, like df -h). */
void pf_format_size(uint64_t bytes, char buf[32]);

/* Convenience: a formatted INFO / WARNING / DEBUG line. */
void pf_info(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_warn(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_debug(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
