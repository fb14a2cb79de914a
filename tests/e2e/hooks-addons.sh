#!/usr/bin/env bash
# Add-on hooks (docs/hooks.md, "When package hooks run"): install runs
# pre-install and post-install; an upgrade runs the old build's pre-remove,
# the new build's pre-install, then after the swap the old build's
# post-remove and the new build's post-install; a removal runs the installed
# build's pre-remove and post-remove, from the bytes kept when it was
# installed (the repository no longer needs to offer it). A hook of a phase
# the unit's kind does not have is refused before anything runs. The
# repositories are written by tests/lib/series.py straight from the formats.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

SERIES=2.23

# logging_hooks BUILD: the four add-on hooks, each appending
# "PHASE BUILD ADDON" to hook-log in the root.
logging_hooks() {
	local phase sep=""
	printf '['
	for phase in pre-install post-install pre-remove post-remove; do
		printf '%s{"phase": "%s", "name": "%s-log", "content": "#!/bin/sh\\necho \\"$PAKFIRE_PHASE %s $PAKFIRE_ADDON\\" >> \\"$PAKFIRE_ROOT/hook-log\\"\\n"}' \
			"$sep" "$phase" "$phase" "$1"
		sep=", "
	done
	printf ']'
}

# addon_world RELEASE [CORE_HOOKS]: series 2.23 with core 139 (CORE_HOOKS:
# a JSON list of hooks for it) and add-on foo 1.0-RELEASE with logging_hooks.
addon_world() {
	local release=$1 core_hooks=${2:-[]}
	ensure_key signer
	mkdir -p "$WWW$MIRROR_PATH" "$T/spec"
	cat >"$T/spec/23.json" <<-EOF
	{"series": "2.23", "revision": $((20 + release)), "gnupghome": "$G", "keys": ["$KEY_FPR"],
	 "extra": {"Min-Client": "3"},
	 "core": [{"number": 139, "files": {"etc/system-release": "2.23 core 139\n"},
	           "hooks": $core_hooks}],
	 "addons": [{"name": "foo", "version": "1.0", "release": $release,
	             "files": {"usr/bin/foo": "foo build $release\n"},
	             "hooks": $(logging_hooks "foo-$release")}]}
	EOF
	must "$PF_PY3" "$PF_TOP/tests/lib/series.py" "$T/spec/23.json" "$WWW$MIRROR_PATH"
	TRUST=("$T/keys/signer.asc")
}

test_addon_hooks_run_in_their_order_for_install_upgrade_and_removal() {
	addon_world 1
	http_start
	root_at_core 139
	must_update

	run pakfire --root "$R" --yes install foo
	assert_exit 0
	[ "$(cat "$R/hook-log")" = "pre-install foo-1 foo
post-install foo-1 foo" ] || fail "install ran: $(cat "$R/hook-log")"

	: >"$R/hook-log"
	addon_world 2
	must_update
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	[ "$(cat "$R/usr/bin/foo")" = "foo build 2" ] || fail "foo was not upgraded"
	[ "$(cat "$R/hook-log")" = "pre-remove foo-1 foo
pre-install foo-2 foo
post-remove foo-1 foo
post-install foo-2 foo" ] || fail "the upgrade ran: $(cat "$R/hook-log")"

	# removed when the repository no longer offers it: the kept hooks run
	: >"$R/hook-log"
	rm -rf "${WWW:?}$MIRROR_PATH/2.23/$ARCH/addons"
	run pakfire --root "$R" --yes remove foo
	assert_exit 0
	[ ! -e "$R/usr/bin/foo" ] || fail "foo is still there"
	[ "$(cat "$R/hook-log")" = "pre-remove foo-2 foo
post-remove foo-2 foo" ] || fail "the removal ran: $(cat "$R/hook-log")"
	assert_db "SELECT count(*) FROM hook_runs WHERE state = 'ok'" "8"
	assert_db "SELECT count(*) FROM unit_hooks WHERE unit = 'foo'" "0"
}

test_a_core_update_with_an_addon_phase_hook_is_refused() {
	addon_world 1 '[{"phase": "post-install", "name": "odd", "content": "#!/bin/sh\ntouch \"$PAKFIRE_ROOT/odd-ran\"\n"}]'
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" --yes upgrade
	assert_exit 4
	assert_error_line "post-install hook (odd)" "nothing was changed"
	assert_nothing_changed
	[ ! -e "$R/odd-ran" ] || fail "the hook ran"
}

run_tests "$@"
