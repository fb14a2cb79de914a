#!/usr/bin/env bash
# The read-only add-on commands and the truth in status (issue 13): `list`
# with its views, `info` of an add-on and of a core update, unknown names,
# --json, and what `status` says of add-ons, of a closed series and of a
# pakfire.conf that names another series than the database.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

SERIES=2.23

# spec_23 FILE [--no-switch] [--foo-release N] [--revision N]: series 2.23,
# closed (Successor: 2.25): core 139 and, unless --no-switch, core 140 that
# switches to 2.25; add-ons foo (needs bar), bar, baz.
spec_23() {
	local file=$1 switch=1 foo_rel=1 rev=20
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--no-switch) switch=0; shift ;;
		--foo-release) foo_rel=$2; shift 2 ;;
		--revision) rev=$2; shift 2 ;;
		*) fail "spec_23: unknown option $1" ;;
		esac
	done
	local c140=""
	[ "$switch" = 0 ] || c140=',{"number":140,"requires":139,"series_switch":"2.25","files":[{"path":"usr/lib/libc.so.6","size":20000}]}'
	cat >"$file" <<-EOF2
		{"series":"2.23","revision":$rev,"successor":"2.25","updates":[
		 {"number":139,"requires":138,"files":[{"path":"usr/bin/tool","size":5000,"mode":"0755"}]}$c140],
		 "addons":[
		  {"name":"foo","version":"1.0","release":$foo_rel,"depends":["bar"],"summary":"the foo firewall helper","salt":"a$foo_rel","files":[{"path":"usr/bin/foo","size":3000,"mode":"0755"}]},
		  {"name":"bar","version":"2.0","release":1,"summary":"bar library","salt":"a","files":[{"path":"usr/lib/libbar.so.2","size":9000},{"path":"usr/share/bar/README","size":100}]},
		  {"name":"bazooka-extra","version":"3.1","release":7,"salt":"a","files":[{"path":"usr/bin/bazooka","size":700}]}]}
	EOF2
}

# spec_25 FILE: series 2.25: core 141; foo and bar rebuilt.
spec_25() {
	cat >"$1" <<-EOF2
		{"series":"2.25","revision":1,"updates":[
		 {"number":141,"requires":140,"files":[{"path":"usr/lib/libnew.so","size":7000}]}],
		 "addons":[
		  {"name":"foo","version":"1.0","release":2,"depends":["bar"],"summary":"the foo firewall helper","salt":"b","files":[{"path":"usr/bin/foo","size":3100,"mode":"0755"}]},
		  {"name":"bar","version":"2.0","release":2,"summary":"bar library","salt":"b","files":[{"path":"usr/lib/libbar.so.2","size":9100}]}]}
	EOF2
}

# world [spec_23 options]: both series crafted and served, a root at core
# 138 of 2.23 with its index.
world() {
	spec_23 "$T/s23.json" "$@"
	spec_25 "$T/s25.json"
	repo_craft "$T/s23.json" "$T/craft"
	repo_craft "$T/s25.json" "$T/craft"
	http_start
	root_at_core 138
	must_update
}

# json_eval EXPR: the Python expression EXPR over the last run's document
# (doc); prints its value as JSON. Fails unless stdout is one JSON document.
json_eval() {
	local out
	out=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
print(json.dumps(eval(sys.argv[2])))
' "$RUN_OUT" "$1" 2>&1) || fail "json: $1: $out: $RUN_CMD"
	printf '%s\n' "$out"
}

assert_json_eval() {
	local got
	got=$(json_eval "$1")
	[ "$got" = "$2" ] || fail "json: $1: expected $2, got $got: $RUN_CMD"
}

# assert_valid_json: stdout is one JSON document (python3 -m json.tool).
assert_valid_json() {
	python3 -m json.tool "$RUN_OUT" >/dev/null 2>&1 || fail "stdout is not one JSON document: $RUN_CMD"
}

