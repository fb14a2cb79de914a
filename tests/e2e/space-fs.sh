#!/usr/bin/env bash
# File systems as they are (issue 15): what the plan predicts an update uses
# on each file system, against what df then shows, on real file systems: a
# loop-mounted ext4 with 4 KiB blocks (/usr), one with 1 KiB blocks (/lib),
# a tmpfs (/, which also gets etc, srv, var, bin and sbin) and a vfat image
# (/boot, with grub's EFI modules, as on an EFI system partition).
#
# The updates are real: core 139 ships the paths of IPFire's core update
# 183 (2354 paths: a kernel, grub, libraries, the web interface), core 140
# those of core 185 (2681 paths, 1378 of them replacing 139's); sizes are
# make-buildroot's, scaled by SCALE (tests/lib/realupdate.py). Each is
# applied by pakfire, stopped (SIGSTOP, injected by strace) when the last
# syncfs after its renames has returned: every new file is on disk and
# every original still there (the peak); then it goes on, and df is read
# again once it has committed and cleaned up (after). The plan's figures
# are the run's own --json plan events: `needed` at the peak, `available
# - after` after the commit. The test fails when a prediction is below
# what df shows (the unsafe side) or above it by more than 1 % of the
# planned bytes or 16 blocks, whichever is larger, and prints the table
# that docs/space.md shows ("File systems as they are"):
#
#	PF_VERBOSE=1 PF_BUILD=$PWD/build bash tests/e2e/space-fs.sh
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# vfat through pakfire: 1 once pakfire applies updates to vfat (a copy, not
# a hard link, keeps an original there: issue 15, part 3) and the kernel
# has vfat (CONFIG_VFAT_FS; /proc/filesystems). Then /boot is a vfat image
# in the same run as the other file systems. With 0, /boot stays on the
# tmpfs root, and test_vfat_model checks the vfat model on its own.
VFAT_THROUGH_PAKFIRE=${PF_VFAT_THROUGH_PAKFIRE:-0}
SCALE=0.1
FIGURES=$PF_TOP/tests/lib/realupdate.py

# mount_image DIR TYPE SIZE [MKFS OPTION...]: a file system of TYPE (ext4,
# vfat) made in an image file of SIZE below $T and loop-mounted on DIR
# (made first); unmounted and detached at teardown. ext4's lost+found goes:
# no update owns it.
mount_image() {
	local dir=$1 type=$2 size=$3 img
	shift 3
	[ "$(id -u)" = 0 ] || fail "mount_image $dir: mounting needs root (uid $(id -u))"
	mkdir -p "$dir" "$T/img"
	img=$(mktemp "$T/img/XXXXXX.img")
	must truncate -s "$size" "$img"
	case $type in
	ext4) must mkfs.ext4 -q -F "$@" "$img" ;;
	vfat) must mkfs.vfat "$@" "$img" ;;
	*) fail "mount_image: unknown type $type" ;;
	esac
	echo "$dir" >>"$T/mounts"
	must mount -o loop -t "$type" "$img" "$dir"
	[ ! -d "$dir/lost+found" ] || rmdir "$dir/lost+found"
}

# mount_fat DIR SIZE: a FAT image of SIZE (mkfs.vfat's defaults: FAT16 with
# 2 KiB clusters at 32M) for DIR: mounted there by the kernel's vfat when it
# has one (FAT_VIA=vfat); else (FAT_VIA=mtools) DIR is an empty folder, the
# image is written with mtools, and with_vfat CMD... runs CMD so that
# pakfire sees the image as the kernel's vfat would show it mounted on DIR
# (tests/lib/vfat-shim.c). FAT_IMG, FAT_CLUSTER: the image, its cluster.
mount_fat() {
	local dir=$1 size=$2
	mkdir -p "$dir" "$T/img"
	FAT_IMG=$(mktemp "$T/img/XXXXXX.img")
	must truncate -s "$size" "$FAT_IMG"
	must mkfs.vfat "$FAT_IMG"
	FAT_DIR=$dir
	read -r _ FAT_CLUSTER FAT_CLUSTERS < <(python3 "$FIGURES" fatfree "$FAT_IMG")
	if grep -qw vfat /proc/filesystems; then
		FAT_VIA=vfat
		echo "$dir" >>"$T/mounts"
		must mount -o loop -t vfat "$FAT_IMG" "$dir"
	else
		FAT_VIA=mtools
		command -v mcopy >/dev/null || fail "this kernel has no vfat and mtools is not installed (tests/deps.sh)"
		must cc -shared -fPIC -O1 -o "$T/vfat-shim.so" "$PF_TOP/tests/lib/vfat-shim.c" -ldl
	fi
}
with_vfat() {
	local free
	if [ "$FAT_VIA" = mtools ]; then
		read -r free _ < <(python3 "$FIGURES" fatfree "$FAT_IMG")
		PF_FAKE_VFAT=$FAT_DIR:$FAT_CLUSTER:$FAT_CLUSTERS:$((free / FAT_CLUSTER)) \
			LD_PRELOAD=$T/vfat-shim.so \
			ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$@"
	else
		"$@"
	fi
}

