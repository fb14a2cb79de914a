#!/usr/bin/env bash
# Space: every pending update is planned on the real file systems under the
# root before anything is downloaded, checked again on fresh numbers right
# before it is applied, and refused (exit 3, nothing of it written) when it
# does not fit. The roots here are small tmpfs file systems (mount_fs), so
# statvfs, df and ENOSPC are real. Sizes of --file are powers of 1024 and the
# contents random (zstd cannot shrink them), so a package is as big as its
# files; a tmpfs block is 4096 bytes.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

BLOCK=4096

# The chain of issue 4: 139 installs 12 MiB of libraries; 140 cleans up
# (removes 10 MiB of them, with CLEANUP=yes) or ships nothing big; 141
# ships 14 MiB, more than a 24 MiB root has left after 139 but less than it
# has after 140's cleanup.
chain_with_cleanup() {
	local cleanup=$1 i removes=()
	repo_mini 139 --file usr/lib/libold-1.so=2M --file usr/lib/libold-2.so=2M \
		--file usr/lib/libold-3.so=2M --file usr/lib/libold-4.so=2M \
		--file usr/lib/libold-5.so=2M --file usr/lib/libkeep.so=2M
	if [ "$cleanup" = yes ]; then
		for i in 1 2 3 4 5; do removes+=(--remove "usr/lib/libold-$i.so"); done
	fi
	repo_mini 140 ${removes[@]+"${removes[@]}"}
	repo_mini 141 --file usr/lib/libnew-1.so=2M --file usr/lib/libnew-2.so=2M \
		--file usr/lib/libnew-3.so=2M --file usr/lib/libnew-4.so=2M \
		--file usr/lib/libnew-5.so=2M --file usr/lib/libnew-6.so=2M \
		--file usr/lib/libnew-7.so=2M
}

# The packages of the download cache (applied ones leave it).
cached_packages() {
	find "$R/var/cache" -name '*.pak' -printf '%f\n' | sort | tr '\n' ' '
}

test_cleanup_makes_room() {
	mount_fs "$R" 24M
	chain_with_cleanup yes
	http_start
	root_at_core 138 --cache-fs 64M
	must_update

	# The plan sees the chain in order: after 139, / has less room than
	# 141 needs; 140 gives back its removals, and then 141 fits.
	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 0
	assert_json ok true
	local need141 after139 after140 avail141
	need141=$(json_get event=plan core=141 mount=/ needed)
	after139=$(json_get event=plan core=139 mount=/ after)
	after140=$(json_get event=plan core=140 mount=/ after)
	avail141=$(json_get event=plan core=141 mount=/ available)
	[ "$need141" -ge $((14 * 1024 * 1024)) ] || fail "core 141 needs $need141 bytes on /, expected at least 14 MiB"
	[ "$need141" -gt "$after139" ] ||
		fail "the test is wrong: 141 ($need141 bytes) would fit after 139 alone ($after139 available)"
	# 140's own few small files take a few blocks of what it frees
	[ "$after140" -ge $((after139 + 10 * 1024 * 1024 - 64 * 1024)) ] ||
		fail "140 removes 10 MiB, but the plan has $after139 bytes available before it and $after140 after"
	[ "$avail141" = "$after140" ] || fail "141 starts with $avail141 bytes, 140 leaves $after140"
	assert_json event=plan core=141 mount=/ fits true

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_empty
	assert_db "SELECT core FROM system" "141"
	assert_tree_equal "$R" "$SRC/buildroot-139" \
		--remove <(printf 'usr/lib/libold-%s.so\n' 1 2 3 4 5) "$SRC/buildroot-140" \
		"$SRC/buildroot-141"
	assert_no_temporaries
	[ -z "$(cached_packages)" ] || fail "applied packages left in the cache: $(cached_packages)"
}

test_without_the_cleanup_the_last_update_is_refused() {
	mount_fs "$R" 24M
	chain_with_cleanup no
	http_start
	root_at_core 138 --cache-fs 64M
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 3
	assert_error_line "does not fit" "core 141" "nothing of core 141 was written"
	assert_db "SELECT core FROM system" "140"
	assert_db "SELECT group_concat(number) FROM (SELECT number FROM updates ORDER BY number)" "139,140"
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140"
	assert_no_temporaries
	assert_db "SELECT fits FROM space_checks WHERE unit = 'core-141' AND mount = '/'" "0"
}

