/* pakfire-repo: the maintainer tool. main.c is the only file that prints or
 * decides the exit status: commands leave an error on the context, and
 * pf_exit_code() maps its class to the status (DESIGN.md, "Exit codes"). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "repo.h"

static const char usage_text[] =
	"usage: pakfire-repo [--quiet|--verbose] COMMAND [OPTIONS]\n"
	"\n"
	"commands:\n"
	"  build    --update DIR --filelist FILE --root BUILDROOT --out REPODIR\n"
	"  publish  --repo REPODIR --updates UPDATESDIR --series S --arch A\n"
	"           --key FPR --gnupghome DIR [--revision N] [--date T]\n"
	"           [--valid-until T | --valid-days D] [--successor S]\n"
	"\n"
	"exit status: 0 ok, 1 error, 2 usage, 4 malformed input.\n"
	"See pakfire-repo(1).\n";

struct command {
	const char *name;
	int (*run)(struct pf_ctx *ctx, int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "build",   cmd_build,   cmd_build_usage },
	{ "publish", cmd_publish, cmd_publish_usage },
};

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

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Global options, before the command. Returns 1 when --help was asked. */
static int parse_global(struct pf_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",    no_argument, NULL, 'h' },
		{ "quiet",   no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	/* '+': stop at the command; its options are its own. */
	while ((c = getopt_long(argc, argv, "+:hqv", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return 1;
		case 'q': ctx->verbosity = -1; break;
		case 'v': ctx->verbosity = 1; break;
		default:
			return repo_bad_option(ctx, "pakfire-repo", c, optopt,
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return pf_fail(ctx, PF_E_USAGE, "no command given");
	return 0;
}

static int run(struct pf_ctx *ctx, int argc, char **argv,
	       const struct command **cmd)
{
	int r = parse_global(ctx, argc, argv);

	if (r != 0)
		return r;
	argc -= optind;
	argv += optind;
	*cmd = find_command(argv[0]);
	if (!*cmd) {
		/* Part of the design, not of this tool yet: say so, don't
		 * pretend it is a typo. */
		if (strcmp(argv[0], "bump") == 0 || strcmp(argv[0], "check") == 0)
			return pf_fail(ctx, PF_E_USAGE,
				       "'%s' is not built yet in this pakfire-repo",
				       argv[0]);
		return pf_fail(ctx, PF_E_USAGE, "unknown command '%s'", argv[0]);
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return 2;
	return (*cmd)->run(ctx, argc, argv);
}

int main(int argc, char **argv)
{
	struct pf_ctx *ctx = pf_ctx_new();
	const struct command *cmd = NULL;
	int r, status = 0;

	if (!ctx) {
		fputs("pakfire-repo: error: out of memory\n", stderr);
		return 1;
	}
	pf_ctx_set_event_sink(ctx, on_event, ctx);
	r = run(ctx, argc, argv, &cmd);
	if (r == 1)
		fputs(usage_text, stdout);
	else if (r == 2)
		fputs(cmd->usage, stdout);
	else if (r < 0) {
		fprintf(stderr, "pakfire-repo: error: %s\n", pf_error_message(ctx));
		if (pf_error_class(ctx) == PF_E_USAGE)
			fputs(cmd ? cmd->usage : usage_text, stderr);
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
	pf_ctx_free(ctx);
	return status;
}
