#!/usr/bin/env bash
# Add-ons and the toolchain bump (issue 13): install pulls dependencies,
# remove refuses while something depends on it, file conflicts and space
# are refused before anything changes, and a system with add-ons crosses
# from series 2.23 to 2.25 in one upgrade: the switching core update, the
# new series' core updates, and every add-on reinstalled from the new
# series; killed anywhere in the crossing, the next upgrade finishes it.
# The repositories are written by tests/lib/series.py straight from the
# formats (real keys, a real server).
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

SERIES=2.23

# series_world [EXTRA23 [EXTRA25]]: 2.23 with core 139 and 140 (switching
# to 2.25, closed by it) and add-ons foo (needs bar), bar, baz (a file under
# var/); 2.25 with core 141 and the three rebuilt (baz 2.25 no longer ships
# one of its files). EXTRA: more JSON items for the add-on lists.
series_world() {
	local extra23=${1:-} extra25=${2:-}
	ensure_key signer
	mkdir -p "$WWW$MIRROR_PATH" "$T/spec"
	cat >"$T/spec/23.json" <<-EOF
	{"series": "2.23", "revision": 20, "successor": "2.25", "gnupghome": "$G", "keys": ["$KEY_FPR"],
	 "core": [{"number": 139, "files": {"usr/bin/tool": 5000, "etc/system-release": "2.23 core 139\n"}},
	          {"number": 140, "switch": "2.25", "files": {"usr/lib/libc.so.6": 20000}}],
	 "addons": [{"name": "foo", "version": "1.0", "release": 1, "depends": ["bar"],
	             "files": {"usr/bin/foo": 3000, "etc/foo.conf": "setting = 1\n"}},
	            {"name": "bar", "version": "2.0", "release": 1, "files": {"usr/lib/libbar.so.2": 9000}},
	            {"name": "baz", "version": "0.9", "release": 3,
	             "files": {"var/lib/baz/data.db": 40000, "var/lib/baz/old.dat": 1000, "usr/bin/baz": 2000}}
	            $extra23]}
	EOF
	cat >"$T/spec/25.json" <<-EOF
	{"series": "2.25", "revision": 1, "gnupghome": "$G", "keys": ["$KEY_FPR"],
	 "core": [{"number": 141, "files": {"usr/lib/libc.so.6": 24000, "etc/system-release": "2.25 core 141\n"}}],
	 "addons": [{"name": "foo", "version": "1.0", "release": 2, "depends": ["bar"],
	             "files": {"usr/bin/foo": 3100, "etc/foo.conf": "setting = 1\n"}},
	            {"name": "bar", "version": "2.0", "release": 2, "files": {"usr/lib/libbar.so.2": 9100}},
	            {"name": "baz", "version": "0.9", "release": 4,
	             "files": {"var/lib/baz/data.db": 41000, "usr/bin/baz": 2100}}
	            $extra25]}
	EOF
	publish_spec 23 25
	BUILD=$WWW$MIRROR_PATH/build
	TRUST=("$T/keys/signer.asc")
}

# publish_spec S...: tests/lib/series.py writes the series of $T/spec/S.json
# (23, 25) again, into the mirror.
publish_spec() {
	local s
	for s in "$@"; do
		must "$PF_PY3" "$PF_TOP/tests/lib/series.py" "$T/spec/$s.json" "$WWW$MIRROR_PATH"
	done
}

# spec_edit S PYTHON [ARG...]: PYTHON changes `spec`, the parsed
# $T/spec/S.json (`args` holds the ARGs), which is written back.
spec_edit() {
	local file=$T/spec/$1.json code=$2
	shift 2
	must "$PF_PY3" -c '
import json, sys
spec, args = json.load(open(sys.argv[1])), sys.argv[3:]
exec(sys.argv[2])
json.dump(spec, open(sys.argv[1], "w"))
' "$file" "$code" "$@"
}

# same_as SERIES UNIT PATH...: each file of the root is that build's, byte for byte.
same_as() {
	local s=$1 u=$2 p
	shift 2
	for p in "$@"; do
		cmp -s "$R/$p" "$BUILD/$s/$u/$p" || fail "/$p is not the $s build of $u"
	done
}

# addon_row NAME: version|series|reason|outcome of its units row.
addon_row() { db_query "SELECT version, series, reason, outcome FROM units WHERE id = '$1'"; }

