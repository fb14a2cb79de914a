#!/usr/bin/env bash
# Hooks (docs/hooks.md): the scripts updates ship run safely. A failing pre
# hook changes nothing; a failing post hook leaves its update committed and
# holds every later change until it is run again or acknowledged; a post
# hook that pakfire's death interrupted runs again, once; a hook cannot
# hang pakfire, flood the database, read the caller's stdin or see the
# caller's environment; hook bytes are verified like any payload. Every
# hook here is a small shell script made at test time.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# Updates with hooks need client level 3 (docs/formats.md, "Client
# levels"): the series' index says so, as pakfire-repo publish demands.
REPO_MIN_CLIENT=3

# hook_runs: the hook runs recorded, one a line: unit phase name state exit.
hook_runs() {
	db_query "SELECT unit || ' ' || phase || ' ' || name || ' ' || state || ' ' ||
		COALESCE(exit_code, '-') FROM hook_runs ORDER BY id"
}

last_tx() {
	db_query "SELECT max(id) FROM transactions"
}

test_a_failing_pre_hook_changes_nothing() {
	hook_script check 'echo "checking the system"; echo "the disk is not ready" >&2; exit 1'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	assert_error_line "pre hook check" "failed (exit 1)"
	assert_output_contains "the disk is not ready"
	assert_nothing_changed
	assert_no_temporaries
	assert_db "SELECT core FROM system" "138"
	[ "$(hook_runs)" = "core-139 pre check failed 1" ] || fail "hook runs: $(hook_runs)"
	# its output is kept, stdout and stderr together
	assert_db "SELECT CAST(output AS TEXT) FROM hook_runs" "checking the system
the disk is not ready"
	local tx
	tx=$(last_tx)
	run pakfire --root "$R" history "$tx"
	assert_exit 0
	assert_output_contains "the disk is not ready"
	assert_output_contains "check"
	run pakfire --root "$R" --json history "$tx"
	assert_exit 0
	assert_output_contains "the disk is not ready"
}

test_a_failing_post_hook_holds_upgrades_until_it_runs_again() {
	# fails while the admin's flag file is there
	hook_script reload 'echo "reloading"; if [ -e blocked ]; then echo "still blocked" >&2; exit 1; fi; echo "reloaded" >> "$PAKFIRE_ROOT/reloads"'
	repo_mini 139 --hook "post=$HOOK"
	repo_mini 140
	http_start
	root_at_core 138
	touch "$R/blocked"
	must_update

	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 6
	assert_error_line "post hook reload" "core 139 was applied" "pakfire hook rerun" "pakfire hook ack"
	assert_db "SELECT core FROM system" "139"
	cmp -s "$R/etc/mini-release" "$SRC/buildroot-139/etc/mini-release" ||
		fail "core 139's files are not in place"
	local id
	id=$(db_query "SELECT id FROM hook_runs WHERE name = 'reload'")
	assert_db "SELECT state || ' ' || exit_code || ' ' || COALESCE(resolved, 'open') FROM hook_runs" \
		"failed 1 open"

	# held: nothing more changes, and status says why
	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	assert_error_line "pakfire hook rerun $id" "pakfire hook ack $id"
	assert_nothing_changed
	run pakfire --root "$R" status
	assert_output_contains "reload"

	# the cause removed, the hook runs again, and upgrades go on
	rm "$R/blocked"
	run pakfire --root "$R" hook rerun "$id"
	assert_exit 0
	[ "$(cat "$R/reloads")" = "reloaded" ] || fail "the rerun did not run the hook: $(cat "$R/reloads" 2>&1)"
	assert_db "SELECT count(*) FROM hook_runs WHERE resolved IS NULL AND state != 'ok'" "0"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"
}

