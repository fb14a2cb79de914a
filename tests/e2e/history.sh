#!/usr/bin/env bash
# pakfire history: every transaction with its outcome (ok, failed, refused,
# interrupted), exit code and error; `history ID` with the steps of each
# update in order; --json with the same. Support staff read it to learn
# what failed, where and why.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# history_rows: the last run's `--json history` as one line per
# transaction, "id|command|outcome|exit_code|error|steps" (null as empty;
# steps as "core:step,core:step..."), after checking that it parses.
history_rows() {
	python3 -m json.tool "$RUN_OUT" >/dev/null || fail "history --json is not JSON: $(head -c 300 "$RUN_OUT")"
	python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for t in doc["history"]["transactions"]:
    v = lambda k: "" if t.get(k) is None else str(t[k])
    steps = ",".join("%s:%s" % (s.get("core", ""), s["step"]) for s in t["steps"])
    print("|".join([v("id"), v("command"), v("outcome"), v("exit_code"), v("error"), steps]))
' "$RUN_OUT"
}

# the same from the database
db_rows() {
	db_query "SELECT id, command, ifnull(outcome, ''), ifnull(exit_code, ''), ifnull(error, ''),
		ifnull((SELECT group_concat(ifnull(substr(unit, 6), '') || ':' || step, ',')
			FROM (SELECT * FROM steps WHERE transaction_id = t.id ORDER BY id)), '')
		FROM transactions t ORDER BY id"
}

# history_line ID: the line of transaction ID in the last run's text output.
history_line() {
	grep -E "^#$1 " "$RUN_OUT" || fail "history does not list transaction $1: $RUN_CMD"
}

test_history_lists_every_transaction_with_its_outcome() {
	# 139 fits; 140 ships more than the whole root holds: refused
	mount_fs "$R" 8M
	repo_mini 139
	repo_mini 140 --file usr/lib/libbig.so=12M
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	run pakfire --root "$R" upgrade --yes
	assert_exit 3
	assert_error_line "does not fit"
	local refused=$ERROR_LINE
	# an index that does not match its signature: failed
	flip_byte "$REPO/index"
	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line
	local failed=$ERROR_LINE

	run pakfire --root "$R" history
	assert_exit 0
	assert_stderr_empty
	[ "$(grep -c '^#' "$RUN_OUT")" = 4 ] || fail "expected 4 transactions, got: $(cat "$RUN_OUT")"
	history_line 1 | grep -qE '^#1 +update +[0-9T:-]+Z +ok( |$)' || fail "transaction 1: $(history_line 1)"
	history_line 2 | grep -qE '^#2 +upgrade +[0-9T:-]+Z +ok +core 139 cleaned up$' ||
		fail "transaction 2: $(history_line 2)"
	history_line 3 | grep -qE '^#3 +upgrade +[0-9T:-]+Z +refused ' || fail "transaction 3: $(history_line 3)"
	history_line 3 | grep -qF -- "$refused" || fail "transaction 3 does not show its error: $(history_line 3)"
	history_line 4 | grep -qE '^#4 +update +[0-9T:-]+Z +failed ' || fail "transaction 4: $(history_line 4)"
	history_line 4 | grep -qF -- "$failed" || fail "transaction 4 does not show its error: $(history_line 4)"

	# --json: the same transactions, as the database has them
	run pakfire --root "$R" --json history
	assert_exit 0
	assert_json ok true
	[ "$(history_rows)" = "$(db_rows)" ] ||
		fail "history --json differs from the database:
$(diff <(history_rows) <(db_rows))"
	history_rows | cut -d'|' -f1-5 >"$T/rows"
	cat >"$T/want" <<-EOF
		1|update|ok|0|
		2|upgrade|ok|0|
		3|upgrade|refused|3|$refused
		4|update|failed|4|$failed
	EOF
	diff -u "$T/want" "$T/rows" || fail "history --json: not the transactions that ran"
}

test_history_id_shows_the_steps_of_an_upgrade_in_order() {
	repo_mini 139
	repo_mini 140
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	local id
	id=$(db_query "SELECT max(id) FROM transactions WHERE command = 'upgrade'")

	run pakfire --root "$R" history "$id"
	assert_exit 0
	[ "$(grep -c '^#' "$RUN_OUT")" = 1 ] || fail "history $id shows more than transaction $id"
	history_line "$id" | grep -qE "^#$id +upgrade +[0-9T:-]+Z +ok" || fail "transaction $id: $(history_line "$id")"
	assert_output_contains "exit code 0"
	local steps
	steps=$(grep -E '^ +[0-9T:-]+Z +core ' "$RUN_OUT" |
		sed -E 's/^ +[0-9T:-]+Z +core +([0-9]+) +(downloading|verified|staging|committing|committed|cleaned up)( .*)?$/\1:\2/' |
		paste -sd, -)
	# each update's steps in their order; the download window fetches both
	# packages (at once) before the first is applied, so the two updates'
	# download steps may come in either order before 139 is staged
	local n want
	for n in 139 140; do
		want="$n:downloading,$n:verified,$n:staging,$n:committing,$n:committed,$n:cleaned up"
		[ "$(tr , '\n' <<<"$steps" | grep "^$n:" | paste -sd, -)" = "$want" ] ||
			fail "the steps of core $n in transaction $id: \"$steps\", expected \"$want\""
	done
	[ "$(tr , '\n' <<<"$steps" | tail -n 4 | paste -sd, -)" = \
		"140:staging,140:committing,140:committed,140:cleaned up" ] ||
		fail "core 140 is not applied after core 139: \"$steps\""

	run pakfire --root "$R" --json history "$id"
	assert_exit 0
	[ "$(history_rows)" = "$id|upgrade|ok|0||$steps" ] ||
		fail "history --json $id: $(history_rows)"
}