test_refuses_the_update_that_does_not_fit() {
	# /boot as the old installs have it; 141's kernel is bigger than all of it
	local kernel=$((6 * 1024 * 1024 + 100))
	mount_fs "$R" 64M
	mount_fs "$R/boot" 4M
	repo_mini 139
	repo_mini 140
	repo_mini 141 --file "boot/vmlinuz-141=$kernel"
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" --json upgrade --yes
	assert_exit 3
	assert_error_line "does not fit" "/boot" "nothing of core 141 was written"
	local message=$ERROR_LINE
	# 139 and 140 were applied; not one file of 141 is on disk
	assert_db "SELECT core FROM system" "140"
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140"
	assert_no_temporaries
	[ -z "$(ls -A "$R/boot")" ] || fail "/boot is not empty: $(ls -A "$R/boot")"
	[ -z "$(cached_packages)" ] ||
		fail "the cache holds $(cached_packages)(applied ones are deleted, 141 is never downloaded)"
	# the JSON refusal: df's numbers, the kernel rounded up to the block
	assert_json ok false
	assert_json exit_code 3
	assert_json error_class "not enough space"
	assert_json error "$message"
	assert_json event=refused core=141 mount=/boot fits false
	assert_json event=refused core=141 mount=/boot available "$(df_avail "$R/boot")"
	assert_json event=refused core=141 mount=/boot needed "$(round_up "$kernel" "$BLOCK")"
	assert_json event=refused core=141 mount=/boot reserve 0
	assert_json event=refused core=141 mount=/boot shortfall \
		$(($(round_up "$kernel" "$BLOCK") - $(df_avail "$R/boot")))
	assert_json event=plan core=141 mount=/boot fits false
	# the database: the check of each update, the refusal
	assert_db "SELECT unit, mount, fits FROM space_checks ORDER BY unit, mount" \
		"core-139|/|1
core-140|/|1
core-141|/|1
core-141|/boot|0"
	assert_db "SELECT needed, available, reserve FROM space_checks
		WHERE unit = 'core-141' AND mount = '/boot'" \
		"$(round_up "$kernel" "$BLOCK")|$(df_avail "$R/boot")|0"
	assert_db "SELECT outcome, exit_code, error FROM transactions
		WHERE command = 'upgrade' ORDER BY id DESC LIMIT 1" "refused|3|$message"

	# Again, as a person would run it: 141 is refused right away, with the
	# table and what frees space, and nothing changes.
	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "does not fit"
	assert_stderr_contains "/boot"
	assert_stderr_contains "nothing of core 141 was written"
	assert_output_contains "shortfall"
	assert_output_contains "/boot"
	# a 4 MiB /boot cannot hold a 6 MiB kernel, however empty: the owner
	# is told so (docs/space.md, "Verdicts"), not to delete kernels
	assert_output_contains "/boot is 4 MiB in total; core 141 needs 6.0 MiB there even on an empty /boot"
	assert_output_contains "This partition can never hold it"
	assert_stderr_contains "/boot can never hold it"
	# 32 + 1 (core 141 pending) + 8 (the upgrade was refused)
	run pakfire --root "$R" status
	assert_exit 41
	assert_output_contains "Core level:  140"
}

test_refuses_when_inodes_run_out() {
	mount_fs "$R" 64M nr_inodes=200
	repo_mini 139 --files usr/share/many=300
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "inodes"
	assert_stderr_contains "nothing of core 139 was written"
	assert_db "SELECT fits, inodes_needed > inodes_available, inodes_needed >= 300
		FROM space_checks WHERE unit = 'core-139'" "0|1|1"
	# as df counts them, but for the few that pakfire's open database uses
	assert_near "$(db_query "SELECT inodes_available FROM space_checks WHERE unit = 'core-139'")" \
		"$(df_inodes "$R")" 8 "inodes available on / at the check"
	assert_db "SELECT core FROM system" "138"
}

