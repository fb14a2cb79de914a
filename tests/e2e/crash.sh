#!/usr/bin/env bash
# Crash safety: pakfire killed at any instant of an upgrade leaves every
# file entirely old or entirely new, and the next run rolls the update back
# or finishes it, then completes the upgrade. The kills are SIGKILL injected
# by strace at the Nth call of one syscall (-e inject=SYSCALL:signal=KILL:
# when=N), at points chosen from a reference trace of the same upgrade, so
# that they cover staging, the syncs, the renames, the database commit and
# the cleanup of each update. Signals that pakfire may read (TERM) stop it
# cleanly instead.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# Stratified kill points; every sync call around each commit comes on top.
: "${PF_CRASH_POINTS:=46}"

test_killed_anywhere_the_next_run_completes_the_upgrade() {
	chain_world 200
	reference_trace
	scenario pick "$T/ref.log" "$PF_CRASH_POINTS" >"$T/points"
	local sc n phase kills=0 seen=() started=$SECONDS
	while read -r sc n phase; do
		fresh_root
		kill_at "$sc" "$n"
		after_kill
		kills=$((kills + 1))
		seen+=("${STATE:-none}@${NUMBER:-core$CORE}")
		echo "kill $kills: $sc #$n ($phase): journal ${STATE:-empty}${NUMBER:+ of core $NUMBER}, core $CORE"

		run pakfire --root "$R" upgrade --yes
		assert_exit 0
		recovered_by_last_run
		assert_final 141
	done <"$T/points"

	echo "$kills kill points in $((SECONDS - started))s; the journal right after the kill:"
	printf '%s\n' "${seen[@]}" | sort | uniq -c | sed 's/^/  /'
	[ "$kills" -ge 50 ] || fail "only $kills kill points (at least 50 expected)"
	# every state of the journal, for both updates, and the instants between
	local want
	for want in none@core139 staging@140 committing@140 committed@140 \
		none@core140 staging@141 committing@141 committed@141 none@core141; do
		printf '%s\n' "${seen[@]}" | grep -qx "$want" ||
			fail "no kill point left the journal as $want"
	done
}

test_killed_again_while_recovering() {
	chain_world 120
	reference_trace
	local renames cleanup
	# in the middle of 140's renames, then in the middle of the rollback
	renames=$(scenario find "$T/ref.log" renames:140 renameat first)
	fresh_root
	kill_at renameat $((renames + 60))
	after_kill
	[ "$STATE" = committing ] || fail "expected the journal at committing, got ${STATE:-none}"
	kill_at renameat 20
	after_kill
	[ "$STATE" = committing ] || fail "a rollback cut short must leave the journal as it was, got ${STATE:-none}"
	kill_at unlinkat 5
	after_kill
	[ "$STATE" = committing ] || fail "a rollback cut short again must leave the journal as it was, got ${STATE:-none}"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	assert_final 141

	# in 140's cleanup, then in the cleanup that recovery finishes
	cleanup=$(scenario find "$T/ref.log" cleanup:140 unlinkat first)
	fresh_root
	kill_at unlinkat $((cleanup + 30))
	after_kill
	[ "$STATE" = committed ] || fail "expected the journal at committed, got ${STATE:-none}"
	kill_at unlinkat 40
	after_kill
	[ "$STATE" = committed ] || fail "a cleanup cut short must leave the journal as it was, got ${STATE:-none}"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140 had been applied when pakfire was interrupted; its cleanup is now finished"
	assert_final 141
}

# hot_wal_kill SYSCALL N: kill at that call of the upgrade to 140 only; the
# WAL that the killed pakfire wrote must be there, not empty. Then the next
# run (pakfire clean), traced, must open it before anything removes, renames
# or truncates it (SQLite recovers a hot WAL; deleting it would lose the
# commit).
hot_wal_kill() {
	fresh_root
	kill_at "$1" "$2" upgrade --yes --to 140
	[ -s "$DB-wal" ] || fail "no hot WAL after the kill: $(ls -l "$R/var/lib/pakfire")"
	after_kill
	# clean takes the lock, so it recovers first; then it only empties
	# the download cache
	TRACE_LOG=$T/recover.log run pakfire_traced -y -e trace=%file,ftruncate,unlinkat -- \
		--root "$R" clean
	assert_exit 0
	local line
	while IFS= read -r line; do
		case $line in
		open*) break ;;
		unlink*|rename*|truncate*|ftruncate*)
			fail "the next run removed or changed the WAL before SQLite opened it: $line" ;;
		esac
	done < <(grep -F 'pakfire.db-wal' "$T/recover.log")
	[[ $line == open* ]] || fail "the next run never opened the WAL"
	recovered_by_last_run
}

