/* The kernel's id of this boot: what tells a reboot happened (the reboot
 * flag of an applied update, what a crash left of a hook's processes). */
#ifndef PF_BOOTID_H
#define PF_BOOTID_H

#include <stdbool.h>

struct pf_ctx;

/* The boot id, its first line without the newline: read from FILE inside
 * the root (pakfire.conf's boot-id-file, taken inside the root like every
 * path of the configuration: a test's stand-in for a reboot), or, FILE
 * NULL, from the running kernel's /proc/sys/kernel/random/boot_id (one
 * kernel runs whatever the root). 0, or -1 with errno set and OUT "" when
 * it cannot be read or is empty (ENODATA). */
int pf_boot_id(struct pf_ctx *ctx, const char *file, char out[40]);

/* What a reboot flag records: this boot's id, or, when that cannot be
 * read, "@SECONDS", the moment the flag was set (UTC), which a later boot
 * is told from by when it started (CLOCK_BOOTTIME, no /proc needed). */
void pf_boot_mark(struct pf_ctx *ctx, const char *file, char out[40]);

/* Whether the system booted since MARK (pf_boot_mark's) was recorded.
 * NOW: this boot's id, or "" when unknown. False when it cannot be told:
 * a reboot still asked for stands, the safe side. */
bool pf_booted_since(const char *mark, const char *now);

#endif
