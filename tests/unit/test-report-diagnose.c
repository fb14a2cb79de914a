/* cli/report-diagnose*.c: a diagnosis that holds something in every
 * section renders as text with the sections in the documented order, no
 * line wider than 80 columns, one verdict block per problem ("* cause,
 * label: what" then "  next: action"); and as one strict JSON document with
 * one member per section, the problems, the exit code and "healthy". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/jsonc.h"
#include "cli/output.h"
#include "ops/diagnose.h"

#define LONG_WHAT "/boot is 20 MiB in total and core 138 needs 48.9 MiB even on an empty /boot:" \
	" this partition can never hold it"
#define LONG_ACTION "back up the configuration and reinstall with the current partition layout" \
	" (/boot at least 64 MiB)"

static char *paths[] = { "usr/bin/mini", "usr/lib/libmini.so.139" };

/* Something in every section; arrays on the stack of the caller. */
static void fill(struct pf_diagnosis *d, struct pf_run *runs, struct pf_diag_key *key,
		 struct pf_diag_index *idx, struct pf_diag_mount *mnt, struct pf_diag_problem *pr)
{
	memset(d, 0, sizeof(*d));
	d->now = 1795600000;
	d->have_status = true;
	snprintf(d->status.series, sizeof(d->status.series), "2.25");
	snprintf(d->status.arch, sizeof(d->status.arch), "x86_64");
	d->status.core = 138;
	d->status.switch_at = SIZE_MAX;
	d->status.space.planned = true;
	runs[0] = (struct pf_run){ .id = 1, .started = 1795500000, .ended = 1795500001,
				   .has_exit_code = true };
	snprintf(runs[0].command, sizeof(runs[0].command), "init");
	snprintf(runs[0].outcome, sizeof(runs[0].outcome), "ok");
	runs[1] = (struct pf_run){ .id = 2, .started = 1795500100, .ended = 1795500101,
				   .has_exit_code = true, .exit_code = 3 };
	snprintf(runs[1].command, sizeof(runs[1].command), "upgrade");
	snprintf(runs[1].outcome, sizeof(runs[1].outcome), "refused");
	snprintf(runs[1].error, sizeof(runs[1].error), "core 138 does not fit on /boot: %s", LONG_WHAT);
	d->runs = runs;
	d->n_runs = 2;
	d->have_failure = true;
	d->failure.run = runs[1];
	snprintf(d->failure_unit, sizeof(d->failure_unit), "core-138");
	snprintf(d->failure_label, sizeof(d->failure_label), "core 138");
	snprintf(d->failure_step, sizeof(d->failure_step), "refused");
	snprintf(d->failure_cause, sizeof(d->failure_cause), "never-fits");
	d->journal = (struct pf_diag_journal){ .present = true, .run = 3, .started = 1795500200,
					       .paths = paths, .n_listed = 2, .n_paths = 7 };
	snprintf(d->journal.unit, sizeof(d->journal.unit), "core-139");
	snprintf(d->journal.label, sizeof(d->journal.label), "core 139");
	snprintf(d->journal.state, sizeof(d->journal.state), "committed");
	snprintf(d->journal.action, sizeof(d->journal.action), "roll forward");
	*key = (struct pf_diag_key){ .created = 1795000000, .signed_index = true };
	snprintf(key->fingerprint, sizeof(key->fingerprint), "0123456789ABCDEF0123456789ABCDEF01234567");
	snprintf(key->uid, sizeof(key->uid), "IPFire Release Key <release@example.org>");
	snprintf(key->file, sizeof(key->file), "release.asc");
	d->keys = key;
	d->n_keys = 1;
	*idx = (struct pf_diag_index){ .revision = 1042, .date = 1795400000,
				       .valid_until = 1795400000, .fetched_at = 1795400100,
				       .expired = true, .current = true };
	snprintf(idx->series, sizeof(idx->series), "2.25");
	snprintf(idx->arch, sizeof(idx->arch), "x86_64");
	d->indexes = idx;
	d->n_indexes = 1;
	d->cache = (struct pf_diag_cache){ .bytes = 3 << 20, .files = 2, .stale_bytes = 1 << 20,
					   .stale_files = 1 };
	snprintf(d->cache.path, sizeof(d->cache.path), "/var/cache/pakfire");
	d->database = (struct pf_diag_database){ .opened = true, .schema = 11, .bytes = 98304 };
	snprintf(d->database.path, sizeof(d->database.path), "/var/lib/pakfire/pakfire.db");
	snprintf(d->database.integrity, sizeof(d->database.integrity), "ok");
	snprintf(d->database.quick, sizeof(d->database.quick), "ok");
	d->lock = (struct pf_diag_lock){ .held = true, .pid = 4711, .run = 3, .since = 1795500200 };
	snprintf(d->lock.command, sizeof(d->lock.command), "pakfire upgrade --yes");
	*mnt = (struct pf_diag_mount){ .total = 20 << 20, .used = 12 << 20, .available = 8 << 20,
				       .inodes_total = 5120, .inodes_available = 5000 };
	snprintf(mnt->mount, sizeof(mnt->mount), "/boot");
	snprintf(mnt->fstype, sizeof(mnt->fstype), "ext4");
	snprintf(mnt->device, sizeof(mnt->device), "/dev/sda1");
	d->mounts = mnt;
	d->n_mounts = 1;
	pr[0] = (struct pf_diag_problem){ .cause = PF_CAUSE_NEVER_FITS, .run = 2 };
	snprintf(pr[0].unit, sizeof(pr[0].unit), "core-138");
	snprintf(pr[0].label, sizeof(pr[0].label), "core 138");
	snprintf(pr[0].mount, sizeof(pr[0].mount), "/boot");
	snprintf(pr[0].what, sizeof(pr[0].what), LONG_WHAT);
	snprintf(pr[0].action, sizeof(pr[0].action), LONG_ACTION);
	pr[1] = (struct pf_diag_problem){ .cause = PF_CAUSE_LOCK };
	snprintf(pr[1].what, sizeof(pr[1].what), "pakfire (pid 4711) holds the lock");
	snprintf(pr[1].action, sizeof(pr[1].action), "wait for it to end");
	d->problems = pr;
	d->n_problems = 2;
	d->bits = PF_DIAG_SPACE | PF_DIAG_LOCK;
}

