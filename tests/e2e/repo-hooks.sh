#!/usr/bin/env bash
# The maintainer's side of hooks (issue 16): `hook = PHASE PATH [NAME]` in
# update.conf built into the manifest and .pakfire/hooks/, refusals naming
# the file and line, `build --previous` emitting exactly the stale shared
# libraries, the sample's use of both, and the shipped hooks/ scripts.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# core N from a build root of one file, with update.conf lines LINES...
src() {
	local n=$1 l
	shift
	mkdir -p "$T/src/updates/$n" "$T/src/hooks" "$T/br-$n/etc"
	printf 'core %s\n' "$n" >"$T/br-$n/etc/release"
	printf 'etc/release\n' >"$T/src/filelist-$n"
	{
		echo "number = $n"
		echo "series = s1"
		echo "summary = core $n"
		for l in "$@"; do echo "$l"; done
	} >"$T/src/updates/$n/update.conf"
}

# build N [ARGS...]: pakfire-repo build of core N, run in $T/src (the
# project's top of this test) as maintainers do.
build() {
	local n=$1
	shift
	run bash -c 'cd "$1" && shift && exec "$@"' - "$T/src" timeout -k 5 "$PF_CLIENT_TIMEOUT" \
		"$PAKFIRE_REPO_BIN" build --update "updates/$n" --filelist "filelist-$n" \
		--root "$T/br-$n" --out "$T/repo" "$@"
}

manifest_lines() { awk -F '\t' -v t="$1" '$1 == t' "$T/repo/core/core-$2.manifest"; }

test_hooks_are_built_into_the_manifest_and_the_package() {
	src 5 "hook = pre hooks/service-stop service-stop.unbound" "hook = post hooks/ldconfig" \
		"hook = post /$T/src/hooks/service-stop service-start.unbound"
	printf '#!/bin/sh\necho stop\n' >"$T/src/hooks/service-stop"
	printf '#!/bin/sh\necho ldconfig\n' >"$T/src/hooks/ldconfig"
	build 5
	assert_exit 0
	assert_output_contains "core-5.manifest: 4 entries (1 files, 0 dirs, 0 symlinks, 0 removes, 3 hooks)"
	local stop ld
	stop=$(sha256sum <"$T/src/hooks/service-stop" | cut -c1-64)
	ld=$(sha256sum <"$T/src/hooks/ldconfig" | cut -c1-64)
	# in update.conf's order, the order they run in
	[ "$(manifest_lines hook 5)" = "$(printf 'hook\tpre\t%s\tservice-stop.unbound\nhook\tpost\t%s\tldconfig\nhook\tpost\t%s\tservice-start.unbound' "$stop" "$ld" "$stop")" ] ||
		fail "the hook lines are not update.conf's: $(manifest_lines hook 5)"
	# right after the manifest, 0755 root:root, the scripts' bytes
	tar --zstd -tvf "$T/repo/core/core-5.pak" | awk '{ print $1, $2, $6 }' >"$T/members"
	printf '%s\n' "-rw-r--r-- root/root .pakfire/manifest" \
		"-rwxr-xr-x root/root .pakfire/hooks/service-stop.unbound" \
		"-rwxr-xr-x root/root .pakfire/hooks/ldconfig" \
		"-rwxr-xr-x root/root .pakfire/hooks/service-start.unbound" \
		"-rw-r--r-- root/root etc/release" | diff - "$T/members" || fail "the package's members"
	tar --zstd -xOf "$T/repo/core/core-5.pak" .pakfire/hooks/ldconfig | cmp - "$T/src/hooks/ldconfig" ||
		fail ".pakfire/hooks/ldconfig is not hooks/ldconfig"
}