test_a_failed_post_hook_holds_even_with_nothing_left_to_apply() {
	hook_script reload 'echo "cannot reload"; exit 1'
	repo_mini 139 --hook "post=$HOOK"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	local id
	id=$(db_query "SELECT id FROM hook_runs")

	# nothing is left to apply, and still: held, and so are add-ons
	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	assert_error_line "pakfire hook rerun $id" "pakfire hook ack $id"
	run pakfire --root "$R" --yes install foo
	assert_exit 6
	assert_error_line "pakfire hook rerun $id"
	run pakfire --root "$R" --yes remove foo
	assert_exit 6
	# a dry run only warns
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	assert_stderr_contains "pakfire hook ack $id"
	run pakfire --root "$R" hook ack "$id"
	assert_exit 0
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
}

test_an_acknowledged_post_hook_no_longer_holds_upgrades() {
	hook_script broken 'echo "broken for good"; exit 3'
	repo_mini 139 --hook "post=$HOOK"
	repo_mini 140
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 6
	local id
	id=$(db_query "SELECT id FROM hook_runs")
	run pakfire --root "$R" hook ack "$id"
	assert_exit 0
	assert_db "SELECT resolved FROM hook_runs WHERE id = $id" "-1"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"
	# the hook did not run again
	assert_db "SELECT count(*) FROM hook_runs" "1"
}

test_a_post_hook_killed_with_pakfire_runs_again_once() {
	# the first run hangs until pakfire is killed; later runs end at once
	hook_script settle 'echo run >> "$PAKFIRE_ROOT/settle-runs"
if [ ! -e "$PAKFIRE_ROOT/settled-once" ]; then sleep 4711 & : > "$PAKFIRE_ROOT/settled-once"; exec sleep 4711; fi
echo "settled"'
	repo_mini 139 --hook "post=$HOOK"
	http_start
	root_at_core 138
	must_update

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started "settled-once" "post hook"
	# the pakfire under the background job's shell
	kill -KILL "$(bg_pakfire)"
	wait_bg
	assert_exit 137
	assert_db "SELECT core FROM system" "139"
	assert_db "SELECT state FROM hook_runs" "running"

	# its background child outlived pakfire (the leader died with it)
	pgrep -f "sleep 4711" >/dev/null || fail "the test's hook left nothing behind to stop"
	# the next run that takes the lock stops what is left of it and runs it again
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ "$(wc -l <"$R/settle-runs")" -eq 2 ] || fail "expected 2 runs of the hook, got: $(cat "$R/settle-runs")"
	pgrep -f "sleep 4711" >/dev/null && fail "the interrupted hook's sleep is still running"
	assert_db "SELECT state FROM hook_runs ORDER BY id" "interrupted
ok"
	# once: later runs leave it alone
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ "$(wc -l <"$R/settle-runs")" -eq 2 ] || fail "the hook ran again: $(cat "$R/settle-runs")"
}

test_a_hook_that_hangs_is_killed_with_its_children_at_the_timeout() {
	hook_script hang 'sleep 4712 &
(sleep 4712 &)
echo "waiting forever"
sleep 4712'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	conf_set hook-timeout 2
	must_update
	remember_state

	local started=$SECONDS
	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	[ $((SECONDS - started)) -lt 15 ] || fail "the hook was not stopped at its timeout ($((SECONDS - started))s)"
	assert_error_line "pre hook hang" "timeout"
	assert_nothing_changed
	pgrep -f "sleep 4712" >/dev/null && fail "a process of the hook was left running"
	assert_db "SELECT state FROM hook_runs" "timeout"
}

test_a_hook_that_writes_100_MB_keeps_a_bounded_record() {
	hook_script loud 'echo FIRST-LINE; head -c 100000000 /dev/zero | tr "\0" x; echo; echo LAST-LINE'
	repo_mini 139 --hook "post=$HOOK"
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT state FROM hook_runs" "ok"
	local kept total dropped
	kept=$(db_query "SELECT length(output) FROM hook_runs")
	total=$(db_query "SELECT output_total FROM hook_runs")
	dropped=$(db_query "SELECT dropped FROM hook_runs")
	[ "$kept" -le 70000 ] || fail "the record keeps $kept bytes of the output"
	[ "$total" -eq 100000022 ] || fail "output_total is $total, expected 100000022"
	[ "$dropped" -gt 99900000 ] || fail "dropped is $dropped"
	assert_db "SELECT instr(CAST(output AS TEXT), 'FIRST-LINE') = 1 AND instr(CAST(output AS TEXT), 'LAST-LINE') > 0 AND instr(CAST(output AS TEXT), 'bytes dropped') > 0 FROM hook_runs" "1"
}

