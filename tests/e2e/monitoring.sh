#!/usr/bin/env bash
# Monitoring (docs/monitoring.md): `pakfire status` exits 0 when nothing
# needs a person, else 32 + one bit per fact (1 core update, 2 add-on
# updates, 4 reboot, 8 last run failed or a hook open, 16 index missing,
# stale or expired), so that 33..63 never read as one of status's own
# errors (1, 2, 7, ...). The JSON report carries the same facts, the text
# says each in words, --quiet says only them; docs/check_pakfire maps them
# to a Nagios/Icinga state. The reboot bit is tested with the reboot flag
# (its own file). Repositories are crafted from the formats (series.py).
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

CHECK=$PF_TOP/docs/check_pakfire

# mon_repo REVISION "CORES" FOO_RELEASE [EXTRA_CORE_JSON]: series 2.25 with
# core updates CORES (numbers, e.g. "139 140"; the last one gets the keys of
# EXTRA_CORE_JSON, e.g. its hooks) and the add-on foo 1.0-FOO_RELEASE,
# served at the mirror.
mon_repo() {
	local rev=$1 release=$3 extra=${4:-} n cores="" sep="" last
	last=${2##* }
	for n in $2; do
		cores+="$sep{\"number\": $n, \"files\": {\"etc/mon-release\": \"core $n\\n\"}"
		[ "$n" != "$last" ] || [ -z "$extra" ] || cores+=", $extra"
		cores+="}"
		sep=", "
	done
	mkdir -p "$T/craft"
	cat >"$T/craft/mon.json" <<-EOF
	{"series": "$SERIES", "revision": $rev, "extra": {"Min-Client": "3"},
	 "core": [$cores],
	 "addons": [{"name": "foo", "version": "1.0", "release": $release,
	             "files": {"usr/bin/foo": "foo build $release\n"}}]}
	EOF
	repo_craft "$T/craft/mon.json" "$T/craft"
}

# mon_world "CORES" [FOO_RELEASE [EXTRA_CORE_JSON]]: mon_repo of revision 10
# served, a root at core 139 that has fetched it.
mon_world() {
	mon_repo 10 "$1" "${2:-1}" "${3:-}"
	http_start
	root_at_core 139
	must_update
}

# status_code CODE CORE ADDONS REBOOT FAILED STALE: `status --json` exits
# CODE, its document says exit_code CODE, and its attention object holds
# exactly these booleans (true/false); `status` in text exits CODE too.
status_code() {
	local want=$1
	run pakfire --root "$R" --json status
	assert_exit "$want"
	assert_json exit_code "$want"
	assert_json ok true
	assert_json status.attention \
		"{\"core_update\": $2, \"addon_updates\": $3, \"reboot\": $4, \"last_failed\": $5, \"index_stale\": $6}"
	run pakfire --root "$R" status
	assert_exit "$want"
}

# no_attention: the text of the last run says nothing of attention.
no_attention() {
	! grep -q '^Attention:\|^Exit code:' "$RUN_OUT" || fail "status speaks of attention: $(grep '^Attention:' "$RUN_OUT")"
}

# check_says STATE TEXT: docs/check_pakfire on $R exits STATE's code
# (OK 0, WARNING 1, CRITICAL 2, UNKNOWN 3) and its line starts with
# "PAKFIRE STATE" and mentions TEXT.
check_says() {
	local code
	case $1 in OK) code=0 ;; WARNING) code=1 ;; CRITICAL) code=2 ;; UNKNOWN) code=3 ;; esac
	run env PAKFIRE="$PAKFIRE_BIN" "$CHECK" --root "$R"
	assert_exit "$code"
	[ "$(wc -l <"$RUN_OUT")" = 1 ] || fail "check_pakfire printed more than one line"
	grep -q "^PAKFIRE $1 - " "$RUN_OUT" || fail "check_pakfire does not say PAKFIRE $1: $(cat "$RUN_OUT")"
	assert_output_contains "$2"
}

test_up_to_date_with_a_fresh_index_is_0() {
	mon_world "139"
	status_code 0 false false false false false
	no_attention
	assert_output_contains "Pending:     none"
	run pakfire --root "$R" --json status
	assert_json status.index_stale false
	# quiet: nothing at all when all is well
	run pakfire --root "$R" --quiet status
	assert_exit 0
	[ ! -s "$RUN_OUT" ] || fail "status --quiet printed something: $(cat "$RUN_OUT")"
	assert_stderr_empty
	check_says OK "nothing to do"
}

