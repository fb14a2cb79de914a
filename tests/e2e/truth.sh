#!/usr/bin/env bash
# What status and history say is true (issue 17): a run whose pakfire is
# at it is "running (pid N)", never "interrupted", and asking does not
# disturb it; Ctrl-C is recorded as interrupted and exits 130; a dry run is
# recorded and shown as one, and changes nothing; `history ID` shows the
# space checks; -q never hides a fact the owner must act on; the reboot an
# update asks for stands until the kernel's boot id changes (a file the
# test rewrites stands in for a reboot).
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# Updates with hooks need client level 3 (docs/formats.md, "Client levels").
REPO_MIN_CLIENT=3

# hold_hook: a pre hook that waits until the test makes $R/hold-go (60 s
# at most), after saying it started in $R/hold-started.
hold_hook() {
	hook_script hold 'echo started > "$PAKFIRE_ROOT/hold-started"
i=0
while [ ! -e "$PAKFIRE_ROOT/hold-go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done'
}

# py_json EXPR: EXPR evaluated on the last run's JSON document (doc).
py_json() {
	python3 -c "import json, sys; doc = json.load(open(sys.argv[1])); print($1)" "$RUN_OUT" ||
		fail "not a JSON document, or no $1: $(head -c 300 "$RUN_OUT")"
}

test_status_and_history_say_running_while_an_upgrade_runs() {
	hold_hook
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started "hold-started" "pre hook"
	local pid tx
	pid=$(bg_pakfire)
	[ -n "$pid" ] || fail "no pakfire under the background job"
	tx=$(db_query "SELECT max(id) FROM transactions")

	run pakfire --root "$R" status
	assert_exit 33
	grep -qE "^Last run: +#$tx upgrade at .*: running \(pid $pid\)" "$RUN_OUT" ||
		fail "status does not say run #$tx is running (pid $pid): $(grep 'Last run' "$RUN_OUT")"
	grep -qi "interrupted" "$RUN_OUT" && fail "status calls the running upgrade interrupted"
	run pakfire --root "$R" --json status
	assert_exit 33
	[ "$(py_json 'doc["status"]["last_transaction"]["running"], doc["status"]["last_transaction"]["pid"], doc["status"]["last_transaction"]["outcome"]')" = "True $pid None" ] ||
		fail "status --json: $(py_json 'doc["status"]["last_transaction"]')"
	run pakfire --root "$R" history
	assert_exit 0
	grep -qE "^#$tx +upgrade +[0-9T:-]+Z +running \(pid $pid\)" "$RUN_OUT" ||
		fail "history does not say run #$tx is running: $(cat "$RUN_OUT")"
	run pakfire --root "$R" history "$tx"
	assert_exit 0
	assert_output_contains "not ended: pakfire (pid $pid) is at it now"
	run pakfire --root "$R" --json history "$tx"
	assert_exit 0
	[ "$(py_json 'doc["history"]["transactions"][0]["running"], doc["history"]["transactions"][0]["pid"]')" = "True $pid" ] ||
		fail "history --json $tx: $(py_json 'doc["history"]["transactions"][0]')"
	# a dry run meanwhile is recorded after it, and status still shows
	# the run that is not over
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	assert_db "SELECT dry_run, outcome FROM transactions WHERE id > $tx" "1|ok"
	run pakfire --root "$R" status
	assert_exit 33
	grep -qE "^Last run: +#$tx upgrade at .*: running \(pid $pid\)" "$RUN_OUT" ||
		fail "after a dry run, status lost the running upgrade: $(grep 'Last run' "$RUN_OUT")"

	# the probes took no lock: the upgrade goes on and ends well
	touch "$R/hold-go"
	wait_bg # the upgrade is the last command again (tests/lib.sh)
	assert_exit 0
	assert_output_contains "Applying core 139"
	assert_db "SELECT core FROM system" "139"
	assert_db "SELECT outcome, exit_code FROM transactions WHERE id = $tx" "ok|0"
	run pakfire --root "$R" --json history "$tx"
	assert_exit 0
	[ "$(py_json 'doc["history"]["transactions"][0]["running"], doc["history"]["transactions"][0]["pid"], doc["history"]["transactions"][0]["outcome"]')" = "False None ok" ] ||
		fail "history --json $tx after the end: $(py_json 'doc["history"]["transactions"][0]')"
}

test_a_killed_run_is_interrupted_before_any_recovery() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	run pakfire_traced -e trace=symlinkat -e inject=symlinkat:signal=KILL:when=1 -- \
		--root "$R" upgrade --yes
	assert_exit 137
	local tx
	tx=$(db_query "SELECT max(id) FROM transactions")
	# nobody holds the lock: it is not running
	run pakfire --root "$R" status
	assert_exit 41
	grep -qE "^Last run: +#$tx upgrade at .*: interrupted" "$RUN_OUT" ||
		fail "status: $(grep 'Last run' "$RUN_OUT")"
	run pakfire --root "$R" --json history
	assert_exit 0
	[ "$(py_json 'doc["history"]["transactions"][-1]["running"], doc["history"]["transactions"][-1]["outcome"]')" = "False interrupted" ] ||
		fail "history --json: $(py_json 'doc["history"]["transactions"][-1]')"
	# status and history wrote nothing: the next run under the lock does
	assert_db "SELECT ifnull(outcome, 'open') FROM transactions WHERE id = $tx" "open"
}

