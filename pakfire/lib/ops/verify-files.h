/* `pakfire verify`: is every path that core updates installed still as they
 * left it? Each row of the files table is compared with what is under the
 * root: type, mode, owner, size and SHA-256 of files, type, mode and owner
 * of folders, the target of symlinks. Reads only: no lock, nothing written.
 * (verify.c is the other verification: OpenPGP signatures of the index.) */
#ifndef PF_VERIFY_FILES_H
#define PF_VERIFY_FILES_H

#include <stdbool.h>
#include <stdint.h>

struct pf_entry;
struct pf_session;

enum pf_finding_kind {
	PF_FINDING_MISSING,    /* not there (or a folder above it is not) */
	PF_FINDING_TYPE,       /* something else is there: a symlink for a file... */
	PF_FINDING_MODE,       /* permission bits, as "0755" */
	PF_FINDING_OWNER,      /* "uid:gid" */
	PF_FINDING_SIZE,       /* bytes */
	PF_FINDING_CONTENT,    /* same size, another SHA-256 (hex) */
	PF_FINDING_TARGET,     /* a symlink that points elsewhere */
	PF_FINDING_UNREADABLE, /* could not be looked at: found is the error */
};

/* One difference. The strings live only during the callback. */
struct pf_finding {
	enum pf_finding_kind kind;
	const char *path;      /* relative to the root, as recorded ("usr/bin/x") */
	unsigned owner;        /* the core update that installed it (0: an add-on) */
	const char *unit;      /* the unit that installed it: "core-141" */
	const char *expected;  /* NULL for missing and unreadable */
	const char *found;     /* NULL for missing */
	const struct pf_entry *row; /* the database row (verify --fix restores it) */
};

typedef void (*pf_finding_fn)(const struct pf_finding *f, void *data);

struct pf_verify_summary {
	uint64_t paths;        /* rows checked */
	uint64_t ok;           /* paths without a finding */
	uint64_t changed;      /* paths with at least one */
	uint64_t findings;
	uint64_t bytes;        /* read and hashed */
	double seconds;
	bool complete;         /* every row was checked */
};

/* "missing", "type", "mode", "owner", "size", "content", "target",
 * "unreadable": the words of the JSON output. */
const char *pf_finding_name(enum pf_finding_kind kind);

/* Check every owned path, handing each finding to FN as it is found, and
 * fill *SUM (also when stopped early). Returns 0 when everything matches;
 * -1 with PF_E_VERIFY when anything does not, or with another class when
 * it could not finish (database, out of memory, interrupted by a signal).
 * Warns first when the journal shows an update in flight. */
int pf_verify_files(struct pf_session *s, pf_finding_fn fn, void *data,
		    struct pf_verify_summary *sum);

#endif
