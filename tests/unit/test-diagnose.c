/* diagnose's pure parts (ops/diagnose-problems.c, diagnose-runs.c): the
 * cause words and their exit bits, the order of the verdict, the exit
 * code, the rule that a failure stands until a later run of the same
 * command ends ok, and the problems made from a filled report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "ops/diagnose-parts.h"
#include "ops/diagnose.h"
#include "ops/hook.h"
#include "state/history.h"

static void test_cause_names_and_bits(void **state)
{
	static const struct {
		enum pf_diag_cause c;
		const char *name;
		unsigned bit;
	} t[] = {
		{ PF_CAUSE_SPACE, "space", PF_DIAG_SPACE },
		{ PF_CAUSE_NEVER_FITS, "never-fits", PF_DIAG_SPACE },
		{ PF_CAUSE_SIGNATURE, "signature", PF_DIAG_TRUST },
		{ PF_CAUSE_HASH, "hash", PF_DIAG_TRUST },
		{ PF_CAUSE_EXPIRED, "expired", PF_DIAG_TRUST },
		{ PF_CAUSE_STALE, "stale", PF_DIAG_TRUST },
		{ PF_CAUSE_ROLLBACK, "rollback", PF_DIAG_TRUST },
		{ PF_CAUSE_KEY, "key", PF_DIAG_TRUST },
		{ PF_CAUSE_HOOK, "hook", PF_DIAG_FAILED },
		{ PF_CAUSE_INTERRUPTED, "interrupted", PF_DIAG_FAILED },
		{ PF_CAUSE_DOWNLOAD, "download", PF_DIAG_FAILED },
		{ PF_CAUSE_FAILED, "failed", PF_DIAG_FAILED },
		{ PF_CAUSE_DATABASE, "database", PF_DIAG_DATABASE },
		{ PF_CAUSE_LOCK, "lock", PF_DIAG_LOCK },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(pf_diag_cause_name(t[i].c), t[i].name);
		assert_int_equal(pf_diag_cause_bit(t[i].c), t[i].bit);
		/* the recorded word reads back as its cause */
		assert_int_equal(pf_diag_cause_of(t[i].name), (int)t[i].c);
	}
	assert_int_equal(pf_diag_cause_of("guessed"), -1);
	assert_int_equal(pf_diag_cause_of(""), -1);
}

static void test_exit_code(void **state)
{
	struct pf_diagnosis d;
	(void)state;

	memset(&d, 0, sizeof(d));
	assert_int_equal(pf_diagnose_exit_code(&d), 0);
	d.bits = PF_DIAG_DATABASE;
	assert_int_equal(pf_diagnose_exit_code(&d), 72);
	d.bits = PF_DIAG_FAILED | PF_DIAG_SPACE | PF_DIAG_TRUST | PF_DIAG_DATABASE | PF_DIAG_LOCK;
	assert_int_equal(pf_diagnose_exit_code(&d), 95);
}

