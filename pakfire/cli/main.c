/* pakfire: the client. Parses the command line (global options are accepted
 * before and after the command), sets up the context, runs one command and
 * maps its outcome to the exit codes of DESIGN.md. The only exit is here. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/context.h"
#include "ops/session.h"

static const struct command {
	const char *name;
	int (*run)(struct cli *cli);
	const char *usage;
} commands[] = {
	{ "init",    cmd_init,    "init --series S --core N   create the state of a new system" },
	{ "update",  cmd_update,  "update                     fetch and verify the signed index" },
	{ "upgrade", cmd_upgrade, "upgrade [--dry-run] [--to N] apply pending core updates" },
	{ "status",  cmd_status,  "status                     series, core level, pending updates" },
	{ "clean",   cmd_clean,   "clean                      empty the download cache" },
	{ "history", cmd_history, "history [ID]               transactions, or one with its steps" },
	{ "verify",  cmd_verify,  "verify                     check installed files against the database" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pakfire [--root DIR] [--config FILE] [--yes] [--json] [--quiet|--verbose] COMMAND\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "exit codes: 0 done, 1 error, 2 usage or configuration, 3 not enough space,\n"
		   "  4 verification failed, 5 download failed, 6 hook failed, 7 locked\n"
		   "see pakfire(8)\n");
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pakfire: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'pakfire --help')\n");
	return 2;
}

static int parse_number(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

enum { OPT_ROOT = 256, OPT_CONFIG, OPT_JSON, OPT_SERIES, OPT_CORE, OPT_DRY_RUN, OPT_TO,
       OPT_VERSION };

/* Returns -1 to go on, or an exit code. */
static int parse(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "yes", no_argument, NULL, 'y' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "series", required_argument, NULL, OPT_SERIES },
		{ "core", required_argument, NULL, OPT_CORE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "to", required_argument, NULL, OPT_TO },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "yqvh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: cli->root = optarg; break;
		case OPT_CONFIG: cli->config = optarg; break;
		case 'y': cli->ctx->assume_yes = true; break;
		case OPT_JSON: cli->out.json = true; break;
		case 'q': cli->ctx->verbosity = -1; break;
		case 'v': cli->ctx->verbosity = 1; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("pakfire 1\n"); return 0;
		case OPT_SERIES: cli->series = optarg; break;
		case OPT_CORE:
			if (parse_number(optarg, INT_MAX, &cli->core) < 0)
				return usage_error("--core needs a core update number, not '%s'", optarg);
			break;
		case OPT_DRY_RUN: cli->dry_run = true; break;
		case OPT_TO:
			if (parse_number(optarg, INT_MAX, &cli->to) < 0 || cli->to == 0)
				return usage_error("--to needs a core update number, not '%s'", optarg);
			break;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no command given");
	cli->command = argv[optind];
	cli->args = argv + optind + 1;
	cli->n_args = argc - optind - 1;
	return -1;
}

/* Options that only make sense for one command are refused elsewhere. */
static int check_options(const struct cli *cli)
{
	bool init = !strcmp(cli->command, "init"), upgrade = !strcmp(cli->command, "upgrade");

	if ((cli->series || cli->core >= 0) && !init)
		return usage_error("--series and --core belong to 'init', not '%s'", cli->command);
	if ((cli->dry_run || cli->to) && !upgrade)
		return usage_error("--dry-run and --to belong to 'upgrade', not '%s'", cli->command);
	if (cli->n_args > 0 && strcmp(cli->command, "history"))
		return usage_error("unexpected argument '%s'", cli->args[0]);
	return -1;
}

int cli_need(struct cli *cli, unsigned needs)
{
	return pf_session_need(cli->session, cli->config, needs);
}

int main(int argc, char **argv)
{
	struct cli cli = { .core = -1 };
	const struct command *cmd = NULL;
	bool json;
	int code;

	cli.ctx = pf_ctx_new();
	if (!cli.ctx) {
		fprintf(stderr, "pakfire: error: out of memory\n");
		return 1;
	}
	code = parse(&cli, argc, argv);
	if (code < 0) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(commands[i].name, cli.command))
				cmd = &commands[i];
		if (!cmd)
			code = usage_error("unknown command '%s'", cli.command);
		else
			code = check_options(&cli);
	}
	if (code >= 0) {
		pf_ctx_free(cli.ctx);
		return code;
	}
	json = cli.out.json;
	if (output_open(&cli.out, json, cli.ctx->verbosity) < 0) {
		fprintf(stderr, "pakfire: error: out of memory\n");
		pf_ctx_free(cli.ctx);
		return 1;
	}
	pf_ctx_set_event_sink(cli.ctx, output_event, &cli.out);
	pf_ctx_watch_signals(cli.ctx);
	/* libcurl is not set up here: fetch.c loads it with the first
	 * download. */
	if (pf_error_class(cli.ctx) == PF_E_OK &&
	    pf_ctx_set_root(cli.ctx, cli.root ? cli.root : "/") == 0 &&
	    pf_session_open(cli.ctx, cli.config, PF_NEED_CONFIG, &cli.session) == 0)
		cmd->run(&cli);
	/* The lock is released before the last words are printed. */
	pf_session_close(cli.session);
	code = output_finish(&cli.out, cli.ctx, cmd->name);
	output_close(&cli.out);
	pf_ctx_free(cli.ctx);
	return code;
}
