#!/usr/bin/env bash
# How hook runs are shown and acted on: `pakfire hook list|show|ack|rerun`,
# `history` and `status`, in text and JSON.
# These tests SEED THE hook_runs ROWS BY HAND (sqlite3, after `pakfire
# init`): they test the reporting and the acknowledgement, not the running
# of hooks; the end-to-end tests (a real update whose hook fails) are in the
# hook runner's and the pipeline's test files.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# A system at core 141 that applied core 141 in transaction 1, whose post
# hook ldconfig failed (run 1, output with a NUL byte and 30 lines), while
# a local hook ran ok (run 2); transaction 2 ran a pre hook that failed
# (run 3: it blocks nothing). No web server: nothing here downloads.
seeded_root() {
	ensure_key pf
	root_at_core 141 --trust pf --mirror http://127.0.0.1:9
	db_query "INSERT INTO transactions (id, command, started, ended, outcome, exit_code, error)
		VALUES (1, 'upgrade', 1000, 1010, 'failed', 6, 'the hook ldconfig (post) of core 141 failed');
		INSERT INTO transactions (id, command, started, ended, outcome, exit_code, error)
		VALUES (2, 'upgrade', 2000, 2010, 'failed', 6, 'the hook stop (pre) of core 142 failed');
		INSERT INTO hook_runs (id, transaction_id, unit, origin, phase, name, sha256, state,
			started, ended, duration_ms, exit_code, output, output_total, dropped)
		VALUES (1, 1, 'core-141', 'package', 'post', 'ldconfig', randomblob(32), 'failed',
			1001, 1002, 1500, 1,
			CAST('ldconfig: start' || char(10) || 'nul' || char(0) || 'byte' || char(10) AS BLOB)
			|| CAST((WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
				SELECT group_concat('line ' || i, char(10)) FROM n) AS BLOB)
			|| CAST(char(10) AS BLOB), 900000, 700000);
		INSERT INTO hook_runs (id, transaction_id, unit, origin, phase, name, state, started,
			ended, duration_ms, exit_code, output, output_total, dropped)
		VALUES (2, 1, NULL, 'local', 'post-transaction', 'notify', 'ok', 1003, 1004, 5, 0,
			NULL, 0, 0);
		INSERT INTO hook_runs (id, transaction_id, unit, origin, phase, name, sha256, state,
			started, ended, duration_ms, exit_code, signal, output, output_total, dropped)
		VALUES (3, 2, 'core-142', 'package', 'pre', 'stop', randomblob(32), 'killed',
			2001, 2002, 7, NULL, 9, CAST('stopping' AS BLOB), 8, 0);" >/dev/null ||
		fail "could not seed the hook runs"
}

test_list_shows_the_open_run_first_then_the_recent_ones() {
	seeded_root
	run pakfire --root "$R" hook list
	assert_exit 0
	assert_output_contains "Open: 1 failed post hook holds upgrades"
	assert_output_contains "Recent hook runs"
	# the open one listed twice: as open, then among the runs
	[ "$(grep -c '^  #1 ' "$RUN_OUT")" = 2 ] || fail "run 1 is not listed as open and as recent"
	grep -E '^  #1 .*core 141 .*post .*ldconfig .*failed \(exit 1\) .*1\.500 s .*OPEN' "$RUN_OUT" >/dev/null ||
		fail "run 1's line lacks what it is and how it ended"
	grep -E '^  #3 .*core 142 .*pre .*stop .*killed \(signal 9\)' "$RUN_OUT" >/dev/null ||
		fail "run 3's line lacks its signal"
	grep -E '^  #2 .*local .*post-transaction .*notify .*ok' "$RUN_OUT" >/dev/null ||
		fail "the local hook's run is not listed"

	run pakfire --root "$R" --json hook list
	assert_exit 0
	assert_json hook.open.0.id 1
	assert_json hook.open.0.exit_code 1
	assert_json hook.runs.2.signal 9
	assert_json hook.runs.2.exit_code null
	assert_json hook.runs.1.origin local
	assert_json hook.runs.1.unit null
}

test_show_prints_the_whole_kept_output_and_what_was_dropped() {
	seeded_root
	run pakfire --root "$R" hook show 1
	assert_exit 0
	assert_output_contains "Hook run #1: core 141's post hook ldconfig"
	assert_output_contains "Outcome:     failed (exit 1), after 1.500 s"
	assert_output_contains "900000 bytes written, 700000 of them not kept"
	assert_output_contains "(pakfire hook rerun 1) or acknowledged (pakfire hook ack 1)"
	# every line, the NUL quoted, none of the output raw
	assert_output_contains "    ldconfig: start"
	assert_output_contains '    nul\x00byte'
	assert_output_contains "    line 1"
	assert_output_contains "    line 30"
	run pakfire --root "$R" --json hook show 1
	assert_exit 0
	assert_json hook.action show
	assert_json hook.run.dropped 700000
	assert_json hook.run.output_total 900000
	assert_json hook.run.open true
	python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))["hook"]["run"]["output"]
assert o.startswith("ldconfig: start\nnul\ufffdbyte\nline 1\n") and o.endswith("line 30\n"), o' "$RUN_OUT" ||
		fail "the JSON output is not the kept output (NUL as U+FFFD)"
	run pakfire --root "$R" hook show 99
	assert_exit 2
	assert_error_line "there is no hook run 99"
	run pakfire --root "$R" hook show x1
	assert_exit 2
	assert_error_line "'x1' is not a hook run ID"
	run pakfire --root "$R" hook frobnicate 1
	assert_exit 2
	assert_error_line "unknown action 'frobnicate'"
}