static void test_most_urgent_first(void **state)
{
	struct pf_diag_problem p[6];
	const enum pf_diag_cause in[6] = { PF_CAUSE_STALE, PF_CAUSE_SPACE, PF_CAUSE_DATABASE,
		PF_CAUSE_KEY, PF_CAUSE_NEVER_FITS, PF_CAUSE_INTERRUPTED };
	const enum pf_diag_cause want[6] = { PF_CAUSE_DATABASE, PF_CAUSE_INTERRUPTED,
		PF_CAUSE_NEVER_FITS, PF_CAUSE_SPACE, PF_CAUSE_KEY, PF_CAUSE_STALE };
	(void)state;

	memset(p, 0, sizeof(p));
	for (int i = 0; i < 6; i++) {
		p[i].cause = in[i];
		p[i].run = i;
	}
	pf_diag_sort(p, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(p[i].cause, want[i]);
	/* equals keep their order */
	p[0].cause = p[1].cause = PF_CAUSE_HOOK;
	p[0].run = 1;
	p[1].run = 2;
	pf_diag_sort(p, 2);
	assert_int_equal(p[0].run, 1);
}

static struct pf_run run(int64_t id, const char *cmd, const char *outcome, bool dry)
{
	struct pf_run r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	snprintf(r.command, sizeof(r.command), "%s", cmd);
	snprintf(r.outcome, sizeof(r.outcome), "%s", outcome);
	r.dry_run = dry;
	return r;
}

static void test_a_failure_stands_until_the_same_command_ends_ok(void **state)
{
	struct pf_run r[5] = {
		run(1, "upgrade", "failed", false),
		run(2, "update", "ok", false),        /* another command: it still stands */
		run(3, "upgrade", "ok", true),        /* a dry run changes nothing */
		run(4, "update", "refused", false),
		run(5, "update", "ok", false),        /* ends 4 */
	};
	(void)state;

	assert_true(pf_diag_stands(r, 5, 0));
	assert_false(pf_diag_stands(r, 5, 1));
	assert_false(pf_diag_stands(r, 5, 2));
	assert_false(pf_diag_stands(r, 5, 3));
	r[2].dry_run = false;                     /* a real upgrade ended ok */
	assert_false(pf_diag_stands(r, 5, 0));
	/* a running one has not failed (yet) */
	r[4] = run(5, "install", "", false);
	r[4].running = true;
	assert_false(pf_diag_stands(r, 5, 4));
}

/* A report with a space refusal now and a recorded one: one problem per
 * cause, from the figures of now, in the words. */
static void test_space_now_in_plain_words(void **state)
{
	struct pf_status_mount m;
	struct pf_diagnosis d;
	(void)state;

	memset(&d, 0, sizeof(d));
	memset(&m, 0, sizeof(m));
	snprintf(m.mount, sizeof(m.mount), "/boot");
	m.available = 10 * 1048576;
	m.needed = 10 * 1048576 + 9 * 1048576 + 314573;  /* 9.3 MiB short */
	snprintf(m.refused_unit, sizeof(m.refused_unit), "core-141");
	m.refused_core = 141;
	snprintf(m.verdict, sizeof(m.verdict), "fits-after-cleanup");
	snprintf(m.cleanup, sizeof(m.cleanup), "core 140");
	d.have_status = true;
	d.status.space.mounts = &m;
	d.status.space.n_mounts = 1;
	d.status.have_index = true;
	d.database.opened = true;
	snprintf(d.database.integrity, sizeof(d.database.integrity), "ok");
	snprintf(d.database.quick, sizeof(d.database.quick), "ok");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 1);
	assert_int_equal(d.problems[0].cause, PF_CAUSE_SPACE);
	assert_string_equal(d.problems[0].what, "/boot needs 9.3 MiB more for core update 141");
	assert_non_null(strstr(d.problems[0].action, "apply the cleanup update 140 first"));
	assert_non_null(strstr(d.problems[0].action, "pakfire upgrade --to 140"));
	assert_int_equal(d.bits, PF_DIAG_SPACE);
	free(d.problems);

	/* never: the partition's size and what it needs even when empty */
	memset(&d.problems, 0, sizeof(d.problems));
	d.n_problems = 0;
	snprintf(m.verdict, sizeof(m.verdict), "never-fits");
	m.advised = 64 * 1048576;
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.problems[0].cause, PF_CAUSE_NEVER_FITS);
	assert_non_null(strstr(d.problems[0].what, "/boot can never hold core update 141"));
	assert_non_null(strstr(d.problems[0].action, "reinstall with the current partition layout"));
	free(d.problems);
}

/* A database that fails its check comes before everything else; the
 * recorded cause of a failure is used, never the message. */
static void test_database_first_and_the_recorded_cause(void **state)
{
	struct pf_diagnosis d;
	(void)state;

	memset(&d, 0, sizeof(d));
	d.database.opened = true;
	snprintf(d.database.path, sizeof(d.database.path), "/var/lib/pakfire/pakfire.db");
	snprintf(d.database.integrity, sizeof(d.database.integrity), "*** in database main ***");
	snprintf(d.database.quick, sizeof(d.database.quick), "ok");
	d.have_failure = true;
	d.failure.run = run(7, "upgrade", "failed", false);
	/* a message that speaks of space; the cause recorded says signature */
	snprintf(d.failure.run.error, sizeof(d.failure.run.error), "no space for the signature");
	snprintf(d.failure_cause, sizeof(d.failure_cause), "signature");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 2);
	assert_int_equal(d.problems[0].cause, PF_CAUSE_DATABASE);
	assert_non_null(strstr(d.problems[0].what, "integrity_check"));
	assert_int_equal(d.problems[1].cause, PF_CAUSE_SIGNATURE);
	assert_int_equal(d.problems[1].run, 7);
	assert_int_equal(pf_diagnose_exit_code(&d), 64 + PF_DIAG_DATABASE + PF_DIAG_TRUST);
	free(d.problems);
}

