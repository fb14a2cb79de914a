/* pakfire: the client. Holds the table of commands (each declared in its
 * cmd-NAME.c), the global options, and the one place that opens what a
 * command needs; parses the command line with the generic parser
 * (base/opts.h), runs one command and maps its outcome to the exit codes of
 * DESIGN.md. The only exit is here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "environ.h"
#include "base/context.h"
#include "format/config.h"
#include "format/index.h"
#include "ops/self.h"
#include "ops/session.h"

/* In the order --help lists them. */
static const struct cli_command *const commands[] = {
	&cmd_init, &cmd_update, &cmd_upgrade, &cmd_install, &cmd_remove, &cmd_list, &cmd_info,
	&cmd_status, &cmd_clean, &cmd_history, &cmd_hook, &cmd_verify, &cmd_diagnose,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* How a pakfire that restarted itself learns what it goes on with
 * (docs/formats.md, "Self-update and re-exec"): "TX:TOKEN:LOCKFD:REBOOT",
 * the transaction, the token of its 'restarting' step, the lock's file
 * descriptor (held across the exec) and whether a reboot is needed for
 * what was applied before. */
#define REEXEC_ENV "PAKFIRE_REEXEC"

struct resume {
	int64_t tx;               /* 0: not a restart */
	char token[17];
	int lock_fd;
	bool reboot;
};

struct globals {
	const char *root;
	const char *config;
	bool yes;
	bool json;
	int verbosity;
};

enum { STOP_HELP = 1, STOP_VERSION };

static const struct pf_opt global_options[] = {
	{ .name = "root", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct globals, root),
	  .help = "operate on the system installed under DIR" },
	{ .name = "config", .kind = PF_OPT_STRING, .arg = "FILE",
	  .offset = offsetof(struct globals, config),
	  .help = "read the configuration from FILE (a path on the host)" },
	{ .name = "yes", .letter = 'y', .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct globals, yes),
	  .help = "answer yes to the confirmation of upgrade" },
	{ .name = "json", .kind = PF_OPT_FLAG, .offset = offsetof(struct globals, json),
	  .help = "print one JSON document on standard output" },
	{ .name = "quiet", .letter = 'q', .kind = PF_OPT_SET, .value = -1,
	  .offset = offsetof(struct globals, verbosity), .help = "less output" },
	{ .name = "verbose", .letter = 'v', .kind = PF_OPT_SET, .value = 1,
	  .offset = offsetof(struct globals, verbosity), .help = "more output" },
	{ .name = "help", .letter = 'h', .kind = PF_OPT_STOP, .value = STOP_HELP,
	  .help = "this text; after a command, that command's options" },
	{ .name = "version", .kind = PF_OPT_STOP, .value = STOP_VERSION,
	  .help = "the version" },
	{ NULL },
};

static void usage(FILE *f)
{
	char syn[256];

	fprintf(f, "usage: pakfire [--root DIR] [--config FILE] [--yes] [--json] [--quiet|--verbose] COMMAND\n"
		   "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-28s %s\n", pf_opts_synopsis(&commands[i]->spec, syn, sizeof(syn)),
			commands[i]->spec.summary);
	fprintf(f, "exit codes: 0 done, 1 error, 2 usage or configuration, 3 not enough space,\n"
		   "  4 verification failed, 5 download failed, 6 hook failed, 7 locked,\n"
		   "  129 hung up (SIGHUP), 130 interrupted (SIGINT), 143 terminated (SIGTERM)\n"
		   "  status: 0 nothing to do, 33..63 attention (see pakfire(8))\n"
		   "  diagnose: 0 healthy, 65..95 problems found (see pakfire(8))\n"
		   "'pakfire COMMAND --help' lists a command's options; see pakfire(8)\n");
}

static void print_options(const struct pf_opt *o)
{
	char form[64];

	for (; o && o->name; o++)
		printf("  %-18s %s\n", pf_opt_form(o, form, sizeof(form)), o->help);
}

static void command_usage(const struct cli_command *cmd)
{
	char syn[256];

	printf("usage: pakfire [GLOBAL OPTIONS] %s\n%s\n",
	       pf_opts_synopsis(&cmd->spec, syn, sizeof(syn)), cmd->spec.summary);
	if (cmd->spec.opts) {
		printf("options:\n");
		print_options(cmd->spec.opts);
	}
	printf("global options (before or after the command):\n");
	print_options(global_options);
}

/* The log (log.h), once the root and pakfire.conf are known: before the
 * lock, so that recovery is logged too. A run whose configuration could
 * not be read (CONFIG_READ false: perhaps a mistyped --root) appends only
 * to a log that exists, with the default log-size (docs/log.md); init,
 * whose root may be new, makes the log only when it succeeded. A command
 * that needs the database but not the lock only reads, and logs briefly. */