# fat_replay N: the /boot part of update N applied to the FAT
# (realupdate.py fatreplay); prints df's bytes free before, at the peak
# and after.
fat_replay() {
	local via=()
	[ "$FAT_VIA" = vfat ] || via=(--mtools "$FAT_IMG" "$T/scratch")
	python3 "$FIGURES" fatreplay ${via[@]+"${via[@]}"} "$REPO/core/core-$1.manifest" \
		"$SRC/buildroot-$1" "$R" boot "core-$1"
}

# real_update N CORE [OTHER]: update N of the repository ships the paths
# of IPFire's core update CORE (tests/data/ipfire/core-CORE.filelist),
# built into $SRC/buildroot-N (a path that is a folder in core OTHER's list
# is a folder here too); published with the others by repo_publish.
real_update() {
	local n=$1 core=$2 b=$SRC/buildroot-$1 lists=$PF_TOP/tests/data/ipfire
	must python3 "$FIGURES" tree "$lists/core-$core.filelist" "$core" "$SCALE" "$b" \
		--move usr/lib/grub/x86_64-efi=boot/grub/x86_64-efi ${3:+--chain "$lists/core-$3.filelist"}
	mkdir -p "$SRC/updates/$n" "$SRC/manifests" "$REPO"
	(cd "$b" && { find . ! -type d; find . -mindepth 1 -type d -empty; } | sed 's|^\./||' | sort) \
		>"$SRC/manifests/core-$n.filelist"
	printf 'number = %s\nseries = %s\nsummary = IPFire core %s as it ships\nreboot = no\nrequires = %s\n' \
		"$n" "$SERIES" "$core" $((n - 1)) >"$SRC/updates/$n/update.conf"
	must pakfire_repo build --update "$SRC/updates/$n" --filelist "$SRC/manifests/core-$n.filelist" \
		--root "$b" --out "$REPO"
}

# real_chain: cores 139 (IPFire's 183) and 140 (IPFire's 185) published and
# served, the root at core 138 (its download cache on a tmpfs of its own),
# the index fetched.
real_chain() {
	real_update 139 183 185
	real_update 140 185 183
	REPO_KEY=signer
	repo_publish
	TRUST=("$(key_file signer)")
	http_start
	root_at_core 138 --cache-fs 128M
	must_update
}

# fs_avail DIR: bytes available on DIR's file system (f_bavail * f_frsize),
# once what is in memory is on the disk.
fs_avail() {
	sync -f "$1"
	stat -f -c '%a %S' "$1" | awk '{ printf "%d\n", $1 * $2 }'
}

