/* One pakfire at a time: an flock(2) on <root>/var/lib/pakfire/lock, which
 * the kernel releases when the holder dies, so a crash never leaves a stale
 * lock behind. Readers (status) never take it. */
#ifndef PF_LOCK_H
#define PF_LOCK_H

#include <stdbool.h>
#include <stdint.h>

struct pf_ctx;

/* Take the lock or fail with PF_E_LOCKED naming the holder's pid. The lock
 * is held while *LOCK_FD is open (the session closes it). */
int pf_lock(struct pf_ctx *ctx, int *lock_fd);

/* The lock held across a restart (docs/formats.md, "Self-update and
 * re-exec"): FD, inherited, is taken as *LOCK_FD when it is an open file
 * of the lock and holds it (returns 1); else FD is closed and 0 returned,
 * for pf_lock. */
int pf_lock_adopt(struct pf_ctx *ctx, int fd, int *lock_fd);

/* Whether another process holds the lock now (*HELD) and its pid (*PID,
 * 0 if not known), WITHOUT ever taking it, even briefly: a probe by status
 * must never make a starting upgrade fail as "locked". The kernel's
 * /proc/locks is read for the FLOCK entry of the lock file's device and
 * inode. Returns 1 when that was answered; 0 when it cannot be told
 * (/proc/locks unreadable: *HELD false, and the caller says "unknown"
 * rather than guess); -1 after pf_fail. */
int pf_lock_holder(struct pf_ctx *ctx, bool *held, long *pid);

/* One line of /proc/locks, as the kernel writes it:
 * "1: FLOCK  ADVISORY  WRITE 4711 fe:00:10952861 0 EOF" (a waiter's line
 * reads "1: -> FLOCK ..."). Exposed for the unit test. */
struct pf_locks_entry {
	bool flock;            /* an flock(2) lock (not POSIX, OFDLCK, LEASE) */
	bool waiting;          /* "->": a process waiting for it, not a holder */
	long pid;              /* as the kernel says; may be 0 or -1 */
	unsigned major, minor; /* of the file's device */
	uint64_t ino;
};
/* 0 when LINE parses, else -1. */
int pf_locks_parse_line(const char *line, struct pf_locks_entry *e);

#endif
