#!/usr/bin/env bash
# Offline and ahead (issue 18, items 6 and 7): `upgrade --from-dir DIR` and
# `mirror = file:///DIR` take everything from a folder (a USB stick holding a
# copy of a mirror's tree) with the checks a mirror's files get, and no web
# server at all; `upgrade --download-only` fetches and verifies every package
# into the cache and changes nothing else, so that a later upgrade needs no
# request; what does not fit in the cache is refused before any download.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# A "stick": a copy of the mirror's tree (<stick>/<series>/<arch>/...).
stick_copy() {
	STICK=$T/stick
	rm -rf "$STICK"
	cp -a "$WWW$MIRROR_PATH" "$STICK"
}

# A root whose only mirror answers nothing (no web server in these tests).
root_offline() {
	dead_port
	root_at_core "$1" --mirror "http://127.0.0.1:$DEAD_PORT$MIRROR_PATH"
}

# The packages and partial downloads in the cache.
cache_files() {
	find "$R/var/cache" \( -name '*.pak' -o -name '*.part' \) -printf '%f\n' 2>/dev/null | sort |
		tr '\n' ' '
}

# Stop this test's web servers (their pids, as http_start recorded them).
servers_stop() {
	local pid
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$T/httpd/pids"
	for _ in $(seq 50); do
		curl -s -o /dev/null --max-time 1 "$MIRROR/" || return 0
		sleep 0.1
	done
	fail "the web server still answers after it was stopped"
}

test_from_dir_applies_with_no_server() {
	repo_mini 139 --file usr/lib/libone.so=64K
	repo_mini 140 --file usr/lib/libtwo.so=64K
	stick_copy
	root_offline 138

	run pakfire --root "$R" upgrade --yes --from-dir "$STICK"
	assert_exit 0
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140"
	assert_db "SELECT core FROM system" "140"
	assert_db "SELECT number, outcome FROM updates ORDER BY number" "139|applied
140|applied"
	# the index came from the stick, checked and kept like update's
	assert_db "SELECT revision FROM indexes WHERE series = '$SERIES'" "11"
	assert_db "SELECT count(*) FROM steps WHERE step = 'committed' AND transaction_id =
		(SELECT max(id) FROM transactions WHERE command = 'upgrade' AND outcome = 'ok')" "2"
}

test_from_dir_relative_to_the_working_directory() {
	repo_mini 139
	stick_copy
	root_offline 138

	run bash -c "cd '$T' && '$PAKFIRE_BIN' --root '$R' upgrade --yes --from-dir stick"
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
}

test_from_dir_that_is_no_folder_is_a_usage_error() {
	repo_mini 139
	stick_copy
	root_offline 138
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$T/nowhere"
	assert_refused 2 "$T/nowhere"
	run pakfire --root "$R" update --from-dir "$STICK/$SERIES/$ARCH/index"
	assert_refused 2 "not a folder"
}

test_from_dir_with_no_repository_says_so() {
	repo_mini 139
	stick_copy
	root_offline 138
	mkdir "$T/empty"
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$T/empty"
	assert_refused 2 "$T/empty holds no pakfire repository for $SERIES/$ARCH (expected $T/empty/$SERIES/$ARCH/index)"
	! grep -qF "file://" "$RUN_ERR" || fail "the error names a file:// URL: $(cat "$RUN_ERR")"
	# a stick made for another architecture: the same
	mv "$STICK/$SERIES/$ARCH" "$STICK/$SERIES/aarch64"
	run pakfire --root "$R" update --from-dir "$STICK"
	assert_refused 2 "$STICK holds no pakfire repository for $SERIES/$ARCH"
}

test_a_flipped_byte_on_the_stick_is_refused() {
	repo_mini 139 --file usr/lib/libone.so=64K
	stick_copy
	root_offline 138
	flip_byte "$STICK/$SERIES/$ARCH/core/core-139.pak"
	# the index on the stick is good: kept as `update` keeps it
	run pakfire --root "$R" update --from-dir "$STICK"
	assert_exit 0
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$STICK"
	assert_refused 4 "core-139.pak"
	[ -z "$(cache_files)" ] || fail "a bad copy stayed in the cache: $(cache_files)"
}

