#!/usr/bin/env bash
# The database of an appliance that ran the pakfire before units (schema 3,
# release b8473da) moves to units with nothing lost, and what that pakfire
# left half done is finished by this one: the old release is built from the
# repository's history, upgrades for real and is killed in the middle of an
# update; then this pakfire reads, migrates, recovers and upgrades.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# old_pakfire, old: tests/lib.sh (the previous release, built from git).

test_old_database_and_half_applied_update_move_to_units() {
	old_pakfire
	repo_mini 139
	repo_mini 140
	http_start
	root_at_core 138 --no-init
	run old --root "$R" init --series "$SERIES" --core 138
	assert_exit 0
	run old --root "$R" update
	assert_exit 0
	# The old pakfire applies 139, then is killed during the renames of 140
	# (its first renameat of 140 is its Nth in all: 139's come first).
	run old --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_db "PRAGMA user_version" "3"
	assert_db "SELECT owner FROM files WHERE path = 'usr/bin/mini'" "139"
	run strace -f -o /dev/null -e trace=renameat -e inject=renameat:signal=KILL:when=2 \
		"$OLD" --root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "the old pakfire was to be killed in its renames, but it exited $RUN_RC"
	assert_db "SELECT update_number || ' ' || state FROM journal" "140 committing"
	find "$R" -name '.pakfire-140-*' | grep -q . || fail "the old pakfire left no .pakfire-140-* names"

	# A reader of this pakfire while another pakfire holds the lock: the
	# schema cannot move yet, and nothing changes.
	# a process of its own (not a shell around it) holds the lock, and
	# says its pid once it does
	"${PF_PY3:-python3}" -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write(str(os.getpid())); time.sleep(60)' \
		"$R/var/lib/pakfire/lock" "$T/locked" &
	local holder=$!
	for _ in $(seq 100); do [ -s "$T/locked" ] && break; sleep 0.1; done
	[ -s "$T/locked" ] || fail "the lock holder did not take the lock"
	run pakfire --root "$R" status
	kill "$(cat "$T/locked")" "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	assert_exit 7
	assert_stderr_contains "the database must first move to this pakfire's schema"
	assert_db "PRAGMA user_version" "3"

	# With the lock free, a reader migrates: the rows are the units'.
	# 32 + 1 (core 140 pending) + 8 (the old pakfire was killed)
	run pakfire --root "$R" status
	assert_exit 41
	assert_db "PRAGMA user_version" "11"
	# migration 11: the cause of a run, NULL for the runs recorded before it
	assert_db "SELECT count(*) FROM transactions WHERE cause IS NOT NULL" "0"
	assert_db "SELECT unit || ' ' || tag || ' ' || state FROM journal" "core-140 140 committing"
	assert_db "SELECT id || ' ' || kind || ' ' || number FROM units" "core-139 core 139"
	assert_db "SELECT number || ' ' || outcome FROM updates" "139 applied"
	assert_db "SELECT owner FROM files WHERE path = 'usr/bin/mini'" "core-139"
	assert_db "SELECT count(*) FROM steps WHERE unit = 'core-139' AND step = 'committed'" "1"

	# The next writer finds the old names through the journal's tag, rolls
	# 140 back, then applies it under the new names.
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	assert_db "SELECT core FROM system" "140"
	assert_db "SELECT count(*) FROM journal" "0"
	assert_db "SELECT group_concat(id) FROM (SELECT id FROM units ORDER BY id)" "core-139,core-140"
	assert_db "SELECT owner FROM files WHERE path = 'usr/bin/mini'" "core-140"
	assert_no_temporaries
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140"

	# An old pakfire meets the newer schema: it refuses, and changes nothing.
	run old --root "$R" status
	assert_exit_nonzero
	assert_stderr_contains "newer than this pakfire knows"
}

run_tests "$@"