test_reserve_is_honoured() {
	# 8 MiB of files and their 8 MiB package fit in the 40 MiB root, but
	# not with 30 MiB of it reserved
	mount_fs "$R" 40M
	repo_mini 139 --file usr/lib/libbig.so=8M
	http_start
	root_at_core 138 --reserve "/=30M"
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "reserve"
	assert_stderr_contains "does not fit"
	assert_stderr_contains "30.0 MiB"
	assert_db "SELECT reserve, fits, needed <= available, needed + reserve > available
		FROM space_checks WHERE unit = 'core-139' AND mount = '/'" \
		"$((30 * 1024 * 1024))|0|1|1"

	conf_set reserve "/=4M"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_db "SELECT reserve, fits FROM space_checks WHERE unit = 'core-139'
		ORDER BY id DESC LIMIT 1" "$((4 * 1024 * 1024))|1"
}

test_a_replaced_file_is_freed_only_after_the_update_commits() {
	# 140 replaces 139's 10 MiB library by another of the same size: no net
	# growth, but both copies exist until 140 commits, and / has not the
	# room for that
	mount_fs "$R" 20M
	repo_mini 139 --file usr/lib/libbig.so=10M
	repo_mini 140 --file usr/lib/libbig.so=10M
	http_start
	root_at_core 138 --cache-fs 64M
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 3
	assert_error_line "does not fit" "core 140" "nothing of core 140 was written"
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_no_temporaries
}

test_download_cache_counts_on_its_own_file_system() {
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/libbig.so=6M
	http_start
	root_at_core 138 --cache-fs 4M
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "/var/cache"
	assert_stderr_contains "does not fit"
	assert_db "SELECT mount, fits FROM space_checks WHERE unit = 'core-139' ORDER BY mount" \
		"/|1
/var/cache|0"
	[ -z "$(cached_packages)" ] || fail "the package was downloaded: $(cached_packages)"
}

# The id of step STEP of UNIT in the last upgrade.
step_id() {
	db_query "SELECT id FROM steps WHERE unit = '$1' AND step = '$2' AND transaction_id =
		(SELECT max(id) FROM transactions WHERE command = 'upgrade')"
}

test_the_whole_download_window_comes_before_the_first_update() {
	# The cache holds every package until its commit: all are downloaded
	# (one batch) before core 139 is applied.
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/libone.so=1M
	repo_mini 140 --file usr/lib/libtwo.so=1M
	repo_mini 141 --file usr/lib/libthree.so=1M
	http_start
	root_at_core 138 --cache-fs 16M
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "141"
	local first
	first=$(step_id core-139 committed)
	[ -n "$first" ] || fail "no committed step of core-139"
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit FROM steps WHERE step = 'verified'
		AND id < $first AND transaction_id = (SELECT max(id) FROM transactions) ORDER BY id)" \
		"core-139 core-140 core-141"
	[ -z "$(cached_packages)" ] || fail "applied packages stayed in the cache: $(cached_packages)"
}

test_the_download_window_shrinks_to_one_on_a_nearly_full_cache() {
	# One package fits in the cache at a time, never two: each is
	# downloaded at its turn, after the one before committed (and left the
	# cache), and the upgrade goes through.
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/libone.so=3M
	repo_mini 140 --file usr/lib/libtwo.so=3M
	repo_mini 141 --file usr/lib/libthree.so=3M
	http_start
	root_at_core 138 --cache-fs 5M
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "141"
	local c139 d140 c140 d141
	c139=$(step_id core-139 committed)
	d140=$(step_id core-140 downloading)
	c140=$(step_id core-140 committed)
	d141=$(step_id core-141 downloading)
	[ -n "$c139" ] && [ -n "$d140" ] && [ -n "$c140" ] && [ -n "$d141" ] ||
		fail "steps missing: committed 139 [$c139], downloading 140 [$d140], committed 140 [$c140], downloading 141 [$d141]"
	[ "$d140" -gt "$c139" ] && [ "$d141" -gt "$c140" ] ||
		fail "a package was downloaded before the update before it committed"
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140" "$SRC/buildroot-141"
}

test_two_mounts_of_one_file_system_share_one_budget() {
	# /boot and /srv are bind mounts of one 16 MiB file system: 10 MiB on
	# each fits either alone, not both
	mount_fs "$R" 64M
	mount_fs "$T/disk" 16M
	bind_mount "$T/disk/boot" "$R/boot"
	bind_mount "$T/disk/srv" "$R/srv"
	repo_mini 139 --file boot/vmlinuz-139=10M --file srv/www/big=10M
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "does not fit"
	assert_db "SELECT count(*), sum(fits) FROM space_checks WHERE unit = 'core-139'" "2|1"
	assert_db "SELECT needed >= 20 * 1024 * 1024 FROM space_checks
		WHERE unit = 'core-139' AND fits = 0" "1"
}

