#!/usr/bin/env bash
# status before anyone runs upgrade: per mount the pending chain touches,
# what is free now, what the chain needs there at its peak and whether it
# fits, planned from the manifests that `update` kept (docs/space.md,
# "Before the upgrade: status"). Reads only: no lock, nothing written.
# Every world here has core updates pending: status exits 33 (32 + 1,
# docs/monitoring.md).
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

KEPT() { echo "$R/var/cache/pakfire/$SERIES/$ARCH/manifests"; }

# A root of 64 MiB with a /boot of 16 MiB, both tmpfs; 139 puts a 6 MiB
# kernel on /boot and a library on /; 140 another kernel of 8 MiB. Both fit
# alone; the chain's peak on /boot is both kernels (nothing is removed).
boot_world() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 16M
	repo_mini 139 --file boot/vmlinuz-139=6M --file usr/lib/libbig-139.so=3M
	repo_mini 140 --file boot/vmlinuz-140=8M
	http_start
	root_at_core 138
}

# files_size N: the bytes of the files of core N's build root (what it installs).
files_size() { find "$SRC/buildroot-$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }'; }

# stat_avail DIR: the bytes available on the file system of DIR, from
# statvfs as stat -f reports it (f_bavail * f_bsize).
stat_avail() { echo $(($(stat -f -c %a "$1") * $(stat -f -c %S "$1"))); }

# status_json EXPR: EXPR (Python, over the status report `s`) of the last
# run's --json document.
status_json() {
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["status"]
print(eval(sys.argv[2]))' "$RUN_OUT" "$1" || fail "status --json: cannot evaluate $1"
}

# mount_field MOUNT FIELD: FIELD of MOUNT's row in status --json.
mount_field() {
	status_json "[m[\"$2\"] for m in s[\"space\"][\"mounts\"] if m[\"mount\"] == \"$1\"][0]"
}

test_after_update_status_shows_what_the_chain_needs_per_mount() {
	boot_world
	must_update
	[ -f "$(KEPT)/core-139.manifest" ] && [ -f "$(KEPT)/core-140.manifest" ] ||
		fail "update kept no manifests: $(ls -la "$(KEPT)" 2>&1)"
	cmp -s "$(KEPT)/core-139.manifest" "$REPO/core/core-139.manifest" ||
		fail "the kept manifest of core 139 is not the published one"

	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned true
	[ "$(status_json 'sorted(m["mount"] for m in s["space"]["mounts"])')" = "['/', '/boot']" ] ||
		fail "status shows mounts $(status_json '[m["mount"] for m in s["space"]["mounts"]]'), expected / and /boot"
	# free now: what statvfs says of each mount
	[ "$(mount_field /boot available)" = "$(stat_avail "$R/boot")" ] ||
		fail "/boot: status says $(mount_field /boot available) bytes free, stat -f says $(stat_avail "$R/boot")"
	# (/ holds the database: while status reads it, SQLite's shared-memory
	# file of the WAL takes 32 KiB there, which is gone again now)
	assert_near "$(mount_field / available)" "$(stat_avail "$R")" 65536 "/: bytes free, status against stat -f"
	# both kernels stay on /boot until the end of the chain: at least 14 MiB
	local boot_need
	boot_need=$(mount_field /boot needed)
	[ "$boot_need" -ge $((14 * 1024 * 1024)) ] && [ "$boot_need" -lt $((15 * 1024 * 1024)) ] ||
		fail "/boot: the chain needs $boot_need bytes at its peak, expected 14 MiB and a few blocks"
	[ "$(mount_field /boot fits)" = True ] || fail "/boot: the chain fits, status says not"
	[ "$(mount_field /boot verdict)" = fits ] || fail "/boot: verdict $(mount_field /boot verdict)"
	[ "$(mount_field /boot peak_unit)" = core-140 ] || fail "/boot: the peak is at core 140"
	assert_json status.space.missing_manifests "[]"
	assert_json status.space.hint null
	# every size says what it is: download (the index's) and installed (the manifest's)
	[ "$(status_json 's["pending"][0]["download_size"]')" = "$(stat -c %s "$REPO/core/core-139.pak")" ] ||
		fail "core 139's download size is not its package's"
	[ "$(status_json 's["pending"][0]["installed_size"]')" = "$(files_size 139)" ] ||
		fail "core 139's installed size is $(status_json 's["pending"][0]["installed_size"]')"
	[ "$(status_json 's["pending_total"]["download_size"]')" = \
	  "$(($(stat -c %s "$REPO/core/core-139.pak") + $(stat -c %s "$REPO/core/core-140.pak")))" ] ||
		fail "the total download is not the sum of the packages"
	[ "$(status_json 's["pending_total"]["installed_size"] == sum(p["installed_size"] for p in s["pending"])')" = True ] ||
		fail "the total installed size is not the sum"

	# the same figures as the plan of the upgrade: per mount, the peak of
	# each update counted from now (needed + what the updates before it took)
	local boot_avail plan_need
	boot_avail=$(mount_field /boot available)
	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 0
	plan_need=$(python3 -c 'import json, sys
rows = [e for e in json.load(open(sys.argv[1]))["events"] if e["event"] == "plan" and e["mount"] == "/boot"]
print(max(e["needed"] + int(sys.argv[2]) - e["available"] for e in rows))' "$RUN_OUT" "$boot_avail")
	[ "$plan_need" = "$boot_need" ] ||
		fail "/boot: status says the chain needs $boot_need bytes, upgrade --dry-run plans $plan_need"
	[ "$(json_get event=update-pending core=139 download_size)" = "$(stat -c %s "$REPO/core/core-139.pak")" ] ||
		fail "upgrade: the download size of core 139 is not labelled as such in JSON"
	assert_json event=update-pending core=139 installed_size "$(files_size 139)"

	# and in text: a row per mount with its verdict, the sizes labelled
	run pakfire --root "$R" status
	assert_exit 33
	assert_output_contains "Space:       what the pending updates need at their peak, per mount"
	grep -qE '^  /boot +[0-9.]+ MiB +14\.[0-9] MiB +0 B +fits$' "$RUN_OUT" ||
		fail "no row for /boot with 14.x MiB needed that fits"
	grep -qE '^  core 139   download +[0-9.]+ MiB, installed +9\.0 MiB  Mini core update 139$' "$RUN_OUT" ||
		fail "core 139's sizes are not labelled download and installed"
	grep -qE '^  total      download +[0-9.]+ MiB, installed +17\.0 MiB$' "$RUN_OUT" ||
		fail "the pending list does not end with the totals"
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	grep -qE '^  core 139 .* entries, download +[0-9.]+ MiB, installed +9\.0 MiB, ' "$RUN_OUT" ||
		fail "upgrade: core 139's sizes are not labelled download and installed"
}

test_a_chain_that_does_not_fit_says_so_before_the_upgrade() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 8M
	repo_mini 139 --file boot/vmlinuz-139=6M
	repo_mini 140 --file boot/vmlinuz-140=6M
	http_start
	root_at_core 138 --reserve "/boot=1M"
	must_update

	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned true
	assert_json status.space.refused_unit core-140
	[ "$(mount_field /boot fits)" = False ] || fail "/boot: 12 MiB of kernels fit on 8 MiB"
	# 139's kernel stays beside 140's: 12 MiB on a /boot of 8 MiB
	[ "$(mount_field /boot verdict)" = never-fits ] || fail "/boot: verdict $(mount_field /boot verdict)"
	[ "$(mount_field /boot advised)" = $((16 * 1024 * 1024)) ] ||
		fail "/boot: advised $(mount_field /boot advised), not the 16 MiB the upgrade advises"
	[ "$(mount_field / advised)" = None ] || fail "/: a mount that fits advises nothing"
	[ "$(mount_field /boot refused_unit)" = core-140 ] || fail "/boot: core 140 is the one that does not fit"
	[ "$(mount_field /boot reserve)" = $((1024 * 1024)) ] || fail "/boot: the reserve is not shown"
	[ "$(mount_field / verdict)" = fits ] || fail "/: verdict $(mount_field / verdict)"
	local need avail
	need=$(mount_field /boot needed)
	avail=$(mount_field /boot available)
	[ $((need + 1024 * 1024)) -gt "$avail" ] || fail "/boot: $need needed and 1 MiB reserve fit in $avail, yet it does not fit"
	run pakfire --root "$R" status
	assert_exit 33
	grep -qE '^  /boot +[0-9.]+ MiB +12\.[0-9] MiB +1\.0 MiB +never fits \(core 140: reinstall with /boot at least 16 MiB\)$' "$RUN_OUT" ||
		fail "no row for /boot that can never hold core 140"
	# as the upgrade says
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 3
	assert_error_line "core 140" "/boot" "reinstall with /boot at least 16 MiB"
}

test_a_full_boot_names_what_to_free_before_the_upgrade() {
	mount_fs "$R" 64M
	mount_fs "$R/boot" 16M
	repo_mini 139 --file boot/vmlinuz-139=6M
	repo_mini 140 --file boot/vmlinuz-140=6M
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	# an old kernel the installer left: nobody owns it
	head -c $((5 * 1024 * 1024)) /dev/urandom >"$R/boot/vmlinuz-5.4.0-old"
	must_update

	run pakfire --root "$R" --json status
	assert_exit 33
	[ "$(mount_field /boot verdict)" = fits-after-freeing ] || fail "/boot: verdict $(mount_field /boot verdict)"
	[ "$(mount_field /boot freeable)" = $((5 * 1024 * 1024)) ] ||
		fail "/boot: $(mount_field /boot freeable) freeable, not the old kernel's 5 MiB"
	run pakfire --root "$R" status
	assert_exit 33
	assert_output_contains "fits after freeing (core 140: 5.0 MiB can be freed; 'pakfire upgrade --dry-run' lists it)"
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 3
	assert_output_contains "/boot/vmlinuz-5.4.0-old"
}

test_a_cleanup_in_the_chain_frees_room_for_what_follows() {
	# 139 installs a 6 MiB library, 140 removes it, 141 installs 8 MiB:
	# at 141's peak the chain holds 8 MiB more than now, not 14 (the
	# packages lie on a cache file system of their own)
	mount_fs "$R" 64M
	repo_mini 139 --file usr/lib/libold.so=6M
	repo_mini 140 --remove usr/lib/libold.so
	repo_mini 141 --file usr/lib/libnew.so=8M
	http_start
	root_at_core 138 --cache-fs 64M
	must_update

	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned true
	local need
	need=$(mount_field / needed)
	[ "$need" -ge $((8 * 1024 * 1024)) ] && [ "$need" -lt $((8 * 1024 * 1024 + 256 * 1024)) ] ||
		fail "/: the chain needs $need bytes at its peak, expected 8 MiB and a few pages"
	[ "$(mount_field / peak_unit)" = core-141 ] || fail "/: the peak is at core 141, not $(mount_field / peak_unit)"
	# each package lies in the cache only until its update commits: the
	# peak there is the largest one, not their sum
	local cache_need p139 p141
	cache_need=$(mount_field /var/cache needed)
	p139=$(stat -c %s "$REPO/core/core-139.pak")
	p141=$(stat -c %s "$REPO/core/core-141.pak")
	[ "$cache_need" -ge "$p141" ] && [ "$cache_need" -lt $((p139 + p141)) ] ||
		fail "/var/cache: the chain needs $cache_need bytes, expected core 141's package ($p141) rounded up"
	local avail plan_need
	avail=$(mount_field / available)
	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 0
	plan_need=$(python3 -c 'import json, sys
rows = [e for e in json.load(open(sys.argv[1]))["events"] if e["event"] == "plan" and e["mount"] == "/"]
print(max(e["needed"] + int(sys.argv[2]) - e["available"] for e in rows))' "$RUN_OUT" "$avail")
	[ "$plan_need" = "$need" ] || fail "/: status says $need bytes, upgrade --dry-run plans $plan_need"
}

test_status_takes_no_lock_and_writes_nothing() {
	boot_world
	must_update
	remember_state
	local before cache listing
	before=$(sha256sum "$DB" | cut -d' ' -f1)
	# names, sizes and modes (SQLite's shared-memory file of a reader comes
	# and goes, and with it the folder's time)
	listing=$(ls -la --time-style=+ "$R/var/lib/pakfire")
	cache=$(find "$R/var/cache/pakfire" -printf '%p %s %T@\n' | sort)
	# another pakfire holds the lock
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	local holder=$!
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done
	flock -n "$R/var/lib/pakfire/lock" true && fail "the lock holder did not take the lock"

	run pakfire --root "$R" status
	assert_exit 33
	assert_output_contains "Space:       what the pending updates need at their peak"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned true

	kill "$(pgrep -P "$holder")" 2>/dev/null || true
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$before" ] || fail "status changed the database file"
	[ "$(ls -la --time-style=+ "$R/var/lib/pakfire")" = "$listing" ] ||
		fail "status changed pakfire's state folder"
	[ "$(find "$R/var/cache/pakfire" -printf '%p %s %T@\n' | sort)" = "$cache" ] ||
		fail "status changed the download cache"
	assert_nothing_changed
	assert_db "SELECT count(*) FROM transactions WHERE command = 'status'" "0"
	assert_db "SELECT count(*) FROM space_checks" "0"
}

test_missing_manifests_give_the_hint_and_no_figures() {
	boot_world
	must_update
	rm "$(KEPT)/core-140.manifest"

	run pakfire --root "$R" status
	assert_exit 33
	assert_output_contains "Space:       not known: 1 of the 2 pending updates has no kept manifest; run 'pakfire update' or 'pakfire upgrade --dry-run' to see the plan"
	! grep -q "free now" "$RUN_OUT" || fail "figures shown for part of the chain"
	grep -qE '^  core 140   download +[0-9.]+ MiB, installed +unknown  ' "$RUN_OUT" ||
		fail "core 140's installed size is not said to be unknown"
	grep -qE '^  total      download +[0-9.]+ MiB, installed +unknown$' "$RUN_OUT" ||
		fail "the total installed size is not said to be unknown"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned false
	assert_json status.space.missing_manifests '["core-140"]'
	assert_json status.space.hint "run 'pakfire update' or 'pakfire upgrade --dry-run' to see the plan"
	assert_json status.space.mounts "[]"
	[ "$(status_json 's["pending"][1]["installed_size"]')" = None ] || fail "an installed size without its manifest"
	[ "$(status_json 's["pending_total"]["installed_size"]')" = None ] || fail "a total installed size without every manifest"

	# a dry run keeps what it fetched (without the lock): then status plans
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	cmp -s "$(KEPT)/core-140.manifest" "$REPO/core/core-140.manifest" ||
		fail "upgrade --dry-run did not keep the manifest it fetched"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned true

	# nothing kept at all (clean empties the cache): no figures either
	run pakfire --root "$R" clean
	assert_exit 0
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned false
	assert_json status.space.missing_manifests '["core-139", "core-140"]'
}

test_a_tampered_kept_manifest_is_treated_as_missing() {
	boot_world
	must_update
	# the same size, other bytes: core 140 would need nothing on /boot
	sed -i 's|boot/vmlinuz-140|boot/vmlinuz-14X|' "$(KEPT)/core-140.manifest"
	cmp -s "$(KEPT)/core-140.manifest" "$REPO/core/core-140.manifest" && fail "the test did not change the manifest"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned false
	assert_json status.space.missing_manifests '["core-140"]'
	# longer than the index says
	cp "$REPO/core/core-140.manifest" "$(KEPT)/core-140.manifest"
	printf 'x' >>"$(KEPT)/core-140.manifest"
	run pakfire --root "$R" --json status
	assert_json status.space.missing_manifests '["core-140"]'
	# a symlink to the published one is no kept manifest either
	rm "$(KEPT)/core-140.manifest"
	ln -s "$REPO/core/core-140.manifest" "$(KEPT)/core-140.manifest"
	run pakfire --root "$R" --json status
	assert_json status.space.missing_manifests '["core-140"]'
	# the upgrade does not use it either: it fetches the manifest and keeps
	# the published one in its place
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	{ [ ! -L "$(KEPT)/core-140.manifest" ] && cmp -s "$(KEPT)/core-140.manifest" "$REPO/core/core-140.manifest"; } ||
		fail "upgrade --dry-run did not replace the kept manifest that does not match the index"

	# a mirror that serves a tampered manifest: update keeps nothing of it,
	# says so, and still succeeds (its job is the index)
	rm "$(KEPT)/core-140.manifest"
	cp "$REPO/core/core-140.manifest" "$T/good.manifest"
	sed -i 's|boot/vmlinuz-140|boot/vmlinuz-14X|' "$REPO/core/core-140.manifest"
	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_contains "core 140: its manifest was not kept"
	[ ! -e "$(KEPT)/core-140.manifest" ] || fail "update kept a manifest that does not match the index"
	# and the one kept is used again only as long as it matches
	cp "$T/good.manifest" "$REPO/core/core-140.manifest"
	run pakfire --root "$R" update
	assert_exit 0
	run pakfire --root "$R" --json status
	assert_json status.space.planned true
}

test_applied_updates_leave_no_kept_manifest() {
	boot_world
	must_update
	printf 'stale\n' >"$(KEPT)/core-137.manifest"
	printf 'torn\n' >"$(KEPT)/core-140.manifest.4242.tmp"
	run pakfire --root "$R" update
	assert_exit 0
	[ "$(ls "$(KEPT)" | tr '\n' ' ')" = "core-139.manifest core-140.manifest " ] ||
		fail "update left in the kept folder: $(ls "$(KEPT)" | tr '\n' ' ')"
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	[ "$(ls "$(KEPT)" | tr '\n' ' ')" = "core-140.manifest " ] ||
		fail "after applying 139 the kept folder holds: $(ls "$(KEPT)" | tr '\n' ' ')"
	run pakfire --root "$R" --json status
	assert_exit 33
	assert_json status.space.planned true
	[ "$(status_json '[p["unit"] for p in s["pending"]]')" = "['core-140']" ] || fail "core 140 is not the one pending"
}

run_tests "$@"
