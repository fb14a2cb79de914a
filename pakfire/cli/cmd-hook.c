/* pakfire hook list [--all] | show ID | rerun ID | ack ID: the runs of
 * hooks, and what the admin does about a failed post hook. list and show
 * only read; rerun and ack take the lock. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/context.h"
#include "ops/hook.h"

struct hook_opts {
	bool all;
	struct pf_opt_list words;
};

static const struct pf_opt options[] = {
	{ .name = "all", .kind = PF_OPT_FLAG, .offset = offsetof(struct hook_opts, all),
	  .help = "list: every run, not only the recent ones" },
	{ NULL },
};

static const struct pf_opt operand = {
	.name = "ACTION", .kind = PF_OPT_LIST, .arg = "list|show ID|rerun ID|ack ID",
	.required = true, .offset = offsetof(struct hook_opts, words),
};

static const char *action(const struct hook_opts *o)
{
	return o->words.n ? o->words.v[0] : "";
}

/* A mistyped action only reads too: the usage error comes from run(),
 * without waiting for the lock. */
static bool reads_only(const void *opts)
{
	const char *a = action(opts);

	return strcmp(a, "rerun") && strcmp(a, "ack");
}

/* The run ID of `hook ACTION ID`. */
static int run_id(struct cli *cli, const struct hook_opts *o, int64_t *id)
{
	const char *a = action(o), *s = o->words.n == 2 ? o->words.v[1] : NULL;
	char *end;
	long long v;

	if (!s)
		return pf_fail(cli->ctx, PF_E_USAGE, "'hook %s' takes one hook run ID"
			       " ('pakfire hook list' shows them)", a);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1)
		return pf_fail(cli->ctx, PF_E_USAGE, "hook %s: '%s' is not a hook run ID", a, s);
	*id = v;
	return 0;
}

static int run(struct cli *cli, void *opts)
{
	const struct hook_opts *o = opts;
	const char *a = action(o);
	struct pf_hook_run_view v = { 0 };
	int64_t id = 0;
	int r;

	if (!strcmp(a, "list")) {
		struct pf_hook_list l;

		if (o->words.n != 1)
			return pf_fail(cli->ctx, PF_E_USAGE, "'hook list' takes no ID");
		if (pf_hook_list(cli->session, o->all, &l) < 0)
			return -1;
		output_hook_list(&cli->out, &l);
		pf_hook_list_clear(&l);
		return 0;
	}
	if (strcmp(a, "show") && strcmp(a, "rerun") && strcmp(a, "ack"))
		return pf_fail(cli->ctx, PF_E_USAGE, "hook: unknown action '%s' (list, show ID,"
			       " rerun ID or ack ID)", a);
	if (o->all)
		return pf_fail(cli->ctx, PF_E_USAGE, "--all is for 'hook list'");
	if (run_id(cli, o, &id) < 0)
		return -1;
	if (!strcmp(a, "show"))
		r = pf_hook_show(cli->session, id, &v);
	else if (!strcmp(a, "ack"))
		r = pf_hook_ack(cli->session, id, &v);
	else
		r = pf_hook_rerun(cli->session, id, &v);
	if (r == 0)
		output_hook_run(&cli->out, &v, a);
	pf_hook_run_view_clear(&v);
	return r;
}

const struct cli_command cmd_hook = {
	.spec = {
		.name = "hook", .summary = "hook runs: list, show one, run a failed one again, acknowledge it",
		.opts = options, .opts_size = sizeof(struct hook_opts), .operand = &operand,
	},
	.needs = PF_NEED_LOCK,
	.reads_only = reads_only,
	.run = run,
};