test_bad_hooks_are_refused_naming_the_file_and_line() {
	mkdir -p "$T/src/hooks/dir"
	printf '#!/bin/sh\n' >"$T/src/hooks/real"
	ln -s real "$T/src/hooks/link"
	head -c $((1024 * 1024 + 1)) /dev/zero >"$T/src/hooks/big"
	local bad
	for bad in "hooks/none|does not exist" "hooks/dir|is not a regular file" \
		"hooks/link|is not a regular file" "hooks/big|is larger than a hook may be (1 MiB)"; do
		src 6 "hook = post ${bad%%|*}"
		build 6
		assert_exit 2
		assert_stderr_contains "updates/6/update.conf line 4: hook ${bad%%|*}: ${bad#*|}"
		[ ! -e "$T/repo/core/core-6.manifest" ] || fail "a manifest was written for ${bad%%|*}"
	done
	src 6 "hook = post-install hooks/real"
	build 6
	assert_exit 2
	assert_stderr_contains "updates/6/update.conf line 4: hook phase 'post-install' is not one of a core update's (pre or post)"
	src 6 "hook = post hooks/real" "hook = pre hooks/real"
	build 6
	assert_exit 2
	assert_stderr_contains "line 5: hook name 'real' given twice (first on line 4)"
	[ ! -e "$T/repo/core" ] || fail "build wrote $(ls "$T/repo/core")"
}

# elf PATH...: a small ELF file at each PATH (any ELF will do: /bin/true).
elf() {
	local p
	for p in "$@"; do
		mkdir -p "$(dirname "$p")"
		cp /bin/true "$p"
	done
}

test_previous_emits_exactly_the_stale_libraries() {
	local old=$T/old new=$T/br-7
	src 7 "remove = usr/lib/libgiven.so.1.0" "remove = lib/libstale.so.3.1"
	# the old build root: libraries that go, stay, are pointed to
	elf "$old/lib/libstale.so.3.1" "$old/usr/lib/libgiven.so.1.0" "$old/usr/lib/libgone.so.2" \
		"$old/usr/lib/libkept.so.5.0" "$old/usr/lib/libnowdir.so.1" "$old/lib/libpointed.so.1.2" \
		"$old/usr/lib/libabs.so.7" "$old/lib/libchain.so.9" "$old/usr/lib/libviadir.so.4" \
		"$old/usr/lib/plugin.so" "$old/usr/lib/python/_mod.so" "$old/usr/bin/true"
	ln -s libkept.so.5.0 "$old/usr/lib/libkept.so.5"
	echo "not an ELF" >"$old/usr/lib/libtext.so.1"
	# the new one: keeps libkept, has libnowdir as a folder, and symlinks
	# pointing (relative, absolute, through a chain and a folder link) at
	# what it no longer ships
	elf "$new/usr/lib/libkept.so.5.0"
	mkdir -p "$new/usr/lib/libnowdir.so.1" "$new/usr/lib64"
	ln -s ../../lib/libpointed.so.1.2 "$new/usr/lib/libpointed.so.1"
	ln -s /usr/lib/libabs.so.7 "$new/usr/lib/abs"
	ln -s hop1 "$new/usr/lib/hop0"
	ln -s /lib/libchain.so.9 "$new/usr/lib/hop1"
	ln -s ../lib "$new/usr/lib64/up"
	ln -s /usr/lib64/up/libviadir.so.4 "$new/usr/lib64/viadir"
	build 7 --previous "$old/"
	assert_exit 0
	assert_output_contains "--previous $old/: 3 shared libraries it has are gone from $new (1 of them not in updates/7/update.conf already)"
	# exactly: update.conf's two and the one library nothing keeps, once
	# each; none the new root ships or points to, no plugin (not lib*.so.*),
	# no program, no text file named like a library, no symlink
	[ "$(manifest_lines remove 7)" = "$(printf 'remove\tlib/libstale.so.3.1\nremove\tusr/lib/libgiven.so.1.0\nremove\tusr/lib/libgone.so.2')" ] ||
		fail "core 7 removes: $(manifest_lines remove 7 | cut -f2 | tr '\n' ' ')"
}

test_previous_needs_a_folder() {
	src 8
	build 8 --previous "$T/none"
	assert_exit 2
	assert_stderr_contains "build: --previous $T/none: not a folder (the previous build root)"
	[ ! -e "$T/repo/core" ] || fail "build wrote $(ls "$T/repo/core")"
}