test_ack_resolves_the_open_run_and_records_it() {
	seeded_root
	# not open: the ok local run, the failed pre hook, a missing run;
	# nothing changes, nothing is recorded
	run pakfire --root "$R" hook ack 2
	assert_exit 2
	assert_error_line "hook run 2 (local post-transaction hook notify) is not open: it ended ok"
	run pakfire --root "$R" hook ack 3
	assert_exit 2
	assert_error_line "only a failed post hook of an update or add-on holds upgrades"
	run pakfire --root "$R" hook ack 42
	assert_exit 2
	assert_error_line "there is no hook run 42"
	assert_db "SELECT count(*) FROM hook_runs WHERE resolved IS NOT NULL OR acked_at IS NOT NULL" "0"
	assert_db "SELECT count(*) FROM transactions" "2"

	# 32 + 8 (a hook is open) + 16 (no index): docs/monitoring.md
	run pakfire --root "$R" status
	assert_exit 56
	assert_output_contains "Hook:        core 141's post hook ldconfig failed (exit 1) in transaction 1; upgrades are held until it is run again (pakfire hook rerun 1) or acknowledged (pakfire hook ack 1)"

	run pakfire --root "$R" --json hook ack 1
	assert_exit 0
	assert_json hook.action ack
	assert_json hook.run.acknowledged true
	assert_json hook.run.open false
	assert_db "SELECT resolved, acked_at > 0 FROM hook_runs WHERE id = 1" "-1|1"
	assert_db "SELECT count(*) FROM hook_runs WHERE resolved IS NOT NULL" "1"
	assert_db "SELECT command, outcome FROM transactions WHERE id = 3" "hook ack|ok"
	assert_db "SELECT unit, step FROM steps WHERE transaction_id = 3" "core-141|hook acknowledged"

	# once acknowledged, status holds nothing and a second ack is refused
	# 32 + 16: only the missing index is left
	run pakfire --root "$R" status
	assert_exit 48
	grep -q '^Hook:' "$RUN_OUT" && fail "status still says a hook holds upgrades"
	run pakfire --root "$R" --json status
	assert_exit 48
	assert_json status.attention.last_failed false
	assert_json status.hooks_failed '[]'
	run pakfire --root "$R" hook ack 1
	assert_exit 2
	assert_error_line "it was acknowledged already"
	assert_db "SELECT count(*) FROM transactions" "3"
}

test_status_json_names_the_open_run() {
	seeded_root
	run pakfire --root "$R" --json status
	assert_exit 56
	assert_json status.attention.last_failed true
	assert_json status.hooks_failed.0.id 1
	assert_json status.hooks_failed.0.unit core-141
	assert_json status.hooks_failed.0.phase post
	assert_json status.hooks_failed.0.name ldconfig
	assert_json status.hooks_failed.0.transaction 1
	# the killed pre hook holds nothing
	[ "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["status"]["hooks_failed"]))' "$RUN_OUT")" = 1 ] ||
		fail "status lists more than the open run"
}

test_history_shows_hook_runs_with_their_last_lines() {
	seeded_root
	run pakfire --root "$R" history
	assert_exit 0
	grep -E "^#1 .*\[hook failed, open: see 'pakfire hook list'\]" "$RUN_OUT" >/dev/null ||
		fail "the list does not mark transaction 1's open failed hook"
	grep -E "^#2 .*\[hook failed\]" "$RUN_OUT" >/dev/null ||
		fail "the list does not mark transaction 2's failed hook"

	run pakfire --root "$R" history 1
	assert_exit 0
	assert_output_contains "hook run 1: core 141 post hook ldconfig: failed (exit 1) after 1.500 s; open: upgrades are held"
	assert_output_contains "hook run 2: local post-transaction hook notify: ok after 0.005 s"
	# the last 20 lines, with a pointer to the whole
	assert_output_contains "| [12 lines before these: 'pakfire hook show 1' shows them]"
	assert_output_contains "| line 11"
	assert_output_contains "| line 30"
	grep -q '| line 10$' "$RUN_OUT" && fail "history shows more than the last 20 lines"
	assert_output_contains "| [700000 of the 900000 bytes it wrote were not kept]"

	run pakfire --root "$R" --json history 1
	assert_exit 0
	assert_json history.transactions.0.hooks_failed 1
	assert_json history.transactions.0.hook_open true
	assert_json history.transactions.0.hooks.0.id 1
	assert_json history.transactions.0.hooks.0.state failed
	assert_json history.transactions.0.hooks.1.state ok
	run pakfire --root "$R" --json history
	assert_exit 0
	assert_json history.transactions.1.hooks_failed 1
	assert_json history.transactions.1.hook_open false
}

test_rerun_refuses_what_it_cannot_run() {
	seeded_root
	run pakfire --root "$R" hook rerun 77
	assert_exit 2
	assert_error_line "there is no hook run 77"
	run pakfire --root "$R" hook rerun 2
	assert_exit 2
	assert_error_line "local hook notify, of which pakfire keeps no copy"
	run pakfire --root "$R" hook rerun
	assert_exit 2
	assert_error_line "'hook rerun' takes one hook run ID"
	assert_db "SELECT count(*) FROM transactions" "2"
}

run_tests "$@"