test_a_hook_reading_stdin_gets_end_of_file_at_once() {
	hook_script reader 'cat; echo "stdin ended"'
	repo_mini 139 --hook "post=$HOOK"
	http_start
	root_at_core 138
	must_update

	# pakfire's own stdin is a FIFO that stays open (this shell holds its
	# writing end) and never delivers a byte
	mkfifo "$T/stdin"
	exec 3<>"$T/stdin"
	local started=$SECONDS
	run timeout -k 5 25 "$PAKFIRE_BIN" --root "$R" upgrade --yes <"$T/stdin"
	exec 3>&-
	assert_exit 0
	[ $((SECONDS - started)) -lt 20 ] || fail "the hook waited for stdin"
	assert_db "SELECT CAST(output AS TEXT) FROM hook_runs" "stdin ended"
}

test_a_hook_sees_only_the_contract_environment() {
	hook_script env 'env > "$PAKFIRE_ROOT/hook-env"; pwd -P > "$PAKFIRE_ROOT/hook-cwd"'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update

	run env LD_PRELOAD=/nonexistent/preload.so http_proxy=http://127.0.0.1:9 \
		HTTPS_PROXY=http://127.0.0.1:9 no_proxy='*' GNUPGHOME=/nonexistent/gnupg \
		HOME=/nonexistent/home PAKFIRE_SECRET=leak "$PAKFIRE_BIN" --root "$R" upgrade --yes
	assert_exit 0
	local env=$R/hook-env root
	root=$(cd "$R" && pwd -P)
	local name
	for name in LD_PRELOAD http_proxy HTTPS_PROXY no_proxy GNUPGHOME HOME PAKFIRE_SECRET USER TERM; do
		grep -q "^$name=" "$env" && fail "the hook saw $name: $(grep "^$name=" "$env")"
	done
	grep -qx "PAKFIRE_ROOT=$root" "$env" || fail "PAKFIRE_ROOT is not $root: $(cat "$env")"
	grep -qx "PAKFIRE_PHASE=pre" "$env" || fail "no PAKFIRE_PHASE=pre: $(cat "$env")"
	grep -qx "PAKFIRE_UPDATE=139" "$env" || fail "no PAKFIRE_UPDATE=139: $(cat "$env")"
	grep -qx "PAKFIRE_CORE=138" "$env" || fail "no PAKFIRE_CORE=138 (before the update): $(cat "$env")"
	grep -qx "PAKFIRE_SERIES=$SERIES" "$env" || fail "no PAKFIRE_SERIES: $(cat "$env")"
	grep -qx "LANG=C" "$env" || fail "no LANG=C: $(cat "$env")"
	grep -q "^PATH=/" "$env" || fail "no fixed PATH: $(cat "$env")"
	# nothing else but what the shell itself sets
	local extra
	extra=$(grep -v -E '^(PAKFIRE_(ROOT|CORE|SERIES|PHASE|UPDATE)|PATH|LANG|PWD|OLDPWD|SHLVL|_)=' "$env" || true)
	[ -z "$extra" ] || fail "the hook saw more than the contract: $extra"
	[ "$(cat "$R/hook-cwd")" = "$root" ] || fail "the hook ran in $(cat "$R/hook-cwd"), not the root"
}

