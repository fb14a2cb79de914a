/* opts.c: the command-line parser both front ends use. */
#include <limits.h>
#include "unit.h"

#include "base/opts.h"

struct g {
	char line[512];       /* the test's own: argv points into it */
	const char *root;
	bool yes;
	int verbosity;
};

struct up {
	bool dry_run;
	struct pf_opt_number to;
	struct pf_opt_number days;
	const char *tag;
	int parsed;
};

struct init {
	const char *series;
	struct pf_opt_number core;
};

struct hist {
	struct pf_opt_number id;
};

struct inst {
	struct pf_opt_list names;
	struct pf_opt_list keys;
	bool deps;
};

static int parse_even(const char *arg, void *dst)
{
	int *v = dst;

	if (strcmp(arg, "2") && strcmp(arg, "4"))
		return -1;
	*v = arg[0] - '0';
	return 0;
}

static const struct pf_opt globals[] = {
	{ .name = "root", .kind = PF_OPT_STRING, .arg = "DIR", .offset = offsetof(struct g, root) },
	{ .name = "yes", .letter = 'y', .kind = PF_OPT_FLAG, .offset = offsetof(struct g, yes) },
	{ .name = "quiet", .letter = 'q', .kind = PF_OPT_SET, .value = -1,
	  .offset = offsetof(struct g, verbosity) },
	{ .name = "verbose", .letter = 'v', .kind = PF_OPT_SET, .value = 1,
	  .offset = offsetof(struct g, verbosity) },
	{ .name = "help", .letter = 'h', .kind = PF_OPT_STOP, .value = 7 },
	{ NULL },
};

static const struct pf_opt up_opts[] = {
	{ .name = "dry-run", .kind = PF_OPT_FLAG, .offset = offsetof(struct up, dry_run) },
	{ .name = "to", .kind = PF_OPT_NUMBER, .arg = "N", .min = 1, .max = INT_MAX,
	  .offset = offsetof(struct up, to), .what = "a core update number" },
	{ .name = "days", .kind = PF_OPT_NUMBER, .arg = "D", .min = -30, .max = 30,
	  .offset = offsetof(struct up, days) },
	{ .name = "tag", .letter = 't', .kind = PF_OPT_STRING, .arg = "T",
	  .offset = offsetof(struct up, tag) },
	{ .name = "even", .kind = PF_OPT_PARSE, .arg = "E", .parse = parse_even,
	  .offset = offsetof(struct up, parsed), .what = "2 or 4" },
	{ NULL },
};

static const struct pf_opt init_opts[] = {
	{ .name = "series", .kind = PF_OPT_STRING, .arg = "S", .required = true,
	  .offset = offsetof(struct init, series) },
	{ .name = "core", .kind = PF_OPT_NUMBER, .arg = "N", .required = true,
	  .offset = offsetof(struct init, core), .max = INT_MAX },
	{ NULL },
};

static const struct pf_opt id = {
	.name = "ID", .kind = PF_OPT_NUMBER, .arg = "ID", .min = 1, .max = INT64_MAX,
	.offset = offsetof(struct hist, id), .what = "a transaction number",
};

static const struct pf_cmd_spec up = {
	.name = "upgrade", .opts = up_opts, .opts_size = sizeof(struct up),
};
static const struct pf_opt inst_opts[] = {
	{ .name = "key", .kind = PF_OPT_LIST, .arg = "K", .offset = offsetof(struct inst, keys) },
	{ .name = "deps", .kind = PF_OPT_FLAG, .offset = offsetof(struct inst, deps) },
	{ NULL },
};
static const struct pf_opt names = {
	.name = "NAME", .kind = PF_OPT_LIST, .arg = "NAME", .required = true,
	.offset = offsetof(struct inst, names),
};
static const struct pf_cmd_spec install = {
	.name = "install", .opts = inst_opts, .opts_size = sizeof(struct inst), .operand = &names,
};
static const struct pf_cmd_spec init = {
	.name = "init", .opts = init_opts, .opts_size = sizeof(struct init),
};
static const struct pf_cmd_spec history = {
	.name = "history", .opts_size = sizeof(struct hist), .operand = &id,
};
static const struct pf_cmd_spec status = { .name = "status" };
static const struct pf_cmd_spec bump = { .name = "bump", .planned = true };
static const struct pf_cmd_spec *const cmds[] = { &up, &init, &history, &status, &bump, &install };
static const struct pf_cli_table table = {
	.program = "prog", .globals = globals, .cmds = cmds, .n_cmds = 6,
};

/* Parses the words of LINE (split on blanks; "_" stands for an empty word).
 * The values point into G->line, a copy of LINE. */
