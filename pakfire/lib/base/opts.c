/* The command-line parser: see opts.h.
 *
 * Two passes over argv. The first finds the command, so that an option given
 * before it can be checked against it, and refuses what no table declares (it
 * must know every option to know which ones take the next word as a value).
 * The second stores every value and checks it. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/numbers.h"
#include "base/opts.h"
#include "base/path.h"

/* What was given is one bit in a uint64_t per table. */
#define MAX_OPTS 64

/* One element of the command line, as the walk meets it. */
struct item {
	const char *operand;      /* a word that is not an option, or NULL */
	const char *name;         /* a long option's name, LEN bytes (up to '=') */
	size_t len;
	char letter;              /* a short option, or 0 */
	const char *inline_value; /* "--name=VALUE" */
};

struct walk {
	int argc;
	char **argv;
	int i;                    /* the next word */
	const char *bundle;       /* what follows the letter just read in "-abc" */
	bool operands_only;       /* after "--" */
};

static bool next_item(struct walk *w, struct item *it)
{
	memset(it, 0, sizeof(*it));
	if (w->bundle && *w->bundle) {
		it->letter = *w->bundle++;
		return true;
	}
	w->bundle = NULL;
	while (w->i < w->argc) {
		const char *a = w->argv[w->i++];
		const char *eq;

		if (w->operands_only || a[0] != '-' || a[1] == '\0') {
			it->operand = a;
			return true;
		}
		if (a[1] != '-') {
			it->letter = a[1];
			w->bundle = a + 2;
			return true;
		}
		if (a[2] == '\0') {
			w->operands_only = true;
			continue;
		}
		it->name = a + 2;
		eq = strchr(it->name, '=');
		it->len = eq ? (size_t)(eq - it->name) : strlen(it->name);
		it->inline_value = eq ? eq + 1 : NULL;
		return true;
	}
	return false;
}

/* The value of the option just read: after '=', the rest of a bundle
 * ("-oFILE", as getopt reads it), or the next word whatever it looks like
 * (`--valid-days -1`). NULL when the line ends. */
static const char *take_value(struct walk *w, const struct item *it)
{
	const char *v;

	if (it->inline_value)
		return it->inline_value;
	if (it->letter && w->bundle && *w->bundle) {
		v = w->bundle;
		w->bundle = NULL;
		return v;
	}
	w->bundle = NULL;
	return w->i < w->argc ? w->argv[w->i++] : NULL;
}

static bool takes_value(const struct pf_opt *o)
{
	return o->kind == PF_OPT_STRING || o->kind == PF_OPT_NUMBER || o->kind == PF_OPT_PARSE;
}

/* The option as it was written, quoted for a one-line message. */
static const char *shown(const struct item *it, char *buf, size_t size)
{
	char q[96];

	if (it->letter)
		snprintf(buf, size, "-%s", pf_quote(&it->letter, 1, q, sizeof(q)));
	else
		snprintf(buf, size, "--%s", pf_quote(it->name, it->len, q, sizeof(q)));
	return buf;
}

static const char *quoted(const char *s, char *buf, size_t size)
{
	return pf_quote(s, strlen(s), buf, size);
}

/* A usage error, prefixed with the command it concerns (CMD >= 0). */
__attribute__((format(printf, 4, 5)))
static int usage(struct pf_ctx *ctx, const struct pf_cli_table *t, int cmd,
		 const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd >= 0)
		return pf_fail(ctx, PF_E_USAGE, "%s: %s", t->cmds[cmd]->name, msg);
	return pf_fail(ctx, PF_E_USAGE, "%s", msg);
}

static const struct pf_opt *find(const struct pf_opt *tab, const struct item *it)
{
	for (; tab && tab->name; tab++) {
		if (it->letter ? tab->letter == it->letter
			       : strlen(tab->name) == it->len &&
				 memcmp(tab->name, it->name, it->len) == 0)
			return tab;
	}
	return NULL;
}

/* Which table declares the option: the globals (*owner -1), the command
 * CMD, or else the first other command that does (*owner its index). */
static const struct pf_opt *lookup(const struct pf_cli_table *t, int cmd,
				   const struct item *it, int *owner)
{
	const struct pf_opt *o = find(t->globals, it);

	*owner = -1;
	if (o)
		return o;
	if (cmd >= 0 && (o = find(t->cmds[cmd]->opts, it))) {
		*owner = cmd;
		return o;
	}
	for (size_t k = 0; k < t->n_cmds; k++) {
		if ((o = find(t->cmds[k]->opts, it))) {
			*owner = (int)k;
			return o;
		}
	}
	return NULL;
}

