/* The kernel's id of this boot: what tells a reboot happened (the reboot
 * flag of an applied update, what a crash left of a hook's processes). */
#ifndef PF_BOOTID_H
#define PF_BOOTID_H

/* The boot id read from FILE, a host path (pakfire.conf's boot-id-file;
 * NULL: /proc/sys/kernel/random/boot_id), its first line without the
 * newline. 0, or -1 with errno set and OUT "" when it cannot be read or
 * is empty (ENODATA). */
int pf_boot_id(const char *file, char out[40]);

#endif
