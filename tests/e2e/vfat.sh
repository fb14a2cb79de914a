#!/usr/bin/env bash
# vfat: an EFI system partition at /boot/efi (a FAT image: mount_fat). It has
# no hard links, so an update keeps a file it replaces there as a copy until
# its commit; the plan counts that copy; pakfire killed at any instant of such
# an update leaves every file old or new, and the next run finishes or undoes
# it. What FAT cannot hold (a symlink, a mode or owner other than the mount's,
# two names that differ only in case) is refused before anything changes.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# Stratified kill points; every sync call around the commit comes on top.
: "${PF_VFAT_CRASH_POINTS:=14}"

# efi_root N: the build root B of update N, empty but for the folders of the
# EFI partition (0700, as the FAT mount presents every folder).
efi_root() {
	B=$SRC/buildroot-$1
	rm -rf "$B"
	mkdir -p "$B/boot/efi/EFI/BOOT" "$B/boot/efi/EFI/ipfire" "$B/etc"
	chmod 0700 "$B/boot/efi" "$B/boot/efi/EFI" "$B/boot/efi/EFI/BOOT" "$B/boot/efi/EFI/ipfire"
}

# put PATH SIZE: a file of SIZE random bytes in B, mode 0700 below boot/efi
# (what the mount presents), 0644 elsewhere.
put() {
	mkdir -p "$(dirname "$B/$1")"
	head -c "$(size_bytes "$2")" /dev/urandom >"$B/$1"
	case $1 in
	boot/efi/*) chmod 0700 "$B/$1" ;;
	*) chmod 0644 "$B/$1" ;;
	esac
}

# efi_publish N: update N built from $SRC/buildroot-N (its files and
# symlinks; folders implied) and published, signed by "signer".
efi_publish() {
	local n=$1 b=$SRC/buildroot-$1
	mkdir -p "$SRC/updates/$n" "$SRC/manifests" "$REPO"
	(cd "$b" && find . ! -type d | sed 's|^\./||' | sort) >"$SRC/manifests/core-$n.filelist"
	printf 'number = %s\nseries = %s\nsummary = EFI update %s\nreboot = no\nrequires = %s\n' \
		"$n" "$SERIES" "$n" $((n - 1)) >"$SRC/updates/$n/update.conf"
	rm -f "$REPO/core/core-$n.pak" "$REPO/core/core-$n.manifest"
	must pakfire_repo build --update "$SRC/updates/$n" --filelist "$SRC/manifests/core-$n.filelist" \
		--root "$b" --out "$REPO"
	REPO_KEY=signer
	repo_publish
	TRUST=("$(key_file signer)")
}

# 139 installs the boot loader on the EFI partition and a file on /; 140
# replaces three files there (one of 1.2 MiB: many writes), adds one, and
# replaces the file on /.
efi_updates() {
	efi_root 139
	put boot/efi/EFI/BOOT/BOOTX64.EFI 300K
	put boot/efi/EFI/ipfire/grubx64.efi 1200K
	put boot/efi/EFI/ipfire/grub.cfg 2K
	put etc/efi-release 100
	efi_publish 139
	efi_root 140
	put boot/efi/EFI/BOOT/BOOTX64.EFI 310K
	put boot/efi/EFI/ipfire/grubx64.efi 1250K
	put boot/efi/EFI/ipfire/grub.cfg 3K
	put boot/efi/EFI/ipfire/unicode.pf2 40K
	put etc/efi-release 120
	efi_publish 140
	must scenario states "$SRC" 139 140
}

# efi_world: a root (tmpfs) at core 139 with /boot/efi on FAT, installed by
# pakfire itself, and 140 in the download cache. $T/base and $T/base.img keep
# it; fresh_efi_root puts it back.
efi_world() {
	mount_fs "$R" 64M
	truncate -s 32M "$T/efi.img"
	must mkfs.vfat "$T/efi.img"
	mount_fat "$R/boot/efi" "$T/efi.img"
	efi_updates
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_final 139
	seed_cache 140
	fat_unmount "$R/boot/efi"
	mkdir -p "$T/base"
	cp -a "$R/." "$T/base/"
	cp "$T/efi.img" "$T/base.img"
	mount_fat "$R/boot/efi" "$T/efi.img"
}

fresh_efi_root() {
	fat_unmount "$R/boot/efi"
	fresh_root
	# a new file: nothing that still writes the old one can reach it
	rm -f "$T/efi.img"
	cp "$T/base.img" "$T/efi.img"
	mount_fat "$R/boot/efi" "$T/efi.img"
}

# bytes_of N: every file of build root N below boot/efi is in R byte for byte.
bytes_of() {
	local f
	while read -r f; do
		cmp -s "$SRC/buildroot-$1/$f" "$R/$f" || fail "$R/$f is not the one of core $1"
	done < <(cd "$SRC/buildroot-$1" && find boot/efi -type f)
}

test_an_update_replaces_files_on_vfat() {
	efi_world
	local copies=0 news=0 f need
	# the plan: at the peak, /boot/efi holds the new files and a copy of
	# each file they replace
	run pakfire --root "$R" --json upgrade --dry-run
	assert_exit 0
	need=$(json_get event=plan core=140 mount=/boot/efi needed)
	while read -r f; do
		news=$((news + $(stat -c %s "$SRC/buildroot-140/$f")))
		[ ! -e "$SRC/buildroot-139/$f" ] || copies=$((copies + $(stat -c %s "$SRC/buildroot-139/$f")))
	done < <(cd "$SRC/buildroot-140" && find boot/efi -type f)
	[ "$need" -ge $((news + copies)) ] ||
		fail "the plan needs $need bytes on /boot/efi, less than the new files ($news) and the copies of the files they replace ($copies)"
	[ "$need" -le $((news + copies + 8 * 4096)) ] ||
		fail "the plan needs $need bytes on /boot/efi, far more than the new files ($news) and the copies ($copies)"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_final 140
	bytes_of 140
	assert_db "SELECT count(*) FROM files WHERE path LIKE 'boot/efi/%' AND owner = 'core-140'" 4
}

test_killed_anywhere_on_vfat_the_next_run_completes() {
	efi_world
	fresh_efi_root
	TRACE_LOG=$T/ref.log run pakfire_traced -y -e trace="$PF_TRACED" -- --root "$R" upgrade --yes
	assert_exit 0
	assert_final 140
	grep -q 'openat(.*/boot/efi/EFI/ipfire>, "\.pakfire-old-core-140-' "$T/ref.log" ||
		fail "the reference run kept no copy of a replaced file on /boot/efi"
	{
		scenario pick "$T/ref.log" "$PF_VFAT_CRASH_POINTS"
		# a copy half written, its fsync, a rename in the middle of the
		# commit on /boot/efi, and the cleanup of a copy after the commit
		echo "write $(scenario find "$T/ref.log" staging:140 write mid .pakfire-old-core-140-) copy"
		echo "fsync $(scenario find "$T/ref.log" staging:140 fsync first .pakfire-old-core-140-) copy"
		echo "renameat $(scenario find "$T/ref.log" renames:140 renameat mid /boot/efi/) renames"
		echo "unlinkat $(scenario find "$T/ref.log" cleanup:140 unlinkat first /boot/efi/) cleanup"
	} | sort -u -k1,2 >"$T/points"
	local sc n phase kills=0 seen=()
	while read -r sc n phase; do
		fresh_efi_root
		kill_at "$sc" "$n"
		after_kill
		kills=$((kills + 1))
		seen+=("${STATE:-none}")
		echo "kill $kills: $sc #$n ($phase): journal ${STATE:-empty}, core $CORE"

		run pakfire --root "$R" upgrade --yes
		assert_exit 0
		recovered_by_last_run
		assert_final 140
		bytes_of 140
	done <"$T/points"
	[ "$kills" -ge 12 ] || fail "only $kills kill points (at least 12 expected)"
	local want
	for want in staging committing committed; do
		printf '%s\n' "${seen[@]}" | grep -qx "$want" ||
			fail "no kill point left the journal as $want"
	done

	# killed in the middle of the renames, the rollback alone (clean takes
	# the lock, so it recovers first) puts back every original on /boot/efi
	# from its copy
	fresh_efi_root
	kill_at renameat "$(scenario find "$T/ref.log" renames:140 renameat mid /boot/efi/)"
	after_kill
	[ "$STATE" = committing ] || fail "expected the journal at committing, got ${STATE:-none}"
	run pakfire --root "$R" clean
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	assert_rolled_back 139 140
	bytes_of 139
}

