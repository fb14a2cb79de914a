#!/usr/bin/env bash
# The command line: usage errors, option placement, init and status.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

test_unknown_command() {
	run pakfire --root "$T" frobnicate
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "frobnicate"
}

test_no_command() {
	run pakfire
	assert_exit 2
}

test_unknown_option() {
	run pakfire --root "$T" --frobnicate status
	assert_exit 2
	assert_stderr_contains "--frobnicate"
}

test_global_options_before_or_after_the_command() {
	repo_mini 139
	http_start
	root_at_core 138
	cp -a "$R" "$T/second"
	must_update

	# a command's option before the command: getopt_long always took it
	run pakfire --dry-run --root "$R" upgrade
	assert_exit 0
	assert_db "SELECT core FROM system" "138"
	run pakfire --yes --root "$R" upgrade
	assert_exit 0
	run pakfire upgrade --root "$T/second" update
	assert_exit 2
	run pakfire update --root "$T/second"
	assert_exit 0
	run pakfire upgrade --root "$T/second" --yes
	assert_exit 0

	assert_db "SELECT core FROM system" "139"
	DB=$T/second/var/lib/pakfire/pakfire.db
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_tree_equal "$T/second" "$SRC/buildroot-139"
}

test_an_option_of_another_command_is_refused() {
	run pakfire --root "$T" status --dry-run
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "--dry-run belongs to 'upgrade', not 'status'"
	run pakfire --series 2.25 --root "$T" upgrade
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "--series belongs to 'init', not 'upgrade'"
	run pakfire --root "$T" history --to 5
	assert_exit 2
	assert_stderr_contains "--to belongs to 'upgrade', not 'history'"
	# pakfire-repo: the same parser, the same rule
	run pakfire_repo publish --update "$T"
	assert_exit 2
	assert_stderr_contains "--update belongs to 'build', not 'publish'"
}

test_an_option_with_a_value_given_twice_is_refused() {
	run pakfire --root "$T" upgrade --to 139 --to 140
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "--to is given twice"
	run pakfire --root "$T" status --root "$T"
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "--root is given twice"
	# pakfire-repo: the same parser (--key collects its values: e2e/repo-series.sh)
	run pakfire_repo publish --repo "$T" --updates "$T" --series s --arch a \
		--key 0123456789ABCDEF0123456789ABCDEF01234567 --gnupghome "$T" \
		--gnupghome "$T/g"
	assert_exit 2
	assert_stderr_contains "pakfire-repo: error: publish: --gnupghome is given twice"
	# a flag may be repeated
	run pakfire --yes --root "$T" --yes --version
	assert_exit 0
}

test_numbers_and_operands_are_checked_before_anything_runs() {
	run pakfire --root "$T/none" upgrade --to 0
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "--to '0' is not a core update number"
	run pakfire --root "$T/none" init --series 2.25 --core -1
	assert_exit 2
	assert_stderr_contains "--core '-1'"
	run pakfire --root "$T/none" init --core 1
	assert_exit 2
	assert_stderr_contains "--series and --core"
	run pakfire --root "$T/none" status extra
	assert_exit 2
	assert_stderr_contains "status: unexpected argument 'extra'"
}

test_help_lists_every_command_and_each_command_its_options() {
	run pakfire --help
	assert_exit 0
	local c
	for c in init update upgrade status clean history verify; do
		grep -qE "^[[:space:]]+$c([[:space:]]|$)" "$RUN_OUT" || fail "--help does not list $c"
	done
	assert_output_contains "upgrade [--dry-run] [--to N]"
	run pakfire upgrade --help
	assert_exit 0
	assert_output_contains "--dry-run"
	assert_output_contains "--to N"
	assert_output_contains "--root DIR"
	run pakfire --root "$T" init --help --frobnicate
	assert_exit 0
	assert_output_contains "--series S"
	run pakfire_repo publish --help
	assert_exit 0
	assert_output_contains "--valid-days D"
	run pakfire_repo --help
	assert_exit 0
	assert_output_contains "publish"
}

test_init_twice_is_refused() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer
	remember_state

	run pakfire --root "$R" init --series "$SERIES" --core 141
	assert_exit_nonzero
	assert_one_line_error
	assert_nothing_changed
	assert_db "SELECT core FROM system" "138"
}

test_init_records_the_core_level() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer

	assert_db "SELECT series, arch, core FROM system" "$SERIES|$ARCH|138"
	assert_db "SELECT count(*) FROM updates" "0"
	# no index yet: status asks for attention (32 + 16, docs/monitoring.md)
	run pakfire --root "$R" status
	assert_exit 48
	assert_output_contains "138"
	assert_output_contains "$SERIES"
}

test_status_before_init() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer --no-init

	run pakfire --root "$R" status
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "init"
}

test_clean_empties_the_download_cache() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer
	# what an interrupted download leaves behind (partial/<sha256>.part)
	mkdir -p "$R/var/cache/pakfire/$SERIES/$ARCH/core" "$R/var/cache/pakfire/$SERIES/$ARCH/partial"
	head -c 12345 /dev/zero >"$R/var/cache/pakfire/$SERIES/$ARCH/partial/$(echo core-139 | sha256sum | cut -d' ' -f1).part"
	head -c 100 /dev/zero >"$R/var/cache/pakfire/$SERIES/$ARCH/core/core-139.pak"

	run pakfire --root "$R" clean
	assert_exit 0
	assert_output_contains "Removed 2 files"
	run find "$R/var/cache/pakfire" -mindepth 1
	[ ! -s "$RUN_OUT" ] || fail "left in the cache: $(cat "$RUN_OUT")"
	[ -d "$R/var/cache/pakfire" ] || fail "the cache folder itself was removed"
	assert_db "SELECT command, outcome FROM transactions ORDER BY id DESC LIMIT 1" "clean|ok"
}

test_second_pakfire_exits_7_and_a_dead_holder_leaves_no_lock() {
	repo_mini 139
	http_start
	root_at_core 138
	# another pakfire, as far as the lock can tell: pid 4242 holds it
	printf '4242\n' >"$R/var/lib/pakfire/lock"
	# -o: the lock stays with flock itself, not with the sleep it runs
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	local holder=$!
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done
	remember_state

	run pakfire --root "$R" update
	assert_exit 7
	assert_one_line_error
	assert_stderr_contains "pid 4242"
	run pakfire --root "$R" upgrade --yes
	assert_exit 7
	assert_nothing_changed
	# a reader never needs the lock (48: no index yet, docs/monitoring.md)
	run pakfire --root "$R" status
	assert_exit 48

	# kill the holder itself (not its sleep, whose end would let flock
	# exit cleanly): the kernel must release the lock of a dead process
	local sleeper
	sleeper=$(pgrep -P "$holder" sleep || true)
	kill -9 "$holder"
	wait "$holder" 2>/dev/null || true
	[ -z "$sleeper" ] || kill -9 "$sleeper" 2>/dev/null || true
	run pakfire --root "$R" update
	assert_exit 0
}

run_tests "$@"