test_a_pending_core_update_is_33() {
	mon_world "139 140"
	status_code 33 true false false false false
	assert_output_contains "Attention:   core update 140 is available: run 'pakfire upgrade'"
	assert_output_contains "Exit code:   33 = 32 + 1"
	run pakfire --root "$R" --quiet status
	assert_exit 33
	[ "$(cat "$RUN_OUT")" = "Attention:   core update 140 is available: run 'pakfire upgrade'
Exit code:   33 = 32 + 1 (pakfire(8), EXIT STATUS)" ] || fail "status --quiet: $(cat "$RUN_OUT")"
	check_says WARNING "core update available"
	# applied, nothing is left to do
	must pakfire --root "$R" --yes upgrade
	status_code 0 false false false false false
}

test_addon_updates_are_34_and_with_a_core_update_35() {
	mon_world "139"
	must pakfire --root "$R" --yes install foo
	status_code 0 false false false false false
	# a new build of foo
	mon_repo 11 "139" 2
	must_update
	status_code 34 false true false false false
	assert_output_contains "Attention:   1 add-on update is available: run 'pakfire upgrade'"
	check_says WARNING "add-on updates available"
	# and a core update
	mon_repo 12 "139 140" 2
	must_update
	status_code 35 true true false false false
	assert_output_contains "Attention:   core update 140 is available"
	assert_output_contains "Attention:   1 add-on update is available"
	assert_output_contains "Exit code:   35 = 32 + 1 + 2"
	must pakfire --root "$R" --yes upgrade
	status_code 0 false false false false false
}

# The package of core 140 is damaged on the mirror: the upgrade fails (4),
# 140 stays pending: 32 + 8 + 1. A dry run after it does not hide it; a
# good upgrade clears it.
test_a_failed_upgrade_is_41_until_a_run_ends_ok() {
	mon_world "139 140"
	flip_byte "$WWW$MIRROR_PATH/$SERIES/$ARCH/core/core-140.pak"
	run pakfire --root "$R" --yes upgrade
	assert_exit 4
	local tx
	tx=$(db_query "SELECT max(id) FROM transactions")
	status_code 41 true false false true false
	assert_output_contains "Attention:   the last run, #$tx (upgrade), did not end ok: see 'pakfire history $tx'"
	assert_output_contains "Exit code:   41 = 32 + 1 + 8"
	check_says CRITICAL "last run failed"

	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	status_code 41 true false false true false

	# the mirror has the good package again
	mon_repo 11 "139 140" 1
	must_update
	# update ended ok: the newest run is fine, the update still pending
	status_code 33 true false false false false
	must pakfire --root "$R" --yes upgrade
	status_code 0 false false false false false
}

# An update this pakfire cannot honour (it needs client level 4) counts as
# available: the owner must act (the warning says what brings a newer
# pakfire), and upgrade would stop before it.
test_a_core_update_this_pakfire_cannot_apply_is_33_too() {
	mon_world "139 140" 1 '"extra": {"Min-Client": "4"}'
	status_code 33 true false false false false
	assert_output_contains "Attention:   core update 140 is published, but this pakfire cannot apply it"
	assert_output_contains "Pending:     none"
	assert_stderr_contains "core 140 needs pakfire client level 4"
}

# A refusal for space counts as a failure too; so does a run that never
# ended (killed: its outcome is empty and nobody holds the lock).
test_a_refused_or_killed_run_sets_the_failed_bit() {
	mon_world "139 140"
	db_query "INSERT INTO transactions (command, started, ended, outcome, exit_code, error)
		VALUES ('upgrade', strftime('%s', 'now'), strftime('%s', 'now'), 'refused', 3, 'not enough space')" >/dev/null
	status_code 41 true false false true false
	db_query "INSERT INTO transactions (command, started) VALUES ('upgrade', strftime('%s', 'now'))" >/dev/null
	status_code 41 true false false true false
}

# A failing post hook: core 140 is applied, the hook stays open and holds
# upgrades. Even after a run that ends ok (update), the bit stays until
# the hook is acknowledged.
test_an_open_failed_hook_sets_the_failed_bit() {
	mon_world "139 140" 1 \
		'"hooks": [{"phase": "post", "name": "reload", "content": "#!/bin/sh\necho cannot reload >&2\nexit 1\n"}]'
	run pakfire --root "$R" --yes upgrade
	assert_exit 6
	assert_db "SELECT core FROM system" "140"
	status_code 40 false false false true false
	must_update
	status_code 40 false false false true false
	assert_output_contains "Attention:   1 failed hook holds upgrades"
	check_says CRITICAL "last run failed"
	local id
	id=$(db_query "SELECT id FROM hook_runs WHERE name = 'reload'")
	must pakfire --root "$R" hook ack "$id"
	status_code 0 false false false false false
}

test_no_index_yet_is_48() {
	mon_repo 10 "139" 1
	http_start
	root_at_core 139
	status_code 48 false false false false true
	assert_output_contains "Attention:   no index fetched yet: run 'pakfire update'"
	run pakfire --root "$R" --json status
	assert_json status.index null
	# not stale: there is none
	assert_json status.index_stale false
	check_says WARNING "index stale"
	must_update
	status_code 0 false false false false false
}

# index-stale 1h, and the index fetched two hours ago (the database says
# so): 32 + 16; with the default (7 days), two hours is fresh.
test_an_index_fetched_long_ago_is_stale() {
	mon_world "139"
	db_query "UPDATE indexes SET fetched_at = fetched_at - 7200" >/dev/null
	status_code 0 false false false false false
	conf_set index-stale 1h
	status_code 48 false false false false true
	assert_output_contains "Attention:   the index was fetched 2 hours ago: run 'pakfire update'"
	run pakfire --root "$R" --json status
	assert_json status.index_stale true
	assert_json status.index.expired false
	# the default: 8 days is stale
	conf_set index-stale 7d
	db_query "UPDATE indexes SET fetched_at = fetched_at - 8 * 86400" >/dev/null
	status_code 48 false false false false true
	assert_output_contains "Attention:   the index was fetched 8 days ago"
	# fetched again: fresh
	must_update
	status_code 0 false false false false false
}

# Past its Valid-Until, the index is expired: bit 16, although it was
# fetched a minute ago.
test_an_expired_index_is_48() {
	mon_world "139"
	db_query "UPDATE indexes SET valid_until = strftime('%s', 'now') - 3600" >/dev/null
	status_code 48 false false false false true
	assert_output_contains "Attention:   the index expired (valid until"
	run pakfire --root "$R" --json status
	assert_json status.index.expired true
	assert_json status.index_stale false
}

# status's own errors keep the general codes: never 32 or more.
test_errors_of_status_keep_their_own_codes() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 139 --trust signer --no-init
	run pakfire --root "$R" --json status
	assert_exit 2
	assert_json exit_code 2
	assert_json ok false
	run pakfire --root "$R" status
	assert_exit 2
	assert_error_line "init"
	! grep -q '^Attention:' "$RUN_OUT" || fail "a status that failed speaks of attention"
	check_says UNKNOWN "exit 2"
	# a usage error
	run pakfire --root "$R" status --frobnicate
	assert_exit 2
	# the usage text names status's codes
	run pakfire --help
	assert_exit 0
	assert_output_contains "status: 0 nothing to do, 33..63 attention (see pakfire(8))"
}

