#!/usr/bin/env bash
# pakfire diagnose (docs/diagnose.md), part 1: the runs that failed. For
# each failure the other tests produce (space.sh, space-verdicts.sh,
# hooks.sh, bad-input.sh, crash.sh), diagnose names the cause, the update
# and the next action, in text and in JSON (validated against
# docs/schemas/diagnose.json), exits 64 + the cause's bit, and changes not
# a byte under the root (tests/lib-diagnose.sh). A healthy system exits 0.
# Part 2, the state around the runs: diagnose-state.sh.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lib-diagnose.sh
. "$PF_TOP/tests/lib-diagnose.sh"

# Updates with hooks need client level 3 (docs/formats.md, "Client levels").
REPO_MIN_CLIENT=3

test_a_freshly_upgraded_system_is_healthy() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	root_print >"$T/before"

	run pakfire --root "$R" diagnose
	assert_exit 0
	assert_stderr_empty
	assert_output_contains "Verdict: healthy"
	assert_output_contains "Core level:  139"
	# the sections in the documented order, each once
	[ "$(grep -oE '^(Series|Runs|Failure|Space|Journal|Keys|Indexes|Mirrors|Cache|Database|Lock|Mounts|Verdict):' "$RUN_OUT" | tr -d ':' | tr '\n' ' ')" = \
		"Series Runs Failure Space Journal Keys Indexes Mirrors Cache Database Lock Mounts Verdict " ] ||
		fail "the sections are not in the documented order: $(grep -oE '^[A-Z][a-z ]+:' "$RUN_OUT" | tr '\n' ' ')"
	# readable on an 80-column terminal
	! awk 'length > 80' "$RUN_OUT" | grep -q . || fail "lines wider than 80 columns: $(awk 'length > 80' "$RUN_OUT")"
	run pakfire --root "$R" --json diagnose
	assert_exit 0
	assert_json ok true
	assert_json exit_code 0
	assert_json diagnose.healthy true
	assert_json diagnose.exit_code 0
	assert_json diagnose.system.core 139
	assert_json diagnose.lock.held false
	assert_json diagnose.database.integrity_check ok
	# the bundle holds the same report: its JSON matches the schema too
	run pakfire --root "$R" diagnose --bundle "$T/b.tar.gz"
	assert_exit 0
	assert_output_contains "Bundle:      $T/b.tar.gz"
	mkdir "$T/x"
	must tar -xzf "$T/b.tar.gz" -C "$T/x"
	grep -qx "Verdict: healthy" "$T"/x/*/report.txt || fail "the bundle's report.txt is not the healthy report"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --schema diagnose "$T"/x/*/report.json
	assert_exit 0
	root_print >"$T/after"
	diff -q "$T/before" "$T/after" >/dev/null || fail "diagnose changed the root: $(diff "$T/before" "$T/after" | head)"
}

test_a_space_refusal_names_the_mount_and_what_to_free() {
	# /boot holds core 139's kernel, but for the old one the installer
	# left there (nobody owns it: deleting it makes room)
	mount_fs "$R" 64M
	mount_fs "$R/boot" 16M
	repo_mini 139 --file boot/vmlinuz-139=6M
	http_start
	root_at_core 138 --cache-fs 32M
	head -c $((12 * 1024 * 1024)) /dev/urandom >"$R/boot/vmlinuz-5.15.0-old"
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 3

	diagnose_finds space 2 core-139 "core 139"
	grep -q "^\* space, core 139: .*/boot" "$T/diag.txt" ||
		fail "the verdict does not name /boot: $(sed -n '/^Verdict/,$p' "$T/diag.txt")"
	grep -q "^  cause:     space" "$T/diag.txt" || fail "the failure's cause is not space: $(grep -A4 '^Failure' "$T/diag.txt")"
	# a refused run records no step naming a unit: the space check does
	assert_json diagnose.failure.unit core-139
	grep -q "^  update:    core 139" "$T/diag.txt" || fail "the failure names no update: $(grep -A4 '^Failure' "$T/diag.txt")"
	# a size's unit keeps its punctuation, with no space before it
	if flat_text | grep -Eq 'iB [,;:.)]'; then
		fail "a space before punctuation: $(flat_text | grep -Eo '.{30}iB [,;:.)].{10}')"
	fi
	# it fits now: the failure still names its update and the command
	rm "$R/boot/vmlinuz-5.15.0-old"
	run pakfire --root "$R" --json diagnose
	[ "$(problem_field space unit)" = core-139 ] || fail "the space problem names no unit: $(cat "$RUN_OUT")"
	[ "$(problem_field space action)" = "it fits now: run 'pakfire upgrade' again" ] ||
		fail "the next action: $(problem_field space action)"
}