test_a_path_through_a_system_symlink_counts_where_it_lands() {
	# lib -> usr/lib on the appliance, and /usr a small file system of its
	# own: lib/firmware/big lands on /usr, which cannot hold it
	mount_fs "$R" 64M
	mount_fs "$R/usr" 8M
	mkdir -p "$R/usr/lib"
	ln -s usr/lib "$R/lib"
	repo_mini 139 --file lib/firmware/big.bin=10M
	# the mini update's own files in usr/ are tiny; lib/ is the system's
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "/usr"
	assert_stderr_contains "does not fit"
	assert_db "SELECT mount, fits FROM space_checks WHERE unit = 'core-139' ORDER BY mount" \
		"/|1
/usr|0"
}

test_space_stolen_between_plan_and_apply() {
	# The check passes; then, while the package downloads (slowly), another
	# process takes all of /boot. Staging meets a real ENOSPC and the update
	# is rolled back. (/boot rather than /: the database lives on /.)
	mount_fs "$R" 64M
	mount_fs "$R/boot" 16M
	repo_mini 139 --file boot/vmlinuz-139=8M
	http_start --throttle 1024
	root_at_core 138
	must_update
	remember_state

	run_bg pakfire --root "$R" upgrade --yes
	wait_for_output "Applying core 139" 60
	fill_fs "$R/boot/filler"
	wait_bg
	assert_exit 3
	assert_error_line "No space left on device"
	local message=$ERROR_LINE
	assert_no_temporaries
	[ "$(ls -A "$R/boot")" = filler ] || fail "/boot holds more than the filler: $(ls -A "$R/boot")"
	rm -f "$R/boot/filler"
	assert_nothing_changed
	assert_db "SELECT core FROM system" "138"
	assert_db "SELECT outcome IN ('failed', 'refused'), exit_code, error FROM transactions
		WHERE command = 'upgrade' ORDER BY id DESC LIMIT 1" "1|3|$message"
	assert_db "SELECT fits FROM space_checks WHERE unit = 'core-139' AND mount = '/boot'" "1"

	# the room is back: the same update applies
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
}

test_root_filled_while_the_package_downloads() {
	# The same on /, which also holds pakfire's database: the failure is
	# still one of space (exit 3), the root stays as it was, and once there
	# is room again the failed run is on record and the update applies.
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/libbig.so=8M
	http_start --throttle 1024
	root_at_core 138 --cache-fs 32M
	must_update
	remember_state

	run_bg pakfire --root "$R" upgrade --yes
	wait_for_output "Applying core 139" 60
	fill_fs "$R/filler"
	wait_bg
	assert_exit 3
	assert_error_line
	grep -qiE "no space left|full" <<<"$ERROR_LINE" ||
		fail "the error line does not say that the file system is full: $RUN_CMD"
	assert_no_temporaries
	rm -f "$R/filler"
	assert_nothing_changed
	assert_db "SELECT core FROM system" "138"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	# the run that met the full disk does not look as if it were still going
	assert_db "SELECT count(*) FROM transactions WHERE outcome IS NULL OR ended IS NULL" "0"
	assert_db "SELECT count(*) FROM transactions WHERE command = 'upgrade' AND outcome != 'ok'" "1"
}

