/* state/hooks.c: the hooks of units kept with their bytes (replaced, shared
 * by hash), and the runs of hooks: pending, running, ended; a failed post
 * hook open until a run of it ends ok or the admin acknowledges it; output
 * kept byte for byte. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "base/hash.h"
#include "state/db.h"
#include "state/history.h"
#include "state/hooks.h"

struct fixture {
	char dir[64];
	char path[128];
	struct pf_ctx *ctx;
	struct pf_db *db;
	int64_t tx;
};

static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pf-hooks-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/pakfire.db", f->dir);
	f->ctx = pf_ctx_new();
	if (!f->ctx || pf_ctx_set_root(f->ctx, f->dir) < 0 ||
	    pf_db_open(f->ctx, "/pakfire.db", PF_DB_CREATE | PF_DB_MIGRATE, &f->db) < 0 ||
	    pf_db_tx_begin(f->db, "upgrade", &f->tx) < 0)
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (!f)
		return 0;
	pf_db_close(f->db);
	pf_ctx_free(f->ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* The first column of SQL's first row, read beside the handle under test. */
static void scalar(struct fixture *f, const char *sql, const char *want)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	const unsigned char *t;

	assert_int_equal(sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	t = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	if (strcmp(t ? (const char *)t : "NULL", want))
		fail_msg("%s: got %s, want %s", sql, t ? (const char *)t : "NULL", want);
	sqlite3_finalize(s);
	sqlite3_close(h);
}

static struct pf_hook_body body(const char *phase, const char *name, const char *bytes)
{
	struct pf_hook_body b = { .name = name, .phase = phase, .bytes = bytes,
				  .len = strlen(bytes) };

	pf_sha256_buf(bytes, b.len, b.sha256);
	return b;
}

static void set(struct fixture *f, const char *unit, const struct pf_hook_body *h, size_t n)
{
	assert_int_equal(pf_db_begin(f->db), 0);
	assert_int_equal(pf_db_hooks_set(f->db, unit, h, n), 0);
	assert_int_equal(pf_db_commit(f->db), 0);
}

static void hooks_are_set_replaced_and_read_back_with_their_bytes(void **state)
{
	struct fixture *f = *state;
	const struct pf_hook_body two[] = {
		body("post", "ldconfig", "#!/bin/sh\nldconfig -r \"$PAKFIRE_ROOT\"\n"),
		body("pre", "stop-unbound", "#!/bin/sh\nexit 0\n"),
	};
	const struct pf_hook_body one[] = { body("post", "bootloader", "#!/bin/sh\n:\n") };
	struct pf_hook_body bad = body("post", "evil", "#!/bin/sh\nrm -rf /\n");
	struct pf_hook_stored *h = NULL;
	size_t n = 0, len;
	char *bytes;
	bool found;

	set(f, "core-141", two, 2);
	assert_int_equal(pf_db_hooks_of(f->db, "core-141", NULL, &h, &n), 0);
	assert_int_equal(n, 2);
	/* by name */
	assert_string_equal(h[0].name, "ldconfig");
	assert_string_equal(h[0].phase, "post");
	assert_int_equal(h[0].len, two[0].len);
	assert_memory_equal(h[0].bytes, two[0].bytes, two[0].len);
	assert_memory_equal(h[0].sha256, two[0].sha256, 32);
	assert_string_equal(h[1].name, "stop-unbound");
	pf_hook_stored_free(h, n);
	assert_int_equal(pf_db_hooks_of(f->db, "core-141", "pre", &h, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].name, "stop-unbound");
	pf_hook_stored_free(h, n);

	/* replaced: only the new one */
	set(f, "core-141", one, 1);
	assert_int_equal(pf_db_hooks_of(f->db, "core-141", NULL, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].name, "bootloader");
	pf_hook_stored_free(h, n);
	/* none (a removal); the bytes stay kept by hash */
	set(f, "core-141", NULL, 0);
	assert_int_equal(pf_db_hooks_of(f->db, "core-141", NULL, &h, &n), 0);
	assert_int_equal(n, 0);
	pf_hook_stored_free(h, n);
	assert_int_equal(pf_db_hook_bytes(f->db, two[0].sha256, &bytes, &len, &found), 0);
	assert_true(found);
	assert_int_equal(len, two[0].len);
	assert_memory_equal(bytes, two[0].bytes, len);
	free(bytes);
	assert_int_equal(pf_db_hook_bytes(f->db, bad.sha256, &bytes, &len, &found), 0);
	assert_false(found);
	assert_null(bytes);

	/* bytes under a hash that is not theirs are refused; nothing changes */
	bad.bytes = "#!/bin/sh\nexit 0\n";
	bad.len = strlen(bad.bytes);
	assert_int_equal(pf_db_begin(f->db), 0);
	expect_error(f->ctx, pf_db_hooks_set(f->db, "core-142", &bad, 1), PF_E_OTHER,
		     "do not have the SHA-256");
	pf_db_rollback(f->db);
	scalar(f, "SELECT count(*) FROM unit_hooks WHERE unit = 'core-142'", "0");
	scalar(f, "SELECT count(*) FROM hook_bodies", "3");
}

