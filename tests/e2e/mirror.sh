#!/usr/bin/env bash
# Mirrors that cannot serve: exit 5, naming what could not be fetched.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

test_mirror_unreachable() {
	make_key signer
	MIRROR=http://127.0.0.1:$(py free_port)
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

run_tests "$@"