# No request for the repository reached the server whose access log is
# $HTTP_LOG: a request of our own is sent and waited for first (lighttpd
# writes its log a little late; http_start's own check asks for /).
assert_no_request_to_listed_server() {
	curl -s -o /dev/null --noproxy '*' --max-time 5 "$LISTED/probe-after-the-run" || true
	wait_for_log "$HTTP_LOG" "probe-after-the-run"
	! grep -q " $MIRROR_PATH/" "$HTTP_LOG" ||
		fail "the server of the published mirror list was asked: $(grep " $MIRROR_PATH/" "$HTTP_LOG")"
}

test_from_dir_never_uses_the_published_mirror_list() {
	# the repository publishes a mirror list naming a server that is up
	# and holds good copies; the stick's package has a flipped byte
	repo_mini 139 --file usr/lib/libone.so=64K
	http_start --log
	LISTED=$MIRROR
	printf 'pakfire-mirrors\t1\n%s\n' "$MIRROR$MIRROR_PATH" >"$T/mirrors.txt"
	repo_publish --mirrors "$T/mirrors.txt"
	stick_copy
	[ -f "$STICK/$SERIES/$ARCH/mirrors" ] || fail "no mirror list on the stick"
	flip_byte "$STICK/$SERIES/$ARCH/core/core-139.pak"
	root_offline 138
	run pakfire --root "$R" update --from-dir "$STICK"
	assert_exit 0
	assert_db "SELECT length(mirror_list) > 0 FROM indexes" "1"
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$STICK"
	assert_refused 4 "core-139.pak"
	[ -z "$(cache_files)" ] || fail "a copy stayed in the cache: $(cache_files)"
	assert_no_request_to_listed_server
}

test_an_expired_index_on_the_stick_is_refused() {
	repo_mini 139 --valid-days -1
	stick_copy
	root_offline 138
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$STICK"
	assert_refused 4 "Valid-Until"
	assert_db "SELECT count(*) FROM indexes" "0"
}

test_a_rolled_back_stick_is_refused() {
	repo_mini 139 --revision 10
	stick_copy
	root_offline 138
	run pakfire --root "$R" update --from-dir "$STICK"
	assert_exit 0
	# an older copy of the mirror: a good signature, a lower Revision
	repo_publish --revision 5
	stick_copy
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$STICK"
	assert_refused 4 "Revision 5 is lower than Revision 10 already seen: refusing a rolled-back index"
	assert_db "SELECT revision FROM indexes WHERE series = '$SERIES'" "10"
}

test_a_tampered_index_on_the_stick_is_refused() {
	repo_mini 139
	stick_copy
	root_offline 138
	# the update's summary changed after signing
	sed -i 's/^Summary: .*/Summary: trust me/' "$STICK/$SERIES/$ARCH/index"
	grep -q '^Summary: trust me$' "$STICK/$SERIES/$ARCH/index" ||
		fail "the index was not changed: $(cat "$STICK/$SERIES/$ARCH/index")"
	remember_state

	run pakfire --root "$R" upgrade --yes --from-dir "$STICK"
	assert_refused 4 "signature"
	assert_db "SELECT count(*) FROM indexes" "0"
}

test_update_from_dir_keeps_the_index() {
	repo_mini 139
	stick_copy
	root_offline 138

	run pakfire --root "$R" update --from-dir "$STICK"
	assert_exit 0
	assert_db "SELECT revision FROM indexes WHERE series = '$SERIES'" "10"
	assert_db "SELECT core FROM system" "138"
}

test_a_file_mirror_in_the_configuration_works_like_from_dir() {
	repo_mini 139 --file usr/lib/libone.so=64K
	stick_copy
	root_at_core 138 --mirror "file://$STICK"

	run pakfire --root "$R" update
	assert_exit 0
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_db "SELECT core FROM system" "139"
}

test_download_only_then_upgrade_with_the_server_stopped() {
	repo_mini 139 --file usr/lib/libone.so=256K
	repo_mini 140 --file usr/lib/libtwo.so=256K
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes --download-only
	assert_exit 0
	# nothing but the cache changed: no file, no row, the level stays
	assert_nothing_changed
	assert_db "SELECT core FROM system" "138"
	assert_db "SELECT count(*) FROM journal" "0"
	[ "$(cache_files)" = "core-139.pak core-140.pak " ] ||
		fail "the cache holds [$(cache_files)], not both packages"
	cmp "$R/var/cache/pakfire/$SERIES/$ARCH/core/core-140.pak" "$REPO/core/core-140.pak" ||
		fail "the downloaded package differs from the repository's"
	assert_db "SELECT group_concat(unit || ':' || step, ' ') FROM (SELECT unit, step FROM steps
		WHERE transaction_id = (SELECT max(id) FROM transactions) AND unit IS NOT NULL
		ORDER BY unit, id)" "core-139:downloading core-139:verified core-140:downloading core-140:verified"
	assert_db "SELECT command, outcome FROM transactions ORDER BY id DESC LIMIT 1" \
		"upgrade --download-only|ok"

	run pakfire --root "$R" status
	assert_output_contains "2 updates downloaded (in the cache; 'pakfire upgrade' verifies them before applying)"
	run pakfire --root "$R" --json status
	assert_json status.pending_total.downloaded 2

	servers_stop
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140"
	assert_db "SELECT core FROM system" "140"
	assert_db "SELECT count(*) FROM steps WHERE step = 'downloading' AND transaction_id =
		(SELECT max(id) FROM transactions)" "0"
}

