#!/usr/bin/env bash
# diagnose on a database that is damaged, outdated or missing, and beside
# a pakfire that holds the lock (docs/diagnose.md): the report goes on,
# names what is wrong with the database (exit 64 + 8 when it cannot be
# trusted), and diagnose writes nothing: the root and the database stay
# byte for byte as they were, no -wal or -shm appears, no run is recorded.
# The held lock and the corrupted page were tested in diagnose-state.sh
# too: their assertions are here, once (diagnose_finds, tests/lib-diagnose.sh).
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lib-diagnose.sh
. "$PF_TOP/tests/lib-diagnose.sh"

DB() { echo "$R/var/lib/pakfire/pakfire.db"; }

# every path under the root with its type, mode and size, and every
# file's bytes: what must not change at all
fingerprint() {
	(cd "$R" && find . -printf '%y %m %s %p\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# A system at core 138 with core 139 pending and a verified index.
small_world() {
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/lib139.so=64K
	http_start
	root_at_core 138
	must_update
}

# diagnose DIAG_ARGS...: run it, and check that nothing under the root changed
diagnose_read_only() {
	local before="$T/fp.before"
	fingerprint >"$before"
	run pakfire --root "$R" "$@" diagnose
	fingerprint >"$T/fp.after"
	diff -u "$before" "$T/fp.after" >"$T/fp.diff" ||
		fail "diagnose changed the root: $(head -n 20 "$T/fp.diff")"
}

# says TEXT: the last report says TEXT, however the lines were wrapped
says() {
	tr -s ' \n' '  ' <"$RUN_OUT" | grep -qF -- "$1" || fail "the report does not say: $1"
}

# causes: the causes of the last --json report's problems, in order
causes() {
	python3 -c 'import json, sys
print(" ".join(p["cause"] for p in json.load(open(sys.argv[1]))["diagnose"]["problems"]))' "$RUN_OUT" ||
		fail "diagnose --json: no problems member"
}

test_a_healthy_system_leaves_everything_as_it_was() {
	small_world
	diagnose_read_only
	# core 139 is pending, nothing failed: healthy
	assert_exit 0
	assert_output_contains "Verdict: healthy"
	diagnose_read_only --json
	assert_exit 0
	json_check diagnose
	[ "$(causes)" = "" ] || fail "problems on a healthy system: $(causes)"
	[ ! -e "$(DB)-wal" ] && [ ! -e "$(DB)-shm" ] || fail "diagnose left a -wal or -shm beside the database"
	[ "$(db_query 'SELECT count(*) FROM transactions WHERE command = "diagnose"')" = 0 ] ||
		fail "diagnose recorded a run"
}

test_a_corrupted_page_is_a_database_problem_and_nothing_changes() {
	small_world
	local pages
	pages=$(($(stat -c %s "$(DB)") / 4096))
	[ "$pages" -gt 4 ] || fail "the database has only $pages pages"
	# a page in the middle of the file, not the header: it opens, its
	# checks fail
	dd if=/dev/urandom of="$(DB)" bs=4096 seek=$((pages - 2)) count=1 conv=notrunc status=none
	# text and --json, the verdict's block, the root byte for byte
	diagnose_finds database 8
	[ "$DIAG_RC" = 72 ] || fail "diagnose exited $DIAG_RC, not 72 (64 + database)"
	json_check diagnose
	[ "$(causes | cut -d' ' -f1)" = database ] || fail "the first problem is not the database: $(causes)"
	grep -q '"integrity_check"\|integrity_check says' "$RUN_OUT" || fail "the report does not name integrity_check"
	assert_json diagnose.database.opened true
	RUN_OUT=$T/diag.txt
	says "is damaged: integrity_check says"
	says "restore the database from a backup"
	! grep -q "^  integrity: ok" "$T/diag.txt" || fail "integrity_check says ok on a corrupted page"
}

test_a_corrupted_header_cannot_be_opened_and_the_report_goes_on() {
	small_world
	printf 'this is not SQLite' | dd of="$(DB)" bs=1 seek=0 conv=notrunc status=none
	diagnose_read_only
	assert_exit 72
	says "cannot be read: database"
	# the rest of the report is still there: the keys are read from their folder
	assert_output_contains "Keys"
	diagnose_read_only --json
	assert_exit 72
	json_check diagnose
}

test_no_database_is_a_problem_that_says_to_run_init() {
	small_world
	rm -f "$(DB)"
	diagnose_read_only
	assert_exit 72
	says "there is no database at"
	says "pakfire init"
}

test_an_outdated_schema_is_read_as_it_is_and_not_migrated() {
	small_world
	# migration 11 undone: what a pakfire before diagnose left
	sqlite3 "$(DB)" 'ALTER TABLE transactions DROP COLUMN cause; PRAGMA user_version = 10' ||
		fail "cannot make the schema older"
	diagnose_read_only --json
	assert_exit 0
	json_check diagnose
	[ "$(sqlite3 "$(DB)" 'PRAGMA user_version')" = 10 ] || fail "diagnose migrated the database"
	[ "$(json_get diagnose.database.schema)" = 10 ] || fail "the report does not say schema 10"
}

test_a_hung_pakfire_holding_the_lock_is_named_and_not_waited_for() {
	small_world
	# a holder that hangs: flock on the lock file, as pakfire takes it
	# (-o: the lock stays with flock itself, not with the sleep it runs)
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	local holder=$! sleeper
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done
	# text and --json, the verdict's block, the root byte for byte
	diagnose_finds lock 16
	[ "$DIAG_RC" = 80 ] || fail "diagnose exited $DIAG_RC, not 80 (64 + lock)"
	json_check diagnose
	[ "$(causes)" = lock ] || fail "the problems are '$(causes)', not lock"
	says '"command":"flock '
	assert_json diagnose.lock.held true
	assert_json diagnose.lock.pid "$holder"
	sleeper=$(pgrep -P "$holder" sleep || true)
	kill -9 "$holder"
	wait "$holder" 2>/dev/null || true
	[ -z "$sleeper" ] || kill -9 "$sleeper" 2>/dev/null || true
}

test_a_missing_config_still_gives_a_report() {
	small_world
	mv "$R/etc/pakfire/pakfire.conf" "$T/pakfire.conf.away"
	# the default paths are looked at: the database, keys and cache are there
	diagnose_read_only --json
	assert_exit 65
	json_check diagnose
	[ "$(causes)" = failed ] || fail "the problems are '$(causes)', not failed"
	says "cannot read configuration"
	[ "$(json_get diagnose.database.integrity_check)" = ok ] || fail "the database was not looked at"
}

run_tests "$@"
