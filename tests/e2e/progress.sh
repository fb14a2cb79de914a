#!/usr/bin/env bash
# What a person sees while pakfire downloads and applies (issue 18, item 4;
# docs/progress.md): on a terminal a block of bars redrawn in place (seen
# for real in a tmux pane, and through script(1)), in a pipe one line per
# file downloaded, with --quiet nothing, with --json progress lines on
# stderr that validate against docs/schemas/progress.json.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# world_two: core 139 and 140, each with a file of random bytes (so that
# the package is as large: SIZE), served at 64 KiB/s per connection so
# that a download lasts a few seconds; a root at core 138 with the index.
world_two() {
	local size=${1:-256K}
	repo_mini 139 --file "usr/share/mini/big-139=$size"
	repo_mini 140 --file "usr/share/mini/big-140=$size"
	http_start --throttle 64
	root_at_core 138
	must_update
}

# The pane of a tmux server of this test (its socket below $T, so that a
# test beside this one never sees it): PANE_CMD runs in a 100x30 window
# and then says EXIT=<its code>. The server is killed at teardown (its
# pid goes with the web servers').
pane_start() {
	TMUX_SOCK=$T/tmux.sock
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -x "${PANE_WIDTH:-100}" -y 30 \
		"$1; echo EXIT=\$?; sleep 60"
	tmux -S "$TMUX_SOCK" display-message -p '#{pid}' >>"$T/httpd/pids"
}

pane() {
	tmux -S "$TMUX_SOCK" capture-pane -p -J
}

# pane_wait REGEX [SECONDS]: until the pane shows a line matching REGEX
# (grep -E); the pane as it was then is in $T/pane.
pane_wait() {
	local tries=$((${2:-60} * 10))
	while [ "$tries" -gt 0 ]; do
		pane >"$T/pane" 2>/dev/null || true
		grep -qE -- "$1" "$T/pane" && return 0
		grep -q '^EXIT=' "$T/pane" && ! grep -qE -- "$1" "$T/pane" && [ "$1" != '^EXIT=' ] &&
			fail "the command ended before the pane showed /$1/: $(cat "$T/pane")"
		sleep 0.1
		tries=$((tries - 1))
	done
	fail "the pane never showed /$1/ in ${2:-60}s: $(cat "$T/pane")"
}

# assert_core N: the system is at core N, and its file says so.
assert_core() {
	assert_db "SELECT core FROM system" "$1"
	grep -qx "Mini Linux - core$1" "$R/etc/mini-release" || fail "etc/mini-release is not core $1's"
}

PF_CMD() { printf 'timeout -k 5 %s %q' "$PF_CLIENT_TIMEOUT" "$PAKFIRE_BIN"; }

# A bar line under way: name, [===>   ], done/total with a unit, the rate
# (known after a few tenths of a second), the time left.
BAR='^core-1[34][0-9]\.pak +\[=+>? *\] +[0-9.]+/[0-9.]+ (KiB|MiB) +[0-9.]+ (B|KiB|MiB)/s +[0-9]+:[0-9]{2}$'

test_a_terminal_shows_a_bar_then_one_line_per_file() {
	world_two 128K
	# one transfer at a time: the window fetches both packages ahead
	conf_set parallel-downloads 1
	pane_start "$(PF_CMD) --root $R upgrade --yes"
	# the bar, with its figures, while the first package comes
	pane_wait "$BAR" 60
	[ -z "${PF_SHOW_PANE:-}" ] || cat "$T/pane"
	[ "$(grep -cE '^core-1[34][0-9]\.pak ' "$T/pane")" = 1 ] ||
		fail "not one bar line for the one transfer: $(cat "$T/pane")"
	pane_wait '^EXIT=' 60
	[ -z "${PF_SHOW_PANE:-}" ] || cat "$T/pane"
	grep -qx 'EXIT=0' "$T/pane" || fail "the upgrade failed: $(cat "$T/pane")"
	# one line per package, with its size and rate; no bar left behind
	[ "$(grep -c '^Downloaded core-139\.pak ([0-9.]* KiB' "$T/pane")" = 1 ] ||
		fail "not one Downloaded line for core-139.pak: $(cat "$T/pane")"
	[ "$(grep -c '^Downloaded core-140\.pak ([0-9.]* KiB' "$T/pane")" = 1 ] ||
		fail "not one Downloaded line for core-140.pak: $(cat "$T/pane")"
	grep -qE '^Downloaded core-139\.pak \([0-9.]+ KiB, [0-9.]+ (B|KiB|MiB)/s\)$' "$T/pane" ||
		fail "the Downloaded line has no rate on a terminal: $(cat "$T/pane")"
	! grep -qE '\[[= >]+\]|--:--|/s +[0-9]+:[0-9]{2}' "$T/pane" ||
		fail "a progress line was left on the terminal: $(cat "$T/pane")"
	! grep -qE '^[|/\\-] (staging|syncing|committing)' "$T/pane" ||
		fail "a step line was left on the terminal: $(cat "$T/pane")"
	grep -q '^Core 140 applied' "$T/pane" || fail "no end of core 140: $(cat "$T/pane")"
	assert_core 140
}