static void expect_in(const char *text, const char *needle)
{
	if (!strstr(text, needle)) {
		fputs(text, stderr);
		fail_msg("the report above lacks \"%s\"", needle);
	}
}

static char *render_text(const struct pf_diagnosis *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_diagnose_text(f, d);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void text_sections_in_order(void **state)
{
	static const char *const labels[] = {
		"Series:", "Core level:", "Add-ons:", "Runs:", "Failure:", "Space:", "Journal:",
		"Keys:", "Indexes:", "Mirrors:", "Cache:", "Database:", "Lock:", "Mounts:",
		"Verdict:",
	};
	struct pf_run runs[2];
	struct pf_diag_key key;
	struct pf_diag_index idx;
	struct pf_diag_mount mnt;
	struct pf_diag_problem pr[2];
	struct pf_diagnosis d;
	char *text, *at, *line;

	(void)state;
	fill(&d, runs, &key, &idx, &mnt, pr);
	text = render_text(&d);
	at = text;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		char want[32];
		char *hit;

		snprintf(want, sizeof(want), "\n%s", labels[i]);
		hit = strstr(at, want);
		if (!hit)
			fail_msg("no \"%s\" after the sections before it:\n%s", labels[i], text);
		at = hit + 1;
	}
	/* one block per problem, wrapped, and what recovery will do */
	expect_in(text, "\n* never-fits, core 138: /boot is 20 MiB in total");
	expect_in(text, "\n  next: back up the configuration");
	expect_in(text, "\n* lock: pakfire (pid 4711) holds the lock\n  next: wait for it to end\n");
	expect_in(text, "Verdict: 2 problems");
	expect_in(text, "(exit code 82)");
	expect_in(text, "will roll forward core 139:");
	expect_in(text, "... and 5 more");
	expect_in(text, "held by pid 4711 (pakfire upgrade --yes), run #3");
	expect_in(text, "  integrity: ok\n");
	expect_in(text, "signed the current index");
	expect_in(text, "2.25/x86_64: revision 1042, expired (this system's series)");
	/* the punctuation after a unit stays with it, without a space */
	expect_in(text, "64 MiB)");
	for (line = text; *line;) {
		size_t n = strcspn(line, "\n");

		if (n > 80)
			fail_msg("a line of %zu columns: %.*s", n, (int)n, line);
		/* a size's unit stays on the line of its number */
		if (!strncmp(line + strspn(line, " "), "MiB", 3))
			fail_msg("a line begins with a unit: %.*s", (int)n, line);
		if (memmem(line, n, "MiB )", 5) || memmem(line, n, "MiB ,", 5) ||
		    memmem(line, n, "MiB ;", 5))
			fail_msg("a space before punctuation: %.*s", (int)n, line);
		line += n + (line[n] == '\n');
	}
	free(text);
}

