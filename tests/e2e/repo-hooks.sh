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

test_a_hook_without_read_permission_is_refused_also_for_root() {
	local mode
	mkdir -p "$T/src/hooks"
	printf '#!/bin/sh\n' >"$T/src/hooks/real"
	# root can read any file: the mode, not open(), must decide, so that
	# the build does not depend on who runs it
	for mode in 000 0111 0200; do
		chmod "$mode" "$T/src/hooks/real"
		src 6 "hook = post hooks/real"
		build 6
		assert_exit 2
		assert_stderr_contains "updates/6/update.conf line 4: hook hooks/real: is not readable"
		[ ! -e "$T/repo/core" ] || fail "build wrote $(ls "$T/repo/core") for mode $mode"
	done
	# one read bit is enough
	chmod 0500 "$T/src/hooks/real"
	build 6
	assert_exit 0
}

# A relative hook path not found from where build runs is the project's
# top's, above the update's folder (updates/N/../..): a build given the
# absolute folder works from anywhere. An add-on's folder is one deeper.
test_hook_paths_are_taken_from_the_projects_top() {
	src 9 "hook = post hooks/ldconfig"
	printf '#!/bin/sh\necho top\n' >"$T/src/hooks/ldconfig"
	mkdir -p "$T/elsewhere/hooks"
	run bash -c 'cd "$1" && shift && exec "$@"' - "$T/elsewhere" timeout -k 5 "$PF_CLIENT_TIMEOUT" \
		"$PAKFIRE_REPO_BIN" build --update "$T/src/updates/9" --filelist "$T/src/filelist-9" \
		--root "$T/br-9" --out "$T/repo"
	assert_exit 0
	[ "$(manifest_lines hook 9 | cut -f3)" = "$(sha256sum <"$T/src/hooks/ldconfig" | cut -c1-64)" ] ||
		fail "core 9's hook is not the project's hooks/ldconfig: $(manifest_lines hook 9)"
	# the directory build runs in comes first
	printf '#!/bin/sh\necho here\n' >"$T/elsewhere/hooks/ldconfig"
	run bash -c 'cd "$1" && shift && exec "$@"' - "$T/elsewhere" timeout -k 5 "$PF_CLIENT_TIMEOUT" \
		"$PAKFIRE_REPO_BIN" build --update "$T/src/updates/9" --filelist "$T/src/filelist-9" \
		--root "$T/br-9" --out "$T/repo"
	assert_exit 0
	[ "$(manifest_lines hook 9 | cut -f3)" = "$(sha256sum <"$T/elsewhere/hooks/ldconfig" | cut -c1-64)" ] ||
		fail "core 9's hook is not ./hooks/ldconfig: $(manifest_lines hook 9)"
	# in neither place: refused, the message says where it looked
	rm "$T/src/hooks/ldconfig" "$T/elsewhere/hooks/ldconfig"
	run bash -c 'cd "$1" && shift && exec "$@"' - "$T/elsewhere" timeout -k 5 "$PF_CLIENT_TIMEOUT" \
		"$PAKFIRE_REPO_BIN" build --update "$T/src/updates/9" --filelist "$T/src/filelist-9" \
		--root "$T/br-9" --out "$T/repo2"
	assert_exit 2
	assert_stderr_contains "update.conf line 4: hook hooks/ldconfig: does not exist (a relative path is taken from the directory pakfire-repo runs in, then from the project's top"
	# an add-on: updates/addons/NAME/../../..
	mkdir -p "$T/src/updates/addons/foo" "$T/br-foo/usr/bin"
	printf '#!/bin/sh\necho addon\n' >"$T/src/hooks/ldconfig"
	printf '%s\n' "name = foo" "version = 1.0" "release = 1" "summary = foo" \
		"hook = post-install hooks/ldconfig" >"$T/src/updates/addons/foo/addon.conf"
	echo foo >"$T/br-foo/usr/bin/foo"
	echo usr/bin/foo >"$T/src/updates/addons/foo/filelist"
	run bash -c 'cd "$1" && shift && exec "$@"' - "$T/elsewhere" timeout -k 5 "$PF_CLIENT_TIMEOUT" \
		"$PAKFIRE_REPO_BIN" build --addon "$T/src/updates/addons/foo" --series s1 \
		--root "$T/br-foo" --out "$T/repo"
	assert_exit 0
	awk -F '\t' '$1 == "hook" { print $2, $3 }' "$T/repo/addons/foo-1.0-1.manifest" >"$T/hooks"
	[ "$(cat "$T/hooks")" = "post-install $(sha256sum <"$T/src/hooks/ldconfig" | cut -c1-64)" ] ||
		fail "foo's hook is not the project's hooks/ldconfig: $(cat "$T/hooks")"
}

# lib PATH...: a file at each PATH; --previous goes by names, not bytes.
lib() {
	local p
	for p in "$@"; do
		mkdir -p "$(dirname "$p")"
		echo x >"$p"
	done
}

