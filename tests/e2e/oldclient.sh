#!/usr/bin/env bash
# Every appliance reaches the newest update, whatever pakfire it runs
# (issue 14; docs/formats.md, "Client levels"). The previous release
# (b8473da, client level 1, built from git) upgrades a system of the sample
# from core 138: it applies 139 and 140, cannot act on 140's switch, and
# stops on 2.23 with the new pakfire (the build under test, which core 140
# ships) installed; that pakfire then completes the crossing and the rest.
# A pakfire of level 3 stops before an update that needs level 4, or that
# has a key it does not know, with nothing of it applied, and names the
# update that brings a pakfire able to go on.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# inroot ARG...: the pakfire inside the appliance, R/usr/sbin/pakfire, as
# the appliance runs it.
inroot() { timeout -k 5 "$PF_CLIENT_TIMEOUT" "$R/usr/sbin/pakfire" "$@" </dev/null; }

# sample_with_this_pakfire: repo_sample, its core 140 shipping the build
# under test. tests/run.sh builds the shared sample once, with its first
# build's pakfire: for another build (the ASan one) this test builds a
# small sample of its own.
sample_with_this_pakfire() {
	if [ -f "${PF_SAMPLE:-/nonexistent}/ok" ] &&
		! cmp -s "$PF_SAMPLE/roots/140/usr/sbin/pakfire" "$PAKFIRE_BIN"; then
		PF_SAMPLE="" PF_SAMPLE_SCALE=0.01
	fi
	repo_sample
	cmp -s "$SAMPLE_ROOTS/140/usr/sbin/pakfire" "$PAKFIRE_BIN" ||
		fail "the sample's core 140 does not ship $PAKFIRE_BIN as usr/sbin/pakfire"
}

# applied_units: id:series of every core update applied, in order.
applied_units() {
	db_query "SELECT group_concat(id || ':' || series, ' ') FROM
		(SELECT id, series FROM units WHERE kind = 'core' AND outcome = 'applied' ORDER BY id)"
}

test_previous_release_is_steered_through_the_new_pakfire() {
	old_pakfire
	sample_with_this_pakfire
	http_start
	[ "$SERIES" = 2.23 ] || fail "a system at core 138 of the sample is on $SERIES, not 2.23"
	root_at_core 138 --no-init
	run old --root "$R" init --series 2.23 --core 138
	assert_exit 0
	run old --root "$R" update
	assert_exit 0
	run old --root "$R" upgrade --yes
	assert_exit 0
	# 139 and 140 applied whole; the switch is signed but this release
	# cannot act on it, and 2.23 has nothing after 140
	assert_db "PRAGMA user_version" "3"
	assert_db "SELECT series || ' ' || core FROM system" "2.23 140"
	assert_db "SELECT group_concat(number || ':' || outcome, ' ') FROM
		(SELECT number, outcome FROM updates ORDER BY number)" "139:applied 140:applied"
	assert_db "SELECT count(*) FROM journal" "0"
	assert_no_temporaries
	assert_root_is_sample 139 140
	cmp -s "$R/usr/sbin/pakfire" "$PAKFIRE_BIN" ||
		fail "the root's usr/sbin/pakfire is not the build under test ($PAKFIRE_BIN)"
	# nothing is pending for it, and it stays so
	mkdir -p "$T/state"
	snapshot_root >"$T/state/root.before"
	run old --root "$R" upgrade --yes
	assert_exit 0
	assert_root_unchanged
	assert_db "SELECT series || ' ' || core FROM system" "2.23 140"

	# The pakfire that 140 installed moves the database to its schema and
	# completes the crossing the old one could not make.
	run inroot --version
	assert_exit 0
	assert_output_contains "client level 3"
	run inroot --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140, applied by a pakfire that could not cross series, moves this system to series 2.25"
	assert_output_contains "Applying core 141"
	[ "$(db_query "PRAGMA user_version")" -gt 3 ] ||
		fail "the database is still at the previous release's schema"
	assert_db "SELECT series || ' ' || core FROM system" "2.25 141"
	[ "$(applied_units)" = "core-139:2.23 core-140:2.23 core-141:2.25" ] ||
		fail "core updates applied: $(applied_units)"
	assert_db "SELECT count(*) FROM journal" "0"
	assert_no_temporaries
	assert_root_is_sample 139 140 141
	# the files table the old release left, migrated, says what is on disk
	assert_files_table_agrees
	run inroot --root "$R" --json status
	assert_exit 36 # 139 and 141 asked for a reboot
	assert_json status.series 2.25
	assert_json status.core 141

	# and an add-on of 2.25 installs (with its dependency)
	run inroot --root "$R" --yes install tor
	assert_exit 0
	assert_root_is_sample 139 140 141 2.25/libseccomp 2.25/tor
	assert_db "SELECT group_concat(id || ':' || version || ':' || series, ' ') FROM
		(SELECT * FROM units WHERE kind = 'addon' ORDER BY id)" "libseccomp:2.4.2-2:2.25 tor:0.4.2.5-49:2.25"
}