/* A key that expires within 30 days is a warning line of Keys. */
static void key_expiring_soon_is_a_warning(void **state)
{
	struct pf_run runs[2];
	struct pf_diag_key key;
	struct pf_diag_index idx;
	struct pf_diag_mount mnt;
	struct pf_diag_problem pr[2];
	struct pf_diagnosis d;
	char *text;

	(void)state;
	fill(&d, runs, &key, &idx, &mnt, pr);
	key.expires = d.now + 5 * 86400;
	text = render_text(&d);
	expect_in(text, "\n    warning: expires in 5 days: install the distribution's next key");
	free(text);
	key.expires = d.now + 60 * 86400;
	text = render_text(&d);
	if (strstr(text, "warning: expires"))
		fail_msg("a key 60 days from expiry warned:\n%s", text);
	free(text);
}

static void healthy_says_so(void **state)
{
	struct pf_diagnosis d;
	char *text;

	(void)state;
	memset(&d, 0, sizeof(d));
	text = render_text(&d);
	if (!strstr(text, "\nVerdict: healthy\n"))
		fail_msg("no \"Verdict: healthy\":\n%s", text);
	assert_int_equal(pf_diagnose_exit_code(&d), 0);
	free(text);
}

static void json_document(void **state)
{
	static const char *const members[] = {
		"at", "status_error", "system", "runs", "failure", "space", "journal", "keys",
		"indexes", "mirrors", "cache", "database", "lock", "mounts", "problems",
		"exit_code", "healthy",
	};
	struct pf_run runs[2];
	struct pf_diag_key key;
	struct pf_diag_index idx;
	struct pf_diag_mount mnt;
	struct pf_diag_problem pr[2];
	struct pf_diagnosis d;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc, *r, *v, *p;
	char *text;
	size_t i = 0;

	(void)state;
	fill(&d, runs, &key, &idx, &mnt, pr);
	text = report_diagnose_document(&d);
	assert_non_null(text);
	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (!doc)
		fail_msg("not strict JSON: %s", text);
	assert_true(json_object_object_get_ex(doc, "diagnose", &r));
	/* the members in the order of the text */
	json_object_object_foreach(r, key_name, val) {
		(void)val;
		if (i >= sizeof(members) / sizeof(members[0]) || strcmp(key_name, members[i]))
			fail_msg("member %zu is \"%s\", want \"%s\"", i, key_name,
				 i < sizeof(members) / sizeof(members[0]) ? members[i] : "none");
		i++;
	}
	assert_int_equal(i, sizeof(members) / sizeof(members[0]));
	assert_true(json_object_object_get_ex(r, "exit_code", &v));
	assert_int_equal(json_object_get_int(v), 64 + 2 + 16);
	assert_true(json_object_object_get_ex(doc, "exit_code", &v));
	assert_int_equal(json_object_get_int(v), 82);
	assert_true(json_object_object_get_ex(r, "problems", &v));
	assert_int_equal(json_object_array_length(v), 2);
	p = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(p, "cause", &v));
	assert_string_equal(json_object_get_string(v), "never-fits");
	assert_true(json_object_object_get_ex(p, "mount", &v));
	assert_string_equal(json_object_get_string(v), "/boot");
	p = json_object_array_get_idx(json_object_object_get(r, "problems"), 1);
	assert_true(json_object_object_get_ex(p, "unit", &v));
	assert_null(v); /* none: null, never "" */
	json_object_put(doc);
	json_tokener_free(tok);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_sections_in_order),
		cmocka_unit_test(healthy_says_so),
		cmocka_unit_test(key_expiring_soon_is_a_warning),
		cmocka_unit_test(json_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