test_modified_file_named_by_remove_is_kept() {
	repo_mini 139 --file usr/lib/libold.so.1=10K --file usr/lib/libsame.so.1=10K \
		--file usr/lib/libsibling.so.1=10K
	repo_mini 140 --remove usr/lib/libold.so.1 --remove usr/lib/libsame.so.1 \
		--remove usr/lib/libsibling.so.1
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	# the admin patches one library, and one byte of another (same size)
	printf 'patched by the admin\n' >"$R/usr/lib/libold.so.1"
	flip_byte "$R/usr/lib/libsame.so.1"
	local same
	same=$(sha256sum <"$R/usr/lib/libsame.so.1")

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "pakfire: core 140: kept /usr/lib/libold.so.1: modified"
	assert_stderr_contains "pakfire: core 140: kept /usr/lib/libsame.so.1: modified"
	[ "$(grep -c . "$RUN_ERR")" = 2 ] || fail "expected two lines on stderr, one per kept file"
	[ "$(cat "$R/usr/lib/libold.so.1")" = "patched by the admin" ] ||
		fail "the admin's usr/lib/libold.so.1 is not as the admin left it"
	[ "$(sha256sum <"$R/usr/lib/libsame.so.1")" = "$same" ] ||
		fail "the admin's usr/lib/libsame.so.1 is not as the admin left it"
	[ ! -e "$R/usr/lib/libsibling.so.1" ] || fail "the unmodified usr/lib/libsibling.so.1 was not removed"
	assert_db "SELECT core FROM system" "140"
	assert_db "SELECT path, owner FROM files WHERE path LIKE 'usr/lib/lib%.so.1' ORDER BY path" \
		"usr/lib/libold.so.1|core-139
usr/lib/libsame.so.1|core-139"
}

test_dry_run_prints_the_plan_and_changes_nothing() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 16M
	repo_mini 139 --file boot/vmlinuz-139=2M --file usr/lib/libfoo.so=1M
	repo_mini 140 --file usr/lib/libbar.so=1M
	http_start
	root_at_core 138 --reserve "/boot=1M"
	must_update
	remember_state

	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	assert_stderr_empty
	assert_output_contains "core 139"
	assert_output_contains "core 140"
	assert_output_contains "/boot"
	assert_output_contains "needed"
	assert_output_contains "available"
	assert_output_contains "reserve"
	assert_output_contains "after"
	assert_nothing_changed
	[ -z "$(cached_packages)" ] || fail "a dry run downloaded $(cached_packages)"

	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 0
	assert_json ok true
	assert_json exit_code 0
	local boot root after139
	boot=$(df_avail "$R/boot")
	root=$(df_avail "$R")
	assert_json event=plan core=139 mount=/boot needed $((2 * 1024 * 1024))
	assert_json event=plan core=139 mount=/boot available "$boot"
	assert_json event=plan core=139 mount=/boot reserve $((1024 * 1024))
	assert_json event=plan core=139 mount=/boot after $((boot - 2 * 1024 * 1024))
	assert_json event=plan core=139 mount=/boot fits true
	# / holds pakfire's database, whose -wal and -shm files exist while it
	# runs: as df shows it then, within a few blocks of df now
	assert_near "$(json_get event=plan core=139 mount=/ available)" "$root" $((64 * 1024)) \
		"bytes available on / in the plan"
	assert_json event=plan core=140 mount=/ fits true
	after139=$(json_get event=plan core=139 mount=/ after)
	assert_json event=plan core=140 mount=/ available "$after139"
	[ "$(json_count event=plan core=140 mount=/boot)" = 0 ] || fail "core 140 writes nothing to /boot"
	[ "$(json_count event=refused)" = 0 ] || fail "a dry run that fits refused something"
	assert_nothing_changed
}

test_dry_run_exits_3_when_something_does_not_fit() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 4M
	repo_mini 139 --file boot/vmlinuz-139=6M
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --dry-run
	assert_refused 3 "not fit"
	assert_stderr_contains "/boot"
	assert_output_contains "/boot"

	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 3
	assert_json ok false
	assert_json exit_code 3
	assert_json event=plan core=139 mount=/boot fits false
	assert_json event=plan core=139 mount=/boot available "$(df_avail "$R/boot")"
	assert_nothing_changed
	[ -z "$(cached_packages)" ] || fail "a dry run downloaded $(cached_packages)"
}

test_read_only_mount_refuses() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 16M
	must mount -o remount,ro "$R/boot"
	repo_mini 139 --file boot/vmlinuz-139=1M
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "read-only"
	assert_stderr_contains "/boot"
	assert_stderr_contains "nothing of core 139 was written"
	assert_db "SELECT mount, fits FROM space_checks WHERE unit = 'core-139' ORDER BY mount" \
		"/|1
/boot|0"

	run pakfire --root "$R" upgrade --dry-run
	assert_refused 3 "read-only"
}

run_tests "$@"
