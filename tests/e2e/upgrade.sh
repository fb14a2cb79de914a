#!/usr/bin/env bash
# Upgrading: from core 138 to the newest core update, over HTTP, verified.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# The sample: a system at core 138 is on series 2.23, whose last update
# (140) moves it to 2.25, where 141 follows.
test_upgrade_138_to_141() {
	repo_sample
	http_start
	[ "$SERIES" = 2.23 ] || fail "a system at core 138 of the sample is on $SERIES, not 2.23"
	root_at_core 138

	run pakfire --root "$R" update
	assert_exit 0
	# 2.23 is closed, and its last update is what moves the system on
	# (33: core updates pending, docs/monitoring.md)
	run pakfire --root "$R" status
	assert_exit 33
	assert_output_contains "series 2.23 is closed; core 140, pending, moves this system to series 2.25"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.attention.core_update true
	assert_json status.successor 2.25
	[ "$(python3 -c 'import json, sys
print(" ".join("%s:%s" % (p["core"], p["series_switch"]) for p in json.load(open(sys.argv[1]))["status"]["pending"]))' "$RUN_OUT")" = "139:None 140:2.25" ] ||
		fail "status --json: the pending updates do not say which one switches series"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_output_contains "Applying core 141"

	assert_root_is_sample 139 140 141
	assert_db "SELECT series, core FROM system" "2.25|141"
	assert_db "SELECT group_concat(number) FROM
		(SELECT number FROM updates WHERE outcome = 'applied' ORDER BY number)" "139,140,141"
	assert_db "SELECT group_concat(id || ':' || series, ' ') FROM
		(SELECT id, series FROM units WHERE kind = 'core' ORDER BY id)" "core-139:2.23 core-140:2.23 core-141:2.25"
	# both series' indexes verified and kept: 2.23 closed by the bump
	assert_db "SELECT group_concat(series || ':' || revision, ' ') FROM
		(SELECT series, revision FROM indexes ORDER BY series)" "2.23:2 2.25:1"
	# 139 and 141 ask for a reboot: status says so until the boot id changes
	run pakfire --root "$R" status
	assert_exit 36
	assert_output_contains "141"
	assert_output_contains "Series:      2.25"

	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_nothing_changed

	run pakfire --root "$R" --json status
	assert_exit 36
	assert_json status.series 2.25
	assert_json status.core 141
	assert_json status.reboot_required true
	assert_json status.reboot_unit core-141
	run python3 -m json.tool "$RUN_OUT"
	assert_exit 0
}

# addon_rows: id:version:series:reason:outcome of every add-on, by id.
addon_rows() {
	db_query "SELECT group_concat(id || ':' || version || ':' || series || ':' || reason || ':' || outcome, ' ')
		FROM (SELECT * FROM units WHERE kind = 'addon' ORDER BY id)"
}

# The sample's add-ons installed on 2.23 (tor pulls libseccomp in) cross
# with the system: after one upgrade, every file is the 2.25 build's.
test_sample_addons_cross_to_2_25() {
	repo_sample
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" --yes install tor nano
	assert_exit 0
	assert_output_contains "Applying libseccomp 2.4.2-1"
	assert_root_is_sample 2.23/libseccomp 2.23/tor 2.23/nano
	[ "$(addon_rows)" = "libseccomp:2.4.2-1:2.23:dependency:applied nano:4.7-18:2.23:explicit:applied tor:0.4.2.5-48:2.23:explicit:applied" ] ||
		fail "add-ons after the install: $(addon_rows)"

	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_root_is_sample 139 140 141 2.25/libseccomp 2.25/tor 2.25/nano
	assert_db "SELECT series, core FROM system" "2.25|141"
	[ "$(addon_rows)" = "libseccomp:2.4.2-2:2.25:dependency:applied nano:4.7-19:2.25:explicit:applied tor:0.4.2.5-49:2.25:explicit:applied" ] ||
		fail "add-ons after the crossing: $(addon_rows)"
	# the core chain first, then the add-ons (a dependency before what needs it)
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit FROM steps WHERE step = 'committed'
		AND transaction_id = (SELECT max(id) FROM transactions WHERE command = 'upgrade') ORDER BY id)" \
		"core-139 core-140 core-141 libseccomp nano tor"
	assert_db "SELECT count(*) FROM files WHERE owner = 'tor' AND path LIKE 'var/ipfire/tor/%'" "2"
	run pakfire --root "$R" --json status
	assert_exit 36
	assert_json status.series 2.25
	assert_json status.attention.reboot true
	run pakfire --root "$R" verify
	assert_exit 0
	assert_no_temporaries
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
	assert_db "SELECT path, owner FROM files WHERE path LIKE 'usr/bin/%'" "usr/bin/mini|core-139"
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
	assert_db "SELECT owner FROM files WHERE path = 'usr/bin/mini'" "core-140"
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


# --- a package already in the download cache ---------------------------------

# cache_package N: put the published core-N.pak into $R's download cache,
# then point the mirror where nothing answers: the upgrade must not need it.
cache_package() {
	local dir=$R/var/cache/pakfire/$SERIES/$ARCH/core
	mkdir -p "$dir"
	cp "$REPO/core/core-$1.pak" "$dir/"
	conf_set mirror "http://127.0.0.1:9/pakfire"
}

test_cached_package_is_applied_without_any_request() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	cache_package 139

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_db "SELECT core FROM system" "139"
	# verified once, in the cache, where its manifest was read
	assert_db "SELECT group_concat(step || ':' || ifnull(detail, ''), ',') FROM steps
		WHERE unit = 'core-139' AND step IN ('downloading', 'verified')" \
		"verified:already in the cache"
	[ ! -e "$R/var/cache/pakfire/$SERIES/$ARCH/core/core-139.pak" ] ||
		fail "the applied package is still in the cache"
}

test_cached_package_that_differs_from_the_index_is_downloaded_again() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	mkdir -p "$R/var/cache/pakfire/$SERIES/$ARCH/core"
	cp "$REPO/core/core-139.pak" "$R/var/cache/pakfire/$SERIES/$ARCH/core/"
	flip_byte "$R/var/cache/pakfire/$SERIES/$ARCH/core/core-139.pak"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_db "SELECT count(*) FROM steps WHERE unit = 'core-139' AND step = 'downloading'" "1"
}

test_cached_package_whose_manifest_member_differs_is_refused_and_deleted() {
	# the index matches the package, but its first member is not the
	# published manifest: a bad publication, refused before planning
	repo_mini 139
	cp "$REPO/core/core-139.manifest" "$SRC/other.manifest"
	printf 'file\t0644\t0\t0\t1\t%s\tetc/other\n' "$(printf x | sha256sum | cut -d' ' -f1)" >>"$SRC/other.manifest"
	hostile_pak 139 --manifest-member "$SRC/other.manifest"
	http_start
	root_at_core 138
	must_update
	cache_package 139
	remember_state

	# --dry-run says so and changes nothing, not even the cache
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 4
	assert_error_line "published manifest"
	assert_nothing_changed

	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_error_line "published manifest"
	assert_db_unchanged
	[ ! -e "$R/var/cache/pakfire/$SERIES/$ARCH/core/core-139.pak" ] ||
		fail "the bad package is still in the cache"
	# and nothing else changed
	cp "$REPO/core/core-139.pak" "$R/var/cache/pakfire/$SERIES/$ARCH/core/"
	assert_root_unchanged
}

run_tests "$@"