test_install_pulls_its_dependency() {
	series_world
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" --yes install foo
	assert_exit 0
	assert_output_contains "Applying bar 2.0-1..."
	same_as 2.23 foo usr/bin/foo etc/foo.conf
	same_as 2.23 bar usr/lib/libbar.so.2
	[ "$(addon_row foo)" = "1.0-1|2.23|explicit|applied" ] || fail "foo: $(addon_row foo)"
	[ "$(addon_row bar)" = "2.0-1|2.23|dependency|applied" ] || fail "bar: $(addon_row bar)"
	assert_db "SELECT owner FROM files WHERE path = 'usr/lib/libbar.so.2'" "bar"
	# the dependency was installed before what needs it
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit FROM steps WHERE step = 'committed' ORDER BY id)" "bar foo"
	run pakfire --root "$R" verify
	assert_exit 0

	# asked for again: nothing to do, nothing changed
	remember_state
	run pakfire --root "$R" --yes install foo
	assert_exit 0
	assert_output_contains "nothing to do"
	assert_root_unchanged
}

test_remove_is_refused_while_depended_on() {
	series_world
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo
	remember_state

	run pakfire --root "$R" --yes remove bar
	assert_refused 2 "bar is needed by foo, which is installed; nothing was changed"
	assert_stderr_contains "pakfire remove --with-dependents bar"
	assert_nothing_changed

	run pakfire --root "$R" --yes remove --with-dependents bar
	assert_exit 0
	[ ! -e "$R/usr/bin/foo" ] && [ ! -e "$R/usr/lib/libbar.so.2" ] || fail "files of foo or bar are still there"
	assert_db "SELECT count(*) FROM files WHERE owner IN ('foo', 'bar')" "0"
	[ "$(addon_row foo)" = "1.0-1|2.23|explicit|removed" ] || fail "foo: $(addon_row foo)"
	# foo went before what it needs
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit FROM steps WHERE step = 'committed' AND transaction_id = (SELECT max(id) FROM transactions) ORDER BY id)" "foo bar"
	assert_no_temporaries
}

test_remove_keeps_a_changed_config_file() {
	series_world
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo
	echo "setting = 2" >"$R/etc/foo.conf"

	run pakfire --root "$R" --yes remove foo
	assert_exit 0
	assert_stderr_contains "kept /etc/foo.conf: modified since it was installed"
	[ "$(cat "$R/etc/foo.conf")" = "setting = 2" ] || fail "the changed config file was not kept as it was"
	[ ! -e "$R/usr/bin/foo" ] || fail "usr/bin/foo is still there"
	# bar was not asked for: it stays
	same_as 2.23 bar usr/lib/libbar.so.2
	assert_db "SELECT count(*) FROM files WHERE owner = 'foo'" "0"
}

test_unknown_and_uninstalled_names_are_usage_errors() {
	series_world
	http_start
	root_at_core 138
	must_update
	remember_state
	run pakfire --root "$R" --yes install nosuch
	assert_refused 2 "offers no add-on 'nosuch'"
	run pakfire --root "$R" --yes remove foo
	assert_refused 2 "add-on 'foo' is not installed"
	run pakfire --root "$R" --yes install
	assert_refused 2 "NAME is required"
}

test_file_conflict_with_the_core_is_refused() {
	series_world ', {"name": "clash", "version": "1", "release": 1, "files": {"usr/bin/tool": 10}}'
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes upgrade --to 139
	remember_state

	run pakfire --root "$R" --yes install clash
	assert_refused 1 "clash: $R/usr/bin/tool is owned by core-139: a file conflict; nothing was changed"
	assert_nothing_changed
}

test_file_on_the_system_that_nobody_installed_is_a_conflict() {
	series_world
	http_start
	root_at_core 138
	must_update
	mkdir -p "$R/usr/bin"
	echo "the admin's own" >"$R/usr/bin/baz"
	remember_state

	run pakfire --root "$R" --yes install baz
	assert_refused 1 "usr/bin/baz exists on the system and no update installed it"
	assert_nothing_changed
}

test_addon_that_does_not_fit_is_refused_with_the_table() {
	[ "$(id -u)" = 0 ] || fail "this test mounts a file system: run it as root (CI does)"
	series_world
	http_start
	mount_fs "$R" 64M
	mount_fs "$R/var/lib/baz" 1M
	root_at_core 138 --reserve "/var/lib/baz=1M"
	must_update
	remember_state

	run pakfire --root "$R" --yes install baz
	assert_exit 3
	assert_stderr_contains "/var/lib/baz"
	assert_nothing_changed
}