# assert_columns HEADER...: the table on stdout is aligned: each column
# named in the header line (the first line that starts with NAME) starts at
# the same place in every row below it, after at least two blanks.
assert_columns() {
	local out
	out=$(python3 -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
start = [i for i, l in enumerate(lines) if l.startswith("NAME ")]
if not start:
    sys.exit("no header line")
head, rows = lines[start[0]], lines[start[0] + 1:]
rows = [r for r in rows if r and not r.endswith(".")]
if not rows:
    sys.exit("no rows")
for col in sys.argv[2:]:
    p = head.index(col)
    for r in rows:
        if len(r) <= p or r[p] == " " or r[p - 2:p] != "  ":
            sys.exit("column %s does not start at %d in: %r" % (col, p, r))
' "$RUN_OUT" "$@" 2>&1) || fail "the table is not aligned: $out: $RUN_CMD"
}

# row NAME: the table row of add-on NAME on stdout (fails if none).
row() {
	local r
	r=$(grep -E "^$1 " "$RUN_OUT") || fail "no row for $1: $RUN_CMD"
	printf '%s\n' "$r"
}

assert_row() {
	local r
	r=$(row "$1")
	grep -qF -- "$2" <<<"$r" || fail "the row of $1 does not say \"$2\": \"$r\": $RUN_CMD"
}

test_list_before_and_after_install() {
	world
	remember_state
	local txs
	txs=$(db_query "SELECT count(*) FROM transactions")

	run pakfire --root "$R" list
	assert_exit 0
	assert_stderr_empty
	assert_columns VERSION STATE SUMMARY
	assert_row foo "1.0-1"
	assert_row foo "available"
	assert_row foo "the foo firewall helper"
	assert_row bar "available"
	assert_row bazooka-extra "3.1-7"
	run pakfire --root "$R" list --installed
	assert_exit 0
	assert_output_contains "No add-ons installed"
	# reading changes nothing, and records no transaction
	assert_nothing_changed
	assert_db "SELECT count(*) FROM transactions" "$txs"

	run pakfire --root "$R" --yes install foo
	assert_exit 0
	run pakfire --root "$R" list
	assert_exit 0
	assert_columns VERSION STATE SUMMARY
	assert_row foo "installed"
	assert_row bar "installed, dependency"
	assert_row bazooka-extra "available"
	run pakfire --root "$R" list --installed
	assert_exit 0
	row foo >/dev/null
	row bar >/dev/null
	! grep -q '^bazooka-extra ' "$RUN_OUT" || fail "list --installed shows bazooka-extra"
	run pakfire --root "$R" list --available
	assert_exit 0
	row bazooka-extra >/dev/null
	! grep -qE '^(foo|bar) ' "$RUN_OUT" || fail "list --available shows an installed add-on"
	run pakfire --root "$R" list --upgradable
	assert_exit 0
	assert_output_contains "No add-on upgradable"
}

test_a_new_build_is_upgradable() {
	world
	run pakfire --root "$R" --yes install foo
	assert_exit 0
	# the maintainers rebuild foo in the same series
	spec_23 "$T/s23.json" --foo-release 3 --revision 21
	repo_craft "$T/s23.json" "$T/craft"
	must_update

	run pakfire --root "$R" list --upgradable
	assert_exit 0
	assert_row foo "1.0-3"
	assert_row foo "upgradable from 1.0-1"
	! grep -q '^bar ' "$RUN_OUT" || fail "bar is not upgradable, yet listed"
	assert_output_contains "1 add-on upgradable: run 'pakfire upgrade'"
	run pakfire --root "$R" --json list --upgradable
	assert_exit 0
	assert_valid_json
	assert_json_eval 'doc["list"]["filter"]' '"upgradable"'
	assert_json_eval '[a["name"] for a in doc["list"]["addons"]]' '["foo"]'
	assert_json_eval 'doc["list"]["addons"][0]["version"]' '"1.0-3"'
	assert_json_eval 'doc["list"]["addons"][0]["installed_version"]' '"1.0-1"'
	assert_json_eval 'doc["list"]["upgradable"]' '1'
	# 32 + 1 core update + 2 add-on updates (docs/monitoring.md)
	run pakfire --root "$R" status
	assert_exit 35
	assert_output_contains "Add-ons:     2 installed, 1 upgradable"
}

test_info_of_an_addon() {
	world
	run pakfire --root "$R" info bar
	assert_exit 0
	assert_output_contains "Name:        bar"
	assert_output_contains "Version:     2.0-1, offered by series 2.23"
	assert_output_contains "Installed:   no ('pakfire install bar' installs it)"
	run pakfire --root "$R" --yes install foo
	assert_exit 0

	run pakfire --root "$R" info bar
	assert_exit 0
	assert_output_contains "Summary:     bar library"
	assert_output_contains "Installed:   2.0-1 from series 2.23, pulled in as a dependency"
	assert_output_contains "Files:       2 files (8.9 KiB), 2 paths owned in all"
	run pakfire --root "$R" info foo
	assert_exit 0
	assert_output_contains "Depends:     bar"
	assert_output_contains "asked for"
	run pakfire --root "$R" --json info bar
	assert_exit 0
	assert_valid_json
	assert_json_eval 'doc["info"]["kind"]' '"addon"'
	assert_json_eval 'doc["info"]["addon"]["name"]' '"bar"'
	assert_json_eval 'doc["info"]["addon"]["reason"]' '"dependency"'
	assert_json_eval 'doc["info"]["addon"]["installed_series"]' '"2.23"'
	assert_json_eval 'doc["info"]["files"]' '2'
	assert_json_eval 'doc["info"]["files_size"]' '9100'
	run pakfire --root "$R" --json info foo
	assert_exit 0
	assert_json_eval 'doc["info"]["addon"]["depends"]' '["bar"]'
	assert_json_eval 'doc["info"]["applied_series"]' '"2.23"'
}

test_info_of_a_core_update() {
	world
	run pakfire --root "$R" info core-140
	assert_exit 0
	assert_output_contains "Update:      core 140 (core-140)"
	assert_output_contains "Requires:    core 139"
	assert_output_contains "moves the system from series 2.23 to series 2.25"
	assert_output_contains "Reboot:      no"
	assert_output_contains "Sizes:       manifest"
	assert_output_contains "Applied:     no: pending"
	run pakfire --root "$R" --json info core-140
	assert_exit 0
	assert_valid_json
	assert_json_eval 'doc["info"]["kind"]' '"core"'
	assert_json_eval 'doc["info"]["update"]["series_switch"]' '"2.25"'
	assert_json_eval 'doc["info"]["update"]["requires"]' '139'
	assert_json_eval 'doc["info"]["update"]["applied"]' 'false'
	assert_json_eval 'doc["info"]["update"]["pending"]' 'true'
	local size
	size=$(stat -c %s "$WWW$MIRROR_PATH/2.23/$ARCH/core/core-140.pak")
	assert_json_eval 'doc["info"]["update"]["package_size"]' "$size"
	run pakfire --root "$R" info core-138
	assert_exit 0
	assert_output_contains "Applied:     yes (the system was installed at core 138 or later)"
	# what the installer put there is owned by no update
	! grep -q "^Files:" "$RUN_OUT" || fail "info core-138 counts files no update owns"

	run pakfire --root "$R" --yes upgrade --to 139
	assert_exit 0
	run pakfire --root "$R" info core-139
	assert_exit 0
	assert_output_contains "Applied:     yes, on"
	assert_output_contains "from series 2.23"
	assert_output_contains "Files:       1 file (4.9 KiB), 1 path owned in all"
	run pakfire --root "$R" --json info core-139
	assert_json_eval 'doc["info"]["update"]["applied"]' 'true'
	assert_json_eval 'doc["info"]["files_size"]' '5000'
}

test_unknown_names_exit_2() {
	world
	remember_state
	run pakfire --root "$R" info nosuch
	assert_refused 2 "'pakfire list' shows every add-on"
	assert_stderr_contains "no add-on 'nosuch'"
	run pakfire --root "$R" info core-999
	assert_refused 2 "'pakfire status' shows the pending updates"
	assert_stderr_contains "lists no core update 999"
	run pakfire --root "$R" info core-x1
	assert_refused 2 "core-N names one by its number"
	run pakfire --root "$R" info
	assert_exit 2
	assert_stderr_contains "NAME|core-N is required"
	run pakfire --root "$R" list --installed --available
	assert_refused 2 "exclude each other"
	run pakfire --root "$R" --json info nosuch
	assert_exit 2
	assert_valid_json
	assert_json_eval 'doc["ok"]' 'false'
	assert_json_eval 'doc["error_class"]' '"usage or configuration error"'
	assert_nothing_changed
}

test_list_json_has_every_field() {
	world
	run pakfire --root "$R" --yes install foo
	assert_exit 0
	run pakfire --root "$R" --json list
	assert_exit 0
	assert_valid_json
	assert_json_eval 'doc["command"]' '"list"'
	assert_json_eval 'doc["list"]["series"]' '"2.23"'
	assert_json_eval 'doc["list"]["index"]["revision"]' '20'
	assert_json_eval 'doc["list"]["index"]["expired"]' 'false'
	assert_json_eval 'doc["list"]["installed"]' '2'
	assert_json_eval '[a["name"] for a in doc["list"]["addons"]]' '["bar", "bazooka-extra", "foo"]'
	assert_json_eval 'sorted(doc["list"]["addons"][2].keys())' \
		'["depends", "installed", "installed_series", "installed_version", "name", "offered", "package_size", "reason", "summary", "upgradable", "version"]'
	assert_json_eval '[(a["installed"], a["reason"]) for a in doc["list"]["addons"]]' \
		'[[true, "dependency"], [false, null], [true, "explicit"]]'
}

test_an_expired_index_is_read_and_said() {
	world
	# time passes: the kept index is past its Valid-Until
	db_query "UPDATE indexes SET valid_until = 1000000000" >/dev/null
	run pakfire --root "$R" list
	assert_exit 0
	assert_row foo available
	assert_stderr_contains "expired"
	assert_stderr_contains "run 'pakfire update'"
	run pakfire --root "$R" --json list
	assert_exit 0
	assert_json_eval 'doc["list"]["index"]["expired"]' 'true'
	run pakfire --root "$R" info foo
	assert_exit 0
	assert_stderr_contains "expired"
}

test_without_an_index_only_what_is_installed_is_known() {
	spec_23 "$T/s23.json"
	repo_craft "$T/s23.json" "$T/craft"
	http_start
	root_at_core 138
	run pakfire --root "$R" list
	assert_exit 2
	assert_stderr_contains "run 'pakfire update' first"
	run pakfire --root "$R" list --installed
	assert_exit 0
	assert_output_contains "No add-ons installed"
	assert_output_contains "No index yet"
	# 32 + 16: no index yet (docs/monitoring.md)
	run pakfire --root "$R" --json status
	assert_exit 48
	assert_json_eval 'doc["status"]["addons"]' '[]'
	assert_json_eval 'doc["status"]["index"]' 'null'
}

test_status_says_an_update_moves_the_system_on() {
	world
	run pakfire --root "$R" --yes install foo
	assert_exit 0
	# 33: core updates pending (docs/monitoring.md)
	run pakfire --root "$R" status
	assert_exit 33
	assert_output_contains "Closed:      series 2.23 is closed; core 140, pending, moves this system to series 2.25: run 'pakfire upgrade'"
	! grep -q "cannot move" "$RUN_OUT" || fail "status still says pakfire cannot move"
	assert_output_contains "Add-ons:     2 installed, 0 upgradable"
	grep -qE '^  bar +2\.0-1 +2\.23 +installed, dependency$' "$RUN_OUT" || fail "no aligned row for bar"
	grep -qE '^  foo +1\.0-1 +2\.23 +installed$' "$RUN_OUT" || fail "no aligned row for foo"
	assert_output_contains "moves to series 2.25"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_valid_json
	assert_json_eval 'doc["status"]["successor"]' '"2.25"'
	assert_json_eval 'doc["status"]["switching_update"]' '{"unit": "core-140", "core": 140, "series": "2.25"}'
	assert_json_eval '[(a["name"], a["installed_version"], a["installed_series"]) for a in doc["status"]["addons"]]' \
		'[["bar", "2.0-1", "2.23"], ["foo", "1.0-1", "2.23"]]'
	assert_json_eval 'doc["status"]["addons_upgradable"]' '0'
	assert_json_eval 'doc["status"]["config_series"]' 'null'
	assert_json_eval '[p["series_switch"] for p in doc["status"]["pending"]]' '[null, "2.25"]'
}

test_status_says_no_update_moves_the_system_on_yet() {
	world --no-switch
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	run pakfire --root "$R" status
	assert_exit 0
	assert_output_contains "Closed:      series 2.23 is closed; its successor is series 2.25, and no update of the index moves this system there yet: run 'pakfire update' again later, and tell the maintainers if it stays so"
	! grep -q "cannot move" "$RUN_OUT" || fail "status still says pakfire cannot move"
	run pakfire --root "$R" --json status
	assert_exit 0
	assert_json_eval 'doc["status"]["successor"]' '"2.25"'
	assert_json_eval 'doc["status"]["switching_update"]' 'null'
}

test_after_the_crossing_status_and_list_tell_the_new_series() {
	world
	run pakfire --root "$R" --yes install foo
	assert_exit 0
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	# pakfire.conf still says 2.23: the database is the truth
	run pakfire --root "$R" status
	assert_exit 0
	assert_output_contains "Series:      2.25"
	assert_output_contains "Config:      pakfire.conf says series 2.23, but the database says this system is on series 2.25"
	grep -qE '^  foo +1\.0-2 +2\.25 +installed$' "$RUN_OUT" || fail "foo is not at its 2.25 build"
	! grep -q "^Closed:" "$RUN_OUT" || fail "2.25 is not closed"
	run pakfire --root "$R" --json status
	assert_json_eval 'doc["status"]["config_series"]' '"2.23"'
	assert_json_eval 'doc["status"]["series"]' '"2.25"'
	assert_json_eval 'doc["status"]["successor"]' 'null'
	run pakfire --root "$R" list
	assert_exit 0
	assert_row foo "1.0-2"
	assert_row foo "installed"
	! grep -q '^bazooka-extra ' "$RUN_OUT" || fail "2.25 does not offer bazooka-extra"
	run pakfire --root "$R" info core-141
	assert_exit 0
	assert_output_contains "from series 2.25"
	# 2.25's index does not list core 140, yet the system applied it
	run pakfire --root "$R" info core-140
	assert_exit 0
	assert_output_contains "does not list it"
	assert_output_contains "from series 2.23"
}

run_tests "$@"