/* The cause a run is recorded with: the site's word, else the class's. */
static void test_recorded_cause(void **state)
{
	struct pf_ctx *ctx = *state;

	assert_null(pf_db_tx_cause(ctx));
	pf_fail(ctx, PF_E_VERIFY, "index: bad signature");
	pf_fail_cause(ctx, "signature");
	/* the innermost site decides: a wrapper's word does not replace it */
	pf_fail_cause(ctx, "hash");
	assert_string_equal(pf_db_tx_cause(ctx), "signature");
	pf_clear_error(ctx);
	assert_string_equal(pf_error_cause(ctx), "");
	pf_fail(ctx, PF_E_SPACE, "/boot: no space");
	assert_string_equal(pf_db_tx_cause(ctx), "space");
	pf_clear_error(ctx);
	pf_fail(ctx, PF_E_DOWNLOAD, "every mirror failed");
	assert_string_equal(pf_db_tx_cause(ctx), "download");
	pf_clear_error(ctx);
	/* no cause without a failure */
	pf_fail_cause(ctx, "hash");
	assert_string_equal(pf_error_cause(ctx), "");
	pf_fail(ctx, PF_E_OTHER, "disk read error");
	assert_string_equal(pf_db_tx_cause(ctx), "failed");
	ctx->stop_signal = 15;
	assert_string_equal(pf_db_tx_cause(ctx), "interrupted");
	ctx->stop_signal = 0;
	pf_clear_error(ctx);
}

/* A report whose database is fine, as the tests below start from. */
static void healthy(struct pf_diagnosis *d)
{
	memset(d, 0, sizeof(*d));
	d->database.opened = true;
	snprintf(d->database.integrity, sizeof(d->database.integrity), "ok");
	snprintf(d->database.quick, sizeof(d->database.quick), "ok");
	d->now = 1700000000;
}

/* A failed pre hook: its update was undone and 'hook rerun' refuses it
 * (docs/hooks.md): the command is run again. A post hook: rerun or ack. */
static void test_a_failed_pre_hook_is_fixed_by_the_command(void **state)
{
	struct pf_hook_run_view h;
	struct pf_diagnosis d;
	(void)state;

	healthy(&d);
	memset(&h, 0, sizeof(h));
	h.id = 1;
	snprintf(h.phase, sizeof(h.phase), "pre");
	snprintf(h.state, sizeof(h.state), "failed");
	d.have_failure = true;
	d.failure.run = run(4, "install", "failed", false);
	d.failure.hooks = &h;
	d.failure.n_hooks = 1;
	snprintf(d.failure_cause, sizeof(d.failure_cause), "hook");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.problems[0].cause, PF_CAUSE_HOOK);
	assert_string_equal(d.problems[0].action, "read its output ('pakfire hook show 1'), fix"
			    " what it names, then run 'pakfire install' again");
	assert_null(strstr(d.problems[0].action, "rerun"));
	free(d.problems);

	snprintf(h.phase, sizeof(h.phase), "post");
	d.problems = NULL;
	d.n_problems = 0;
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_non_null(strstr(d.problems[0].action, "then 'pakfire hook rerun 1', or 'pakfire"
			       " hook ack 1'"));
	free(d.problems);
}

/* The interrupted problem names the stopped command and what recovery
 * does; the journal's state says what the paths are. */
