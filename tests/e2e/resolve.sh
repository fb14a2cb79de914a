#!/usr/bin/env bash
# The resolver: what `upgrade` is asked for and cannot be is refused in words
# before anything changes, and a signed instruction this pakfire cannot act
# on (Series-Switch) is refused whole when that series cannot be reached; a closed series
# (Successor) is told, never passed over as "up to date".
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# index_edit PYTHON: rewrite $REPO/index with a python expression on `s`
# (its text), then sign it again with the repository's key, as a maintainer
# publishing that index would.
index_edit() {
	python3 -c 'import sys; p = sys.argv[1]; s = open(p).read(); s = eval(sys.argv[2]); open(p, "w").write(s)' \
		"$REPO/index" "$1" || fail "index_edit: could not rewrite $REPO/index"
	rm -f "$REPO/index.sig"
	gpg --homedir "$G" --batch --yes --local-user "$KEY_FPR" --detach-sign \
		--output "$REPO/index.sig" "$REPO/index" 2>/dev/null || fail "index_edit: gpg could not sign"
}

test_series_switch_to_an_unknown_series_changes_nothing() {
	repo_mini 139
	repo_mini 140
	index_edit 's.replace("Number: 140\n", "Number: 140\nSeries-Switch: 2.27\n")'
	http_start
	root_at_core 138
	must_update
	remember_state

	# the crossing is planned whole: without the index of 2.27, nothing
	run pakfire --root "$R" upgrade --yes
	assert_exit 5
	assert_one_line_error
	assert_stderr_contains "core 140 moves the system to series 2.27, whose index could not be fetched; nothing was changed"
	assert_nothing_changed

	# the updates before it are applied when asked for
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_db "SELECT id, kind, number FROM units" "core-139|core|139"
	assert_db "SELECT DISTINCT owner FROM files" "core-139"
}

test_to_beyond_the_index_names_the_newest() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes --to 999
	assert_refused 2 "--to 999: the index of series 2.25"
	assert_stderr_contains "has no core 999; the newest it offers is core 139"
}

test_to_older_than_the_system_is_refused() {
	repo_mini 139
	http_start
	root_at_core 139
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes --to 138
	assert_refused 2 "--to 138: the system is at core 139 already, and pakfire never goes back"
}

test_closed_series_is_told() {
	repo_mini 139
	# the successor's folder, made before the old series is closed
	# (publish refuses a Successor that names no series beside it)
	mkdir -p "$WWW$MIRROR_PATH/2.27/$ARCH"
	repo_publish --successor 2.27
	http_start
	root_at_core 139

	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "series 2.25 is closed: its successor is series 2.27"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "series 2.25 is closed: its successor is series 2.27"
}

run_tests "$@"