static void units_sharing_a_hook_share_its_bytes(void **state)
{
	struct fixture *f = *state;
	const struct pf_hook_body a = body("post", "ldconfig", "#!/bin/sh\nldconfig\n");
	const struct pf_hook_body b = body("post-install", "ldconfig", "#!/bin/sh\nldconfig\n");
	struct pf_hook_stored *h = NULL;
	size_t n = 0;

	set(f, "core-141", &a, 1);
	set(f, "tor", &b, 1);
	scalar(f, "SELECT count(*) FROM hook_bodies", "1");
	scalar(f, "SELECT count(*) FROM unit_hooks", "2");
	assert_int_equal(pf_db_hooks_of(f->db, "tor", "post-install", &h, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(h[0].bytes, b.bytes, b.len);
	pf_hook_stored_free(h, n);
	/* one unit's hooks going does not take the other's */
	set(f, "core-141", NULL, 0);
	assert_int_equal(pf_db_hooks_of(f->db, "tor", NULL, &h, &n), 0);
	assert_int_equal(n, 1);
	pf_hook_stored_free(h, n);
}

static const uint8_t SHA[32] = { 0xab, 0xcd };

static int64_t add(struct fixture *f, const char *unit, const char *phase, const char *name,
		   const char *st, int64_t rerun_of)
{
	int64_t id = 0;

	assert_int_equal(pf_db_hook_run_add(f->db, f->tx, unit, phase, name, unit ? SHA : NULL, st,
					    rerun_of, &id), 0);
	assert_true(id > 0);
	return id;
}

static void end(struct fixture *f, int64_t id, const char *st, int code, const char *out,
		size_t len)
{
	struct pf_hook_run_row r = { .exit_code = code, .duration_ms = 42, .output = (char *)out,
				     .output_len = len, .output_total = len + 1000,
				     .dropped = 1000 };

	snprintf(r.state, sizeof(r.state), "%s", st);
	assert_int_equal(pf_db_hook_run_end(f->db, id, &r), 0);
}

static void get(struct fixture *f, int64_t id, struct pf_hook_run_row *r)
{
	bool found;

	assert_int_equal(pf_db_hook_run_get(f->db, id, r, &found), 0);
	assert_true(found);
}

static size_t n_open(struct fixture *f, int64_t *first)
{
	struct pf_hook_run_row *rows;
	size_t n;

	assert_int_equal(pf_db_hook_runs_open(f->db, &rows, &n), 0);
	if (first)
		*first = n ? rows[0].id : 0;
	pf_hook_run_rows_free(rows, n);
	return n;
}

static void a_failed_post_hook_is_open_until_a_rerun_ends_ok(void **state)
{
	struct fixture *f = *state;
	static const char out[] = "ldconfig: bad\0binary\xff\nlast line\n";
	struct pf_hook_run_row r, *rows;
	int64_t id, again, first;
	size_t n;
	bool found;

	id = add(f, "core-141", "post", "ldconfig", "pending", 0);
	get(f, id, &r);
	assert_string_equal(r.state, "pending");
	assert_string_equal(r.origin, "package");
	assert_int_equal(r.started, 0);
	assert_int_equal(r.exit_code, -1);
	pf_hook_run_row_clear(&r);
	assert_int_equal(pf_db_hook_run_started(f->db, id, 4321, 987654, "b00t"), 0);
	get(f, id, &r);
	assert_string_equal(r.state, "running");
	assert_int_equal(r.pgid, 4321);
	assert_int_equal(r.start_time, 987654);
	assert_true(r.started > 0);
	pf_hook_run_row_clear(&r);

	end(f, id, "failed", 1, out, sizeof(out) - 1);
	get(f, id, &r);
	assert_string_equal(r.state, "failed");
	assert_int_equal(r.exit_code, 1);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.duration_ms, 42);
	assert_int_equal(r.tx, f->tx);
	assert_string_equal(r.unit, "core-141");
	assert_memory_equal(r.sha256, SHA, 32);
	/* binary safe: the NUL and the 0xff kept */
	assert_int_equal(r.output_len, sizeof(out) - 1);
	assert_memory_equal(r.output, out, sizeof(out) - 1);
	assert_int_equal(r.output[r.output_len], '\0');
	assert_int_equal(r.output_total, sizeof(out) - 1 + 1000);
	assert_int_equal(r.dropped, 1000);
	assert_int_equal(r.resolved, 0);
	assert_true(pf_hook_run_is_open(&r));
	pf_hook_run_row_clear(&r);
	assert_int_equal(n_open(f, &first), 1);
	assert_int_equal(first, id);
	/* an ended run does not end again nor start */
	assert_int_equal(pf_db_hook_run_started(f->db, id, 1, 1, ""), -1);
	pf_clear_error(f->ctx);

	/* a rerun that fails again leaves it open; one that ends ok resolves
	 * both */
	again = add(f, "core-141", "post", "ldconfig", "running", id);
	end(f, again, "timeout", -1, "", 0);
	assert_int_equal(n_open(f, NULL), 2);
	again = add(f, "core-141", "post", "ldconfig", "running", again);
	get(f, again, &r);
	assert_true(r.started > 0);
	pf_hook_run_row_clear(&r);
	end(f, again, "ok", 0, "done\n", 5);
	assert_int_equal(n_open(f, NULL), 0);
	get(f, id, &r);
	assert_int_equal(r.resolved, again);
	assert_false(pf_hook_run_is_open(&r));
	pf_hook_run_row_clear(&r);
	get(f, again, &r);
	assert_int_equal(r.rerun_of, again - 1);
	pf_hook_run_row_clear(&r);

	/* the runs of the transaction, in order, with output */
	assert_int_equal(pf_db_hook_runs_of_tx(f->db, f->tx, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].id, id);
	assert_int_equal(rows[0].output_len, sizeof(out) - 1);
	assert_string_equal(rows[2].output, "done\n");
	pf_hook_run_rows_free(rows, n);
	assert_int_equal(pf_db_hook_runs_failed(f->db, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_null(rows[0].output);
	pf_hook_run_rows_free(rows, n);
	assert_int_equal(pf_db_hook_runs_recent(f->db, 2, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[1].id, again);
	pf_hook_run_rows_free(rows, n);
	assert_int_equal(pf_db_hook_run_get(f->db, 9999, &r, &found), 0);
	assert_false(found);
}

static void an_ok_run_resolves_only_the_same_hook(void **state)
{
	struct fixture *f = *state;
	int64_t a, b, c;
	struct pf_hook_run_row r;

	a = add(f, "core-141", "post", "ldconfig", "running", 0);
	end(f, a, "failed", 2, "", 0);
	b = add(f, "core-141", "post", "bootloader", "running", 0);
	end(f, b, "killed", -1, "", 0);
	/* the same hook again, later (not a rerun): resolves a, not b */
	c = add(f, "core-141", "post", "ldconfig", "running", 0);
	end(f, c, "ok", 0, "", 0);
	get(f, a, &r);
	assert_int_equal(r.resolved, c);
	pf_hook_run_row_clear(&r);
	get(f, b, &r);
	assert_int_equal(r.resolved, 0);
	pf_hook_run_row_clear(&r);
	assert_int_equal(n_open(f, NULL), 1);
}

static void ack_closes_an_open_run_and_refuses_anything_else(void **state)
{
	struct fixture *f = *state;
	int64_t id, ok, pre, local, pending;
	struct pf_hook_run_row r;

	id = add(f, "tor", "post-install", "setup", "running", 0);
	end(f, id, "failed", 3, "", 0);
	ok = add(f, "core-141", "post", "ldconfig", "running", 0);
	end(f, ok, "ok", 0, "", 0);
	pre = add(f, "core-141", "pre", "stop", "running", 0);
	end(f, pre, "failed", 1, "", 0);
	local = add(f, NULL, "post-transaction", "notify", "running", 0);
	end(f, local, "failed", 1, "", 0);
	pending = add(f, "core-141", "post", "bootloader", "pending", 0);
	assert_int_equal(n_open(f, NULL), 1);

	assert_int_equal(pf_db_hook_run_ack(f->db, id), 0);
	get(f, id, &r);
	assert_int_equal(r.resolved, -1);
	assert_false(pf_hook_run_is_open(&r));
	pf_hook_run_row_clear(&r);
	assert_int_equal(n_open(f, NULL), 0);
	scalar(f, "SELECT acked_at > 0 FROM hook_runs WHERE resolved = -1", "1");

	expect_error(f->ctx, pf_db_hook_run_ack(f->db, id), PF_E_USAGE, "acknowledged already");
	expect_error(f->ctx, pf_db_hook_run_ack(f->db, ok), PF_E_USAGE, "it ended ok");
	expect_error(f->ctx, pf_db_hook_run_ack(f->db, 9999), PF_E_USAGE, "no hook run 9999");
	expect_error(f->ctx, pf_db_hook_run_ack(f->db, pre), PF_E_USAGE, "is not open");
	expect_error(f->ctx, pf_db_hook_run_ack(f->db, local), PF_E_USAGE, "local post-transaction");
	expect_error(f->ctx, pf_db_hook_run_ack(f->db, pending), PF_E_USAGE, "has not ended");
	/* nothing but the acknowledged run changed */
	scalar(f, "SELECT count(*) FROM hook_runs WHERE resolved IS NOT NULL", "1");
}

static void unfinished_lists_pending_and_running_runs(void **state)
{
	struct fixture *f = *state;
	struct pf_hook_run_row *rows;
	int64_t a, b, c;
	size_t n;

	a = add(f, "core-141", "post", "ldconfig", "pending", 0);
	b = add(f, "core-141", "post", "bootloader", "pending", 0);
	c = add(f, "core-142", "pre", "stop", "running", 0);
	end(f, a, "ok", 0, "", 0);
	assert_int_equal(pf_db_hook_run_started(f->db, b, 77, 5, "b00t"), 0);
	assert_int_equal(pf_db_hook_runs_unfinished(f->db, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, b);
	assert_string_equal(rows[0].state, "running");
	assert_int_equal(rows[0].pgid, 77);
	assert_int_equal(rows[1].id, c);
	pf_hook_run_rows_free(rows, n);
	/* a run neither begins ended nor ends pending */
	expect_error(f->ctx, pf_db_hook_run_add(f->db, f->tx, NULL, "pre-transaction", "x", NULL,
						"ok", 0, &a), PF_E_OTHER, "begins pending or running");
	end(f, c, "interrupted", -1, "", 0);
	{
		struct pf_hook_run_row r = { .exit_code = -1 };

		snprintf(r.state, sizeof(r.state), "pending");
		expect_error(f->ctx, pf_db_hook_run_end(f->db, b, &r), PF_E_OTHER, "cannot end pending");
	}
}

static void post_phases(void **state)
{
	(void)state;
	assert_true(pf_hook_phase_is_post("post"));
	assert_true(pf_hook_phase_is_post("post-install"));
	assert_true(pf_hook_phase_is_post("post-remove"));
	assert_true(pf_hook_phase_is_post("post-transaction"));
	assert_false(pf_hook_phase_is_post("pre"));
	assert_false(pf_hook_phase_is_post("pre-remove"));
	assert_false(pf_hook_phase_is_post("postinstall"));
	assert_false(pf_hook_phase_is_post(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hooks_are_set_replaced_and_read_back_with_their_bytes,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(units_sharing_a_hook_share_its_bytes, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(a_failed_post_hook_is_open_until_a_rerun_ends_ok,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(an_ok_run_resolves_only_the_same_hook, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(ack_closes_an_open_run_and_refuses_anything_else,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(unfinished_lists_pending_and_running_runs, fx_setup,
						fx_teardown),
		cmocka_unit_test(post_phases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