test_ctrl_c_during_a_pre_hook_is_recorded_as_interrupted_and_exits_130() {
	hold_hook
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	remember_state

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started "hold-started" "pre hook"
	rm "$R/hold-started"
	kill -INT "$(bg_pakfire)"
	wait_bg
	assert_exit 130
	assert_error_line "hold" "interrupted"
	assert_nothing_changed
	assert_no_temporaries
	[ ! -e "$R/usr/share/mini/data-139.txt" ] || fail "a file of core 139 was written"
	local tx
	tx=$(db_query "SELECT max(id) FROM transactions")
	assert_db "SELECT outcome, exit_code FROM transactions WHERE id = $tx" "interrupted|130"

	run pakfire --root "$R" history
	assert_exit 0
	grep -qE "^#$tx +upgrade +[0-9T:-]+Z +interrupted " "$RUN_OUT" ||
		fail "history: $(grep -E "^#$tx " "$RUN_OUT")"
	run pakfire --root "$R" history "$tx"
	assert_exit 0
	assert_output_contains "exit code 130"
	run pakfire --root "$R" --json history "$tx"
	assert_exit 0
	[ "$(py_json 'doc["history"]["transactions"][0]["outcome"], doc["history"]["transactions"][0]["exit_code"]')" = "interrupted 130" ] ||
		fail "history --json $tx: $(py_json 'doc["history"]["transactions"][0]')"
}

# interrupt_download SIGNAL NAME CODE: an upgrade with --json stopped by
# SIGNAL (strsignal's NAME) while its package (2M, served at 64 KB/s)
# downloads: it exits CODE, its document says "interrupted" with that
# code, nothing changed, and history records the run as interrupted with
# that exit code.
interrupt_download() {
	repo_mini 139 --file usr/share/mini/big=2M
	http_start --throttle 64
	root_at_core 138
	must_update
	remember_state

	run_bg "$PAKFIRE_BIN" --root "$R" --json upgrade --yes
	wait_for_download
	kill "-$1" "$(bg_pakfire)"
	wait_bg
	assert_exit "$3"
	assert_error_line "download interrupted by $2"
	assert_json ok false
	assert_json exit_code "$3"
	assert_json error_class interrupted
	assert_nothing_changed
	assert_no_temporaries
	# what came is kept for a resume (resume.sh): in partial/, under its
	# signed hash, never beside the packages
	[ -n "$(find "$R/var/cache" -path '*/partial/*.part' -size +0)" ] ||
		fail "the partial download was not kept in partial/"
	[ -z "$(find "$R/var/cache" -name '*.part' ! -path '*/partial/*')" ] ||
		fail "a partial download outside partial/: $(find "$R/var/cache" -name '*.part')"
	local tx
	tx=$(db_query "SELECT max(id) FROM transactions")
	assert_db "SELECT outcome, exit_code FROM transactions WHERE id = $tx" "interrupted|$3"

	run pakfire --root "$R" --json history "$tx"
	assert_exit 0
	[ "$(py_json 'doc["history"]["transactions"][0]["outcome"], doc["history"]["transactions"][0]["exit_code"], doc["history"]["transactions"][0]["running"]')" = "interrupted $3 False" ] ||
		fail "history --json $tx: $(py_json 'doc["history"]["transactions"][0]')"
	run pakfire --root "$R" history "$tx"
	assert_exit 0
	assert_output_contains "exit code $3"
}

