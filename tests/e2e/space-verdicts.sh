#!/usr/bin/env bash
# The verdict on a mount an update does not fit (docs/space.md,
# "Verdicts"), on real file systems: a /boot that can never hold the
# update (reinstall, with the size the signed index advises), a /boot that
# is only full (the unowned old kernel to delete, never an owned file), a
# cleanup update that pakfire can apply first, and a cleanup that comes
# too late in the chain to help. Every figure is checked against statvfs
# (stat -f) and df; the refusals change nothing.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

MiB=$((1024 * 1024))

# fs_total DIR: f_blocks * f_frsize of DIR's file system (df's size).
fs_total() { stat -f -c '%b %S' "$1" | awk '{ print $1 * $2 }'; }
# fs_root_reserved DIR: the blocks only root may use ((f_bfree - f_bavail) * f_frsize).
fs_root_reserved() { stat -f -c '%f %a %S' "$1" | awk '{ print ($1 - $2) * $3 }'; }
# blocks PATH: the bytes PATH holds on its file system (st_blocks * 512).
blocks() { stat -c '%b' "$1" | awk '{ print $1 * 512 }'; }

# assert_json_planned SELECTOR... FIELD BYTES: the plan's figure for files
# of BYTES bytes on an ext4 mount: at least BYTES, at most 1 % more (the
# extent blocks ext4 may need: docs/space.md, "File systems as they are").
assert_json_planned() {
	local want=${*: -1} got
	got=$(json_get "${@:1:$#-1}")
	[[ $got =~ ^[0-9]+$ ]] && [ "$got" -ge "$want" ] && [ "$got" -le $((want + want / 100)) ] ||
		fail "json: ${*:1:$#-1}: expected $want bytes planned (up to 1 % more), got \"$got\": $RUN_CMD"
}

# refused_event FIELD: FIELD of the JSON document's refused event for
# mount MOUNT (a JSON value, as python prints it: json.dumps).
refused() {
	local mount=$1 expr=$2
	python3 - "$RUN_OUT" "$mount" "$expr" <<-'EOF'
		import json, sys
		doc = json.load(open(sys.argv[1]))
		ev = [e for e in doc["events"] if e["event"] == "refused" and e["mount"] == sys.argv[2]]
		if len(ev) != 1:
		    sys.exit("expected one refused event for %s, got %d" % (sys.argv[2], len(ev)))
		e = ev[0]
		print(json.dumps(eval(sys.argv[3], {"e": e})))
	EOF
}

# assert_refused_json MOUNT EXPR EXPECTED: EXPR (python, over the event e)
# of MOUNT's refused event, as JSON, is EXPECTED.
assert_refused_json() {
	local got
	got=$(refused "$1" "$2") || fail "json: $got: $RUN_CMD"
	[ "$got" = "$3" ] || fail "refused event of $1: $2: expected $3, got $got: $RUN_CMD"
}

