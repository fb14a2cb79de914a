/* pakfire-repo: the maintainer tool. One file per command; this header holds
 * what the commands share. Commands never print: they return 0 or -1 after
 * pf_fail(), and report results as INFO events that main.c prints. */
#ifndef PF_REPO_H
#define PF_REPO_H

#include <stdbool.h>
#include <stdint.h>

struct pf_ctx;

/* argv[0] is the command name; options follow (getopt_long). */
int cmd_build(struct pf_ctx *ctx, int argc, char **argv);
int cmd_publish(struct pf_ctx *ctx, int argc, char **argv);

/* Usage text of each command, printed by main.c after a usage error. */
extern const char cmd_build_usage[];
extern const char cmd_publish_usage[];

/* A usage error for the option getopt_long just rejected ('?' or ':'). */
int repo_bad_option(struct pf_ctx *ctx, const char *cmd, int c, int optopt_,
		    const char *arg);

/* Decimal digits only, no sign, no leading zero (except "0"), <= max. */
int repo_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* A series or arch name: 1..64 bytes of [A-Za-z0-9._-] (as the index allows), not starting with
 * '.' or '-' (it becomes a directory name on the mirrors). */
bool repo_name_valid(const char *s);

/* "156.2 MB" (decimal units, like the line that build prints). */
void repo_format_size(uint64_t bytes, char buf[static 16]);

#endif
