#!/usr/bin/env bash
# Faults while an update is applied: a write that finds the disk full, a
# sync or a rename that fails with an I/O error, the database's own sync
# failing at the commit. strace injects each (-e inject=SYSCALL:error=ERRNO:
# when=N) at a call chosen from a reference trace of the same upgrade, so
# that it hits the apply of core 140, not the download. Each time the update
# is rolled back and nothing is lost: every file is its old version byte for
# byte, the database rows are as they were, no temporaries are left, the
# exit code says what happened (3 for a full disk, 1 for an I/O error), and
# the transaction records the message; then a clean upgrade succeeds.
# (pakfire never calls fsync: staged files are synced with syncfs, and
# SQLite syncs with fdatasync; those are the calls that fail here.)
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# fault SYSCALL N ERRNO: a fresh root at core 139; `upgrade --yes` with
# call N of SYSCALL failing with ERRNO (N+ : that call and every later one).
fault() {
	fresh_root
	remember_state
	run pakfire_traced -e trace="$1" -e inject="$1:error=$3:when=$2" -- --root "$R" upgrade --yes
}

# where PHASE SYSCALL first|mid|last: the call of SYSCALL in PHASE of the
# reference trace (e.g. renames:140 renameat mid).
where() {
	scenario find "$T/ref.log" "$@"
}

# assert_undone EXIT KEYWORD...: the faulty run exited EXIT with one error
# line naming each KEYWORD; it changed nothing (every path, the database's
# rows), left no temporaries and no journal, and recorded the message as
# the transaction's error, the last step of core 140 being $STEP. Then the next run has nothing to recover and
# completes the upgrade.
assert_undone() {
	local code=$1 message outcome=failed
	shift
	assert_exit "$code"
	assert_error_line "$@"
	message=$ERROR_LINE
	echo "$RUN_CMD: exit $code: $message"
	assert_nothing_changed
	assert_no_temporaries
	assert_db "SELECT count(*) FROM journal" "0"
	# exit 3 is the class of refusals for space (DESIGN.md), whenever found
	[ "$code" != 3 ] || outcome=refused
	assert_db "SELECT command, outcome, exit_code, error FROM transactions ORDER BY id DESC LIMIT 1" \
		"upgrade|$outcome|$code|$message"
	assert_db "SELECT step FROM steps WHERE transaction_id = (SELECT max(id) FROM transactions)
		AND unit = 'core-140' ORDER BY id DESC LIMIT 1" "$STEP"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_empty
	assert_final 141
}

test_faults_while_staging() {
	chain_world 60
	reference_trace
	STEP=staging

	# the disk is full at the last write of a big file (600 KB: three
	# writes), the first two are done
	fault write "$(where staging:140 write last usr/share/pf/.pakfire-core-140-)" ENOSPC
	assert_undone 3 "No space left on device" "core 140"
	fault write "$(where staging:140 write mid)" EIO
	assert_undone 1 "Input/output error" "core 140"
	# keeping the original as a hard link
	fault linkat "$(where staging:140 linkat mid)" EIO
	assert_undone 1 "Input/output error" "core 140"
	# creating a temporary beside its target
	fault openat "$(where staging:140 openat mid .pakfire-core-140-)" ENOSPC
	assert_undone 3 "No space left on device" "core 140"
	# a new folder
	fault mkdirat "$(where staging:140 mkdirat mid)" ENOSPC
	assert_undone 3 "No space left on device" "core 140"
}

test_faults_of_the_syncs() {
	chain_world 60
	reference_trace

	# the staged data cannot be synced: no rename has happened yet
	STEP=staging
	fault syncfs "$(where staged-syncfs:140 syncfs first)" EIO
	assert_undone 1 "Input/output error" "syncing to disk failed"
	# every rename done, their sync fails: all of them are undone
	STEP=committing
	fault syncfs "$(where renamed-syncfs:140 syncfs first)" EIO
	assert_undone 1 "Input/output error" "syncing to disk failed"
	# the database cannot sync its commit: whether the commit took is known
	# only to the database as the next run opens it (the WAL may hold it),
	# so this run leaves the files and the journal as they are, says so,
	# and the next run finishes or undoes core 140 by the journal
	fault fdatasync "$(where commit:140 fdatasync last)" EIO
	assert_exit 1
	assert_error_line "I/O error" "could not confirm the commit" "next run"
	assert_db "SELECT core FROM system" "139"
	assert_db "SELECT state FROM journal" "committing"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	assert_final 141
}

test_a_rename_fails_half_way_the_renames_done_are_undone() {
	chain_world 60
	reference_trace
	STEP=committing
	local first mid
	first=$(where renames:140 renameat first)
	mid=$(where renames:140 renameat mid)
	[ "$mid" -gt $((first + 10)) ] || fail "the test is wrong: only $((mid - first)) renames before the fault"

	fault renameat "$mid" EIO
	assert_undone 1 "Input/output error" "cannot put" "in place"
}

test_a_rollback_that_fails_too_is_finished_by_the_next_run() {
	chain_world 60
	reference_trace
	local mid
	mid=$(where renames:140 renameat mid)

	# from the middle of the renames on, every rename fails: the rollback
	# cannot put the originals back either, so the journal stays
	fault renameat "$mid+" EIO
	assert_exit 1
	assert_stderr_contains "Input/output error"
	assert_stderr_contains "run pakfire again"
	after_kill
	[ "$STATE" = committing ] ||
		fail "a rollback that could not finish must keep the journal, got ${STATE:-no journal}"
	assert_db "SELECT core FROM system" "139"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	assert_final 141
}

test_a_failed_commit_sync_is_not_taken_back_behind_the_databases_back() {
	chain_world 60
	reference_trace
	local sync write
	# The database's sync of the commit fails: SQLite wrote the commit's
	# frames to the WAL but cannot say they are on disk. Then pakfire is
	# killed before it writes the database again (on entering its next
	# pwrite64). The next SQLite to open the WAL finds the commit's frames
	# intact and replays them: the journal says committed. Whatever pakfire
	# did in between must agree with that: once the journal may say
	# committed, every file must be its new version.
	sync=$(where commit:140 fdatasync last)
	write=$(($(where commit:140 pwrite64 last) + 1))
	fresh_root
	run pakfire_traced -e trace=fdatasync,pwrite64 -e inject=fdatasync:error=EIO:when="$sync" \
		-e inject=pwrite64:signal=KILL:when="$write" -- --root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "pakfire was to be killed after the failed sync, but it exited $RUN_RC"
	after_kill
	echo "after the kill: core $CORE, journal ${STATE:-empty}${NUMBER:+ of core $NUMBER}"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_final 141
}

scenario_python
run_tests "$@"