test_the_sample_uses_hooks_and_previous() {
	repo_sample
	local m=$WWW$MIRROR_PATH s
	# 140: the readline 6.3 libraries from --previous, their soname links
	# from update.conf; nothing else of --previous (the libraries 140's
	# build still makes)
	awk -F '\t' '$1 == "remove" && $2 ~ /\.so/ { print $2 }' "$m/2.23/$ARCH/core/core-140.manifest" >"$T/so"
	printf '%s\n' lib/libhistory.so.6 lib/libhistory.so.6.3 lib/libreadline.so.6 lib/libreadline.so.6.3 \
		usr/lib/python2.7/lib-dynload/_bsddb.so usr/lib/python2.7/lib-dynload/_hotshot.so \
		usr/lib/python2.7/lib-dynload/_testcapi.so | diff - "$T/so" || fail "core 140's library removals"
	[ "$(grep -c $'^remove\t' "$m/2.23/$ARCH/core/core-140.manifest")" = 71 ] ||
		fail "core 140 does not remove 71 paths"
	# 141 runs hooks/ldconfig after it commits
	[ "$(awk -F '\t' '$1 == "hook" { print $2, $4 }' "$m/2.25/$ARCH/core/core-141.manifest")" = "post ldconfig" ] ||
		fail "core 141 has no post hook ldconfig"
	for s in 2.23 2.25; do
		run pakfire_repo check "$m/$s/$ARCH" --key "${TRUST[0]}"
		assert_exit 0
	done
}

test_the_shipped_hooks() {
	local h r=$T/root
	command -v shellcheck >/dev/null || fail "shellcheck is not installed (tests/deps.sh)"
	run shellcheck -s sh "$PF_TOP"/hooks/bootloader "$PF_TOP"/hooks/ldconfig \
		"$PF_TOP"/hooks/service-stop "$PF_TOP"/hooks/service-start
	assert_exit 0
	mkdir -p "$r/etc/rc.d/init.d" "$r/boot/grub" "$r/usr/sbin"
	# a root without what they need: each says so and changes nothing
	for h in bootloader ldconfig; do
		run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2"' - "$r" "$PF_TOP/hooks/$h"
		assert_exit 0
		assert_output_contains "nothing to do"
	done
	ln -s "$PF_TOP/hooks/service-stop" "$T/service-stop.unbound"
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" "$2"' - "$r" "$T/service-stop.unbound"
	assert_exit 0
	assert_output_contains "service-stop.unbound: $r has no etc/rc.d/init.d/unbound: nothing to do"
	# with the tools, under --root: the host's bootloader and services are
	# never touched; --dry-run of ldconfig says what it would run
	printf '#!/bin/sh\necho ran >"%s/ran"\n' "$T" >"$r/usr/sbin/grub-mkconfig"
	cp "$r/usr/sbin/grub-mkconfig" "$r/etc/rc.d/init.d/unbound"
	chmod 755 "$r/usr/sbin/grub-mkconfig" "$r/etc/rc.d/init.d/unbound"
	touch "$r/etc/ld.so.conf"
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2"' - "$r" "$PF_TOP/hooks/bootloader"
	assert_exit 0
	assert_output_contains "is not the running system"
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" "$2"' - "$r" "$T/service-stop.unbound"
	assert_exit 0
	assert_output_contains "is not the running system"
	[ ! -e "$T/ran" ] || fail "a tool of the root was run"
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2" --dry-run' - "$r" "$PF_TOP/hooks/ldconfig"
	assert_exit 0
	assert_output_contains "ldconfig: would run: "
	[ ! -e "$r/etc/ld.so.cache" ] || fail "--dry-run wrote etc/ld.so.cache"
	# for real, twice: the same cache (idempotent)
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2"' - "$r" "$PF_TOP/hooks/ldconfig"
	assert_exit 0
	[ -f "$r/etc/ld.so.cache" ] || fail "ldconfig wrote no etc/ld.so.cache"
	cp "$r/etc/ld.so.cache" "$T/cache1"
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2"' - "$r" "$PF_TOP/hooks/ldconfig"
	assert_exit 0
	cmp -s "$T/cache1" "$r/etc/ld.so.cache" || fail "a second ldconfig gave another cache"
}

run_tests "$@"