# The common Ctrl-C: during the download.
test_ctrl_c_during_a_download_is_interrupted_and_exits_130() {
	interrupt_download INT Interrupt 130
}

# The terminal closed (an ssh session dropped): the same, with 129.
test_sighup_during_a_download_is_interrupted_and_exits_129() {
	interrupt_download HUP Hangup 129
}

test_a_dry_run_is_recorded_as_one_and_changes_nothing() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	remember_state
	local before
	before=$(db_query "SELECT count(*) FROM transactions")

	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	assert_nothing_changed
	assert_db "SELECT count(*) FROM journal" "0"
	assert_db "SELECT count(*) FROM transactions" "$((before + 1))"
	local tx
	tx=$(db_query "SELECT max(id) FROM transactions")
	# whole, in one row: ended, with its outcome; no steps, no space rows
	assert_db "SELECT command, dry_run, outcome, exit_code, ended >= started FROM transactions WHERE id = $tx" \
		"upgrade|1|ok|0|1"
	assert_db "SELECT count(*) FROM steps WHERE transaction_id = $tx" "0"

	run pakfire --root "$R" history
	assert_exit 0
	grep -qE "^#$tx +upgrade --dry-run +[0-9T:-]+Z +ok" "$RUN_OUT" ||
		fail "history does not mark the dry run: $(grep -E "^#$tx " "$RUN_OUT")"
	run pakfire --root "$R" history "$tx"
	assert_exit 0
	assert_output_contains "a dry run: it showed the plan and changed nothing"
	run pakfire --root "$R" --json history
	assert_exit 0
	[ "$(py_json '[(t["dry_run"], t["running"], t["pid"]) for t in doc["history"]["transactions"]][-1]')" = "(True, False, None)" ] ||
		fail "history --json: $(py_json 'doc["history"]["transactions"][-1]')"
	[ "$(py_json '[t["dry_run"] for t in doc["history"]["transactions"]][0]')" = "False" ] ||
		fail "the update is a dry run in history --json"
	run pakfire --root "$R" status
	assert_exit 33
	grep -qE "^Last run: +#$tx upgrade --dry-run at .*: ok" "$RUN_OUT" ||
		fail "status: $(grep 'Last run' "$RUN_OUT")"
	run pakfire --root "$R" --json status
	assert_exit 33
	[ "$(py_json 'doc["status"]["last_transaction"]["dry_run"]')" = "True" ] ||
		fail "status --json: $(py_json 'doc["status"]["last_transaction"]')"

	# a refused dry run is recorded as refused, exit code and all
	repo_mini 140 --file usr/lib/libbig.so=64M
	mount_fs "$R/usr/lib" 8M
	must_update
	remember_state
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 3
	assert_nothing_changed
	assert_db "SELECT command, dry_run, outcome, exit_code FROM transactions ORDER BY id DESC LIMIT 1" \
		"upgrade|1|refused|3"
}

