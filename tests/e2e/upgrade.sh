#!/usr/bin/env bash
# Upgrading: from core 138 to the newest core update, over HTTP, verified.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

test_upgrade_138_to_141() {
	repo_sample
	http_start
	root_at_core 138

	run pakfire --root "$R" update
	assert_exit 0
	run pakfire --root "$R" upgrade --yes
	assert_exit 0

	assert_root_is_sample 139 140 141
	assert_db "SELECT core FROM system" "141"
	assert_db "SELECT group_concat(number) FROM
		(SELECT number FROM updates WHERE outcome = 'applied' ORDER BY number)" "139,140,141"
	run pakfire --root "$R" status
	assert_exit 0
	assert_output_contains "141"

	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_nothing_changed

	run pakfire --root "$R" --json status
	assert_exit 0
	run python3 -m json.tool "$RUN_OUT"
	assert_exit 0
}

test_upgrade_installs_one_update_exactly() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0

	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_db "SELECT core FROM system" "139"
	assert_db "SELECT number, outcome FROM updates" "139|applied"
	assert_db "SELECT path, owner FROM files WHERE path LIKE 'usr/bin/%'" "usr/bin/mini|139"
	assert_db "SELECT sha256 FROM files WHERE path = 'usr/lib/libmini.so.139'" \
		"$(sha256sum <"$SRC/buildroot-139/usr/lib/libmini.so.139" | cut -d' ' -f1)"
	assert_db "SELECT type, target FROM files WHERE path = 'usr/lib/libmini.so'" \
		"symlink|libmini.so.139"
}

test_cleanup_update_removes_what_an_earlier_one_installed() {
	repo_mini 139
	repo_mini 140 --remove usr/lib/libmini.so.139
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0

	assert_tree_equal "$R" "$SRC/buildroot-139" \
		--remove <(echo usr/lib/libmini.so.139) "$SRC/buildroot-140"
	assert_db "SELECT core FROM system" "140"
	assert_db "SELECT count(*) FROM files WHERE path = 'usr/lib/libmini.so.139'" "0"
	assert_db "SELECT owner FROM files WHERE path = 'usr/bin/mini'" "140"
}

test_dry_run_changes_nothing() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	assert_output_contains "139"
	assert_nothing_changed
	assert_db "SELECT core FROM system" "138"
}

test_nothing_to_do_at_the_newest_core() {
	repo_mini 139
	http_start
	root_at_core 139
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_nothing_changed
}

run_tests "$@"
