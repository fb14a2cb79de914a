#!/usr/bin/env bash
# Mirrors: failover in order, a bad copy fetched again from the next mirror,
# the repository's signed mirror list rotated per machine, stale mirrors,
# captive portals, and what each mirror did recorded for status. Mirrors
# that cannot serve: exit 5, naming what could not be fetched; a bad copy
# everywhere: exit 4, naming each mirror's failure.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# mirror_copy NAME: a second web server serving a copy of $WWW as it is
# now, from $T/www-NAME; prints nothing, sets COPY (its folder) and
# COPY_URL (the repository's base URL there). MIRROR stays as it was.
mirror_copy() {
	local keep=$MIRROR
	COPY=$T/www-$1
	rm -rf "$COPY"
	cp -a "$WWW" "$COPY"
	http_start "$COPY"
	COPY_URL=$MIRROR$MIRROR_PATH
	MIRROR=$keep
}

# mirrors_conf URL...: pakfire.conf of $R names exactly these mirrors, in order.
mirrors_conf() {
	local conf=$R/etc/pakfire/pakfire.conf u
	grep -v '^mirror = ' "$conf" >"$conf.new"
	for u in "$@"; do echo "mirror = $u" >>"$conf.new"; done
	mv -f "$conf.new" "$conf"
}

# mirror_row URL: "origin|outcome" of URL's row in mirror_results.
mirror_row() { db_query "SELECT origin || '|' || outcome FROM mirror_results WHERE url = '$1'"; }

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

test_a_bad_copy_is_fetched_again_from_the_next_mirror() {
	# a tampered package on one mirror is that mirror's failure: the
	# next one's good copy is used (and verified on its own)
	repo_mini 139
	http_start
	root_at_core 138
	local good=$MIRROR$MIRROR_PATH
	mirror_copy bad
	flip_byte "$COPY${MIRROR_PATH}/$SERIES/$ARCH/core/core-139.pak"
	mirrors_conf "$COPY_URL" "$good"
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "SHA-256"
	assert_stderr_contains "trying the next mirror"
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
}

# Parallel downloads: at most 2 transfers from one mirror, so the third
# and fourth packages start on the second mirror instead of waiting for
# the first (bench/RESULTS.md, "Downloads").
test_parallel_downloads_spread_over_mirrors_with_room() {
	local n
	for n in 139 140 141 142; do
		repo_mini "$n" --file "usr/share/mini/big-$n=256K"
	done
	http_start --log --throttle 64
	local first=$MIRROR$MIRROR_PATH first_log=$HTTP_LOG
	http_start --log --throttle 64
	local second=$MIRROR$MIRROR_PATH second_log=$HTTP_LOG
	root_at_core 138
	mirrors_conf "$first" "$second"
	conf_set parallel-downloads 4
	must_update

	run pakfire --root "$R" upgrade --download-only --yes
	assert_exit 0
	wait_for_log "$first_log" 'core/core-1[0-9]+\.pak '
	wait_for_log "$second_log" 'core/core-1[0-9]+\.pak '
	local a b
	a=$(grep -cE 'core/core-1[0-9]+\.pak ' "$first_log")
	b=$(grep -cE 'core/core-1[0-9]+\.pak ' "$second_log")
	[ "$a" -ge 2 ] && [ "$b" -ge 1 ] && [ $((a + b)) = 4 ] ||
		fail "packages asked from the first mirror: $a, from the second: $b (expected 2 or 3 and the rest)"
	# the second mirror is a spill-over, never the index's source
	! grep -q ' /pakfire/[^ ]*/index ' "$second_log" || fail "the index came from the second mirror"
}

# The issue's scenario: A down, B serves a bad package, C a good one.
three_mirrors() {
	repo_mini 139
	http_start
	root_at_core 138
	C=$MIRROR$MIRROR_PATH
	dead_port
	A=http://127.0.0.1:$DEAD_PORT$MIRROR_PATH
	mirror_copy b
	B=$COPY_URL
	flip_byte "$COPY${MIRROR_PATH}/$SERIES/$ARCH/core/core-139.pak"
	mirrors_conf "$A" "$B" "$C"
	must_update
}

