/* `pakfire diagnose --bundle FILE`: everything support asks for in one
 * .tar.gz (docs/diagnose.md, "The bundle"), made with libarchive: the
 * report in text and JSON (rendered by the front end, given here), the
 * tail of pakfire.log, an online copy of the database made with SQLite's
 * backup API (never a file copy of a live WAL database), pakfire.conf with
 * mirror credentials redacted, the mount table and the df figures of every
 * mount pakfire plans for. Read-only on the system; FILE is written on the
 * host (not inside the root), created new, through a temporary beside it
 * renamed into place when whole. */
#ifndef PF_OPS_BUNDLE_H
#define PF_OPS_BUNDLE_H

#include <stddef.h>

struct pf_diagnosis;
struct pf_session;

struct pf_bundle_parts {
	const char *report_txt;   /* `pakfire diagnose` as text */
	size_t report_txt_len;
	const char *report_json;  /* `pakfire diagnose --json` */
	size_t report_json_len;
};

/* Write FILE (a host path; relative to the working directory) with the
 * members of docs/diagnose.md, "The bundle", from D (its mounts for
 * df.txt; found again when D has none), PARTS and the session (its
 * --config file, S->config_file, or the root's pakfire.conf, redacted). A member that cannot be
 * made is NAME.missing saying why, and the bundle is still made. FILE that
 * exists, or lies inside the root (on the live root: in pakfire's own
 * folders), is PF_E_USAGE with nothing written; any other failure is
 * PF_E_OTHER (PF_E_SPACE for a full disk) and leaves nothing behind. */
/* The checks of FILE alone (it does not exist, its folder does, it is not
 * inside the root), for a front end that refuses before it looks at
 * anything: pf_bundle_write makes them again. 0, or PF_E_USAGE. */
int pf_bundle_check(struct pf_session *s, const char *file);

int pf_bundle_write(struct pf_session *s, const struct pf_diagnosis *d, const char *file,
		    const struct pf_bundle_parts *parts);

#endif