test_a_boot_too_small_can_never_hold_the_update() {
	# the old layout: an ext4 /boot of 20 MiB (5% for root, as mkfs
	# leaves it); core 139's kernel and initramfs are 49 MiB
	mount_fs "$R" 256M
	mount_ext4 "$R/boot" 20M -m 5
	repo_mini 139 --file boot/vmlinuz-139=24M --file boot/initramfs-139.img=25M
	http_start
	root_at_core 138 --cache-fs 128M
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "does not fit"
	assert_error_line "core 139 does not fit on /boot" "/boot can never hold it" \
		"core 139 needs 49.0 MiB there even on an empty /boot" \
		"reinstall with /boot at least 64 MiB" "nothing of core 139 was written"
	assert_output_contains "core 139 needs 49.0 MiB there even on an empty /boot. This partition can never hold it: back up the configuration and reinstall with the current partition layout (/boot at least 64 MiB)."
	# not the general hints of a full disk
	! grep -q "To make room" "$RUN_OUT" || fail "the general hints were printed beside the verdict"

	# the figures, from statvfs: 20 MiB less ext4's overhead (f_blocks),
	# less root's 5%; the plan's minimum is the 49 MiB it installs there;
	# without the index's advice, that rounded up to a power of two
	local total reserved
	total=$(fs_total "$R/boot")
	reserved=$(fs_root_reserved "$R/boot")
	[ "$reserved" -gt 0 ] || fail "the test is wrong: mkfs -m 5 left no blocks for root"
	run pakfire --root "$R" --json upgrade --yes
	assert_exit 3
	assert_json event=refused mount=/boot verdict never-fits
	assert_json event=refused mount=/boot in_place false
	assert_json event=refused mount=/boot total "$total"
	assert_json event=refused mount=/boot root_reserved "$reserved"
	assert_json event=refused mount=/boot usable $((total - reserved))
	assert_json event=refused mount=/boot available "$(df_avail "$R/boot")"
	assert_json_planned event=refused mount=/boot min_partition $((49 * MiB))
	assert_json_planned event=refused mount=/boot written $((49 * MiB))
	assert_json event=refused mount=/boot kept 0
	assert_json event=refused mount=/boot recommended null
	assert_json event=refused mount=/boot advised $((64 * MiB))
	assert_json event=refused mount=/boot freeable_total 0
	assert_refused_json /boot 'e["freeable"]' '[]'
	assert_json event=refused mount=/boot cleanup null
	assert_json event=refused mount=/ verdict fits
	assert_nothing_changed

	# The distribution says what a /boot must be now (Min-Partition, in the
	# signed index): the owner is told that size.
	repo_publish --min-partition "/boot=128M /=4G"
	grep -qx "Min-Partition: /boot=128M /=4G" "$REPO/index" || fail "publish wrote no Min-Partition"
	grep -qx "Optional-Keys: Min-Partition" "$REPO/index" ||
		fail "publish wrote Min-Partition without listing it in Optional-Keys"
	must_update
	remember_state
	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "reinstall with /boot at least 128 MiB"
	assert_output_contains "This partition can never hold it: back up the configuration and reinstall with the current partition layout (/boot at least 128 MiB)."
	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 3
	assert_json event=refused mount=/boot verdict never-fits
	assert_json event=refused mount=/boot recommended $((128 * MiB))
	assert_json event=refused mount=/boot advised $((128 * MiB))
	assert_nothing_changed
	# the record, for support staff
	assert_db "SELECT verdict, total, usable, minimum = $(json_get event=refused mount=/boot min_partition),
		recommended, freeable, freeable_list IS NULL
		FROM space_checks WHERE mount = '/boot' ORDER BY id DESC LIMIT 1" \
		"never-fits|$total|$((total - reserved))|1|$((128 * MiB))|0|1"
	assert_db "SELECT verdict FROM space_checks WHERE mount = '/var/cache' ORDER BY id DESC LIMIT 1" \
		"fits"
}