test_previous_emits_exactly_the_stale_libraries() {
	local old=$T/old new=$T/br-7
	src 7 "remove = usr/lib/libgiven.so.1.0" "remove = lib/libstale.so.3.1"
	# the old build root: libraries that go, stay, are pointed to
	lib "$old/lib/libstale.so.3.1" "$old/usr/lib/libgiven.so.1.0" "$old/usr/lib/libgone.so.2" \
		"$old/usr/lib/libkept.so.5.0" "$old/usr/lib/libnowdir.so.1" "$old/lib/libpointed.so.1.2" \
		"$old/usr/lib/libabs.so.7" "$old/lib/libchain.so.9" "$old/usr/lib/libviadir.so.4" \
		"$old/usr/lib/plugin.so" "$old/usr/lib/python/_mod.so" "$old/usr/bin/true" \
		"$old/usr/lib/libtext.so.1" "$old/lib/libc-2.28.so" "$old/lib/libm-2.28.so" \
		"$old/lib/libpthread-2.28.so" "$old/lib/ld-2.28.so" "$old/usr/lib/libfoo.so" \
		"$old/usr/lib/libfoo-bar.so" "$old/lib/ld-linux.so.2.x" "$old/lib/ldfoo-2.so"
	ln -s libkept.so.5.0 "$old/usr/lib/libkept.so.5"
	ln -s libc-2.28.so "$old/lib/libc.so.6"
	# the new one: keeps libkept and libm-2.28.so, has libnowdir as a
	# folder, and symlinks pointing (relative, absolute, through a chain
	# and a folder link) at what it no longer ships
	lib "$new/usr/lib/libkept.so.5.0" "$new/lib/libm-2.28.so"
	mkdir -p "$new/usr/lib/libnowdir.so.1" "$new/usr/lib64"
	ln -s ../../lib/libpointed.so.1.2 "$new/usr/lib/libpointed.so.1"
	ln -s /usr/lib/libabs.so.7 "$new/usr/lib/abs"
	ln -s hop1 "$new/usr/lib/hop0"
	ln -s /lib/libchain.so.9 "$new/usr/lib/hop1"
	ln -s ../lib "$new/usr/lib64/up"
	ln -s /usr/lib64/up/libviadir.so.4 "$new/usr/lib64/viadir"
	ln -s ../../lib/libpthread-2.28.so "$new/usr/lib/libpthread.so.0"
	build 7 --previous "$old/"
	assert_exit 0
	assert_output_contains "--previous $old/: 6 shared libraries it has are gone from $new (4 of them not in updates/7/update.conf already)"
	# exactly: update.conf's two and the libraries nothing keeps (whatever
	# their bytes: libtext.so.1 is text), glibc's libc-2.28.so and the
	# loader ld-2.28.so, once each; none the new root ships or points to,
	# no plugin or unversioned object (libfoo.so, libfoo-bar.so, _mod.so),
	# no program, no symlink
	[ "$(manifest_lines remove 7)" = "$(printf 'remove\t%s\n' lib/ld-2.28.so lib/libc-2.28.so lib/libstale.so.3.1 usr/lib/libgiven.so.1.0 usr/lib/libgone.so.2 usr/lib/libtext.so.1)" ] ||
		fail "core 7 removes: $(manifest_lines remove 7 | cut -f2 | tr '\n' ' ')"
}

# Roots of single updates (make-buildroot N) instead of whole systems: the
# new one lacks most of the old one's files; build says so and goes on.
test_previous_warns_when_the_roots_are_not_whole_systems() {
	local old=$T/old new=$T/br-10
	src 10
	lib "$old/etc/release" "$old/usr/bin/a" "$old/usr/bin/b" "$old/lib/libold.so.1"
	# whole systems: the new root has 2 of the old root's 4 files (half
	# lacking is not more than half): no warning
	lib "$new/usr/bin/a"
	build 10 --previous "$old"
	assert_exit 0
	assert_stderr_empty
	# 3 of 4 lacking: warned, with both roots and the counts, still built
	rm -f "$new/usr/bin/a" "$T/repo/core/core-10.manifest"
	build 10 --previous "$old"
	assert_exit 0
	assert_stderr_contains "pakfire-repo: warning: --previous $old: $new lacks 3 of the 4 regular files $old has: --previous compares whole systems as built"
	assert_stderr_contains "it removes every library the new update does not ship again"
	[ "$(manifest_lines remove 10 | cut -f2)" = lib/libold.so.1 ] || fail "core 10 removes: $(manifest_lines remove 10)"
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
	# named plain service-stop / service-start (the default NAME): the
	# service is the first argument that is not --dry-run; none: a no-op
	for h in service-stop service-start; do
		run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2"' - "$r" "$PF_TOP/hooks/$h"
		assert_exit 0
		assert_output_contains "$h: no service named: nothing to do"
		run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2" --dry-run' - "$r" "$PF_TOP/hooks/$h"
		assert_exit 0
		assert_output_contains "$h: no service named: nothing to do"
		run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2" --dry-run unbound' - "$r" "$PF_TOP/hooks/$h"
		assert_exit 0
		assert_output_contains "$h: $r has no etc/rc.d/init.d/unbound: nothing to do"
		run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2" ../x' - "$r" "$PF_TOP/hooks/$h"
		assert_exit 2
		assert_stderr_contains "'../x' is not a service name"
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
	run bash -c 'cd "$1" && PAKFIRE_ROOT="$1" sh "$2" unbound' - "$r" "$PF_TOP/hooks/service-start"
	assert_exit 0
	assert_output_contains "service-start: $r is not the running system"
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