# ---------------------------------------------------------------------------
# Level 3 meets updates it cannot honour: a repository crafted from the
# formats (tests/lib/series.py), series 2.25, a system at core 150.

# levels_repo REVISION CORE151 CORE152 [REPO]: the index of revision
# REVISION with core 151 and 152, whose stanzas get the extra keys of the
# JSON objects CORE151 and CORE152 (e.g. {"Min-Client": "4"}), and the
# repository stanza those of REPO (default {"Min-Client": "2"}: a series
# that level-1 clients never read). The payload trees are $B/core-N.
levels_repo() {
	local rev=$1 x151=$2 x152=$3 xrepo=${4:-'{"Min-Client": "2"}'}
	mkdir -p "$T/craft"
	cat >"$T/craft/levels.json" <<-EOF
	{"series": "2.25", "revision": $rev, "extra": $xrepo,
	 "core": [{"number": 151, "extra": $x151,
	           "files": {"usr/lib/liblevel.so.151": 3000, "etc/level-release": "core 151\n"}},
	          {"number": 152, "extra": $x152,
	           "files": {"usr/lib/liblevel.so.152": 3500, "etc/level-release": "core 152\n"}}]}
	EOF
	repo_craft "$T/craft/levels.json" "$T/craft"
	B=$T/craft/repo/build/2.25
}

# levels_world CORE151 CORE152: levels_repo of revision 10 served, and a
# root at core 150 that has read it.
levels_world() {
	levels_repo 10 "$1" "$2"
	http_start
	root_at_core 150
	must_update
}

test_level_3_stops_before_an_update_that_needs_level_4() {
	levels_world '{"Provides-Client": "4"}' '{"Min-Client": "4"}'
	# update tells it in advance
	assert_stderr_contains "core 152 needs pakfire client level 4 or newer (this one is 3); core 151 brings it"
	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	# 151 brings a pakfire of level 4: it ends its segment, pakfire
	# restarts, and the restarted one stops before 152
	assert_output_contains "restarting pakfire"
	assert_error_line "core 152 needs pakfire client level 4 or newer (this one is 3)" \
		"core 151, which brings it, is applied" "the updates before it were applied"
	assert_db "SELECT core FROM system" "151"
	assert_db "SELECT group_concat(number || ':' || outcome, ' ') FROM
		(SELECT number, outcome FROM updates ORDER BY number)" "151:applied"
	assert_db "SELECT count(*) FROM journal" "0"
	assert_no_temporaries
	# 151 whole, nothing of 152
	assert_tree_equal "$R" "$B/core-151"
	assert_files_table_agrees
	[ ! -e "$R/usr/lib/liblevel.so.152" ] || fail "a file of core 152 is there"

	# From 151 the same command changes nothing and says the same.
	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	assert_error_line "core 152 needs pakfire client level 4 or newer (this one is 3)" \
		"core 151, which brings it, is applied" "nothing was changed"
	assert_nothing_changed
	assert_no_temporaries
}

# The first pending update is the one it cannot honour: nothing changes.
test_level_3_changes_nothing_when_the_first_update_needs_level_4() {
	levels_world '{"Min-Client": "4"}' '{}'
	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	assert_error_line "core 151 needs pakfire client level 4 or newer (this one is 3)" \
		"nothing was changed"
	assert_nothing_changed
	assert_no_temporaries
}