test_hook_bytes_that_differ_from_the_manifest_are_refused_and_nothing_runs() {
	hook_script marker 'echo ran > "$PAKFIRE_ROOT/marker-ran"'
	repo_mini 139 --hook "pre=$HOOK"
	mkdir -p "$T/other"
	printf '#!/bin/sh\necho evil > "$PAKFIRE_ROOT/evil-ran"\n' >"$T/other/marker"
	chmod 0755 "$T/other/marker"
	hostile_pak 139 --hooks "$T/other"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_error_line "marker" "SHA-256"
	assert_nothing_changed
	[ ! -e "$R/evil-ran" ] && [ ! -e "$R/marker-ran" ] || fail "a hook ran"
	assert_db "SELECT count(*) FROM hook_runs" "0"
}

test_a_hook_missing_from_the_package_is_refused() {
	hook_script marker 'echo ran > "$PAKFIRE_ROOT/marker-ran"'
	repo_mini 139 --hook "post=$HOOK"
	hostile_pak 139 --hooks "$T/hooks" --omit .pakfire/hooks/marker
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_error_line "marker" "missing"
	assert_nothing_changed
	assert_db "SELECT count(*) FROM hook_runs" "0"
}

test_local_hooks_run_around_the_transaction_and_unsafe_ones_are_refused() {
	repo_mini 139
	repo_mini 140
	http_start
	root_at_core 138
	must_update
	mkdir -p "$R/etc/pakfire/hooks.d"
	chmod 0755 "$R/etc/pakfire/hooks.d"
	printf '#!/bin/sh\necho "$PAKFIRE_PHASE $PAKFIRE_UNITS core=$PAKFIRE_CORE" >> "$PAKFIRE_ROOT/notified"\n' \
		>"$R/etc/pakfire/hooks.d/10-notify"
	chmod 0755 "$R/etc/pakfire/hooks.d/10-notify"
	printf '#!/bin/sh\ntouch "$PAKFIRE_ROOT/unsafe-ran"\n' >"$R/etc/pakfire/hooks.d/20-unsafe"
	chmod 0775 "$R/etc/pakfire/hooks.d/20-unsafe"
	printf '#!/bin/sh\ntouch "$PAKFIRE_ROOT/world-ran"\n' >"$R/etc/pakfire/hooks.d/30-world"
	chmod 0757 "$R/etc/pakfire/hooks.d/30-world"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ "$(cat "$R/notified")" = "pre-transaction core-139 core-140 core=138
post-transaction core-139 core-140 core=140" ] || fail "the local hook saw: $(cat "$R/notified")"
	[ ! -e "$R/unsafe-ran" ] || fail "a group-writable local hook ran"
	[ ! -e "$R/world-ran" ] || fail "a world-writable local hook ran"
	assert_stderr_contains "20-unsafe"
	assert_stderr_contains "30-world"
	assert_stderr_contains "writable"
	assert_db "SELECT count(*) FROM hook_runs WHERE state = 'refused'" "4"
	assert_db "SELECT count(*) FROM hook_runs WHERE name = '10-notify' AND state = 'ok'" "2"
}

test_a_failing_local_pre_transaction_hook_changes_nothing() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	mkdir -p "$R/etc/pakfire/hooks.d"
	printf '#!/bin/sh\necho "backup failed" >&2\nexit 2\n' >"$R/etc/pakfire/hooks.d/backup"
	chmod 0755 "$R/etc/pakfire/hooks.d/backup"
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	assert_error_line "local hook backup"
	assert_nothing_changed
}

test_an_interrupt_during_a_pre_hook_exits_130_and_changes_nothing() {
	hook_script slow 'echo started > "$PAKFIRE_ROOT/slow-started"; exec sleep 4713'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	remember_state

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started "slow-started" "pre hook"
	rm "$R/slow-started"
	kill -INT "$(bg_pakfire)"
	wait_bg
	assert_exit 130
	assert_error_line "slow" "interrupted"
	assert_nothing_changed
	pgrep -f "sleep 4713" >/dev/null && fail "the hook's sleep is still running"
	assert_db "SELECT state FROM hook_runs" "interrupted"
}