test_a_partition_that_can_never_hold_the_update() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 4M
	repo_mini 139 --file "boot/vmlinuz-139=6M"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 3

	diagnose_finds never-fits 2 core-139 "core 139"
	grep -q "^\* never-fits, core 139: .*/boot" "$T/diag.txt" ||
		fail "the verdict does not name /boot: $(sed -n '/^Verdict/,$p' "$T/diag.txt")"
	assert_json "diagnose.failure.cause" never-fits
	assert_json diagnose.failure.unit core-139
}

test_a_failed_hook_with_its_output() {
	hook_script check 'echo "the disk is not ready" >&2; exit 1'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 6

	diagnose_finds hook 1 core-139 "core 139"
	grep -q "the disk is not ready" "$T/diag.txt" || fail "the hook's output is not in the report"
	# a pre hook's update was undone: 'hook rerun' refuses it, the command runs it again
	problem_field hook action | grep -q "fix what it names, then run 'pakfire upgrade' again$" ||
		fail "the next action of a failed pre hook: $(problem_field hook action)"
	flat_text | grep -q "hook rerun" && fail "a failed pre hook is to be rerun: $(flat_text)"
	true
}

test_a_package_that_differs_from_the_signed_index() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	flip_byte "$REPO/core/core-139.pak"
	run pakfire --root "$R" upgrade --yes
	assert_exit 4

	diagnose_finds hash 4 core-139 "core 139"
}

test_a_run_killed_mid_apply_leaves_the_unit_in_the_journal() {
	# the pre hook runs once the journal holds the unit, before anything
	# is staged: killed there, the next run rolls the update back
	hook_script wait 'echo $$ >hook.pid; : >started; exec sleep 30'
	repo_mini 139 --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	hook_started started "pre hook"
	kill -9 "$(bg_pakfire)"
	wait_bg
	kill -9 "$(cat "$R/hook.pid")" 2>/dev/null || true
	# the kernel lets go of the lock with its last holder
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true && break; sleep 0.1; done
	assert_db "SELECT unit FROM journal" "core-139"

	diagnose_finds interrupted 1 core-139 "core 139"
	grep -q "^Journal:     core 139" "$T/diag.txt" || fail "the journal section does not name core 139: $(grep -A3 '^Journal' "$T/diag.txt")"
	grep -q "roll back" "$T/diag.txt" || fail "the report does not say that recovery rolls core 139 back"
	assert_json diagnose.journal.unit core-139
	assert_json diagnose.journal.action "roll back"
	# what is true: killed in its pre hook, nothing replaced; upgrade again
	problem_field interrupted what | grep -q "^run #[0-9]* (upgrade) was stopped while applying core 139, in its pre hook .* (journal state staging): none of its [0-9]* paths was replaced yet" ||
		fail "what the interrupted problem says: $(problem_field interrupted what)"
	problem_field interrupted action | grep -qF "run 'pakfire upgrade' again (any command that takes the lock, e.g. 'pakfire clean', finishes the recovery first)" ||
		fail "the interrupted problem's action: $(problem_field interrupted action)"
	grep -q "^  hook: .* pre hook .*: interrupted" "$T/diag.txt" ||
		fail "the killed pre hook does not read interrupted: $(grep -A6 '^Failure' "$T/diag.txt")"
	flat_text | grep -q "wait: running" && fail "the hook of a killed run reads running"
	true
}

# The report's text on one line, its wrapping undone.
flat_text() {
	tr '\n' ' ' <"$T/diag.txt" | tr -s ' '
}

# FIELD of the problem of CAUSE in the JSON report ($RUN_OUT).
problem_field() {
	"$PF_PY3" -c 'import json, sys
for p in json.load(open(sys.argv[1]))["diagnose"]["problems"]:
    if p["cause"] == sys.argv[2]:
        print(p[sys.argv[3]] or "")' "$RUN_OUT" "$1" "$2"
}

run_tests "$@"
