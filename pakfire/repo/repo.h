/* pakfire-repo: the maintainer tool. One file per command; this header holds
 * what the commands share. Commands never print: they return 0 or -1 after
 * pf_fail(), and report results as INFO events that main.c prints. */
#ifndef PF_REPO_H
#define PF_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "base/opts.h"

/* The client level that honours hook entries in a manifest (docs/formats.md,
 * "Client levels"): publish gives such an update at least this Min-Client,
 * check requires it. */
#define REPO_LEVEL_HOOKS 3

struct pf_ctx;

/* The series of the mirror that moves systems to SERIES (its Successor or a
 * core update's Series-Switch), for the repository folder REPO
 * (<mirror>/<series>/<arch>), into FROM (empty when none, or when REPO is
 * not laid out so); *PROVIDES the highest Provides-Client of the updates
 * there that switch to SERIES: every system arrives with a pakfire of at
 * least that level (publish-levels.c). */
int repo_reached_from(struct pf_ctx *ctx, const char *repo, const char *series,
		      const char *arch, char *from, size_t size, unsigned *provides);


/* A command: its name, options and operands for the generic parser
 * (base/opts.h), and its run function, which gets the parsed options
 * (spec.opts_size bytes) and returns 0 or -1 after pf_fail(). */
struct repo_command {
	struct pf_cmd_spec spec;
	int (*run)(struct pf_ctx *ctx, void *opts);
};

extern const struct repo_command cmd_build;
extern const struct repo_command cmd_publish;
extern const struct repo_command cmd_bump;
extern const struct repo_command cmd_check;

/* A series or arch name: 1..64 bytes of [A-Za-z0-9._-] (as the index allows), not starting with
 * '.' or '-' (it becomes a directory name on the mirrors). */
bool repo_name_valid(const char *s);

/* PATH and every missing folder above it, 0755 (mkdir -p): a new series'
 * tree on the mirror. An existing folder is fine; anything else in the way
 * fails when the caller opens it. */
int repo_mkdirs(struct pf_ctx *ctx, const char *path);

/* "156.2 MB" (decimal units, like the line that build prints). */
void repo_format_size(uint64_t bytes, char buf[static 16]);

#endif