static void open_log(struct cli *cli, const struct globals *g, const struct cli_command *cmd,
		     unsigned needs, bool config_read, const struct resume *rs, int argc,
		     char **argv)
{
	const struct log_how how = {
		.cmd = cmd->spec.name,
		.size = cli->session && cli->session->config ? cli->session->config->log_size
			: PF_DEFAULT_LOG_SIZE,
		/* A restarted pakfire goes on with the record the one before
		 * began: its start line says so. */
		.tx = rs->tx,
		.brief = (needs & PF_NEED_DB) && !(needs & PF_NEED_LOCK),
		.syslog = log_syslog_wanted(g->root),
		.create = !config_read ? LOG_EXISTING : cmd == &cmd_init ? LOG_CREATE_IF_OK : LOG_CREATE,
	};

	/* diagnose looks at a system without touching it: no log line */
	if (cmd->writes_nothing)
		return;
	log_open(&cli->log, cli->ctx, &how, argc, argv);
	cli->out.log = &cli->log;
}

/* What the command declares it needs, opened by the session in one order:
 * the configuration, the lock, the database, the recovery of an interrupted
 * run. Commands never open these themselves. */
static int open_session(struct cli *cli, const struct globals *g,
			const struct cli_command *cmd, void *opts, struct resume *rs,
			int argc, char **argv)
{
	unsigned needs = cmd->needs;
	int r;

	if (cmd->reads_only && cmd->reads_only(opts) && (needs & PF_NEED_LOCK))
		needs = (needs & ~(unsigned)PF_NEED_LOCK) | PF_NEED_DB;
	if (pf_ctx_set_root(cli->ctx, g->root ? g->root : "/") < 0)
		return -1;
	/* A command that needs nothing (diagnose) opens the configuration
	 * itself: one that cannot be read is then part of its report. */
	r = pf_session_open(cli->ctx, g->config, needs ? PF_NEED_CONFIG : 0, &cli->session);
	open_log(cli, g, cmd, needs, r == 0, rs, argc, argv);
	if (r < 0)
		return -1;
	/* Known before the lock's recovery, which closes every transaction
	 * left open but this one. */
	cli->session->resume_tx = rs->tx;
	snprintf(cli->session->resume_token, sizeof(cli->session->resume_token), "%s", rs->token);
	cli->session->inherited_lock = rs->lock_fd;
	rs->lock_fd = -1; /* the session's now */
	return pf_session_need(cli->session, g->config, needs);
}

/* What a pakfire that restarted itself passed on (PAKFIRE_REEXEC), or
 * nothing (tx 0). Taken out of the environment at once: what this process
 * starts (gpg) never sees it, and a restart sets it again. Anything
 * malformed is no restart; the session checks the rest (the transaction
 * open with that token, the fd an open file of the lock). */
static void take_resume(struct resume *rs)
{
	const char *v = getenv(REEXEC_ENV);
	long long tx = 0, fd = -1;
	int reboot = 0, n = 0;
	char token[17] = "";

	*rs = (struct resume){ .lock_fd = -1 };
	if (!v)
		return;
	/* The lock's descriptor must be open now, before this process opens
	 * anything: then it is the inherited one, never one of ours (the
	 * session closes it when it is not the lock). */
	if (sscanf(v, "%lld:%16[0-9a-f]:%lld:%d%n", &tx, token, &fd, &reboot, &n) == 4 &&
	    v[n] == '\0' && tx > 0 && strlen(token) == 16 && fd >= 3 && fd < INT_MAX &&
	    (reboot == 0 || reboot == 1) && fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0) {
		*rs = (struct resume){ .tx = tx, .lock_fd = (int)fd, .reboot = reboot };
		snprintf(rs->token, sizeof(rs->token), "%s", token);
	}
	unsetenv(REEXEC_ENV);
}

/* After a unit replaced what pakfire runs from (ops/self.h): the same
 * command again, from the path this process was started from (now the new
 * binary), going on with RS (its lock, held across the exec). Returns only
 * on failure. */
static int restart(char **argv, const char *exe, const struct resume *rs)
{
	char v[96];

	snprintf(v, sizeof(v), "%lld:%s:%d:%d", (long long)rs->tx, rs->token, rs->lock_fd,
		 rs->reboot);
	fflush(stdout);
	fflush(stderr);
	errno = ENOENT;
	if (exe[0] && fcntl(rs->lock_fd, F_SETFD, 0) == 0 && setenv(REEXEC_ENV, v, 1) == 0)
		execv(exe, argv);
	fprintf(stderr, "pakfire: error: could not restart pakfire (%s): %s; the updates applied"
		" so far are complete: run the same command again to go on\n",
		exe[0] ? exe : "the path it was started from is unknown", strerror(errno));
	return 1;
}

/* Whether the command line asks for --json (before a "--"): a line the
 * parser refused has stored no option, so it is read here. */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

/* A usage error on the command line, before anything is opened: the error
 * names the help to read, and is rendered as every error is, so that with
 * --json a script gets its document too; "command" is null when the line
 * names no command pakfire knows (docs/schemas/no-command.json). */
