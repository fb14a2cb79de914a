#!/usr/bin/env bash
# pakfire diagnose (docs/diagnose.md), part 2: the state around the runs.
# A signature that failed (bad-input.sh), an index that expired, every
# mirror down (mirror.sh), a held lock (cli.sh), a corrupted database page:
# diagnose names the cause and the next action, in text and in JSON, exits
# 64 + the cause's bit and changes not a byte under the root
# (tests/lib-diagnose.sh). Part 1, the runs that failed: diagnose.sh.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lib-diagnose.sh
. "$PF_TOP/tests/lib-diagnose.sh"

test_an_index_signed_by_an_untrusted_key() {
	make_key trusted
	repo_mini 139 --key stranger
	http_start
	root_at_core 138 --trust trusted
	run pakfire --root "$R" update
	assert_exit 4

	diagnose_finds signature 4
}

test_an_expired_index() {
	repo_mini 139 --valid-days -1
	http_start
	root_at_core 138
	run pakfire --root "$R" update
	assert_exit 4

	diagnose_finds expired 4
}

test_every_mirror_down() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	dead_port
	conf_set mirror "http://127.0.0.1:$DEAD_PORT$MIRROR_PATH"
	run pakfire --root "$R" upgrade --yes
	assert_exit 5

	diagnose_finds download 1 core-139 "core 139"
}

test_a_held_lock_names_its_holder() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	# -o: the lock stays with flock itself, not with the sleep it runs
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	local holder=$! sleeper
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done

	diagnose_finds lock 16
	assert_json diagnose.lock.held true
	assert_json diagnose.lock.pid "$holder"
	sleeper=$(pgrep -P "$holder" sleep || true)
	kill -9 "$holder"
	wait "$holder" 2>/dev/null || true
	[ -z "$sleeper" ] || kill -9 "$sleeper" 2>/dev/null || true
}

test_a_corrupted_database_page() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	# the b-tree page of the files table gets an invalid page type
	local page size
	page=$(db_query "SELECT rootpage FROM sqlite_master WHERE name = 'files'")
	size=$(db_query "PRAGMA page_size")
	[ -n "$page" ] && [ "$page" -gt 1 ] || fail "no b-tree page for the files table: '$page'"
	printf '\377\377\377\377\377\377\377\377' |
		dd of="$DB" bs=1 seek=$(((page - 1) * size)) conv=notrunc status=none

	diagnose_finds database 8
	assert_json diagnose.database.opened true
	! grep -q "^  integrity: ok" "$T/diag.txt" || fail "integrity_check says ok on a corrupted page"
}

run_tests "$@"