# The pakfire that run_bg started (under timeout and strace): its pid.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
traced_pid() {
	local bin p
	bin=$(readlink -f "$PAKFIRE_BIN")
	for _ in $(seq 400); do
		for p in $(descendants "$BG_PID"); do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$bin" ] && { echo "$p"; return 0; }
		done
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

# wait_stopped LOG: until strace says in LOG that the process it traces
# is stopped (a process under strace is often in a tracing stop for a
# moment, so /proc cannot tell); fails if the command ends first.
wait_stopped() {
	for _ in $(seq 1200); do
		grep -q -- "--- stopped by SIGSTOP ---" "$1" 2>/dev/null && return 0
		kill -0 "$BG_PID" 2>/dev/null || { wait_bg; fail "pakfire ended (exit $RUN_RC) before it was stopped: $RUN_CMD"; }
		sleep 0.05
	done
	fail "pakfire was not stopped within 60 s: $RUN_CMD"
}

# measure N MOUNT...: apply update N (upgrade --to N), stopped at its peak,
# and append one line per MOUNT to $T/figures: update, mount, file system
# type, block size, what the plan says (needed at the peak, available
# before, available after) and what df says (available before, at the
# peak, after). Every MOUNT is one the update writes to: the last syncfs
# after the renames is call 2 x (number of MOUNTs) of the run.
measure() {
	local n=$1 m pid left
	shift
	local -A before peak
	for m in "$@"; do before[$m]=$(fs_avail "$R$m"); done
	TRACE_LOG=$T/syncfs-$n.log run_bg pakfire_traced -y -e trace=syncfs -e inject=syncfs:signal=STOP:when=$((2 * $#)) -- \
		--root "$R" --json upgrade --yes --to "$n"
	pid=$(traced_pid) || { wait_bg; fail "no pakfire process under strace: $RUN_CMD"; }
	wait_stopped "$T/syncfs-$n.log"
	# The stop is where it should be: every temporary renamed, every
	# original kept (the journal says committing), nothing committed yet.
	left=$(find "$R" -name ".pakfire-core-$n-*" | head -n 3)
	[ -z "$left" ] || { cat "$T/syncfs-$n.log"; fail "stopped before the renames were done: $left"; }
	[ "$(db_peek "SELECT state FROM journal")" = committing ] ||
		fail "stopped at the wrong point: journal \"$(db_peek "SELECT state FROM journal")\""
	for m in "$@"; do peak[$m]=$(fs_avail "$R$m"); done
	kill -CONT "$pid"
	wait_bg
	assert_exit 0
	for m in "$@"; do
		printf '%s %s %s %s %s %s %s %s %s %s\n' "$n" "$m" "$(findmnt -no FSTYPE --target "$R$m")" \
			"$(stat -f -c %S "$R$m")" \
			"$(json_get event=plan core="$n" mount="$m" needed)" \
			"$(json_get event=plan core="$n" mount="$m" available)" \
			"$(json_get event=plan core="$n" mount="$m" after)" \
			"${before[$m]}" "${peak[$m]}" "$(fs_avail "$R$m")" >>"$T/figures"
	done
}

test_prediction_matches_df() {
	local mounts=(/ /usr /lib)
	mount_fs "$R" 64M
	mount_image "$R/usr" ext4 96M -b 4096
	mount_image "$R/lib" ext4 32M -b 1024
	if [ "$VFAT_THROUGH_PAKFIRE" = 1 ]; then
		grep -qw vfat /proc/filesystems ||
			fail "VFAT_THROUGH_PAKFIRE=1, but this kernel has no vfat (CONFIG_VFAT_FS)"
		mount_image "$R/boot" vfat 32M
		mounts+=(/boot)
	fi
	# pakfire's database and its log on file systems of their own: their
	# writes are not the update's
	mount_fs "$R/var/lib/pakfire" 32M
	mount_fs "$R/var/log/pakfire" 8M
	real_chain

	measure 139 "${mounts[@]}"
	measure 140 "${mounts[@]}"
	assert_tree_equal "$R" "$SRC/buildroot-139" "$SRC/buildroot-140"
	python3 "$FIGURES" judge "$T/figures" || fail "a prediction is off (the table above says which)"
}

# The vfat model on its own, until pakfire applies updates to vfat
# (VFAT_THROUGH_PAKFIRE=0). The FAT image is /boot: mounted by the kernel's
# vfat, or, where the kernel has none, written with mtools and shown to
# pakfire through tests/lib/vfat-shim.c as the kernel's vfat would show
# it. pakfire plans the chain (upgrade --dry-run --json: its rows for
# /boot), and the /boot part of each update is applied to the image as
# pakfire applies an update, with its names (realupdate.py fatreplay:
# temporaries, originals kept under their backup names, renames, backups
# deleted), the free bytes read before, at the peak and after. So the vfat
# figures of the model (clusters, folders, long names, folders growing)
# are checked against FAT's own accounting; pakfire's apply on vfat is
# checked by test_prediction_matches_df once VFAT_THROUGH_PAKFIRE=1.
test_vfat_model() {
	local n m row figures
	if [ "$VFAT_THROUGH_PAKFIRE" = 1 ]; then
		echo "vfat is checked through pakfire by test_prediction_matches_df (VFAT_THROUGH_PAKFIRE=1)"
		return 0
	fi
	mount_fs "$R" 64M
	mount_fat "$R/boot" 32M
	echo "the FAT image is written by $FAT_VIA; clusters of $FAT_CLUSTER bytes"
	real_chain
	run with_vfat pakfire --root "$R" --json upgrade --dry-run
	assert_exit 0
	assert_json event=plan core=139 mount=/boot fits true
	for n in 139 140; do
		read -r -a m < <(fat_replay "$n") || fail "fatreplay of core $n failed"
		[ "${#m[@]}" = 3 ] || fail "fatreplay of core $n: ${m[*]}"
		row="$n /boot vfat($FAT_VIA) $FAT_CLUSTER"
		for figures in needed available after; do
			row+=" $(json_get event=plan core="$n" mount=/boot "$figures")"
		done
		echo "$row ${m[*]}" >>"$T/figures"
	done
	# what is on the FAT now is core 140's /boot
	mkdir -p "$T/out"
	if [ "$FAT_VIA" = mtools ]; then
		MTOOLS_SKIP_CHECK=1 must mcopy -i "$FAT_IMG" ::/grub/grub.cfg ::/vmlinuz-KVER-ipfire "$T/out/"
		! MTOOLS_SKIP_CHECK=1 mdir -i "$FAT_IMG" -/ -b :: | grep -q '\.pakfire-' ||
			fail "temporaries left on the FAT"
	else
		cp "$R/boot/grub/grub.cfg" "$R/boot/vmlinuz-KVER-ipfire" "$T/out/"
		[ -z "$(find "$R/boot" -name '.pakfire-*')" ] || fail "temporaries left on /boot"
	fi
	cmp -s "$T/out/vmlinuz-KVER-ipfire" "$SRC/buildroot-139/boot/vmlinuz-KVER-ipfire" ||
		fail "boot/vmlinuz-KVER-ipfire is not core 139's"
	cmp -s "$T/out/grub.cfg" "$SRC/buildroot-140/boot/grub/grub.cfg" ||
		fail "boot/grub/grub.cfg is not core 140's"
	python3 "$FIGURES" judge "$T/figures" || fail "a vfat prediction is off (the table above says which)"
}

run_tests "$@"