# refused KEYWORD...: the upgrade (and its dry run) is refused with exit 1
# (a file conflict's class), one error line naming the mount and every
# KEYWORD; nothing changed.
refused() {
	must_update
	remember_state
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 1
	assert_error_line "/boot/efi" "vfat" "nothing was changed" "$@"
	assert_nothing_changed
	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	assert_error_line "/boot/efi" "vfat" "nothing was changed" "$@"
	assert_nothing_changed
	assert_no_temporaries
}

test_what_vfat_cannot_hold_is_refused_before_anything_changes() {
	efi_world
	# a symlink
	efi_root 140
	put boot/efi/EFI/BOOT/BOOTX64.EFI 310K
	ln -s ../BOOT/BOOTX64.EFI "$B/boot/efi/EFI/ipfire/shim.efi"
	efi_publish 140
	refused "core 140: $R/boot/efi/EFI/ipfire/shim.efi is a symlink" "which has no symlinks"

	# a mode other than the mount's
	efi_root 140
	put boot/efi/EFI/ipfire/grub.cfg 3K
	chmod 0644 "$B/boot/efi/EFI/ipfire/grub.cfg"
	efi_publish 140
	refused "$R/boot/efi/EFI/ipfire/grub.cfg has mode 0644" "as 0700"

	# an owner other than the mount's (pakfire-repo build records root:
	# the manifest is edited, its package made from it and signed)
	efi_root 140
	put boot/efi/EFI/ipfire/grub.cfg 3K
	efi_publish 140
	sed -i 's|^file\t0700\t0\t0\t\(.*\tboot/efi/EFI/ipfire/grub.cfg\)$|file\t0700\t1000\t1000\t\1|' \
		"$REPO/core/core-140.manifest"
	grep -q "	1000	1000	.*grub.cfg" "$REPO/core/core-140.manifest" || fail "the manifest was not edited"
	hostile_pak 140
	refused "$R/boot/efi/EFI/ipfire/grub.cfg is owned by 1000:1000" "as owned by 0:0"

	# two names of the manifest that differ only in case (a folder)
	efi_root 140
	put boot/efi/EFI/Linux/a.efi 1K
	put boot/efi/EFI/linux/b.efi 1K
	chmod 0700 "$B/boot/efi/EFI/Linux" "$B/boot/efi/EFI/linux"
	efi_publish 140
	refused "$R/boot/efi/EFI/linux differs only in case from $R/boot/efi/EFI/Linux (core 140)" \
		"where they are one name"

	# a new name that is on the disk under another spelling
	efi_root 140
	put boot/efi/EFI/BOOT/bootx64.efi 310K
	efi_publish 140
	refused "$R/boot/efi/EFI/BOOT/bootx64.efi differs only in case from $R/boot/efi/EFI/BOOT/BOOTX64.EFI, which is on the disk"

	# and with all that fixed, it applies
	efi_updates
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_final 140
}

scenario_python
run_tests "$@"