static int usage_error(struct pf_ctx *ctx, const struct cli_command *cmd, bool json)
{
	enum pf_errclass cls = pf_error_class(ctx);
	char msg[sizeof(ctx->err_msg)];
	struct output out;
	int code;

	snprintf(msg, sizeof(msg), "%s", pf_error_message(ctx));
	pf_clear_error(ctx);
	pf_fail(ctx, cls, "%s (see 'pakfire %s%s--help')", msg, cmd ? cmd->spec.name : "",
		cmd ? " " : "");
	if (output_open(&out, json, 0) < 0) {
		fprintf(stderr, "pakfire: error: %s\n", pf_error_message(ctx));
		return pf_ctx_exit_code(ctx);
	}
	code = output_finish(&out, ctx, cmd ? cmd->spec.name : NULL);
	output_close(&out);
	return code;
}

/* Returns -1 to go on with *CMD and *OPTS, or an exit code. */
static int parse(struct pf_ctx *ctx, int argc, char **argv, struct globals *g,
		 const struct cli_command **cmd, void **opts)
{
	const struct pf_cmd_spec *specs[N_COMMANDS];
	const struct pf_cli_table table = {
		.program = "pakfire", .globals = global_options,
		.cmds = specs, .n_cmds = N_COMMANDS,
	};
	struct pf_cli_args args;

	for (size_t i = 0; i < N_COMMANDS; i++)
		specs[i] = &commands[i]->spec;
	if (pf_opts_parse(ctx, &table, argc, argv, g, &args) < 0)
		return usage_error(ctx, args.cmd >= 0 ? commands[args.cmd] : NULL,
				   wants_json(argc, argv));
	if (args.stop && args.stop->value == STOP_VERSION) {
		printf("pakfire 1 (client level %d)\n", PF_CLIENT_LEVEL);
		return 0;
	}
	if (args.stop) {
		if (args.cmd >= 0)
			command_usage(commands[args.cmd]);
		else
			usage(stdout);
		return 0;
	}
	*cmd = commands[args.cmd];
	*opts = args.opts;
	return -1;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct globals g = { 0 };
	const struct cli_command *cmd = NULL;
	void *opts = NULL;
	char exe[PATH_MAX];
	struct resume rs, next = { .lock_fd = -1 };
	bool again;
	int code;

	/* Before anything can load libcurl or start gpg (cli/environ.c). */
	if (cli_environ_scrub() < 0) {
		fprintf(stderr, "pakfire: error: cannot clear the environment: %s\n", strerror(errno));
		return 1;
	}
	take_resume(&rs);

	log_init(&cli.log);
	cli.ctx = pf_ctx_new();
	if (!cli.ctx) {
		fprintf(stderr, "pakfire: error: out of memory\n");
		return 1;
	}
	code = parse(cli.ctx, argc, argv, &g, &cmd, &opts);
	if (code >= 0) {
		pf_ctx_free(cli.ctx);
		return code;
	}
	cli.ctx->assume_yes = g.yes;
	cli.ctx->verbosity = g.verbosity;
	if (output_open(&cli.out, g.json, g.verbosity) < 0) {
		fprintf(stderr, "pakfire: error: out of memory\n");
		free(opts);
		pf_ctx_free(cli.ctx);
		return 1;
	}
	/* A reboot needed for what the pakfire before the restart applied is
	 * needed still. */
	cli.out.reboot_needed = rs.reboot;
	pf_ctx_set_event_sink(cli.ctx, output_event, &cli.out);
	pf_ctx_watch_signals(cli.ctx);
	/* libcurl is not set up here: fetch/curl.c loads it with the first
	 * download. */
	/* Where this pakfire was started from, read before any update can
	 * replace it: what a restart runs. Without /proc it stays unknown,
	 * and only a restart would need it (the pipeline refuses to change
	 * anything when it cannot tell what pakfire runs from). */
	if (pf_error_class(cli.ctx) == PF_E_OK && pf_self_exe(cli.ctx, exe, sizeof(exe)) < 0) {
		exe[0] = '\0';
		pf_clear_error(cli.ctx);
	}
	if (pf_error_class(cli.ctx) == PF_E_OK && open_session(&cli, &g, cmd, opts, &rs, argc, argv) == 0)
		cmd->run(&cli, opts);
	if (rs.lock_fd >= 0)
		close(rs.lock_fd); /* never handed to a session */
	again = cli.session && cli.session->restart && pf_error_class(cli.ctx) == PF_E_OK &&
		cli.session->lock_fd >= 0;
	if (again) {
		/* The lock stays held across the exec: no other pakfire gets
		 * in between. */
		next.tx = cli.session->restart_tx;
		snprintf(next.token, sizeof(next.token), "%s", cli.session->restart_token);
		next.lock_fd = cli.session->lock_fd;
		cli.session->lock_fd = -1;
	}
	/* In reverse of opening; the lock goes before the last words. */
	pf_session_close(cli.session);
	cli.out.restarting = again;
	code = output_finish(&cli.out, cli.ctx, cmd->spec.name);
	output_close(&cli.out);
	log_close(&cli.log);
	free(opts);
	pf_ctx_free(cli.ctx);
	next.reboot = cli.out.reboot_needed;
	if (again && code == 0)
		return restart(argv, exe, &next);
	if (next.lock_fd >= 0)
		close(next.lock_fd);
	return code;
}
