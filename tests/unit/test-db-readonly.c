/* state/db.c: a read-only database opened immutable (no -wal beside it)
 * takes no lock, so a pakfire that starts writing meanwhile is not seen.
 * pf_db_read_may_be_torn tells so after the read, and pf_db_check reads
 * again on a fresh connection, through the writer's WAL, before it could
 * call the database damaged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "base/context.h"
#include "state/check.h"
#include "state/db.h"
#include "state/history.h"

static void test_a_writer_during_an_immutable_read_is_seen(void **state)
{
	char dir[] = "/tmp/pf-db-ro-XXXXXX", cmd[64], out[256], command[64];
	struct pf_ctx *ctx = pf_ctx_new();
	struct pf_db *w = NULL, *r = NULL;
	int64_t id = 0;
	(void)state;

	assert_non_null(ctx);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pf_ctx_set_root(ctx, dir), 0);
	assert_int_equal(pf_db_open(ctx, "/pakfire.db", PF_DB_CREATE | PF_DB_MIGRATE, &w), 0);
	pf_db_close(w); /* the last connection: its -wal goes */

	assert_int_equal(pf_db_open(ctx, "/pakfire.db", PF_DB_READONLY, &r), 0);
	assert_true(pf_db_immutable(r));
	assert_false(pf_db_read_may_be_torn(r));

	/* a pakfire begins a run: a -wal appears, the file is live */
	assert_int_equal(pf_db_open(ctx, "/pakfire.db", 0, &w), 0);
	assert_int_equal(pf_db_tx_begin(w, "upgrade", &id), 0);
	assert_true(pf_db_read_may_be_torn(r));

	/* the check reads again, through the locks and the writer's WAL */
	assert_int_equal(pf_db_check(r, true, out, sizeof(out)), 0);
	assert_string_equal(out, "ok");
	assert_false(pf_db_immutable(r));
	assert_false(pf_db_read_may_be_torn(r));
	assert_int_equal(pf_db_tx_command_of(r, id, command, sizeof(command)), 0);
	assert_string_equal(command, "upgrade");

	pf_db_close(r);
	pf_db_close(w);
	pf_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_writer_during_an_immutable_read_is_seen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