test_a_full_boot_fits_after_freeing_the_old_kernel() {
	# an ext4 /boot of 32 MiB: core 139's kernel (owned, kept by 140), an
	# old kernel the installer left (nobody owns it), the boot loader
	mount_fs "$R" 256M
	mount_ext4 "$R/boot" 32M -m 5
	repo_mini 139 --file boot/vmlinuz-139=6M
	repo_mini 140 --file boot/vmlinuz-140=12M
	http_start
	root_at_core 138 --cache-fs 128M
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	head -c $((9 * MiB)) /dev/urandom >"$R/boot/vmlinuz-5.15.0-old"
	head -c $((3 * MiB)) /dev/urandom >"$R/boot/initrd-5.15.0-old.img"
	# named for the kernel this machine runs: with --root it is not the
	# root's running kernel, and is listed like any other
	head -c $((1 * MiB)) /dev/urandom >"$R/boot/vmlinuz-$(uname -r)"
	mkdir -p "$R/boot/grub"
	head -c $((512 * 1024)) /dev/urandom >"$R/boot/grub/core.img"
	remember_state

	run pakfire --root "$R" --json upgrade --yes
	assert_exit 3
	assert_nothing_changed
	local avail needed old initrd running free
	avail=$(df_avail "$R/boot")
	needed=$(json_get event=refused mount=/boot needed)
	old=$(blocks "$R/boot/vmlinuz-5.15.0-old")
	initrd=$(blocks "$R/boot/initrd-5.15.0-old.img")
	running=$(blocks "$R/boot/vmlinuz-$(uname -r)")
	free=$((old + initrd + running))
	[ "$needed" -gt "$avail" ] || fail "the test is wrong: core 140 ($needed bytes) fits in $avail"
	[ $((needed - avail)) -le "$free" ] ||
		fail "the test is wrong: core 140 is short by $((needed - avail)), more than the $free to free"
	assert_json event=refused mount=/boot verdict fits-after-freeing
	assert_json event=refused mount=/boot available "$avail"
	assert_json event=refused mount=/boot shortfall $((needed - avail))
	assert_json event=refused mount=/boot total "$(fs_total "$R/boot")"
	assert_json event=refused mount=/boot freeable_total "$free"
	assert_json event=refused mount=/boot freeable_found 3
	assert_json event=refused mount=/boot cleanup null
	# largest first, each with what deleting it frees; the owned kernel,
	# the boot loader and lost+found are never named
	assert_refused_json /boot '[(i["path"], i["bytes"], i["kind"]) for i in e["freeable"]]' \
		"[[\"/boot/vmlinuz-5.15.0-old\", $old, \"unowned\"], [\"/boot/initrd-5.15.0-old.img\", $initrd, \"unowned\"], [\"/boot/vmlinuz-$(uname -r)\", $running, \"unowned\"]]"
	# the plan's minimum: 140's kernel and 139's, which it keeps
	assert_json_planned event=refused mount=/boot kept $((6 * MiB))
	assert_json_planned event=refused mount=/boot written $((12 * MiB))
	assert_db "SELECT count(*) FROM files WHERE path = 'boot/vmlinuz-139'" "1"

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "it fits after freeing space there"
	assert_output_contains "/boot is short by"
	assert_output_contains "/boot/vmlinuz-5.15.0-old"
	assert_output_contains "/boot/initrd-5.15.0-old.img"
	! grep -q "vmlinuz-139\|grub\|lost+found" "$RUN_OUT" ||
		fail "the advice names an owned file, the boot loader or lost+found"
	assert_db "SELECT verdict, freeable FROM space_checks WHERE mount = '/boot'
		ORDER BY id DESC LIMIT 1" "fits-after-freeing|$free"
	assert_db "SELECT freeable_list FROM space_checks WHERE mount = '/boot' ORDER BY id DESC LIMIT 1" \
		"$(printf 'unowned\t%s\t/boot/vmlinuz-5.15.0-old\nunowned\t%s\t/boot/initrd-5.15.0-old.img\nunowned\t%s\t/boot/vmlinuz-%s' \
			"$old" "$initrd" "$running" "$(uname -r)")"

	# The advice holds: with the old kernel gone, 140 applies.
	rm "$R/boot/vmlinuz-5.15.0-old" "$R/boot/initrd-5.15.0-old.img"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"
	[ -f "$R/boot/vmlinuz-139" ] || fail "the owned kernel of 139 is gone"
}

test_what_the_system_keeps_is_never_offered() {
	# / holds /boot; lib is a symlink to usr/lib, as on IPFire. Core 139
	# installs a kernel and its modules (owned, spelled usr/lib/...);
	# an initramfs made on the box for that kernel is nobody's, and so is
	# an old kernel of the installer. Core 140 does not fit.
	mount_fs "$R" 64M
	repo_mini 139 --file boot/vmlinuz-6.9.1-ipfire=4M \
		--file usr/lib/modules/6.9.1-ipfire/kernel/x.ko=1M \
		--file usr/lib/modules/6.1-extra/kernel/y.ko=2M
	repo_mini 140 --file usr/share/big-140=50M
	http_start
	root_at_core 138 --cache-fs 128M
	mkdir -p "$R/usr/lib"
	ln -s usr/lib "$R/lib"
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	head -c $((5 * MiB)) /dev/urandom >"$R/boot/initramfs-6.9.1-ipfire.img"
	head -c $((6 * MiB)) /dev/urandom >"$R/boot/vmlinuz-5.4.0-old"
	remember_state

	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 3
	assert_nothing_changed
	# only the old kernel: never the kept kernel's initramfs, never the
	# owned modules (found through lib/, recorded as usr/lib/)
	assert_refused_json / '[(i["path"], i["kind"]) for i in e["freeable"]]' \
		'[["/boot/vmlinuz-5.4.0-old", "unowned"]]'
	assert_json event=refused mount=/ freeable_total "$(blocks "$R/boot/vmlinuz-5.4.0-old")"
	assert_json event=refused mount=/ verdict fits-after-freeing
}