test_download_only_runs_no_hook() {
	REPO_MIN_CLIENT=3 # updates with hooks (docs/formats.md, "Client levels")
	hook_script pre-ran 'touch "$PAKFIRE_ROOT/package-hook-ran"'
	repo_mini 139 --file usr/lib/libone.so=64K --hook "pre=$HOOK"
	http_start
	root_at_core 138
	must_update
	mkdir -p "$R/etc/pakfire/hooks.d"
	chmod 0755 "$R/etc/pakfire/hooks.d"
	printf '#!/bin/sh\ntouch "$PAKFIRE_ROOT/local-hook-ran-$PAKFIRE_PHASE"\n' >"$R/etc/pakfire/hooks.d/10-mark"
	chmod 0755 "$R/etc/pakfire/hooks.d/10-mark"
	remember_state

	run pakfire --root "$R" upgrade --yes --download-only
	assert_exit 0
	[ ! -e "$R/package-hook-ran" ] || fail "--download-only ran the package's pre hook"
	[ -z "$(find "$R" -maxdepth 1 -name 'local-hook-ran-*')" ] ||
		fail "--download-only ran a local hook: $(find "$R" -maxdepth 1 -name 'local-hook-ran-*')"
	assert_nothing_changed
	assert_db "SELECT count(*) FROM hook_runs" "0"

	# the control: the upgrade that applies runs them all
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ -e "$R/package-hook-ran" ] || fail "the upgrade did not run the package's pre hook"
	[ -e "$R/local-hook-ran-pre-transaction" ] && [ -e "$R/local-hook-ran-post-transaction" ] ||
		fail "the upgrade did not run the local hook: $(ls "$R")"
}

test_download_only_that_does_not_fit_downloads_nothing() {
	# Each package fits in the cache at its turn, both at once do not.
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/libone.so=3M
	repo_mini 140 --file usr/lib/libtwo.so=3M
	http_start
	root_at_core 138 --cache-fs 5M
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes --download-only
	assert_refused 3 "/var/cache"
	assert_stderr_contains "nothing was downloaded"
	assert_stderr_contains "'pakfire upgrade'"
	[ -z "$(cache_files)" ] || fail "something was downloaded: $(cache_files)"

	# the plain upgrade downloads each at its turn, and fits
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"
}

test_download_only_json_follows_the_schema() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" --json upgrade --yes --download-only
	assert_exit 0
	assert_json ok true
	assert_json command upgrade
	assert_db "SELECT core FROM system" "138"
}

test_download_only_and_dry_run_exclude_each_other() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes --download-only --dry-run
	assert_refused 2 "--download-only"
}

test_clean_empties_partial_downloads_and_update_prunes_stale_ones() {
	repo_mini 139 --file usr/lib/libone.so=64K
	http_start
	root_at_core 138
	must_update
	local part=$R/var/cache/pakfire/$SERIES/$ARCH/partial
	local sha stale=0000000000000000000000000000000000000000000000000000000000000000
	sha=$(sha256sum <"$REPO/core/core-139.pak" | cut -d' ' -f1)
	mkdir -p "$part"
	head -c 1000 "$REPO/core/core-139.pak" >"$part/$sha.part"
	printf 'old' >"$part/$stale.part"

	# the partial download of a listed package stays, the other goes
	run pakfire --root "$R" update
	assert_exit 0
	[ -f "$part/$sha.part" ] || fail "update deleted the partial download of a listed package"
	[ ! -e "$part/$stale.part" ] || fail "update kept a partial download the index does not list"

	run pakfire --root "$R" clean
	assert_exit 0
	[ -z "$(cache_files)" ] || fail "clean left: $(cache_files)"
}

run_tests "$@"
