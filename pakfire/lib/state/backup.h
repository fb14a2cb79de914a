/* An online copy of the database (the support bundle's pakfire.db). */
#ifndef PF_STATE_BACKUP_H
#define PF_STATE_BACKUP_H

struct pf_ctx;

/* Copy the database at PATH (as pakfire.conf names it, taken inside the
 * root) into DEST (a host path; a new file, or an empty one made for it;
 * named through a folder of the caller's that no one else can write, as
 * /proc/self/fd/N/NAME: symlinks in DEST are followed; messages name it
 * SHOWN, its path as the admin knows it)
 * with SQLite's online backup API, never as a file copy: it reads from a
 * read-only connection (pf_db_open PF_DB_READONLY: nothing is written
 * beside the database, not even a -wal or -shm) one consistent snapshot,
 * with what a live pakfire committed to its WAL and has not checkpointed
 * yet. DEST is left in rollback-journal mode, one self-contained file that
 * `sqlite3 DEST` opens anywhere. Waits for a busy database a few seconds,
 * then fails. pf_fail naming the database (and DEST) on error; DEST is
 * the caller's to remove then. */
int pf_db_backup_file(struct pf_ctx *ctx, const char *path, const char *dest, const char *shown);

#endif