static int command_index(struct pf_ctx *ctx, const struct pf_cli_table *t, const char *word)
{
	char q[128];

	for (size_t k = 0; k < t->n_cmds; k++) {
		if (strcmp(t->cmds[k]->name, word) != 0)
			continue;
		if (t->cmds[k]->planned)
			return pf_fail(ctx, PF_E_USAGE, "'%s' is not built yet in this %s",
				       t->cmds[k]->name, t->program);
		return (int)k;
	}
	return pf_fail(ctx, PF_E_USAGE, "unknown command '%s'", quoted(word, q, sizeof(q)));
}

/* Pass one: the command, or a stop before it; every option known, and the
 * ones with a value given one. */
static int find_command(struct pf_ctx *ctx, const struct pf_cli_table *t, int argc,
			char **argv, struct pf_cli_args *out)
{
	struct walk w = { .argc = argc, .argv = argv, .i = 1 };
	struct item it;
	char s[128];
	int cmd = -1;

	while (next_item(&w, &it)) {
		const struct pf_opt *o;
		int owner;

		if (it.operand) {
			if (cmd < 0 && (cmd = command_index(ctx, t, it.operand)) < 0)
				return -1;
			out->cmd = cmd;
			continue;
		}
		o = lookup(t, cmd, &it, &owner);
		if (!o)
			return usage(ctx, t, cmd, "unknown option '%s'", shown(&it, s, sizeof(s)));
		if (takes_value(o) && !take_value(&w, &it))
			return usage(ctx, t, cmd, "option '%s' needs a value", shown(&it, s, sizeof(s)));
		if (!takes_value(o) && it.inline_value)
			return usage(ctx, t, cmd, "option '%s' takes no value", shown(&it, s, sizeof(s)));
		if (o->kind == PF_OPT_STOP) {
			out->stop = o;
			break;
		}
	}
	if (cmd < 0 && !out->stop)
		return pf_fail(ctx, PF_E_USAGE, "no command given");
	return 0;
}

/* Decimal digits, with a '-' when the range allows negative numbers. */
static int parse_number(const char *s, long long min, long long max, long long *out)
{
	uint64_t v;

	if (s[0] == '-' && min < 0) {
		/* -(min + 1) + 1: the magnitude of min, without overflow */
		if (pf_parse_uint(s + 1, (uint64_t)-(min + 1) + 1, &v) < 0)
			return -1;
		*out = v == 0 ? 0 : -(long long)(v - 1) - 1;
		return *out <= max ? 0 : -1;
	}
	if (max < 0 || pf_parse_uint(s, (uint64_t)max, &v) < 0 || (long long)v < min)
		return -1;
	*out = (long long)v;
	return 0;
}

/* Store VALUE of O (an option, or the command's operand) into BASE.
 * AGAIN: O was given before. */
static int store(struct pf_ctx *ctx, const struct pf_cli_table *t, int cmd,
		 const struct pf_opt *o, bool operand, const char *value, void *base,
		 bool again)
{
	void *dst = (char *)base + o->offset;
	struct pf_opt_number *num = dst;
	char what[96], q[256];
	int r = 0;

	switch (o->kind) {
	case PF_OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	case PF_OPT_SET:
		*(int *)dst = o->value;
		return 0;
	case PF_OPT_STOP:
		return 0;
	case PF_OPT_STRING:
	case PF_OPT_NUMBER:
	case PF_OPT_PARSE:
		break;
	}
	if (again)
		return usage(ctx, t, cmd, "--%s is given twice: it takes one value", o->name);
	switch (o->kind) {
	case PF_OPT_STRING:
		*(const char **)dst = value;
		break;
	case PF_OPT_NUMBER:
		r = parse_number(value, o->min, o->max, &num->value);
		num->given = r == 0;
		break;
	default:
		r = o->parse(value, dst);
		break;
	}
	if (r == 0)
		return 0;
	if (o->what)
		snprintf(what, sizeof(what), "%s", o->what);
	else
		snprintf(what, sizeof(what), "a number from %lld to %lld", o->min, o->max);
	if (operand)
		return usage(ctx, t, cmd, "'%s' is not %s", quoted(value, q, sizeof(q)), what);
	return usage(ctx, t, cmd, "--%s '%s' is not %s", o->name, quoted(value, q, sizeof(q)), what);
}

static size_t table_len(const struct pf_opt *tab)
{
	size_t n = 0;

	while (tab && tab[n].name)
		n++;
	return n;
}

/* Missing required options: the message names all of them, as the rule. */
static int check_required(struct pf_ctx *ctx, const struct pf_cli_table *t, int cmd,
			  uint64_t seen)
{
	const struct pf_opt *opts = t->cmds[cmd]->opts;
	size_t n = table_len(opts), total = 0, done = 0;
	bool missing = false;
	char list[512] = "";

	for (size_t i = 0; i < n; i++) {
		if (opts[i].required) {
			total++;
			missing |= !(seen & (UINT64_C(1) << i));
		}
	}
	if (!missing)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(list);

		if (!opts[i].required)
			continue;
		done++;
		snprintf(list + used, sizeof(list) - used, "%s--%s",
			 done == 1 ? "" : done == total ? " and " : ", ", opts[i].name);
	}
	return usage(ctx, t, cmd, "%s %s", list,
		     total == 1 ? "is required" : total == 2 ? "are both required"
							 : "are all required");
}

