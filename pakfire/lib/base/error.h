/* Errors: one idiom for the whole library.
 *
 * Every fallible function returns 0 on success and -1 on failure; on failure
 * it has left an error class and a message on the context with pf_fail().
 * The error class is the exit code of DESIGN.md, so the front end maps a
 * failure to its exit status through one table (pf_exit_code) and nothing
 * else ever calls exit(). */
#ifndef PF_ERROR_H
#define PF_ERROR_H

enum pf_errclass {
	PF_E_OK       = 0,
	PF_E_OTHER    = 1, /* anything else: I/O, database, out of memory */
	PF_E_USAGE    = 2, /* usage or configuration error */
	PF_E_SPACE    = 3, /* refused: not enough space or inodes */
	PF_E_VERIFY   = 4, /* signature, hash, size, expiry, rollback, malformed */
	PF_E_DOWNLOAD = 5, /* download failed on every mirror */
	PF_E_HOOK     = 6, /* a hook failed */
	PF_E_LOCKED   = 7, /* another pakfire holds the lock */
};

struct pf_ctx;

/* Record a failure on ctx and return -1. The message names the object (file,
 * URL, mount point) and says what a person needs to act on. A second call
 * before pf_clear_error() keeps the first class but the newest message is
 * prefixed to it, so "while applying core 141: usr/lib/x: No space left". */
int pf_fail(struct pf_ctx *ctx, enum pf_errclass cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like pf_fail, appending ": strerror(errno)" for the errno at entry. */
int pf_fail_errno(struct pf_ctx *ctx, enum pf_errclass cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix context to the error already recorded ("core 141: " + message) and
 * return -1, keeping its class. */
int pf_fail_wrap(struct pf_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The cause of the failure on CTX, for diagnose (docs/diagnose.md,
 * "Problems"): one word ("signature", "hash", "expired", "rollback",
 * "space", "never-fits", "hook", "download", "interrupted"), set by the
 * site that found the failure, after its pf_fail. The innermost site
 * decides: a later call keeps the cause already set, and the next first
 * failure (or pf_clear_error) forgets it. Returns -1 for `return`. */
int pf_fail_cause(struct pf_ctx *ctx, const char *cause);
/* The cause set for the failure on CTX, or "" when no site set one. */
const char *pf_error_cause(const struct pf_ctx *ctx);
enum pf_errclass pf_error_class(const struct pf_ctx *ctx);
const char *pf_error_message(const struct pf_ctx *ctx);
void pf_clear_error(struct pf_ctx *ctx);

/* The one table: error class -> process exit code and a short name. */
int pf_exit_code(enum pf_errclass cls);
const char *pf_errclass_name(enum pf_errclass cls);

/* The exit code of the command whose outcome CTX holds: its error's
 * class, or 128 + the signal when a SIGINT, SIGTERM or SIGHUP stopped it. */
int pf_ctx_exit_code(const struct pf_ctx *ctx);

#endif