# No line of the block is wider than the terminal: a narrow window gets
# cut lines (a wrapped line would break the redraw in place, which counts
# lines): each bar line shows on one row, starting with the name.
test_a_narrow_terminal_gets_lines_cut_to_its_width() {
	world_two 128K
	PANE_WIDTH=50 pane_start "$(PF_CMD) --root $R upgrade --yes"
	pane_wait '^core-139\.pak ' 60
	awk '/^(core-1[34][09]\.pak|Total) / && length($0) > 49 { bad = 1 } END { exit bad }' "$T/pane" ||
		fail "a line is wider than the terminal: $(cat "$T/pane")"
	pane_wait '^EXIT=' 60
	grep -qx 'EXIT=0' "$T/pane" || fail "the upgrade failed: $(cat "$T/pane")"
	[ "$(grep -c '^Downloaded core-1[34][09]\.pak' "$T/pane")" = 2 ] ||
		fail "not one Downloaded line per package: $(cat "$T/pane")"
	! grep -qE '^core-1[34][09]\.pak ' "$T/pane" ||
		fail "a progress line was left on the terminal: $(cat "$T/pane")"
}

# Several packages at once (parallel-downloads = 2): a Total line with the
# files done of the batch. Needs the engine's DOWNLOAD_TOTAL (issue 18,
# part A) and a batch of packages (part C's download window).
test_a_batch_shows_a_total_line() {
	world_two 128K
	conf_set parallel-downloads 2
	pane_start "$(PF_CMD) --root $R upgrade --yes"
	pane_wait '^Total [0-9]+/2 files +\[' 60
	pane_wait '^EXIT=' 60
	grep -qx 'EXIT=0' "$T/pane" || fail "the upgrade failed: $(cat "$T/pane")"
	! grep -q '^Total ' "$T/pane" || fail "the Total line was left on the terminal: $(cat "$T/pane")"
}

# script(1) gives pakfire a terminal: with --quiet nothing of the progress
# shows, nor a line per file.
test_quiet_on_a_terminal_shows_no_progress() {
	world_two 64K
	run script -qec "$(PF_CMD) --root $R --quiet upgrade --yes" "$T/typescript"
	assert_exit 0
	! grep -q $'\033' "$RUN_OUT" || fail "escape sequences with --quiet: $(od -c "$RUN_OUT" | head)"
	! grep -qE 'Downloaded|staging|\[=' "$RUN_OUT" || fail "progress with --quiet: $(cat "$RUN_OUT")"
	assert_core 140
}

# And without --quiet, the same terminal gets the block and the line per
# file (the escape sequences of the redraw are there).
test_script_sees_the_block_on_a_terminal() {
	world_two 64K
	run script -qec "$(PF_CMD) --root $R upgrade --yes" "$T/typescript"
	assert_exit 0
	grep -q $'\033\\[K' "$RUN_OUT" || fail "no redraw in place on a terminal: $(od -c "$RUN_OUT" | head)"
	grep -q 'Downloaded core-139.pak' "$RUN_OUT" || fail "no Downloaded line: $(cat "$RUN_OUT")"
}