test_down_bad_good_succeeds_from_the_good_one() {
	three_mirrors

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	[ "$(mirror_row "$A")" = "config|unreachable" ] || fail "A: $(mirror_row "$A")"
	[ "$(mirror_row "$B")" = "config|verify" ] || fail "B: $(mirror_row "$B")"
	[ "$(mirror_row "$C")" = "config|ok" ] || fail "C: $(mirror_row "$C")"
	assert_db "SELECT count(*) FROM mirror_results WHERE last_ok IS NOT NULL AND url = '$C'" "1"
	assert_db "SELECT count(*) FROM mirror_results WHERE transaction_id =
		(SELECT max(id) FROM transactions WHERE command = 'upgrade')" "3"

	# status shows them: the JSON rows, and the text with --verbose
	run pakfire --root "$R" --json status
	assert_exit 0
	[ "$(json_get status.mirrors | python3 -c '
import json, sys
rows = {m["url"]: m for m in json.load(sys.stdin)}
print(rows[sys.argv[1]]["outcome"], rows[sys.argv[2]]["outcome"], rows[sys.argv[3]]["outcome"],
      rows[sys.argv[3]]["last_ok"] is not None, rows[sys.argv[2]]["revision"])
' "$A" "$B" "$C")" = "unreachable verify ok True 10" ] || fail "status --json mirrors: $(json_get status.mirrors)"
	run pakfire --root "$R" --verbose status
	assert_output_contains "$B (config): verify at"
	run pakfire --root "$R" status
	grep -q "^Mirrors:" "$RUN_OUT" && fail "status without --verbose lists the mirrors"
	true
}

test_all_bad_names_each_mirror() {
	three_mirrors
	flip_byte "$WWW${MIRROR_PATH}/$SERIES/$ARCH/core/core-139.pak"
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_error_line "$A" "$B" "$C" "SHA-256"
	assert_nothing_changed
	[ "$(mirror_row "$C")" = "config|verify" ] || fail "C: $(mirror_row "$C")"
}

test_all_down_is_exit_5_naming_each() {
	make_key signer
	dead_port
	local a=http://127.0.0.1:$DEAD_PORT
	dead_port
	local b=http://127.0.0.1:$DEAD_PORT
	MIRROR=$a
	root_at_core 138 --trust signer
	mirrors_conf "$a" "$b"
	remember_state

	run pakfire --root "$R" update
	assert_exit 5
	assert_error_line "$a" "$b"
	assert_nothing_changed
}

# assert_no_secret WORD: WORD is in none of the last run's output, the log
# or the database.
assert_no_secret() {
	local where
	for where in "$RUN_OUT" "$RUN_ERR" "$R/var/log/pakfire/pakfire.log"; do
		! grep -q -- "$1" "$where" || fail "'$1' is in ${where#"$T"/}: $(grep -- "$1" "$where" | head -n 3)"
	done
	! sqlite3 "$DB" .dump | grep -q -- "$1" ||
		fail "'$1' is in the database: $(sqlite3 "$DB" .dump | grep -- "$1" | head -n 3)"
}

test_mirror_credentials_are_never_shown() {
	# a mirror with a user and password in its URL (allowed: the mirror
	# sends them); they must show nowhere, the host must
	repo_mini 139
	http_start
	root_at_core 138 --mirror "http://user:s3cret@${MIRROR#http://}$MIRROR_PATH"
	run pakfire --root "$R" update
	assert_exit 0
	rm "$REPO/core/core-139.pak"

	run pakfire --root "$R" upgrade --yes
	assert_exit 5
	assert_stderr_contains "http://***@${MIRROR#http://}$MIRROR_PATH/$SERIES/$ARCH/core/core-139.pak: HTTP status 404"
	assert_no_secret s3cret
	run pakfire --root "$R" --json --verbose upgrade --yes
	assert_exit 5
	assert_no_secret s3cret
	assert_db "SELECT url || ' ' || outcome FROM mirror_results" \
		"http://***@${MIRROR#http://}$MIRROR_PATH http-error"
	run pakfire --root "$R" --json status # its exit code says what needs attention
	assert_no_secret s3cret
	assert_output_contains "***@"
}

# --- the published mirror list -----------------------------------------------

# A repository whose index lists three list servers L1..L3 (copies of it),
# and a configured mirror that serves the index and the list but no
# package: the packages come from the list. Sets L (the three URLs).
published_list() {
	local i list=$T/mirrors.txt
	repo_mini 139
	http_start
	L=()
	for i in 1 2 3; do
		mirror_copy "l$i"
		L+=("$COPY_URL")
	done
	printf 'pakfire-mirrors\t1\n' >"$list"
	printf '%s\n' "${L[@]}" >>"$list"
	repo_publish --mirrors "$list"
	[ -f "$REPO/mirrors" ] || fail "publish put no mirror list beside the index"
	grep -q '^Optional-Keys: .*Mirrors-SHA256' "$REPO/index" || fail "Mirrors not optional"
	must pakfire_repo check "$REPO" --key "$(key_file signer)"
	for i in 1 2 3; do cp "$REPO"/index* "$REPO/mirrors" "$T/www-l$i${MIRROR_PATH}/$SERIES/$ARCH/"; done
	rm "$REPO/core/core-139.pak"
}

test_published_list_is_stored_and_used() {
	published_list
	root_at_core 138
	must_update
	assert_db "SELECT length(mirror_list) > 0 FROM indexes" "1"
	assert_db "SELECT mirror_seed IS NOT NULL FROM system" "1"

	db_query "UPDATE system SET mirror_seed = 0" >/dev/null
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	# the configured mirror first (no package there), then the list from
	# its start for seed 0
	assert_db "SELECT outcome FROM mirror_results WHERE origin = 'config'" "http-error"
	assert_db "SELECT url || ' ' || outcome FROM mirror_results WHERE origin = 'list'" "${L[0]} ok"
}

test_the_seed_rotates_the_list() {
	published_list
	local seed want
	for seed in 1 5; do
		R=$T/root-$seed
		DB=$R/var/lib/pakfire/pakfire.db
		root_at_core 138
		must_update
		db_query "UPDATE system SET mirror_seed = $seed" >/dev/null
		run pakfire --root "$R" upgrade --yes
		assert_exit 0
		want=${L[$((seed % 3))]}
		assert_db "SELECT url || ' ' || outcome FROM mirror_results WHERE origin = 'list'" "$want ok"
	done
}

test_a_list_that_does_not_match_the_index_is_not_used() {
	published_list
	echo "http://127.0.0.1:9/evil" >>"$REPO/mirrors"
	root_at_core 138

	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "mirror list"
	assert_stderr_contains "configured mirrors only"
	assert_db "SELECT mirror_list IS NULL FROM indexes" "1"
	assert_db "SELECT mirror_seed IS NULL FROM system" "1"
}

test_publish_refuses_a_bad_list() {
	repo_mini 139
	printf 'pakfire-mirrors\t1\nfile:///media/usb\n' >"$T/bad.txt"
	cp "$REPO/index" "$T/index.before"
	run pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" --series "$SERIES" \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --mirrors "$T/bad.txt"
	assert_exit 2
	assert_stderr_contains "does not start with http:// or https://"
	cmp -s "$REPO/index" "$T/index.before" || fail "the index changed"
	[ ! -e "$REPO/mirrors" ] || fail "a refused list was put in place"
}

test_check_finds_a_changed_list() {
	repo_mini 139
	printf 'pakfire-mirrors\t1\nhttps://a.example/pakfire\n' >"$T/list.txt"
	repo_publish --mirrors "$T/list.txt"
	cmp -s "$T/list.txt" "$REPO/mirrors" || fail "publish did not put the list in place"
	# a later publish keeps the list that is there
	repo_publish
	grep -q '^Mirrors: mirrors$' "$REPO/index" || fail "the list was dropped"
	must pakfire_repo check "$REPO" --key "$(key_file signer)"
	printf 'http://b.example\n' >>"$REPO/mirrors"
	run pakfire_repo check "$REPO" --key "$(key_file signer)"
	assert_exit 4
	assert_output_contains "error: $REPO/mirrors: 61 bytes, but the signed index says its size is 44"
}

# --- stale mirrors and captive portals ---------------------------------------

test_a_stale_mirror_is_skipped_for_the_index() {
	repo_mini 139 --revision 10
	http_start
	mirror_copy old
	local old=$COPY_URL new=$MIRROR$MIRROR_PATH
	repo_publish --revision 11
	root_at_core 138
	must_update
	mirrors_conf "$old" "$new"

	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "$old"
	assert_stderr_contains "stale"
	assert_stderr_contains "Revision 10 is lower than Revision 11"
	assert_db "SELECT revision FROM indexes" "11"
	assert_db "SELECT outcome || ' ' || revision FROM mirror_results WHERE url = '$old'" "stale 10"
	assert_db "SELECT outcome || ' ' || revision FROM mirror_results WHERE url = '$new'" "ok 11"

	# only stale mirrors: the rolled-back refusal, naming it
	mirrors_conf "$old"
	remember_state
	run pakfire --root "$R" update
	assert_refused 4 "refusing a rolled-back index"
	assert_stderr_contains "$old"
}

# portal_copy: a mirror that answers every file of the repository with a
# login page (a captive portal), as COPY_URL.
portal_copy() {
	local d=$T/www-portal${MIRROR_PATH}/$SERIES/$ARCH keep=$MIRROR
	mkdir -p "$d"
	printf '<!DOCTYPE html>\n<html><body>Please log in</body></html>\n' >"$d/index"
	cp "$d/index" "$d/index.sig"
	http_start "$T/www-portal"
	COPY_URL=$MIRROR$MIRROR_PATH
	MIRROR=$keep
}

test_a_captive_portal_is_told_and_the_next_mirror_used() {
	repo_mini 139
	http_start
	portal_copy
	root_at_core 138
	mirrors_conf "$COPY_URL" "$MIRROR$MIRROR_PATH"

	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "$COPY_URL/$SERIES/$ARCH/index: mirror returned something that is not a pakfire repository (a captive portal or login page?)"
	assert_db "SELECT revision FROM indexes" "10"
}

test_a_captive_portal_alone_is_a_download_failure() {
	repo_mini 139
	portal_copy
	MIRROR=${COPY_URL%"$MIRROR_PATH"}
	root_at_core 138
	remember_state

	run pakfire --root "$R" update
	assert_refused 5 "mirror returned something that is not a pakfire repository"
	assert_stderr_contains "$COPY_URL"
	assert_db "SELECT outcome FROM mirror_results WHERE url = '$COPY_URL'" "not-repository"
}

run_tests "$@"