test_a_failed_upgrade_shows_its_error_and_how_far_it_got() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	flip_byte "$REPO/core/core-139.pak"
	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_error_line "core-139.pak"
	local message=$ERROR_LINE id
	id=$(db_query "SELECT max(id) FROM transactions")

	run pakfire --root "$R" history "$id"
	assert_exit 0
	history_line "$id" | grep -qE "^#$id +upgrade +[0-9T:-]+Z +failed +" ||
		fail "transaction $id: $(history_line "$id")"
	history_line "$id" | grep -qF -- "$message" || fail "history $id does not show the error"
	assert_output_contains "exit code 4"
	assert_output_contains "downloading"
	run pakfire --root "$R" --json history "$id"
	assert_exit 0
	[ "$(history_rows)" = "$id|upgrade|failed|4|$message|139:downloading" ] ||
		fail "history --json $id: $(history_rows)"
}

test_a_killed_run_shows_interrupted_once_the_next_run_recovered() {
	repo_mini 139
	repo_mini 140
	http_start
	root_at_core 138
	must_update
	# killed while 139 is staged (its symlink): the journal says staging
	run pakfire_traced -e trace=symlinkat -e inject=symlinkat:signal=KILL:when=1 -- \
		--root "$R" upgrade --yes
	assert_exit 137
	local staged
	staged=$(db_query "SELECT max(id) FROM transactions")
	# nothing under the lock has looked at it yet, but no pakfire holds
	# the lock: it is interrupted, never "running"
	run pakfire --root "$R" history
	assert_exit 0
	history_line "$staged" | grep -qE "^#$staged +upgrade +[0-9T:-]+Z +interrupted +core 139 staging" ||
		fail "the killed run before any recovery: $(history_line "$staged")"

	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_stderr_contains "core 139 was interrupted before it was applied; it was rolled back"
	# killed while 140 is downloaded (renaming it into the cache): no journal
	# (the first run's download window fetched it already: fetch it anew)
	rm -f "$R/var/cache/pakfire/$SERIES/$ARCH/core/core-140.pak"
	run pakfire_traced -e trace=renameat -e inject=renameat:signal=KILL:when=1 -- \
		--root "$R" upgrade --yes
	assert_exit 137
	local downloading
	downloading=$(db_query "SELECT max(id) FROM transactions")
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"

	run pakfire --root "$R" history
	assert_exit 0
	history_line "$staged" | grep -qE "^#$staged +upgrade +[0-9T:-]+Z +interrupted +core 139 staging +.*killed" ||
		fail "the run killed while staging: $(history_line "$staged")"
	history_line "$downloading" |
		grep -qE "^#$downloading +upgrade +[0-9T:-]+Z +interrupted +core 140 downloading +.*killed" ||
		fail "the run killed while downloading: $(history_line "$downloading")"
	# the recovery that rolled 139 back is a transaction of its own
	grep -qE '^#[0-9]+ +recover +[0-9T:-]+Z +ok +core 139 rolled back' "$RUN_OUT" ||
		fail "no recover transaction in the history"
	assert_db "SELECT count(*) FROM transactions WHERE ended IS NULL OR outcome IS NULL" "0"

	# a killed run has no exit code: it must not read as 0 (done)
	run pakfire --root "$R" history "$staged"
	assert_exit 0
	if grep -qF "exit code 0" "$RUN_OUT"; then
		fail "the killed run shows \"exit code 0\", which says it finished fine"
	fi
	run pakfire --root "$R" --json history "$staged"
	assert_exit 0
	# (the download window fetched 140's package too before 139 was staged)
	history_rows | grep -qE "^$staged\|upgrade\|interrupted\|\|[^|]*killed[^|]*\|([0-9]+:(downloading|verified),)+139:staging$" ||
		fail "history --json $staged: $(history_rows) (expected outcome interrupted, no exit code)"
}

test_history_of_a_transaction_that_does_not_exist() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer
	run pakfire --root "$R" history 99999
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "99999"
	run pakfire --root "$R" --json history 99999
	assert_exit 2
	assert_json ok false
	assert_json exit_code 2
	run pakfire --root "$R" history abc
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "abc"
	run pakfire --root "$R" history 0
	assert_exit 2
	run pakfire --root "$R" history 1 2
	assert_exit 2
}

test_history_reads_while_another_pakfire_holds_the_lock() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer
	run pakfire --root "$R" clean
	assert_exit 0
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	local holder=$!
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done
	run pakfire --root "$R" history
	assert_exit 0
	history_line 1 | grep -qE '^#1 +clean +[0-9T:-]+Z +ok' || fail "transaction 1: $(history_line 1)"
	kill "$(pgrep -P "$holder")" 2>/dev/null || true
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
}

run_tests "$@"