/* Pass two: every value stored and checked, operands, required options. */
static int store_all(struct pf_ctx *ctx, const struct pf_cli_table *t, int argc,
		     char **argv, int cmd, void *globals, void *opts)
{
	const struct pf_cmd_spec *c = t->cmds[cmd];
	struct walk w = { .argc = argc, .argv = argv, .i = 1 };
	uint64_t seen_global = 0, seen_cmd = 0;
	bool command_seen = false, operand_seen = false;
	struct item it;
	char q[256];

	while (next_item(&w, &it)) {
		const struct pf_opt *o;
		const char *value = NULL;
		uint64_t *seen, bit;
		int owner;

		if (it.operand && !command_seen) {
			command_seen = true; /* pass one checked it */
			continue;
		}
		if (it.operand) {
			if (!c->operand || operand_seen)
				return usage(ctx, t, cmd, "unexpected argument '%s'",
					     quoted(it.operand, q, sizeof(q)));
			operand_seen = true;
			if (store(ctx, t, cmd, c->operand, true, it.operand, opts, false) < 0)
				return -1;
			continue;
		}
		o = lookup(t, cmd, &it, &owner);
		if (!o)
			return pf_fail(ctx, PF_E_OTHER, "internal: an option pass one accepted is unknown");
		if (owner >= 0 && owner != cmd)
			return usage(ctx, t, -1, "--%s belongs to '%s', not '%s'", o->name,
				     t->cmds[owner]->name, c->name);
		if (takes_value(o) && !(value = take_value(&w, &it)))
			return pf_fail(ctx, PF_E_OTHER, "internal: a value pass one saw is gone");
		seen = owner < 0 ? &seen_global : &seen_cmd;
		bit = UINT64_C(1) << (o - (owner < 0 ? t->globals : c->opts));
		if (store(ctx, t, owner < 0 ? -1 : cmd, o, false, value,
			  owner < 0 ? globals : opts, *seen & bit) < 0)
			return -1;
		*seen |= bit;
	}
	if (c->operand && c->operand->required && !operand_seen)
		return usage(ctx, t, cmd, "%s is required", c->operand->arg);
	return check_required(ctx, t, cmd, seen_cmd);
}

int pf_opts_parse(struct pf_ctx *ctx, const struct pf_cli_table *t, int argc,
		  char **argv, void *globals, struct pf_cli_args *out)
{
	const struct pf_cmd_spec *c;

	*out = (struct pf_cli_args){ .cmd = -1 };
	if (table_len(t->globals) > MAX_OPTS)
		return pf_fail(ctx, PF_E_OTHER, "internal: more than %d global options", MAX_OPTS);
	for (size_t k = 0; k < t->n_cmds; k++)
		if (table_len(t->cmds[k]->opts) > MAX_OPTS)
			return pf_fail(ctx, PF_E_OTHER, "internal: '%s' has more than %d options",
				       t->cmds[k]->name, MAX_OPTS);
	if (find_command(ctx, t, argc, argv, out) < 0 || out->stop)
		return out->stop ? 0 : -1;
	c = t->cmds[out->cmd];
	/* calloc(1, 0) may give NULL: every command gets a struct to point at. */
	out->opts = calloc(1, c->opts_size ? c->opts_size : 1);
	if (!out->opts)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", c->name);
	if (store_all(ctx, t, argc, argv, out->cmd, globals, out->opts) < 0) {
		free(out->opts);
		out->opts = NULL;
		return -1;
	}
	return 0;
}

const char *pf_opt_form(const struct pf_opt *o, char *buf, size_t size)
{
	char letter[8] = "";

	if (o->letter)
		snprintf(letter, sizeof(letter), "-%c, ", o->letter);
	snprintf(buf, size, "%s--%s%s%s", letter, o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
	return buf;
}

const char *pf_opts_synopsis(const struct pf_cmd_spec *c, char *buf, size_t size)
{
	size_t used;

	snprintf(buf, size, "%s", c->name);
	for (const struct pf_opt *o = c->opts; o && o->name; o++) {
		used = strlen(buf);
		snprintf(buf + used, size - used, " %s--%s%s%s%s", o->required ? "" : "[",
			 o->name, o->arg ? " " : "", o->arg ? o->arg : "", o->required ? "" : "]");
	}
	if (c->operand) {
		used = strlen(buf);
		snprintf(buf + used, size - used, c->operand->required ? " %s" : " [%s]",
			 c->operand->arg);
	}
	return buf;
}