test_crossing_with_addons_reaches_the_new_series() {
	series_world
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo baz
	echo "from the admin" >"$R/var/lib/baz/old.dat.note"

	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_db "SELECT series, core FROM system" "2.25|141"
	same_as 2.23 core-139 usr/bin/tool
	same_as 2.25 core-141 usr/lib/libc.so.6 etc/system-release
	same_as 2.25 foo usr/bin/foo etc/foo.conf
	same_as 2.25 bar usr/lib/libbar.so.2
	same_as 2.25 baz var/lib/baz/data.db usr/bin/baz
	# what the 2.25 build of baz no longer ships went with the upgrade
	[ ! -e "$R/var/lib/baz/old.dat" ] || fail "var/lib/baz/old.dat, dropped by baz 0.9-4, is still there"
	[ "$(addon_row foo)" = "1.0-2|2.25|explicit|applied" ] || fail "foo: $(addon_row foo)"
	[ "$(addon_row bar)" = "2.0-2|2.25|dependency|applied" ] || fail "bar: $(addon_row bar)"
	[ "$(addon_row baz)" = "0.9-4|2.25|explicit|applied" ] || fail "baz: $(addon_row baz)"
	# core updates first, then the add-ons, all from the index of 2.25
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit FROM steps WHERE step = 'committed' AND transaction_id = (SELECT max(id) FROM transactions WHERE command = 'upgrade') ORDER BY id)" "core-139 core-140 core-141 bar baz foo"
	assert_db "SELECT series || ':' || revision FROM indexes ORDER BY series" "2.23:20
2.25:1"
	run pakfire --root "$R" status
	assert_exit 0
	assert_output_contains "2.25"
	run pakfire --root "$R" --json status
	assert_exit 0
	[ "$("$PF_PY3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"]["series"])' "$RUN_OUT")" = 2.25 ] ||
		fail "status --json does not say series 2.25"
	run pakfire --root "$R" verify
	assert_exit 0
	assert_no_temporaries

	# pakfire.conf still says 2.23: the database is the truth, and it is said
	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "pakfire.conf says series 2.23, but this system is on series 2.25"
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_output_contains "up to date"
}

test_an_addon_is_only_installed_from_the_series_the_system_is_on() {
	series_world
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes upgrade

	# on 2.25 now: foo comes from 2.25, never from 2.23
	run pakfire --root "$R" --yes install foo
	assert_exit 0
	same_as 2.25 foo usr/bin/foo
	[ "$(addon_row foo)" = "1.0-2|2.25|explicit|applied" ] || fail "foo: $(addon_row foo)"
}

test_dry_run_of_the_crossing_changes_nothing() {
	series_world
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo
	remember_state
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	assert_output_contains "core 141"
	assert_output_contains "foo 1.0-2"
	# nothing written, the index of 2.25 neither (a dry run holds no lock)
	assert_nothing_changed
	assert_db "SELECT series, core FROM system" "2.23|138"

	# declined (no terminal, no --yes): nothing changes either
	run pakfire --root "$R" install baz
	assert_exit 2
	assert_stderr_contains "pass --yes"
	assert_nothing_changed
}

# kill_at_rename N: run upgrade and SIGKILL it on its Nth renameat.
kill_at_rename() {
	run pakfire_traced -e trace=renameat,renameat2 -e inject="renameat,renameat2:signal=KILL:when=$1" -- --root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "pakfire was to be killed at its rename $1, but it exited $RUN_RC"
}

