#!/usr/bin/env bash
# pakfire diagnose (docs/diagnose.md), part 2: the state around the runs.
# A signature that failed (bad-input.sh), an index that expired, every
# mirror down (mirror.sh): diagnose names the cause and the next action,
# in text and in JSON, exits 64 + the cause's bit and changes not a byte
# under the root (tests/lib-diagnose.sh). Part 1, the runs that failed: diagnose.sh. A
# held lock and a corrupted database page: diagnose-db.sh.
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

run_tests "$@"