test_a_hot_wal_is_recovered_by_sqlite() {
	chain_world 60
	reference_trace
	local commit first
	# on entering the commit's fdatasync of the WAL: its frames are written
	# (not synced), so the commit is there for SQLite to recover
	commit=$(scenario find "$T/ref.log" commit:140 fdatasync last)
	hot_wal_kill fdatasync "$commit"
	[ "$STATE" = committed ] || fail "the commit's frames were in the WAL, yet the journal says ${STATE:-nothing}"
	assert_db "SELECT number, outcome, transaction_id FROM updates WHERE number = 140" "140|applied|$TX"
	assert_final 140

	# right after that fdatasync (the first unlink of the cleanup): committed
	first=$(scenario find "$T/ref.log" cleanup:140 unlinkat first)
	hot_wal_kill unlinkat "$first"
	[ "$STATE" = committed ] || fail "killed after the commit's sync, yet the journal says ${STATE:-nothing}"
	assert_db "SELECT number, outcome, transaction_id FROM updates WHERE number = 140" "140|applied|$TX"
	assert_final 140

	# before the commit (its first write to the WAL): rolled back
	first=$(scenario find "$T/ref.log" commit:140 pwrite64 first)
	hot_wal_kill pwrite64 "$first"
	[ "$STATE" = committing ] || fail "killed before the commit, yet the journal says ${STATE:-nothing}"
	assert_db "SELECT core, (SELECT count(*) FROM updates WHERE number = 140) FROM system" "139|0"
	assert_rolled_back 139 140
}

# A rollback takes back what an update did to folders: the ones it made go,
# an existing folder whose mode it changed gets its old mode back. Killed
# after the renames (and the folder modes), before the database commit.
test_a_rolled_back_update_takes_its_folders_back() {
	chain_world 60
	reference_trace
	local commit
	commit=$(scenario find "$T/ref.log" commit:140 pwrite64 first)
	fresh_root
	[ "$(stat -c %a "$R/etc/pf")" = 755 ] || fail "the world is wrong: etc/pf is not 0755 at core 139"
	kill_at pwrite64 "$commit" upgrade --yes --to 140
	after_kill
	[ "$STATE" = committing ] || fail "killed before the commit, yet the journal says ${STATE:-nothing}"
	[ "$(stat -c %a "$R/etc/pf")" = 750 ] && [ -d "$R/usr/share/pf140/empty" ] ||
		fail "the test is wrong: core 140 had not yet changed its folders when it was killed"

	run pakfire --root "$R" clean
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	[ "$(stat -c %a "$R/etc/pf")" = 755 ] ||
		fail "the rollback left etc/pf at mode $(stat -c %a "$R/etc/pf"), core 140's, not 755"
	[ ! -e "$R/usr/share/pf140" ] || fail "the rollback left usr/share/pf140, which core 140 made"
	assert_rolled_back 139 140
}

# A `dir` entry on a symlink inside the root sets the folder it leads to
# (as the commit opens it); a rollback puts that folder's mode back.
test_a_folder_set_through_a_symlink_gets_its_mode_back() {
	mount_fs "$R" 64M
	repo_mini 139 --dir opt/data=0700
	http_start
	root_at_core 138
	mkdir -p "$R/srv/data" "$R/opt"
	chmod 0755 "$R/srv/data"
	ln -s ../srv/data "$R/opt/data"
	must_update
	remember_state
	# the second syncfs: after the renames and the folder modes
	run pakfire_traced -e trace=syncfs -e inject=syncfs:error=EIO:when=2 -- --root "$R" upgrade --yes
	assert_exit 1
	assert_stderr_contains "Input/output error"
	[ "$(stat -c %a "$R/srv/data")" = 755 ] ||
		fail "the rollback left srv/data (through opt/data) at mode $(stat -c %a "$R/srv/data")"
	assert_root_unchanged
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ "$(stat -c %a "$R/srv/data")" = 700 ] || fail "core 139 did not set srv/data (through opt/data) to 0700"
}

test_sigterm_while_staging_rolls_back() {
	chain_world 60
	reference_trace
	local first
	# TERM on entering a write in the middle of 140's staging: pakfire reads
	# it at the next archive member
	first=$(scenario find "$T/ref.log" staging:140 write first)
	fresh_root
	remember_state
	run pakfire_traced -e trace=write -e inject=write:signal=TERM:when=$((first + 40)) -- \
		--root "$R" upgrade --yes
	assert_exit 143
	assert_error_line "interrupted by Terminated while core 140 was staged" "rolled back" \
		"nothing of it was written"
	local message=$ERROR_LINE
	assert_nothing_changed
	assert_no_temporaries
	assert_db "SELECT count(*) FROM journal" "0"
	assert_db "SELECT command, outcome, exit_code, error FROM transactions ORDER BY id DESC LIMIT 1" \
		"upgrade|interrupted|143|$message"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_empty
	assert_final 141
}

test_sigterm_while_downloading_aborts() {
	repo_chain 60
	http_start --throttle 64
	root_at_core 138
	must_update
	remember_state

	run_bg pakfire --root "$R" upgrade --yes
	wait_for_download
	# TERM to the timeout that runs pakfire (the only child of the
	# background job): it passes the signal on
	kill -TERM "$(pgrep -P "$BG_PID")"
	wait_bg
	assert_exit 143
	assert_error_line "download interrupted by Terminated"
	local message=$ERROR_LINE
	assert_nothing_changed
	assert_no_temporaries
	# what came is kept for a resume (resume.sh): in partial/, under its
	# signed hash, never beside the packages
	[ -n "$(find "$R/var/cache" -path '*/partial/*.part' -size +0)" ] ||
		fail "the partial download was not kept in partial/"
	[ -z "$(find "$R/var/cache" -name '*.part' ! -path '*/partial/*')" ] ||
		fail "a partial download outside partial/: $(find "$R/var/cache" -name '*.part')"
	assert_db "SELECT count(*) FROM journal" "0"
	assert_db "SELECT command, outcome, exit_code, error FROM transactions ORDER BY id DESC LIMIT 1" \
		"upgrade|interrupted|143|$message"
}

scenario_python
run_tests "$@"