# old_or_new: every file of the crossing is its 2.23 build, its 2.25 build,
# or (not installed yet) absent.
old_or_new() {
	local u p
	for u in core-139:usr/bin/tool core-140:usr/lib/libc.so.6 core-141:usr/lib/libc.so.6 \
		foo:usr/bin/foo bar:usr/lib/libbar.so.2 baz:var/lib/baz/data.db; do
		p=${u#*:}
		[ -e "$R/$p" ] || continue
		cmp -s "$R/$p" "$BUILD/2.23/${u%%:*}/$p" || cmp -s "$R/$p" "$BUILD/2.25/${u%%:*}/$p" ||
			cmp -s "$R/$p" "$BUILD/2.23/core-140/$p" || cmp -s "$R/$p" "$BUILD/2.25/core-141/$p" ||
			fail "after the kill at rename $1, /$p is neither an old nor a new build"
	done
}

test_killed_during_the_crossing_the_next_upgrade_finishes_it() {
	series_world
	http_start
	local n
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo baz
	echo "from the admin" >"$R/var/lib/baz/old.dat.note"
	cp -a "$R" "$T/start"
	# Each unit renames its download into the cache, then its files: core
	# 139 (renames 1-3), 140, the switch (4-5), 141 (6-8), bar (9-10), baz
	# (11-13), foo (14-16): kills inside core 139, at 140's download, in
	# the switch, inside 141 (after the switch committed), and inside each
	# add-on's reinstall.
	for n in 2 4 5 7 10 13 16; do
		rm -rf "$R"
		cp -a "$T/start" "$R"
		kill_at_rename "$n"
		old_or_new "$n"
		run pakfire --root "$R" --yes upgrade
		assert_exit 0
		assert_db "SELECT series, core FROM system" "2.25|141"
		same_as 2.25 foo usr/bin/foo
		same_as 2.25 bar usr/lib/libbar.so.2
		same_as 2.25 baz var/lib/baz/data.db
		same_as 2.25 core-141 usr/lib/libc.so.6
		[ ! -e "$R/var/lib/baz/old.dat" ] || fail "after the kill at rename $n, old.dat (dropped by baz 0.9-4) stayed"
		[ -f "$R/var/lib/baz/old.dat.note" ] || fail "the admin's file went away"
		assert_db "SELECT count(*) FROM units WHERE kind = 'addon' AND series = '2.25' AND outcome = 'applied'" "3"
		assert_no_temporaries
		run pakfire --root "$R" verify
		assert_exit 0
	done
}

# key_switch_world [PYTHON]: series_world where core 140 ships the key
# "next" and 2.25 is signed by it alone (NEXT_FPR), PYTHON applied to 140's
# spec (unit) too; served, a root at 138 with foo installed.
key_switch_world() {
	ensure_key next
	NEXT_FPR=$KEY_FPR
	series_world
	spec_edit 23 'spec["core"][1]["files"]["etc/pakfire/keys/next.asc"] = open(args[0]).read()
unit = spec["core"][1]
'"${1:-}" "$T/keys/next.asc"
	spec_edit 25 'spec["keys"] = [args[0]]' "$NEXT_FPR"
	publish_spec 23 25
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo
}

# The new series is signed by a key that only the switching update brings:
# its index cannot be trusted before that update commits, so the plan
# covers the chain up to it, says so, and the rest follows in the same run.
test_new_series_signed_by_a_key_the_switching_update_ships() {
	key_switch_world
	local next_fpr=$NEXT_FPR

	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_output_contains "the index of series 2.25 is signed by $next_fpr, a key that core 140 brings"
	assert_output_contains "the rest of the crossing after it commits"
	assert_db "SELECT series, core FROM system" "2.25|141"
	same_as 2.25 foo usr/bin/foo
	same_as 2.25 bar usr/lib/libbar.so.2
	assert_db "SELECT signer FROM indexes WHERE series = '2.25'" "$next_fpr"
}

# The same, when the switching update also brings a newer pakfire
# (Provides-Client above this one's level): the second round is the new
# pakfire's, so the run restarts after 140 commits, and the restarted
# pakfire goes on with the same transaction.
test_deferred_crossing_after_an_update_of_pakfire_restarts_first() {
	key_switch_world 'unit.setdefault("extra", {})["Provides-Client"] = "4"'

	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_output_contains "core 140 replaced what pakfire runs from (a pakfire of client level 4): restarting pakfire to go on"
	assert_db "SELECT series, core FROM system" "2.25|141"
	same_as 2.25 foo usr/bin/foo
	assert_db "SELECT count(*) FROM transactions WHERE command = 'upgrade'" "1"
	assert_db "SELECT group_concat(step, ' ') FROM steps WHERE step IN ('restarting', 'restarted')
		AND transaction_id = (SELECT max(id) FROM transactions)" "restarting restarted"
}

test_switch_to_a_series_the_mirror_does_not_have_changes_nothing() {
	series_world
	rm -rf "$WWW$MIRROR_PATH/2.25"
	http_start
	root_at_core 138
	must_update
	remember_state
	run pakfire --root "$R" --yes upgrade
	assert_exit 5
	assert_stderr_contains "core 140 moves the system to series 2.25, whose index could not be fetched; nothing was changed"
	assert_nothing_changed
}

# --to the switching update: the system moves to 2.25 at core 140, and the
# add-ons wait for 2.25's builds; the old series' newer build of foo is
# never installed on the new series.
test_to_the_switch_leaves_addons_for_the_new_series() {
	series_world ', {"name": "qux", "version": "1", "release": 1, "files": {"usr/bin/qux": 10}}'
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo
	# 2.23 republished with a newer foo
	spec_edit 23 '
spec["revision"] = 21
next(a for a in spec["addons"] if a["name"] == "foo")["release"] = 3'
	publish_spec 23
	must_update

	run pakfire --root "$R" --yes upgrade --to 140
	assert_exit 0
	assert_db "SELECT series, core FROM system" "2.25|140"
	[ "$(addon_row foo)" = "1.0-1|2.23|explicit|applied" ] || fail "foo: $(addon_row foo)"
	if grep -q "no update in the index of 2.23 moves this system there" "$RUN_ERR"; then
		fail "a closed-series warning although core 140 moved the system on"
	fi
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_db "SELECT series, core FROM system" "2.25|141"
	[ "$(addon_row foo)" = "1.0-2|2.25|explicit|applied" ] || fail "foo: $(addon_row foo)"
}

# --to before the switch: no warning that nothing moves the system on.
test_to_before_the_switch_does_not_say_the_series_is_a_dead_end() {
	series_world
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" --yes upgrade --to 139
	assert_exit 0
	if grep -q "no update in the index" "$RUN_ERR"; then
		fail "told that no update moves the system on, but core 140 does"
	fi
}

# The next series' index fails for another reason than an unknown key
# (expired): even with a switching update that ships a key, nothing
# changes.
test_next_index_expired_refuses_the_crossing_before_anything_changes() {
	series_world
	spec_edit 23 'spec["core"][1]["files"]["etc/pakfire/keys/copy.asc"] = open(args[0]).read()' \
		"$T/keys/signer.asc"
	spec_edit 25 'spec["valid_days"] = -1'
	publish_spec 23 25
	http_start
	root_at_core 138
	must_update
	remember_state
	run pakfire --root "$R" --yes upgrade
	assert_exit 4
	assert_stderr_contains "Valid-Until"
	assert_stderr_contains "nothing was changed"
	assert_nothing_changed
}

# A file moves between units: from foo to its dependency bar, and from the
# core (removed by core 141) to an add-on: a handover, not a conflict.
test_a_file_may_move_between_units() {
	series_world
	spec_edit 25 '
core, addons = spec["core"][0], {a["name"]: a for a in spec["addons"]}
del addons["foo"]["files"]["etc/foo.conf"]
addons["bar"]["files"]["etc/foo.conf"] = "setting = 1\n"
core["removes"] = ["usr/bin/tool"]
addons["baz"]["files"]["usr/bin/tool"] = 4000'
	publish_spec 25
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes install foo baz
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_db "SELECT owner FROM files WHERE path = 'etc/foo.conf'" "bar"
	assert_db "SELECT owner FROM files WHERE path = 'usr/bin/tool'" "baz"
	same_as 2.25 bar etc/foo.conf
	same_as 2.25 baz usr/bin/tool
	run pakfire --root "$R" verify
	assert_exit 0
}

# An add-on may not write into the trusted keys (it would widen trust) nor
# into pakfire's own folders.
test_an_addon_may_not_add_trusted_keys() {
	series_world ', {"name": "sneaky", "version": "1", "release": 1, "files": {"etc/pakfire/keys/evil.asc": "x"}}'
	http_start
	root_at_core 138
	must_update
	remember_state
	run pakfire --root "$R" --yes install sneaky
	assert_refused 1 "etc/pakfire/keys/evil.asc is inside a folder pakfire keeps for itself"
	assert_nothing_changed
}

# A system left at the switching update by a pakfire that could not cross
# series (its database still says 2.23): the next upgrade moves it.
test_a_switch_applied_by_an_older_pakfire_is_finished() {
	series_world
	http_start
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes upgrade --to 140
	must_update
	db_query "UPDATE system SET series = '2.23'" >/dev/null
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_stderr_contains "core 140, applied by a pakfire that could not cross series, moves this system to series 2.25"
	assert_output_contains "Applying core 141"
	if grep -q "up to date" "$RUN_OUT"; then
		fail "said up to date while it was moving the system on"
	fi
	assert_db "SELECT series, core FROM system" "2.25|141"
}

run_tests "$@"