test_history_id_shows_the_space_checks_of_a_refusal() {
	mount_fs "$R" 8M
	repo_mini 139 --file usr/lib/libbig.so=12M
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 3
	local tx
	tx=$(db_query "SELECT max(id) FROM transactions")
	local rows
	rows=$(db_query "SELECT count(*) FROM space_checks WHERE transaction_id = $tx")
	[ "$rows" -ge 1 ] || fail "the refusal recorded no space check"

	run pakfire --root "$R" history "$tx"
	assert_exit 0
	assert_output_contains "Space checks:"
	grep -qE "^ +core 139 +/ +[0-9.]+ [KMG]i?B .* (does not fit|never fits|fits after)" "$RUN_OUT" ||
		fail "history $tx shows no refused row of core 139 on /: $(sed -n '/Space checks/,$p' "$RUN_OUT")"
	run pakfire --root "$R" --json history "$tx"
	assert_exit 0
	[ "$(py_json 'len(doc["history"]["transactions"][0]["space_checks"])')" = "$rows" ] ||
		fail "history --json $tx: $(py_json 'doc["history"]["transactions"][0].get("space_checks")')"
	local want
	want=$(db_query "SELECT unit, mount, needed, available, reserve, fits, ifnull(verdict, 'None')
		FROM space_checks WHERE transaction_id = $tx AND fits = 0 ORDER BY id LIMIT 1")
	[ "$(py_json '"|".join(str(c[k]) if not isinstance(c[k], bool) else str(int(c[k])) for c in [next(c for c in doc["history"]["transactions"][0]["space_checks"] if not c["fits"])] for k in ("unit", "mount", "needed", "available", "reserve", "fits", "verdict"))')" = "$want" ] ||
		fail "history --json $tx: the refused row differs from the database's ($want)"
	# a list of runs does not carry them
	run pakfire --root "$R" --json history
	assert_exit 0
	[ "$(py_json '"space_checks" in doc["history"]["transactions"][-1]')" = "False" ] ||
		fail "history --json lists space checks for every run"
}

test_quiet_never_hides_what_the_owner_must_act_on() {
	hook_script check 'echo "the disk is not ready" >&2; exit 1'
	repo_mini 139 --reboot
	repo_mini 140 --hook "pre=$HOOK"
	repo_mini 141 --file usr/lib/libbig.so=64M
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" -q upgrade --yes --to 139
	assert_exit 0
	assert_output_contains "A reboot is needed to complete the upgrade."

	# on a terminal, -q says that it hid the plan before it asks; no
	# changes nothing
	remember_state
	printf 'n\n' | script -qec "$PAKFIRE_BIN --root '$R' -q upgrade --to 140" /dev/null >"$T/tty.out" 2>&1
	grep -q "^(--quiet hides the plan: run without it to see what this applies)" "$T/tty.out" ||
		fail "-q on a terminal asked without saying the plan was hidden: $(cat "$T/tty.out")"
	grep -q "Apply these updates? \[y/N\]" "$T/tty.out" || fail "no question on a terminal: $(cat "$T/tty.out")"
	assert_nothing_changed

	run pakfire --root "$R" -q upgrade --yes --to 140
	assert_exit 6
	assert_error_line "pre hook check" "failed (exit 1)"
	assert_output_contains "the disk is not ready"

	# the space refusal: its table, and that nothing was changed
	hook_script check 'exit 0'
	repo_mini 140 --hook "pre=$HOOK"
	must_update
	run pakfire --root "$R" upgrade --yes --to 140
	assert_exit 0
	mount_fs "$R/usr/lib" 8M
	remember_state
	run pakfire --root "$R" -q upgrade --yes
	assert_exit 3
	assert_nothing_changed
	# the table with the refused mount, its verdict, and that nothing of
	# the update was written
	grep -qE "^ +/usr/lib +64\.0 MiB +8\.0 MiB .* 56\.0 MiB" "$RUN_OUT" ||
		fail "-q hid the refusal's table: $(cat "$RUN_OUT")"
	assert_output_contains "This partition can never hold it"
	assert_output_contains "nothing of it was written"
	assert_error_line "core 141 does not fit on /usr/lib" "nothing of core 141 was written"
}

# boot_id ID: the boot id pakfire reads (pakfire.conf's boot-id-file,
# taken inside the root like every path of the configuration).
boot_id() {
	mkdir -p "$R/run"
	printf '%s\n' "$1" >"$R/run/boot_id"
}

test_the_reboot_flag_stands_until_the_boot_id_changes() {
	repo_mini 139 --reboot
	repo_mini 140
	http_start
	root_at_core 138
	boot_id "11111111-aaaa-4bbb-8ccc-000000000001"
	conf_set boot-id-file /run/boot_id
	must_update

	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_output_contains "A reboot is needed to complete the upgrade."
	assert_db "SELECT reboot_boot_id, reboot_unit FROM system" \
		"11111111-aaaa-4bbb-8ccc-000000000001|core-139"
	local i
	for i in 1 2; do
		run pakfire --root "$R" status
		assert_exit 37
		assert_output_contains "Reboot:      required: core 139 was applied; reboot to complete it"
		run pakfire --root "$R" --json status
		assert_exit 37
		[ "$(py_json 'doc["status"]["reboot_required"], doc["status"]["reboot_unit"]')" = "True core-139" ] ||
			fail "status --json ($i): $(py_json 'doc["status"]')"
	done
	# an update without Reboot: yes does not make it go away
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	run pakfire --root "$R" --json status
	[ "$(py_json 'doc["status"]["reboot_required"]')" = "True" ] ||
		fail "core 140 forgot the reboot core 139 asked for"

	# rebooted: status says so at once, and writes nothing
	boot_id "11111111-aaaa-4bbb-8ccc-000000000002"
	run pakfire --root "$R" status
	assert_exit 0
	grep -q "^Reboot:" "$RUN_OUT" && fail "status still asks for a reboot: $(grep '^Reboot:' "$RUN_OUT")"
	run pakfire --root "$R" --json status
	[ "$(py_json 'doc["status"]["reboot_required"], doc["status"]["reboot_unit"]')" = "False None" ] ||
		fail "status --json after the reboot: $(py_json 'doc["status"]')"
	assert_db "SELECT reboot_unit FROM system" "core-139"
	# the next command under the lock forgets it
	run pakfire --root "$R" update
	assert_exit 0
	assert_db "SELECT ifnull(reboot_boot_id, 'none'), ifnull(reboot_unit, 'none') FROM system" "none|none"

	# a boot id that cannot be read keeps a pending reboot, and says so
	repo_mini 141 --reboot
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	rm "$R/run/boot_id"
	run pakfire --root "$R" status
	assert_exit 36
	assert_output_contains "Reboot:      required: core 141"
	assert_stderr_contains "cannot read the id of this boot from $R/run/boot_id"
	run pakfire --root "$R" update
	assert_exit 0
	assert_db "SELECT reboot_unit FROM system" "core-141"

	# applied while no boot id could be read: the time stands in for it,
	# and a boot that started later clears the flag
	repo_mini 142 --reboot
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT substr(reboot_boot_id, 1, 1), reboot_unit FROM system" "@|core-142"
	run pakfire --root "$R" status
	assert_exit 36
	assert_output_contains "Reboot:      required: core 142"
	db_query "UPDATE system SET reboot_boot_id = '@1000'" >/dev/null
	run pakfire --root "$R" --json status
	assert_exit 0
	assert_json status.reboot_required false
	run pakfire --root "$R" update
	assert_exit 0
	assert_db "SELECT ifnull(reboot_boot_id, 'none'), ifnull(reboot_unit, 'none') FROM system" "none|none"
}

test_a_hook_of_another_boot_is_not_killed_by_recovery() {
	hook_script settle 'if [ ! -e "$PAKFIRE_ROOT/settled-once" ]; then sleep 4731 & : > "$PAKFIRE_ROOT/settled-once"; exec sleep 4731; fi'
	repo_mini 139 --hook "post=$HOOK"
	http_start
	root_at_core 138
	boot_id "22222222-aaaa-4bbb-8ccc-000000000001"
	conf_set boot-id-file /run/boot_id
	must_update

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started "settled-once" "post hook"
	kill -KILL "$(bg_pakfire)"
	wait_bg
	assert_exit 137
	assert_db "SELECT state, boot_id FROM hook_runs" "running|22222222-aaaa-4bbb-8ccc-000000000001"
	local left
	left=$(pgrep -f "sleep 4731" | tr '\n' ' ')
	[ -n "$left" ] || fail "the test's hook left nothing behind"
	# "rebooted": the group id may be anyone's now, and is left alone
	boot_id "22222222-aaaa-4bbb-8ccc-000000000002"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	local p
	for p in $left; do
		kill -0 "$p" 2>/dev/null || fail "recovery killed process $p of a group from another boot"
	done
	# shellcheck disable=SC2086
	kill -KILL $left 2>/dev/null || true
}

scenario_python
run_tests "$@"