# A key this pakfire does not know changes what an update does, as far as it
# can tell: it stops before that update; listed in Optional-Keys, the key is
# informative and the update applies.
# An add-on's new build that needs an add-on this pakfire cannot honour
# stays at its build, with a warning; the core chain goes on (it brings
# the pakfire that can).
test_addon_needing_a_newer_client_never_holds_up_the_core_chain() {
	mkdir -p "$T/craft"
	cat >"$T/craft/a.json" <<-EOF
	{"series": "2.25", "revision": 10, "extra": {"Min-Client": "2"},
	 "core": [{"number": 151, "files": {"etc/level-release": "core 151\n"}}],
	 "addons": [{"name": "foo", "version": "1", "release": 1, "files": {"usr/bin/foo": 100}}]}
	EOF
	repo_craft "$T/craft/a.json" "$T/craft"
	http_start
	root_at_core 150
	must_update
	must pakfire --root "$R" --yes install foo
	cat >"$T/craft/a.json" <<-EOF
	{"series": "2.25", "revision": 11, "extra": {"Min-Client": "2"},
	 "core": [{"number": 151, "extra": {"Provides-Client": "4"},
	           "files": {"etc/level-release": "core 151\n"}},
	          {"number": 152, "files": {"etc/level-release": "core 152\n"}}],
	 "addons": [{"name": "foo", "version": "1", "release": 2, "depends": ["qux"],
	             "files": {"usr/bin/foo": 120}},
	            {"name": "qux", "version": "1", "release": 1, "extra": {"Min-Client": "4"},
	             "files": {"usr/bin/qux": 100}}]}
	EOF
	repo_craft "$T/craft/a.json" "$T/craft"
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "foo stays at 1-1: add-on qux needs pakfire client level 4 or newer (this one is 3); core 151 brings one"
	assert_db "SELECT core FROM system" "152"
	assert_db "SELECT version FROM units WHERE id = 'foo'" "1-1"
	assert_db "SELECT count(*) FROM units WHERE id = 'qux'" "0"
	[ ! -e "$R/usr/bin/qux" ] || fail "qux was installed"
	# the same for a new build that itself needs level 4
	cat >"$T/craft/a.json" <<-EOF
	{"series": "2.25", "revision": 12, "extra": {"Min-Client": "2"},
	 "core": [{"number": 151, "extra": {"Provides-Client": "4"},
	           "files": {"etc/level-release": "core 151\n"}},
	          {"number": 152, "files": {"etc/level-release": "core 152\n"}}],
	 "addons": [{"name": "foo", "version": "1", "release": 3, "extra": {"Min-Client": "4"},
	             "files": {"usr/bin/foo": 130}}]}
	EOF
	repo_craft "$T/craft/a.json" "$T/craft"
	must_update
	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "foo stays at 1-1: add-on foo needs pakfire client level 4 or newer (this one is 3); core 151 brings one"
	assert_db "SELECT version FROM units WHERE id = 'foo'" "1-1"
	assert_root_unchanged
}

test_unknown_key_stops_the_chain_and_optional_keys_lets_it_through() {
	levels_world '{}' '{"Hook-Order": "x"}'
	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	assert_error_line "core 152 has a key this pakfire does not know (Hook-Order)" \
		"the updates before it were applied"
	assert_db "SELECT core FROM system" "151"
	assert_db "SELECT count(*) FROM journal" "0"
	assert_no_temporaries
	assert_tree_equal "$R" "$B/core-151"

	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	assert_error_line "core 152 has a key this pakfire does not know (Hook-Order)" \
		"nothing was changed"
	assert_nothing_changed

	levels_repo 11 '{}' '{"Hook-Order": "x", "Optional-Keys": "Hook-Order"}'
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "152"
	assert_no_temporaries
	assert_tree_equal "$R" "$B/core-151" "$B/core-152"
}

# A repository stanza that says Min-Client 4: the index is not read at all,
# and the one stored before stays.
test_index_that_needs_level_4_is_refused_whole() {
	levels_world '{}' '{}'
	levels_repo 11 '{}' '{}' '{"Min-Client": "4"}'
	remember_state
	run pakfire --root "$R" update
	assert_refused 4 "needs pakfire client level 4 or newer (this one is 3)"
	assert_db "SELECT revision FROM indexes WHERE series = '2.25'" "10"
}

run_tests "$@"
