/* pakfire-repo: the maintainer tool. Holds the table of commands (each
 * declared in its cmd-NAME.c) and the global options, parses the command
 * line with the generic parser (base/opts.h) that pakfire uses too, and is
 * the only file that prints or decides the exit status: commands leave an
 * error on the context, and pf_exit_code() maps its class to the status
 * (DESIGN.md, "Exit codes"). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "repo.h"

/* Part of the design, not of this tool yet: refused as such, not as a typo. */

static const struct repo_command *const commands[] = {
	&cmd_build, &cmd_publish, &cmd_bump, &cmd_check,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

struct globals {
	int verbosity;
};

static const struct pf_opt global_options[] = {
	{ .name = "help", .letter = 'h', .kind = PF_OPT_STOP,
	  .help = "this text; after a command, that command's options" },
	{ .name = "quiet", .letter = 'q', .kind = PF_OPT_SET, .value = -1,
	  .offset = offsetof(struct globals, verbosity),
	  .help = "do not print the result lines" },
	{ .name = "verbose", .letter = 'v', .kind = PF_OPT_SET, .value = 1,
	  .offset = offsetof(struct globals, verbosity),
	  .help = "print debugging lines on standard error" },
	{ NULL },
};

/* The length of TEXT's first word: "[--to N]" and "--out REPODIR" are one
 * word, so that an option and its value stay on one line. */
static size_t word_len(const char *text)
{
	size_t len = 0;
	int depth = 0;

	for (; text[len] && (text[len] != ' ' || depth > 0); len++)
		depth += (text[len] == '[') - (text[len] == ']');
	if (text[0] == '-' && text[len] == ' ' && text[len + 1] && text[len + 1] != '-' &&
	    text[len + 1] != '[')
		len += 1 + strcspn(text + len + 1, " ");
	return len;
}

/* FIRST, then TEXT's words on lines of at most 78 columns, the lines after
 * the first indented by INDENT. */
static void print_wrapped(FILE *f, const char *first, size_t indent, const char *text)
{
	size_t col = strlen(first);

	fputs(first, f);
	for (text += strspn(text, " "); *text; text += strspn(text, " ")) {
		size_t len = word_len(text);

		if (col > indent && col + 1 + len > 78) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, len, f);
		col += len;
		text += len;
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	char syn[512];

	fputs("usage: pakfire-repo [--quiet|--verbose] COMMAND [OPTIONS]\n\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct pf_cmd_spec *c = &commands[i]->spec;
		char first[32];

		if (c->planned)
			continue;
		/* the name in a column of its own, the options wrapped after it */
		snprintf(first, sizeof(first), "  %-7s", c->name);
		pf_opts_synopsis(c, syn, sizeof(syn));
		print_wrapped(f, first, 10, syn + strlen(c->name));
	}
	fputs("\nexit status: 0 ok, 1 error, 2 usage, 4 malformed input or a failed check.\n"
	      "'pakfire-repo COMMAND --help' lists a command's options; see pakfire-repo(1).\n", f);
}

static void print_options(FILE *f, const struct pf_opt *o)
{
	char form[64];

	for (; o && o->name; o++)
		fprintf(f, "  %-24s %s\n", pf_opt_form(o, form, sizeof(form)), o->help);
}

/* The command's usage line; with OPTIONS, what each option means too. */
static void command_usage(FILE *f, const struct repo_command *cmd, bool options)
{
	char syn[512];

	print_wrapped(f, "usage: pakfire-repo", 11, pf_opts_synopsis(&cmd->spec, syn, sizeof(syn)));
	if (!options)
		return;
	fprintf(f, "%s\noptions:\n", cmd->spec.summary);
	print_options(f, cmd->spec.opts);
	fputs("global options (before or after the command):\n", f);
	print_options(f, global_options);
}

/* The front end's words for the library's events: results on stdout (they
 * are what a script reads), everything else on stderr. */
static void on_event(const struct pf_event *ev, void *data)
{
	const struct pf_ctx *ctx = data;

	switch (ev->type) {
	case PF_EV_INFO:
		if (ctx->verbosity >= 0)
			printf("%s\n", ev->text.message);
		break;
	case PF_EV_WARNING:
		fprintf(stderr, "pakfire-repo: warning: %s\n", ev->text.message);
		break;
	case PF_EV_DEBUG:
		if (ctx->verbosity > 0)
			fprintf(stderr, "pakfire-repo: %s\n", ev->text.message);
		break;
	default:
		break; /* the client's events: none come from these commands */
	}
}

/* 0 after --help, 1 with *CMD and *OPTS to run, or -1 with the error on
 * CTX (*CMD: the command it concerns, if it got that far). */
static int parse(struct pf_ctx *ctx, int argc, char **argv,
		 const struct repo_command **cmd, void **opts)
{
	const struct pf_cmd_spec *specs[N_COMMANDS];
	const struct pf_cli_table table = {
		.program = "pakfire-repo", .globals = global_options,
		.cmds = specs, .n_cmds = N_COMMANDS,
	};
	struct globals g = { 0 };
	struct pf_cli_args args;
	int r;

	for (size_t i = 0; i < N_COMMANDS; i++)
		specs[i] = &commands[i]->spec;
	r = pf_opts_parse(ctx, &table, argc, argv, &g, &args);
	*cmd = args.cmd >= 0 ? commands[args.cmd] : NULL;
	if (r < 0)
		return -1;
	ctx->verbosity = g.verbosity;
	if (args.stop) {
		if (*cmd)
			command_usage(stdout, *cmd, true);
		else
			usage(stdout);
		return 0;
	}
	*opts = args.opts;
	return 1;
}

int main(int argc, char **argv)
{
	struct pf_ctx *ctx = pf_ctx_new();
	const struct repo_command *cmd = NULL;
	void *opts = NULL;
	int r, status = 0;

	if (!ctx) {
		fputs("pakfire-repo: error: out of memory\n", stderr);
		return 1;
	}
	pf_ctx_set_event_sink(ctx, on_event, ctx);
	r = parse(ctx, argc, argv, &cmd, &opts);
	if (r > 0)
		r = cmd->run(ctx, opts);
	if (r < 0) {
		fprintf(stderr, "pakfire-repo: error: %s\n", pf_error_message(ctx));
		if (pf_error_class(ctx) == PF_E_USAGE) {
			if (cmd && !cmd->spec.planned)
				command_usage(stderr, cmd, false);
			else
				usage(stderr);
		}
		status = pf_exit_code(pf_error_class(ctx));
	}
	/* A result line that never reached its reader (a full disk, a closed
	 * pipe) is a failure too. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("pakfire-repo: error: writing to standard output failed\n",
		      stderr);
		if (status == 0)
			status = 1;
	}
	free(opts);
	pf_ctx_free(ctx);
	return status;
}