static int parse_line(struct pf_ctx *ctx, const char *line, struct g *g, struct pf_cli_args *a)
{
	char *argv[32] = { "prog" }, *save = NULL, *buf = g->line;
	int argc = 1;

	memset(g, 0, sizeof(*g));
	snprintf(buf, sizeof(g->line), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = strcmp(w, "_") ? w : w + 1;
	return pf_opts_parse(ctx, &table, argc, argv, g, a);
}

static void refused(struct pf_ctx *ctx, const char *line, const char *needle)
{
	struct pf_cli_args a;
	struct g g;
	int r = parse_line(ctx, line, &g, &a);

	if (r == 0)
		fail_msg("'%s' was accepted", line);
	assert_null(a.opts);
	expect_error(ctx, r, PF_E_USAGE, needle);
}

static void globals_before_and_after_the_command(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct g g;
	struct up *u;

	assert_int_equal(parse_line(ctx, "--root /r -q upgrade --yes --to 141 -v", &g, &a), 0);
	assert_int_equal(a.cmd, 0);
	assert_null(a.stop);
	assert_string_equal(g.root, "/r");
	assert_true(g.yes);
	assert_int_equal(g.verbosity, 1); /* the last of -q and -v */
	u = a.opts;
	assert_true(u->to.given);
	assert_int_equal(u->to.value, 141);
	assert_false(u->dry_run);
	assert_false(u->days.given);
	free(a.opts);

	/* a command's option before it: getopt_long always took it */
	assert_int_equal(parse_line(ctx, "--dry-run --root=/x upgrade -yq -tT --days=-30", &g, &a), 0);
	u = a.opts;
	assert_true(u->dry_run);
	assert_string_equal(g.root, "/x");
	assert_true(g.yes);
	assert_int_equal(g.verbosity, -1);
	assert_string_equal(u->tag, "T");
	assert_int_equal(u->days.value, -30);
	free(a.opts);

	/* a value is the next word whatever it looks like; "--" ends options */
	assert_int_equal(parse_line(ctx, "upgrade --days -0 --tag --yes -- ", &g, &a), 0);
	u = a.opts;
	assert_int_equal(u->days.value, 0);
	assert_string_equal(u->tag, "--yes");
	assert_false(g.yes);
	free(a.opts);
}

static void options_of_other_commands(void **state)
{
	struct pf_ctx *ctx = *state;

	refused(ctx, "status --dry-run", "--dry-run belongs to 'upgrade', not 'status'");
	refused(ctx, "--series x status", "--series belongs to 'init', not 'status'");
	refused(ctx, "upgrade --frob", "upgrade: unknown option '--frob'");
	refused(ctx, "--frob upgrade", "unknown option '--frob'");
	refused(ctx, "upgrade -x", "upgrade: unknown option '-x'");
	refused(ctx, "upgrade --dry", "unknown option '--dry'"); /* no abbreviations */
	refused(ctx, "upgrade --to", "upgrade: option '--to' needs a value");
	refused(ctx, "upgrade --yes=1", "option '--yes' takes no value");
	refused(ctx, "upgrade --fr\nob", "upgrade: unknown option '--fr\\x0aob'");
	refused(ctx, "fr\x01ob", "unknown command 'fr\\x01ob'");
}

static void repeated_values(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct g g;

	refused(ctx, "upgrade --to 5 --to 6", "upgrade: --to is given twice: it takes one value");
	refused(ctx, "--root a upgrade --root b", "--root is given twice");
	refused(ctx, "upgrade -t a --tag b", "--tag is given twice");
	/* flags may be repeated */
	assert_int_equal(parse_line(ctx, "-y upgrade --yes --dry-run --dry-run", &g, &a), 0);
	free(a.opts);
}

static void numbers_and_parsed_values(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct g g;

	refused(ctx, "upgrade --to 0", "upgrade: --to '0' is not a core update number");
	refused(ctx, "upgrade --to 2147483648", "'2147483648' is not a core update number");
	refused(ctx, "upgrade --to 0139", "is not a core update number");
	refused(ctx, "upgrade --to +5", "is not a core update number");
	refused(ctx, "upgrade --to -5", "is not a core update number");
	refused(ctx, "upgrade --to _", "--to '' is not a core update number");
	refused(ctx, "upgrade --days 31", "--days '31' is not a number from -30 to 30");
	refused(ctx, "upgrade --days -31", "--days '-31' is not a number from -30 to 30");
	refused(ctx, "upgrade --even 3", "--even '3' is not 2 or 4");
	assert_int_equal(parse_line(ctx, "upgrade --even 4 --to 2147483647", &g, &a), 0);
	assert_int_equal(((struct up *)a.opts)->parsed, 4);
	assert_int_equal(((struct up *)a.opts)->to.value, INT_MAX);
	free(a.opts);
}

static void operands(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct g g;

	assert_int_equal(parse_line(ctx, "history", &g, &a), 0);
	assert_false(((struct hist *)a.opts)->id.given);
	free(a.opts);
	assert_int_equal(parse_line(ctx, "history 12 --root /", &g, &a), 0);
	assert_int_equal(((struct hist *)a.opts)->id.value, 12);
	free(a.opts);
	refused(ctx, "history abc", "history: 'abc' is not a transaction number");
	refused(ctx, "history 0", "history: '0' is not a transaction number");
	refused(ctx, "history 1 2", "history: unexpected argument '2'");
	refused(ctx, "status x", "status: unexpected argument 'x'");
	refused(ctx, "history -- -1", "'-1' is not a transaction number");
}

/* Several values: an operand list (install NAME...) and a repeatable
 * option (--key A --key B), every value kept in order, never the last
 * one only. */
static void lists(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct inst *o;
	struct g g;
	char syn[128];

	assert_int_equal(parse_line(ctx, "install foo --key A -y bar --deps --key=B baz", &g, &a), 0);
	o = a.opts;
	assert_int_equal(o->names.n, 3);
	assert_string_equal(o->names.v[0], "foo");
	assert_string_equal(o->names.v[1], "bar");
	assert_string_equal(o->names.v[2], "baz");
	assert_int_equal(o->keys.n, 2);
	assert_string_equal(o->keys.v[0], "A");
	assert_string_equal(o->keys.v[1], "B");
	assert_true(o->deps);
	assert_true(g.yes);
	free(a.opts);
	assert_int_equal(parse_line(ctx, "install -- -x", &g, &a), 0);
	o = a.opts;
	assert_int_equal(o->names.n, 1);
	assert_string_equal(o->names.v[0], "-x");
	assert_int_equal(o->keys.n, 0);
	free(a.opts);
	refused(ctx, "install", "install: NAME is required");
	refused(ctx, "install a --key K b --key K", "install: --key 'K' is given twice");
	refused(ctx, "install a b a", "install: 'a' is given twice");
	refused(ctx, "install --key A", "install: NAME is required");
	refused(ctx, "install x --key", "option '--key' needs a value");
	assert_string_equal(pf_opts_synopsis(&install, syn, sizeof(syn)),
			    "install [--key K] [--deps] NAME...");
}

static void required_options(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct g g;

	refused(ctx, "init --core 5", "init: --series and --core are both required");
	refused(ctx, "init", "init: --series and --core are both required");
	assert_int_equal(parse_line(ctx, "init --core 0 --series s", &g, &a), 0);
	assert_true(((struct init *)a.opts)->core.given);
	assert_string_equal(((struct init *)a.opts)->series, "s");
	free(a.opts);
}

static void commands_and_stops(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_cli_args a;
	struct g g;

	refused(ctx, "", "no command given");
	refused(ctx, "--yes", "no command given");
	refused(ctx, "frob", "unknown command 'frob'");
	refused(ctx, "bump", "'bump' is not built yet in this prog");
	assert_int_equal(parse_line(ctx, "--help frob --what", &g, &a), 0);
	assert_int_equal(a.cmd, -1);
	assert_int_equal(a.stop->value, 7);
	assert_null(a.opts);
	/* after the command: its help; nothing after the stop is looked at */
	assert_int_equal(parse_line(ctx, "upgrade --to x -h --what", &g, &a), 0);
	assert_int_equal(a.cmd, 0);
	assert_non_null(a.stop);
	/* the command is known for the usage even when parsing fails */
	assert_int_equal(parse_line(ctx, "upgrade --what", &g, &a), -1);
	assert_int_equal(a.cmd, 0);
	pf_clear_error(ctx);
}

static void usage_lines(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(pf_opts_synopsis(&up, buf, sizeof(buf)),
			    "upgrade [--dry-run] [--to N] [--days D] [--tag T] [--even E]");
	assert_string_equal(pf_opts_synopsis(&init, buf, sizeof(buf)), "init --series S --core N");
	assert_string_equal(pf_opts_synopsis(&history, buf, sizeof(buf)), "history [ID]");
	assert_string_equal(pf_opt_form(&globals[1], buf, sizeof(buf)), "-y, --yes");
	assert_string_equal(pf_opt_form(&up_opts[1], buf, sizeof(buf)), "--to N");
	/* cut, never overrun */
	assert_string_equal(pf_opts_synopsis(&up, buf, 12), "upgrade [--");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(globals_before_and_after_the_command, setup, teardown),
		cmocka_unit_test_setup_teardown(options_of_other_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(repeated_values, setup, teardown),
		cmocka_unit_test_setup_teardown(numbers_and_parsed_values, setup, teardown),
		cmocka_unit_test_setup_teardown(operands, setup, teardown),
		cmocka_unit_test_setup_teardown(lists, setup, teardown),
		cmocka_unit_test_setup_teardown(required_options, setup, teardown),
		cmocka_unit_test_setup_teardown(commands_and_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(usage_lines, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