static void test_interrupted_names_its_command(void **state)
{
	struct pf_hook_run_view h;
	struct pf_diagnosis d;
	(void)state;

	healthy(&d);
	d.journal.present = true;
	d.journal.run = 9;
	d.journal.n_paths = 5;
	snprintf(d.journal.unit, sizeof(d.journal.unit), "foo");
	snprintf(d.journal.label, sizeof(d.journal.label), "foo");
	snprintf(d.journal.command, sizeof(d.journal.command), "install");
	snprintf(d.journal.state, sizeof(d.journal.state), "staging");
	snprintf(d.journal.action, sizeof(d.journal.action), "roll back");
	/* killed in its pre hook: nothing was replaced */
	memset(&h, 0, sizeof(h));
	snprintf(h.phase, sizeof(h.phase), "pre");
	snprintf(h.name, sizeof(h.name), "10-stop");
	snprintf(h.state, sizeof(h.state), "interrupted");
	d.have_failure = true;
	d.failure.run = run(9, "install", "interrupted", false);
	d.failure.hooks = &h;
	d.failure.n_hooks = 1;
	snprintf(d.failure_cause, sizeof(d.failure_cause), "interrupted");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 1);
	assert_string_equal(d.problems[0].what, "run #9 (install) was stopped while applying foo,"
			    " in its pre hook 10-stop (journal state staging): none of its 5 paths was"
			    " replaced yet (what was staged beside them, if anything, is temporary)");
	assert_null(strstr(d.problems[0].what, "half-way"));
	assert_non_null(strstr(d.problems[0].action, "will roll back foo (put every file back as"
			       " it was before: it is not installed)"));
	assert_non_null(strstr(d.problems[0].action, "run 'pakfire install' with the add-ons it"
			       " named (foo among them) again (any command that takes the lock, e.g."
			       " 'pakfire clean', finishes the recovery first)"));
	assert_null(strstr(d.problems[0].action, "upgrade"));
	free(d.problems);

	/* a killed repair, committing */
	d.have_failure = false;
	d.problems = NULL;
	d.n_problems = 0;
	snprintf(d.journal.unit, sizeof(d.journal.unit), "core-139");
	snprintf(d.journal.label, sizeof(d.journal.label), "core 139");
	snprintf(d.journal.command, sizeof(d.journal.command), "verify --fix");
	snprintf(d.journal.state, sizeof(d.journal.state), "committing");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_string_equal(d.problems[0].what, "run #9 (verify --fix) was stopped while"
			    " repairing core 139 (journal state committing): 5 paths are left"
			    " half-way, every one old or new");
	assert_non_null(strstr(d.problems[0].action, "run 'pakfire verify --fix' again"));
	assert_null(strstr(d.problems[0].action, "upgrade"));
	free(d.problems);
}

/* Expired or revoked keys are the problem `key`; one that expires soon is
 * not. The key of the current index is never to be removed. */
static void test_keys_expired_not_soon(void **state)
{
	struct pf_diag_key k;
	struct pf_diagnosis d;
	(void)state;

	healthy(&d);
	memset(&k, 0, sizeof(k));
	snprintf(k.file, sizeof(k.file), "/etc/pakfire/keys/signer.asc");
	k.expires = d.now + 5 * 86400;
	k.signed_index = true;
	d.keys = &k;
	d.n_keys = 1;
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 0);
	free(d.problems);

	d.problems = NULL;
	k.expires = d.now - 86400;
	k.expired = true;
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 1);
	assert_int_equal(d.problems[0].cause, PF_CAUSE_KEY);
	assert_null(strstr(d.problems[0].action, "remove"));
	assert_non_null(strstr(d.problems[0].action, "keep /etc/pakfire/keys/signer.asc until"));
	free(d.problems);

	d.problems = NULL;
	d.n_problems = 0;
	k.signed_index = false;
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_non_null(strstr(d.problems[0].action, "remove /etc/pakfire/keys/signer.asc"));
	free(d.problems);
}

/* An update refused for trust with no index yet: no `stale` telling to
 * run that very update again. */
static void test_no_stale_after_a_distrusted_update(void **state)
{
	struct pf_diagnosis d;
	(void)state;

	healthy(&d);
	d.have_status = true;
	d.status.have_index = false;
	d.have_failure = true;
	d.failure.run = run(3, "update", "failed", false);
	snprintf(d.failure_cause, sizeof(d.failure_cause), "signature");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 1);
	assert_int_equal(d.problems[0].cause, PF_CAUSE_SIGNATURE);
	free(d.problems);

	/* a failure of another command leaves the missing index a problem */
	d.problems = NULL;
	d.n_problems = 0;
	snprintf(d.failure.run.command, sizeof(d.failure.run.command), "upgrade");
	assert_int_equal(pf_diag_problems(&d), 0);
	assert_int_equal(d.n_problems, 2);
	assert_int_equal(d.problems[1].cause, PF_CAUSE_STALE);
	free(d.problems);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cause_names_and_bits),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_most_urgent_first),
		cmocka_unit_test(test_a_failure_stands_until_the_same_command_ends_ok),
		cmocka_unit_test(test_space_now_in_plain_words),
		cmocka_unit_test(test_database_first_and_the_recorded_cause),
		cmocka_unit_test_setup_teardown(test_recorded_cause, setup, teardown),
		cmocka_unit_test(test_a_failed_pre_hook_is_fixed_by_the_command),
		cmocka_unit_test(test_interrupted_names_its_command),
		cmocka_unit_test(test_keys_expired_not_soon),
		cmocka_unit_test(test_no_stale_after_a_distrusted_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