# cron_job: the job of docs/cron/pakfire as cron runs it (sh -c), without
# its sleep, its pakfire being the build on $R; its output is what cron
# would mail.
cron_job() {
	local cmd
	cmd=$(grep -E '^[0-9]' "$PF_TOP/docs/cron/pakfire" | cut -d' ' -f7-)
	[ "${cmd#sleep }" != "$cmd" ] || fail "the cron job does not start with its sleep: $cmd"
	cmd=${cmd#sleep *; }
	mkdir -p "$T/cronbin"
	printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$PAKFIRE_BIN" "$R" >"$T/cronbin/pakfire"
	chmod 0755 "$T/cronbin/pakfire"
	run env PATH="$T/cronbin:$PATH" sh -c "$cmd"
}

# The cron job mails (prints) nothing when all is well, and what needs a
# person with status's exit code otherwise; a mirror that is down too.
test_the_cron_job_speaks_only_when_a_person_is_needed() {
	mon_world "139"
	cron_job
	assert_exit 0
	{ [ ! -s "$RUN_OUT" ] && [ ! -s "$RUN_ERR" ]; } || fail "the cron job printed something: $(cat "$RUN_OUT" "$RUN_ERR")"
	mon_repo 11 "139 140" 1
	cron_job
	assert_output_contains "Attention:   core update 140 is available"
	assert_output_contains "pakfire status: exit 33"
	assert_stderr_empty
	dead_port
	conf_set mirror "http://127.0.0.1:$DEAD_PORT$MIRROR_PATH"
	cron_job
	assert_stderr_contains "pakfire: error:"
	assert_output_contains "Attention:   the last run"
	assert_output_contains "pakfire status: exit 41"
}

# The systemd units of docs/systemd are valid units (systemd-analyze, from
# tests/deps.sh: never skipped), and run what docs/monitoring.md says.
test_the_systemd_units_are_valid() {
	local d=$PF_TOP/docs/systemd
	grep -qx 'ExecStart=/usr/sbin/pakfire update' "$d/pakfire-update.service" ||
		fail "the service does not run pakfire update"
	grep -qx 'ExecStart=/usr/sbin/pakfire --quiet status' "$d/pakfire-update.service" ||
		fail "the service does not run pakfire --quiet status"
	grep -qx 'OnCalendar=daily' "$d/pakfire-update.timer" || fail "the timer is not daily"
	grep -q '^RandomizedDelaySec=' "$d/pakfire-update.timer" || fail "the timer has no RandomizedDelaySec"
	command -v systemd-analyze >/dev/null ||
		fail "systemd-analyze is missing: tests/deps.sh installs systemd"
	mkdir -p "$T/units"
	cp "$d/pakfire-update.service" "$d/pakfire-update.timer" "$T/units/"
	# the unit's programs must exist for verify: point them at the build
	sed -i "s|/usr/sbin/pakfire|$PAKFIRE_BIN|" "$T/units/pakfire-update.service"
	run systemd-analyze verify --man=no "$T/units/pakfire-update.service" "$T/units/pakfire-update.timer"
	assert_exit 0
	! grep -i 'pakfire-update' "$RUN_ERR" || fail "systemd-analyze: $(cat "$RUN_ERR")"
}

run_tests "$@"
