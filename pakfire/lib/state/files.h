/* Every path owned by an applied unit, as the unit left it. */
#ifndef PF_STATE_FILES_H
#define PF_STATE_FILES_H

#include <stdbool.h>
#include <stdint.h>

struct pf_db;
struct pf_entry;

/* What the database says about one owned path. */
struct pf_owned {
	bool found;
	char type[16];
	char owner[64];         /* the unit that installed it: "core-141" */
	uint64_t size;
	uint8_t sha256[32];
	unsigned mode;
};
int pf_db_owned(struct pf_db *db, const char *path, struct pf_owned *out);

/* Every owned path in one query (the space plan): FN gets its path, type
 * ("file", "dir", "symlink"), recorded size and, for a symlink, the length
 * of its target. A non-zero return of FN stops and is returned. */
typedef int (*pf_owned_fn)(void *data, const char *path, const char *type, uint64_t size,
			   uint64_t target_len);
int pf_db_each_owned(struct pf_db *db, pf_owned_fn fn, void *data);

/* Every owned path, in path order, streamed from one query (verify reads
 * them all). FN gets each row as an entry (file, dir or symlink; its
 * strings live only during the call) and the unit that installed it; it
 * returns 0 to go on, or -1 with its error on the context to stop. */
typedef int (*pf_db_file_fn)(const struct pf_entry *e, const char *owner, void *data);
int pf_db_each_file(struct pf_db *db, pf_db_file_fn fn, void *data);

#endif