# In a pipe: no bars, no escape sequences, no carriage returns; exactly
# one line per package, on stdout with the rest of the story.
test_a_pipe_gets_one_line_per_file() {
	world_two 64K
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ "$(grep -c '^Downloaded core-139\.pak ([0-9][0-9]*\.[0-9] KiB)$' "$RUN_OUT")" = 1 ] ||
		fail "not one line for core-139.pak: $(cat "$RUN_OUT")"
	[ "$(grep -c '^Downloaded core-140\.pak ([0-9][0-9]*\.[0-9] KiB)$' "$RUN_OUT")" = 1 ] ||
		fail "not one line for core-140.pak: $(cat "$RUN_OUT")"
	! grep -q $'[\r\033]' "$RUN_OUT" "$RUN_ERR" ||
		fail "a carriage return or an escape sequence in a pipe: $(od -c "$RUN_OUT" "$RUN_ERR" | head -n 20)"
	assert_stderr_empty
	# the line comes before the update it is for is applied
	[ "$(grep -n -m1 '^Downloaded core-140\.pak' "$RUN_OUT" | cut -d: -f1)" -lt \
		"$(grep -n -m1 '^Core 140 applied' "$RUN_OUT" | cut -d: -f1)" ] ||
		fail "the Downloaded line is not before the update is applied: $(cat "$RUN_OUT")"
	run pakfire --root "$R" --quiet update
	assert_exit 0
	[ ! -s "$RUN_OUT" ] || fail "--quiet printed something: $(cat "$RUN_OUT")"
}

# progress_lines FILE: the JSON lines of a --json run's stderr (those that
# start with '{'), validated against docs/schemas/progress.json; every
# other line must be the error line.
progress_lines() {
	grep '^{' "$RUN_ERR" >"$T/progress.jsonl" || fail "no JSON progress lines on stderr: $(cat "$RUN_ERR")"
	! grep -v '^{' "$RUN_ERR" | grep -qv '^pakfire: error: ' ||
		fail "stderr holds a line that is neither JSON nor the error line: $(grep -v '^{' "$RUN_ERR")"
	"$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --schema progress "$T/progress.jsonl" >"$T/validate.out" 2>&1 ||
		fail "a progress line does not match docs/schemas/progress.json: $(head -n 20 "$T/validate.out")"
}

# jq-like: the python expression EXPR over the list L of progress objects.
progress_eval() {
	python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$T/progress.jsonl" "$1"
}

test_json_progress_lines_on_stderr() {
	world_two 64K
	run pakfire --root "$R" --json upgrade --yes
	assert_exit 0
	assert_json ok true
	progress_lines
	local n size
	for n in 139 140; do
		size=$(stat -c %s "$REPO/core/core-$n.pak")
		[ "$(progress_eval "len([e for e in L if e['event'] == 'download-start' and e['file'] == 'core-$n.pak'])")" = 1 ] ||
			fail "not one download-start for core-$n.pak: $(cat "$T/progress.jsonl")"
		[ "$(progress_eval "[(e['done'], e['total']) for e in L if e['event'] == 'download-done' and e['file'] == 'core-$n.pak']")" = "[($size, $size)]" ] ||
			fail "not one download-done of $size bytes for core-$n.pak: $(cat "$T/progress.jsonl")"
		[ "$(progress_eval "[e['total'] for e in L if e['event'] == 'download-start' and e['file'] == 'core-$n.pak']")" = "[$size]" ] ||
			fail "the download-start of core-$n.pak does not give its signed size $size: $(cat "$T/progress.jsonl")"
	done
	# the document on stdout is as it was: one line, its downloaded events
	[ "$(wc -l <"$RUN_OUT")" = 1 ] || fail "stdout is not one document"
	assert_json event=downloaded file=core-139.pak bytes "$(stat -c %s "$REPO/core/core-139.pak")"
	# --quiet: no stream (a second root, at core 138 again)
	R=$T/root2
	DB=$R/var/lib/pakfire/pakfire.db
	root_at_core 138
	must_update
	run pakfire --root "$R" --json --quiet upgrade --yes
	assert_exit 0
	! grep -q '^{' "$RUN_ERR" || fail "progress lines with --quiet: $(head -n 3 "$RUN_ERR")"
}

