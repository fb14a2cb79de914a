/* Command lines: each command declares its options in a table, and one
 * parser reads argv for both front ends (pakfire and pakfire-repo), so that
 * an option behaves the same in every command and in both programs.
 *
 * It lives in the library, beside the error idiom it uses, because it is
 * pure: it never prints and opens nothing. A usage error is left on the
 * context as PF_E_USAGE with a one-line message, like every failure of the
 * library, and the front end prints it in its own words (with its usage,
 * which it builds from the same table: pf_opts_synopsis, pf_opt_form).
 *
 * The rules, the same for every option of every command:
 * - global options are accepted before and after the command, and a
 *   command's options after it, or before it (as getopt_long's permutation
 *   always accepted: `pakfire --dry-run upgrade`);
 * - --NAME VALUE, --NAME=VALUE, -L, bundled letters -yq; "--" ends the
 *   options; no abbreviations (a new option must never change what an old
 *   command line means);
 * - an option of another command is refused naming both commands;
 * - an option with a value may be given once: a second value would silently
 *   override the first (`publish --key A --key B` signed with B only). An
 *   option that takes several values says so (PF_OPT_LIST) and collects
 *   every one, in order (the same value twice is refused); so may a
 *   command's operand (`install NAME...`).
 *   Flags may be repeated;
 * - numbers are decimal digits checked against the option's range;
 * - --help and --version (PF_OPT_STOP) end the parse where they stand. */
#ifndef PF_OPTS_H
#define PF_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;

enum pf_opt_kind {
	PF_OPT_FLAG,    /* no value: sets a bool */
	PF_OPT_SET,     /* no value: stores .value into an int; the last given
			 * wins (--quiet, --verbose) */
	PF_OPT_STOP,    /* no value: ends the parse (--help, --version) */
	PF_OPT_STRING,  /* a value, kept as given: a const char * (NULL: not given) */
	PF_OPT_NUMBER,  /* a decimal number in [min, max]: a struct pf_opt_number */
	PF_OPT_PARSE,   /* a value that .parse checks and stores (a date) */
	PF_OPT_LIST,    /* a value, repeatable: every one kept, in order, in a
			 * struct pf_opt_list */
};

struct pf_opt_number {
	bool given;
	long long value;
};

/* The values of a PF_OPT_LIST, as given (pointers into argv). The array
 * lives in the same allocation as the option struct that holds it. */
struct pf_opt_list {
	const char **v;
	size_t n;
};

struct pf_opt {
	const char *name;      /* "dry-run": given as --dry-run; NULL ends a table */
	char letter;           /* 'y' for -y, or 0 */
	enum pf_opt_kind kind;
	size_t offset;         /* where the value goes: offsetof() in the
				* command's (or the globals') option struct */
	const char *arg;       /* the value's name in usage lines: "N", "DIR" */
	const char *what;      /* what a value must be, in the error
				* "--to 'x' is not WHAT": "a core update number" */
	long long min, max;    /* PF_OPT_NUMBER: the range accepted */
	int value;             /* PF_OPT_SET: what it stores; PF_OPT_STOP: which
				* stop it is, for the front end */
	int (*parse)(const char *arg, void *dst); /* PF_OPT_PARSE: 0, or -1 */
	bool required;         /* the command cannot run without it */
	const char *help;      /* one line, for `COMMAND --help` */
};

/* A command as the parser sees it; each front end wraps it with what it
 * needs to run the command. */
struct pf_cmd_spec {
	const char *name;
	const char *summary;          /* one line, for the usage */
	const struct pf_opt *opts;    /* ends with { NULL }; NULL for none */
	size_t opts_size;             /* sizeof the struct they are written to */
	const struct pf_opt *operand; /* the operand it may take (history
				       * [ID]), stored like an option; a
				       * PF_OPT_LIST takes several (install
				       * NAME...), .required at least one;
				       * NULL: none */
	bool planned;                 /* part of the design, not built yet:
				       * refused as such (not as a typo), never
				       * listed */
};

struct pf_cli_table {
	const char *program;                   /* "pakfire-repo", in messages */
	const struct pf_opt *globals;          /* before and after the command */
	const struct pf_cmd_spec *const *cmds;
	size_t n_cmds;
};

struct pf_cli_args {
	const struct pf_opt *stop; /* the --help or --version that ended the
				    * parse, or NULL */
	int cmd;                   /* index in the table; -1 when a stop (or
				    * an error) came before any command */
	void *opts;                /* the command's option struct (zeroed, then
				    * filled); the caller frees it */
};

/* Parse ARGV (ARGV[0] is the program) against T: global options into
 * GLOBALS, the command's into OUT->opts. Returns 0, or -1 with a usage error
 * on CTX (OUT->opts is then NULL, OUT->cmd the command if one was named, for
 * its usage). With OUT->stop set nothing after the stop was checked, and
 * OUT->opts is NULL. */
int pf_opts_parse(struct pf_ctx *ctx, const struct pf_cli_table *t, int argc,
		  char **argv, void *globals, struct pf_cli_args *out);

/* "upgrade [--dry-run] [--to N]": the command, its options (required ones
 * bare, others in brackets) and its operand. Cut to fit SIZE; returns BUF. */
const char *pf_opts_synopsis(const struct pf_cmd_spec *c, char *buf, size_t size);

/* "-y, --yes", "--to N": an option as a help line shows it. Returns BUF. */
const char *pf_opt_form(const struct pf_opt *o, char *buf, size_t size);

#endif