test_a_post_hook_interrupted_exits_130_and_holds_upgrades() {
	hook_script slow 'echo started > "$PAKFIRE_ROOT/slow-started"; exec sleep 4714'
	repo_mini 139 --hook "post=$HOOK"
	http_start
	root_at_core 138
	must_update

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started "slow-started" "post hook"
	kill -TERM "$(bg_pakfire)"
	wait_bg
	assert_exit 143
	assert_error_line "slow" "interrupted" "core 139 was applied"
	assert_db "SELECT core FROM system" "139"
	assert_db "SELECT state || ' ' || COALESCE(resolved, 'open') FROM hook_runs" "interrupted open"
	pgrep -f "sleep 4714" >/dev/null && fail "the hook's sleep is still running"
	run pakfire --root "$R" upgrade --yes
	assert_exit 6
}

test_post_hooks_after_a_failed_one_wait_for_it() {
	hook_script a-ldconfig 'if [ -e broken ]; then echo "ld.so.conf is broken"; exit 1; fi; echo a >> order'
	local first=$HOOK
	hook_script b-start 'echo b >> order'
	repo_mini 139 --hook "post=$first" --hook "post=$HOOK"
	http_start
	root_at_core 138
	touch "$R/broken"
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	[ ! -e "$R/order" ] || fail "a hook after the failed one ran: $(cat "$R/order")"
	assert_db "SELECT name || ' ' || state FROM hook_runs ORDER BY id" "a-ldconfig failed
b-start skipped"
	# every later command that takes the lock leaves them alone
	run pakfire --root "$R" clean
	assert_exit 0
	[ ! -e "$R/order" ] || fail "recovery ran a skipped hook: $(cat "$R/order")"

	# fixed, the failed one runs again and the skipped one after it, in order
	rm "$R/broken"
	local id
	id=$(db_query "SELECT id FROM hook_runs WHERE name = 'a-ldconfig'")
	run pakfire --root "$R" hook rerun "$id"
	assert_exit 0
	[ "$(cat "$R/order")" = "a
b" ] || fail "the hooks ran as: $(cat "$R/order")"
	assert_db "SELECT count(*) FROM hook_runs WHERE resolved IS NULL AND state != 'ok'" "0"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
}

test_a_failed_pre_hook_is_not_run_again_by_rerun() {
	hook_script check 'exit 1'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 6
	local id
	id=$(db_query "SELECT id FROM hook_runs")
	run pakfire --root "$R" hook rerun "$id"
	assert_exit 2
	assert_error_line "was not applied" "pakfire upgrade"
}

test_local_hooks_through_symlinks_and_unsafe_folders_are_refused() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	local d=$R/etc/pakfire/hooks.d
	mkdir -p "$d" "$T/outside"
	printf '#!/bin/sh\ntouch "$PAKFIRE_ROOT/outside-ran"\n' >"$T/outside/evil"
	chmod 0755 "$T/outside/evil"
	ln -s "$T/outside/evil" "$d/10-out"
	ln -s ../pakfire.conf "$d/20-up"
	printf '#!/bin/sh\necho "$PAKFIRE_PHASE" >> "$PAKFIRE_ROOT/inside-ran"\n' >"$d/real"
	chmod 0755 "$d/real"
	ln -s real "$d/30-alias"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ ! -e "$R/outside-ran" ] || fail "a symlink out of hooks.d ran"
	assert_stderr_contains "10-out"
	assert_stderr_contains "symlink leading out"
	assert_stderr_contains "20-up"
	# a symlink to a file of the folder itself runs that file (twice: alias and real)
	[ "$(sort "$R/inside-ran" | uniq -c | awk '{print $1}' | tr '\n' ' ')" = "2 2 " ] ||
		fail "the hooks in the folder ran: $(cat "$R/inside-ran")"

	# a folder others may write to: nothing in it runs
	rm -f "$R/inside-ran"
	repo_mini 140
	must_update
	chmod 0777 "$d"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ ! -e "$R/inside-ran" ] || fail "a hook in a world-writable hooks.d ran"
	assert_stderr_contains "its folder"
}

run_tests "$@"