test_a_boot_big_enough_that_cannot_hold_the_update_in_place() {
	# a tmpfs /boot of 32 MiB: 139's 12 MiB kernel, which 140 replaces by
	# one of 21 MiB (both are there until 140 commits), and 2 MiB that
	# nobody owns: 32 MiB could hold 140, but not beside 139's kernel
	mount_fs "$R" 128M
	mount_fs "$R/boot" 32M
	repo_mini 139 --file boot/vmlinuz=12M
	repo_mini 140 --file boot/vmlinuz=21M
	http_start
	root_at_core 138 --cache-fs 128M
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	head -c $((2 * MiB)) /dev/urandom >"$R/boot/memtest.bin"
	remember_state

	run pakfire --root "$R" --json upgrade --yes
	assert_exit 3
	assert_nothing_changed
	local avail
	avail=$(df_avail "$R/boot")
	assert_json event=refused mount=/boot verdict never-fits
	assert_json event=refused mount=/boot in_place true
	assert_json event=refused mount=/boot available "$avail"
	assert_json event=refused mount=/boot needed $((21 * MiB))
	assert_json event=refused mount=/boot shortfall $((21 * MiB - avail))
	assert_json event=refused mount=/boot total $((32 * MiB))
	assert_json event=refused mount=/boot usable $((32 * MiB))
	# on an empty /boot: the new kernel alone (the old one is replaced)
	assert_json event=refused mount=/boot min_partition $((21 * MiB))
	assert_json event=refused mount=/boot kept 0
	assert_json event=refused mount=/boot freeable_total $((2 * MiB))
	# to hold it in place: what stays (139's kernel) beside the new one
	assert_json event=refused mount=/boot advised $((64 * MiB))
	assert_refused_json /boot '[(i["path"], i["bytes"]) for i in e["freeable"]]' \
		"[[\"/boot/memtest.bin\", $((2 * MiB))]]"

	run pakfire --root "$R" upgrade --yes
	assert_refused 3 "/boot cannot hold it in place"
	assert_output_contains "/boot is 32 MiB in total and could hold core 140 (21.0 MiB there on an empty /boot), but not beside what stays there"
	assert_output_contains "reinstall with the current partition layout (/boot at least 64 MiB)"
	assert_output_contains "/boot/memtest.bin"
}

# cleanup_world CORE...: the updates of a series written by tests/lib/series.py
# (CORE: the JSON items of its core updates); add-on big is 14 MiB.
cleanup_world() {
	local core
	core=$(IFS=,; echo "$*")
	ensure_key signer
	mkdir -p "$WWW$MIRROR_PATH" "$T/spec"
	cat >"$T/spec/s.json" <<-EOF
	{"series": "$SERIES", "revision": 20, "gnupghome": "$G", "keys": ["$KEY_FPR"],
	 "core": [$core],
	 "addons": [{"name": "big", "version": "1.0", "release": 1,
	             "files": {"usr/share/big/data.bin": $((14 * MiB))}}]}
	EOF
	must "$PF_PY3" "$PF_TOP/tests/lib/series.py" "$T/spec/s.json" "$WWW$MIRROR_PATH"
	TRUST=("$T/keys/signer.asc")
}

# libs N PREFIX FROM TO: JSON members "usr/lib/PREFIX-I.so": N MiB, I in FROM..TO.
libs() {
	local i out=()
	for ((i = $3; i <= $4; i++)); do out+=("\"usr/lib/$2-$i.so\": $(($1 * MiB))"); done
	(IFS=,; echo "${out[*]}")
}

# removes PREFIX FROM TO: the JSON list of those paths.
removes() {
	local i out=()
	for ((i = $2; i <= $3; i++)); do out+=("\"usr/lib/$1-$i.so\""); done
	(IFS=,; echo "[${out[*]}]")
}

