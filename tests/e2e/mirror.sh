#!/usr/bin/env bash
# Mirrors that cannot serve: exit 5, naming what could not be fetched.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

test_mirror_unreachable() {
	make_key signer
	dead_port
	MIRROR=http://127.0.0.1:$DEAD_PORT
	root_at_core 138 --trust signer
	remember_state

	run pakfire --root "$R" update
	assert_refused 5 "$MIRROR"
}

test_mirror_without_index() {
	make_key signer
	mkdir -p "$WWW/elsewhere"
	http_start
	root_at_core 138 --trust signer
	remember_state

	run pakfire --root "$R" update
	assert_refused 5 "$MIRROR"
}

test_mirror_loses_package_after_update() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	rm "$REPO/core/core-139.pak"
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 5 "core-139.pak"
}

test_next_mirror_when_the_first_cannot_serve() {
	repo_mini 139
	http_start
	root_at_core 138
	# the first mirror in the list is down; the second serves
	dead_port
	local dead=http://127.0.0.1:$DEAD_PORT
	sed -i "s|^mirror = |mirror = $dead\nmirror = |" "$R/etc/pakfire/pakfire.conf"

	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "trying the next mirror"
	assert_stderr_contains "$dead"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
}

test_a_bad_copy_is_not_retried_elsewhere() {
	# a mirror that serves a tampered package is a verification failure,
	# not an outage: exit 4, even with another mirror behind it
	repo_mini 139
	http_start
	root_at_core 138
	sed -i "s|^mirror = \(.*\)|mirror = \1\nmirror = \1|" "$R/etc/pakfire/pakfire.conf"
	must_update
	flip_byte "$REPO/core/core-139.pak"
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "SHA-256"
}

run_tests "$@"