# Throttled: a download of a few seconds gives progress lines, at most
# about two a second, each with the bytes so far and never more than the
# total; the rate shows once there are figures for it.
test_json_progress_is_throttled() {
	world_two 192K
	run pakfire --root "$R" --json upgrade --yes
	assert_exit 0
	progress_lines
	local n
	n=$(progress_eval "len([e for e in L if e['event'] == 'download-progress' and e['file'] == 'core-139.pak'])")
	[ "$n" -ge 2 ] || fail "only $n download-progress lines in a 3 s download: $(cat "$T/progress.jsonl")"
	# 192 KiB at 64 KiB/s: about 3 s, so at most about 7 lines at 2 a second
	[ "$n" -le 10 ] || fail "$n download-progress lines in a 3 s download: more than 2 a second"
	[ "$(progress_eval "all(e['done'] <= e['total'] for e in L if e['event'] == 'download-progress')")" = True ] ||
		fail "a progress line with more bytes than the total"
	[ "$(progress_eval "any(e['rate'] for e in L if e['event'] == 'download-progress')")" = True ] ||
		fail "no rate in any progress line: $(cat "$T/progress.jsonl")"
}

# The batch's total (DOWNLOAD_TOTAL): needs the engine of issue 18, part A.
test_json_progress_has_a_total() {
	world_two 64K
	conf_set parallel-downloads 2
	run pakfire --root "$R" --json upgrade --yes
	assert_exit 0
	progress_lines
	[ "$(progress_eval "len([e for e in L if e['event'] == 'download-total'])")" -ge 1 ] ||
		fail "no download-total line: $(cat "$T/progress.jsonl")"
}

# Staging an update of many files says how far it got (ACTIVITY), in the
# JSON stream: the unit, "staging", the files done of the total.
test_staging_many_files_shows_activity() {
	repo_mini 139 --files usr/share/many=3000
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" --json upgrade --yes
	assert_exit 0
	progress_lines
	local total
	total=$(progress_eval "sorted(set(e['total'] for e in L if e['event'] == 'activity' and e['what'] == 'staging' and e['unit'] == 'core-139'))")
	[[ $total =~ ^\[([0-9]+)\]$ ]] && [ "${BASH_REMATCH[1]}" -ge 3000 ] ||
		fail "no staging activity of core-139 over its 3000+ files: $(cat "$T/progress.jsonl")"
	[ "$(progress_eval "all(0 < e['done'] <= e['total'] for e in L if e['event'] == 'activity' and e['what'] == 'staging')")" = True ] ||
		fail "a staging line counts outside 1..total: $(cat "$T/progress.jsonl")"
	[ "$(progress_eval "any(e['what'] == 'syncing' and e['unit'] == 'core-139' for e in L if e['event'] == 'activity')")" = True ] ||
		fail "no syncing activity: $(cat "$T/progress.jsonl")"
	assert_core 139
}

# On a terminal, staging an update of many files shows a step line (a
# spinner, the unit, the files done of the total) while it goes on, and
# nothing of it is left once the upgrade ended.
test_staging_many_files_shows_a_step_line_on_a_terminal() {
	repo_mini 139 --files usr/share/many=3000
	http_start
	root_at_core 138
	must_update
	pane_start "$(PF_CMD) --root $R upgrade --yes"
	# staging 3000 files takes about half a second: the pane is read
	# without pause (pane_wait reads it ten times a second)
	local end=$((SECONDS + 60)) seen=""
	while [ "$SECONDS" -lt "$end" ]; do
		pane >"$T/pane" 2>/dev/null || true
		if grep -qE '^. staging core-139 +[0-9]+/[0-9]+ files$' "$T/pane"; then
			seen=1
			break
		fi
		grep -q '^EXIT=' "$T/pane" && break
	done
	[ -n "$seen" ] || fail "the pane never showed the staging line: $(cat "$T/pane")"
	[ -z "${PF_SHOW_PANE:-}" ] || cat "$T/pane"
	local done total
	done=$(grep -oE 'staging core-139 +[0-9]+/' "$T/pane" | grep -oE '[0-9]+/$' | tr -d /)
	total=$(grep -oE 'staging core-139 +[0-9]+/[0-9]+' "$T/pane" | grep -oE '[0-9]+$')
	[ "$total" -ge 3000 ] && [ "$done" -ge 1 ] && [ "$done" -le "$total" ] ||
		fail "the step line counts $done of $total files: $(cat "$T/pane")"
	pane_wait '^EXIT=' 60
	grep -qx 'EXIT=0' "$T/pane" || fail "the upgrade failed: $(cat "$T/pane")"
	! grep -q 'staging core-139' "$T/pane" || fail "the step line was left behind: $(cat "$T/pane")"
	assert_core 139
}

run_tests "$@"