test_an_addon_fits_after_the_pending_cleanup() {
	# core 139 installs 10 MiB of libraries, core 140 only removes them
	# (a cleanup, as IPFire's core 140)
	mount_fs "$R" 24M
	cleanup_world "{\"number\": 139, \"files\": {$(libs 2 libold 1 5)}}" \
		"{\"number\": 140, \"files\": {}, \"removes\": $(removes libold 1 5)}"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	# a package left in the download cache, which lies on / here
	mkdir -p "$R/var/cache/pakfire/stale"
	head -c $((1 * MiB)) /dev/urandom >"$R/var/cache/pakfire/stale/core-137.pak"
	local cached
	cached=$(du -B1 -s "$R/var/cache/pakfire" | cut -f1)
	remember_state

	# The add-on does not fit beside 139's libraries; core 140, pending,
	# removes them: pakfire can apply it first.
	run pakfire --root "$R" --json --yes install big
	assert_exit 3
	assert_nothing_changed
	local needed avail
	needed=$(json_get event=refused mount=/ needed)
	avail=$(json_get event=refused mount=/ available)
	[ "$needed" -gt "$avail" ] || fail "the test is wrong: big fits"
	# / holds the database: df within a few blocks of the plan's view
	assert_near "$avail" "$(df_avail "$R")" $((64 * 1024)) "bytes available on / in the refusal"
	assert_json event=refused mount=/ verdict fits-after-cleanup
	assert_json event=refused mount=/ shortfall $((needed - avail))
	assert_refused_json / 'e["cleanup"]' \
		"{\"core\": 140, \"bytes\": $((10 * MiB)), \"command\": \"pakfire upgrade --to 140\"}"
	assert_refused_json / '[(i["path"], i["bytes"], i["first"]) for i in e["freeable"] if i["kind"] == "cleanup"]' \
		"[[\"core 140\", $((10 * MiB)), true]]"
	# the cache, as a whole ('pakfire clean'), beside it
	assert_refused_json / '[(i["path"], i["bytes"]) for i in e["freeable"] if i["kind"] == "cache"]' \
		"[[\"/var/cache/pakfire\", $cached]]"
	assert_json event=refused mount=/ freeable_total "$cached"
	# the owned libraries are the cleanup's to remove, never the owner's
	assert_refused_json / '[i["path"] for i in e["freeable"] if "libold" in i["path"]]' '[]'

	run pakfire --root "$R" --yes install big
	assert_refused 3 "core 140, a cleanup update, frees 10.0 MiB there: run 'pakfire upgrade --to 140' first"
	assert_output_contains "run 'pakfire upgrade --to 140' first, then this again"

	# The advice holds.
	run pakfire --root "$R" upgrade --yes --to 140
	assert_exit 0
	run pakfire --root "$R" --yes install big
	assert_exit 0
	assert_db "SELECT outcome FROM units WHERE id = 'big'" "applied"
}

test_a_cleanup_after_the_refused_update_is_told_but_cannot_help() {
	# 139 installs 12 MiB, 140 ships 14 MiB, 141 only removes 10 MiB of
	# 139's: too late for 140, which needs more than the 24 MiB root holds
	# beside what 139 installed
	mount_fs "$R" 24M
	cleanup_world "{\"number\": 139, \"files\": {$(libs 2 libold 1 5), $(libs 2 libkeep 1 1)}}" \
		"{\"number\": 140, \"files\": {$(libs 2 libnew 1 7)}}" \
		"{\"number\": 141, \"files\": {}, \"removes\": $(removes libold 1 5)}"
	http_start
	root_at_core 138 --cache-fs 64M
	must_update

	run pakfire --root "$R" --json upgrade --yes
	assert_exit 3
	assert_db "SELECT core FROM system" "139"
	assert_json event=refused core=140 mount=/ verdict never-fits
	assert_json event=refused core=140 mount=/ in_place false
	assert_json event=refused core=140 mount=/ cleanup null
	assert_json event=refused core=140 mount=/ total "$(fs_total "$R")"
	# what 140 writes there and the 12 MiB of 139's it keeps
	assert_json event=refused core=140 mount=/ written $((14 * MiB))
	assert_json event=refused core=140 mount=/ kept $((12 * MiB))
	assert_json event=refused core=140 mount=/ min_partition $((26 * MiB))
	assert_refused_json / '[(i["path"], i["bytes"], i["first"]) for i in e["freeable"] if i["kind"] == "cleanup"]' \
		"[[\"core 141\", $((10 * MiB)), false]]"

	run pakfire --root "$R" upgrade --yes
	assert_exit 3
	assert_output_contains "core 141, a cleanup update after core 140, frees 10.0 MiB there once it is applied"
}

run_tests "$@"
