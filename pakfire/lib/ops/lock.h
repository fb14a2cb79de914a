/* One pakfire at a time: an flock(2) on <root>/var/lib/pakfire/lock, which
 * the kernel releases when the holder dies, so a crash never leaves a stale
 * lock behind. Readers (status) never take it. */
#ifndef PF_LOCK_H
#define PF_LOCK_H

struct pf_ctx;

/* Take the lock or fail with PF_E_LOCKED naming the holder's pid. The lock
 * is held while *LOCK_FD is open (the session closes it). */
int pf_lock(struct pf_ctx *ctx, int *lock_fd);

/* The lock held across a restart (docs/formats.md, "Self-update and
 * re-exec"): FD, inherited, is taken as *LOCK_FD when it is an open file
 * of the lock and holds it (returns 1); else FD is closed and 0 returned,
 * for pf_lock. */
int pf_lock_adopt(struct pf_ctx *ctx, int fd, int *lock_fd);

#endif
