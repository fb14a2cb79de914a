/* pakfire verify [--fix [--fix-config] [--dry-run] [--from-dir DIR]]: every
 * owned path against what the units installed. Alone it reads only: no
 * lock, like status and history. --fix restores what differs
 * (ops/repair.h) and takes the lock, as every change does. */
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/repair.h"
#include "ops/verify-files.h"

struct verify_opts {
	bool fix;
	bool fix_config;
	bool dry_run;
	const char *from_dir;
};

static const struct pf_opt options[] = {
	{ .name = "fix", .kind = PF_OPT_FLAG, .offset = offsetof(struct verify_opts, fix),
	  .help = "restore every path that differs from the package of the update or add-on that"
		  " installed it (verified against the signed index); config files under /etc"
		  " the admin changed are kept" },
	{ .name = "fix-config", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct verify_opts, fix_config),
	  .help = "with --fix: restore changed config files under /etc too" },
	{ .name = "dry-run", .kind = PF_OPT_FLAG, .offset = offsetof(struct verify_opts, dry_run),
	  .help = "with --fix: show what would be restored and change nothing" },
	{ .name = "from-dir", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct verify_opts, from_dir),
	  .help = "with --fix: take the packages from the folder DIR (a USB stick) instead of the"
		  " mirrors, with the same checks" },
	{ NULL },
};

/* Only a repair changes something; its dry run reads, as upgrade's. */
static bool reads_only(const void *opts)
{
	const struct verify_opts *o = opts;

	return !o->fix || o->dry_run;
}

/* Each path's outcome, shown and counted for the last line: the summary
 * of verify tells the state found before the fix ("5 ok, 2 changed"),
 * which a fix that restored everything must not be the last word of. */
struct tally {
	struct output *out;
	size_t n[3]; /* by enum pf_repair_kind */
};

static void tally_item(const struct pf_repair_item *it, void *data)
{
	struct tally *t = data;

	if ((size_t)it->kind < sizeof(t->n) / sizeof(t->n[0]))
		t->n[it->kind]++;
	output_repair_item(it, t->out);
}

static int fix(struct cli *cli, const struct verify_opts *o, struct pf_verify_summary *sum)
{
	struct confirm c = { .cli = cli, .question = "Restore these files?" };
	struct tally t = { .out = &cli->out };
	struct pf_repair_opts ro = {
		.fix_config = o->fix_config, .dry_run = o->dry_run,
		.confirm = cli_confirm, .confirm_data = &c,
		.finding = output_verify_finding, .finding_data = &cli->out,
		.item = tally_item, .item_data = &t,
	};
	int r;

	if (o->from_dir && pf_session_from_dir(cli->session, o->from_dir) < 0)
		return -1;
	output_repair_lists(&cli->out);
	r = pf_verify_fix(cli->session, &ro, sum);
	if (r == 0)
		r = cli_confirm_check(&c, "the restoring of the files listed above");
	output_verify_summary(&cli->out, sum);
	output_repair_summary(&cli->out, t.n[PF_REPAIR_RESTORED], t.n[PF_REPAIR_KEPT],
			      t.n[PF_REPAIR_NOT_REPAIRABLE], o->dry_run);
	return r;
}

static int run(struct cli *cli, void *opts)
{
	const struct verify_opts *o = opts;
	struct pf_verify_summary sum = { 0 };
	int r;

	if (!o->fix && (o->fix_config || o->dry_run || o->from_dir))
		return pf_fail(cli->ctx, PF_E_USAGE, "verify: --%s only goes with --fix",
			       o->fix_config ? "fix-config" : o->dry_run ? "dry-run" : "from-dir");
	if (o->fix)
		return fix(cli, o, &sum);
	r = pf_verify_files(cli->session, output_verify_finding, &cli->out, &sum);
	output_verify_summary(&cli->out, &sum);
	return r;
}

const struct cli_command cmd_verify = {
	.spec = {
		.name = "verify", .summary = "check installed files against the database; --fix restores them",
		.opts = options, .opts_size = sizeof(struct verify_opts),
	},
	.needs = PF_NEED_LOCK,
	.reads_only = reads_only,
	.run = run,
};
