/* The checks of a repository folder (`pakfire-repo check`, and `publish` on
 * the index it is about to sign): everything a client would refuse, and
 * what the index says that cannot hold (a gap in the core chain, a Depends
 * that names nothing, two packages shipping one path, a Successor that
 * points nowhere), found before an appliance finds it.
 *
 * Each check is a file of its own (check-*.c) working on one struct
 * repo_check. A finding is one line naming the file (and the stanza or the
 * path), reported as an INFO event as soon as it is found ("error: ..." or
 * "warning: ..."), and counted; a check goes on after a finding, so that
 * one run lists them all. A check returns -1 only when it cannot go on at
 * all (out of memory), after pf_fail. */
#ifndef PF_REPO_CHECK_H
#define PF_REPO_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;
struct pf_index;
struct pf_manifest;

struct repo_check {
	struct pf_ctx *ctx;
	const char *repo;            /* the folder as given, for messages */
	int repofd;                  /* borrowed */
	const struct pf_index *idx;  /* borrowed */
	/* publish: the index is not written or signed yet, and the series it
	 * names may still be on their way (see check-series.c). */
	bool publishing;
	/* Per index entry: the manifest's bytes and the parsed manifest, once
	 * its size and SHA-256 matched the index (else NULL). */
	char **mbuf;
	size_t *mlen;
	struct pf_manifest **m;
	unsigned errors, warnings;
};

/* What `check` is given beyond the folder. */
struct check_keys {
	const char *dir;             /* --keys: a folder of *.asc, or NULL */
	const char *const *files;    /* --key: public key files */
	size_t n_files;
};

/* check.c: findings. check_failed turns the error left on the context by
 * a call that failed into an error finding, and clears it. */
void check_error(struct repo_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void check_warning(struct repo_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void check_failed(struct repo_check *c);

/* "core 141" or "addon foo", and "REPO/index stanza 3 (core 141)" for
 * entry I (stanza I + 2 of the index). */
void check_entry_name(const struct repo_check *c, size_t i, char *buf, size_t size);
void check_stanza(const struct repo_check *c, size_t i, char *buf, size_t size);

/* check-files.c: every manifest and package listed exists, is a regular
 * file and has the size and SHA-256 that the index says; each manifest
 * that does is parsed, and each package whose manifest and own bytes do
 * is checked member by member (check-pak.c). */
int check_files(struct repo_check *c);

/* check-pak.c: the package of entry I, open on FD, whose size and hash
 * matched: its first member is the published manifest byte for byte, then
 * its hooks, then the payload as the manifest says (type, mode, owner,
 * size, SHA-256, symlink target), nothing more and nothing missing. */
int check_package(struct repo_check *c, size_t i, int fd, const char *label);

/* check-chain.c: core numbers contiguous and each Requires the one before
 * (the first may require a level outside the series); every Depends of
 * an add-on names an add-on of the same index. */
int check_chain(struct repo_check *c);
int check_depends(struct repo_check *c);

/* check-owners.c: no file or symlink of an add-on is shipped by a core
 * update or by another add-on of the index. */
int check_owners(struct repo_check *c);

/* check-levels.c: the client levels (docs/formats.md, "Client levels"),
 * once the manifests are read (their hook entries count): every update
 * declares a Min-Client at least the level of what it uses (Declared);
 * a client that stops before an update finds, earlier in the chain, the
 * core update that brings a client able to go on (Reachable); in an index
 * with Min-Client 1, every core update is one level 1 honours, but for a
 * switch that a pakfire of level 2 installed by then completes (Level 1
 * reads everything); no key that pakfire-repo does not know but those
 * Optional-Keys lists (Known); no Provides-Client on an add-on. */
int check_levels(struct repo_check *c);
/* check-mirrors.c: the Mirrors keys are listed in Optional-Keys, and the
 * mirror list they name is there with their size and SHA-256 and parses
 * as the client parses it (not while publishing: publish checks the bytes
 * it is about to put in place). */
int check_mirrors(struct repo_check *c);

/* check-series.c: the folder is <mirror>/<Series>/<Arch>, and Successor and
 * every Series-Switch name a series published beside it
 * (<mirror>/S/<Arch>/index); with WARN_DAYS >= 0, Valid-Until has not
 * passed (an error) and is at least WARN_DAYS days ahead (a warning). */
int check_series(struct repo_check *c);
void check_valid_until(struct repo_check *c, long long warn_days);

/* check-sig.c: SIG (LEN bytes, index.sig) is a detached signature of the
 * index bytes DATA that the client would accept if it trusted KEYS: every
 * signature in it good, one at least by a key of KEYS. */
int check_signature(struct repo_check *c, const struct check_keys *keys,
		    const char *data, size_t len, const char *sig, size_t sig_len);

/* check.c: C set up for the folder REPO (REPOFD, borrowed), no finding
 * yet. Then the checks that do not need the signature, on IDX (parsed from
 * the folder, or built by publish in memory; it must outlive C) and the
 * files of the folder: series, chain, dependencies, files and packages,
 * owners, client levels. repo_check_clear frees what C holds (not REPOFD, not IDX). */
void repo_check_init(struct repo_check *c, struct pf_ctx *ctx, const char *repo, int repofd);
int repo_check_run(struct repo_check *c, const struct pf_index *idx, bool publishing);
void repo_check_clear(struct repo_check *c);

/* publish: the checks of repo_check_run on the index it built; 0 when there
 * is no error (warnings are printed), else -1 with PF_E_VERIFY saying how
 * many errors there are (each was printed) and that nothing was signed. */
int repo_check_before_signing(struct pf_ctx *ctx, const char *repo, int repofd,
			      const struct pf_index *idx);

#endif
