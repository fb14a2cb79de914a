#!/usr/bin/env bash
# pakfire-repo for the maintainers' side of a toolchain bump: add-ons built
# from one source into two series with their own releases, update.conf's
# series-switch, an index signed by several keys, publish into a folder that
# does not exist yet, and `bump` closing a series once it holds the update
# that moves systems across (and refusing, changing nothing, before).
# Everything is checked on the bytes it writes: index fields against the
# files on disk, signatures with gpg itself.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# The mirror root (<series>/<arch>/ below it) and the add-ons' build root.
mirror() { M=$T/mirror; }

# src_update N SERIES [LINE...]: updates/N/update.conf (with LINEs), a build
# root $SRC/br-N with two files and manifests/core-N.filelist.
src_update() {
	local n=$1 series=$2 l b=$SRC/br-$1
	shift 2
	mkdir -p "$SRC/updates/$n" "$SRC/manifests" "$b/usr/bin" "$b/etc"
	printf 'core %s\n' "$n" >"$b/etc/release"
	printf '#!/bin/sh\necho %s\n' "$n" >"$b/usr/bin/tool"
	chmod 755 "$b/usr/bin/tool"
	printf 'etc/release\nusr/bin/tool\n' >"$SRC/manifests/core-$n.filelist"
	{
		echo "number = $n"
		echo "series = $series"
		echo "summary = Core update $n"
		for l in "$@"; do echo "$l"; done
	} >"$SRC/updates/$n/update.conf"
}

# src_addon NAME [LINE...]: updates/addons/NAME/addon.conf (version 1.0,
# release 1, a summary, then LINEs) and its filelist, with its files in the
# add-ons' build root $SRC/br-addons.
src_addon() {
	local name=$1 l d=$SRC/updates/addons/$1 b=$SRC/br-addons
	shift
	mkdir -p "$d" "$b/usr/lib/$name" "$b/usr/bin"
	printf 'the %s program\n' "$name" >"$b/usr/bin/$name"
	printf 'data of %s\n' "$name" >"$b/usr/lib/$name/data"
	printf 'usr/bin/%s\nusr/lib/%s\nusr/lib/%s/data\n' "$name" "$name" "$name" >"$d/filelist"
	{
		echo "name = $name"
		echo "version = 1.0"
		echo "release = 1"
		echo "summary = The $name add-on"
		for l in "$@"; do echo "$l"; done
	} >"$d/addon.conf"
}

build_core() { # N SERIES
	must pakfire_repo build --update "$SRC/updates/$1" --filelist "$SRC/manifests/core-$1.filelist" \
		--root "$SRC/br-$1" --out "$M/$2/$ARCH"
}

# build_addon NAME SERIES: its program as that series' toolchain builds it
# (other bytes), then the package.
build_addon() {
	printf 'the %s program, built for %s\n' "$1" "$2" >"$SRC/br-addons/usr/bin/$1"
	must pakfire_repo build --addon "$SRC/updates/addons/$1" --series "$2" \
		--root "$SRC/br-addons" --out "$M/$2/$ARCH"
}

# publish_series SERIES [publish options]: signed by "signer".
publish_series() {
	local series=$1
	shift
	ensure_key signer
	must pakfire_repo publish --repo "$M/$series/$ARCH" --updates "$SRC/updates" \
		--series "$series" --arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" "$@"
}

# field INDEX STANZA-KEY=VALUE FIELD: the value of FIELD in the first stanza
# of INDEX in which STANZA-KEY is VALUE ("-" for the first stanza); empty
# when there is no such field.
field() {
	python3 - "$@" <<'EOF'
import sys
index, sel, key = sys.argv[1], sys.argv[2], sys.argv[3]
stanzas = [dict(l.split(": ", 1) for l in s.splitlines() if l)
           for s in open(index).read().split("\n\n") if s.strip()]
if sel == "-":
    hit = stanzas[0]
else:
    k, v = sel.split("=", 1)
    hit = next((s for s in stanzas[1:] if s.get(k) == v), None)
    if hit is None:
        sys.exit("no stanza with %s in %s" % (sel, index))
print(hit.get(key, ""))
EOF
}

# assert_index_matches_files REPODIR: every stanza's Manifest and Package
# exist, with the sizes and SHA-256 it lists.
assert_index_matches_files() {
	local out
	out=$(python3 - "$1" <<'EOF'
import hashlib, os, sys
repo = sys.argv[1]
stanzas = [dict(l.split(": ", 1) for l in s.splitlines() if l)
           for s in open(os.path.join(repo, "index")).read().split("\n\n") if s.strip()]
bad = 0
for s in stanzas[1:]:
    for kind in ("Manifest", "Package"):
        p = os.path.join(repo, s[kind])
        data = open(p, "rb").read()
        if len(data) != int(s[kind + "-Size"]) or hashlib.sha256(data).hexdigest() != s[kind + "-SHA256"]:
            print("%s: size or hash differs from the index" % s[kind])
            bad = 1
print("checked %d stanzas" % (len(stanzas) - 1))
sys.exit(bad)
EOF
) || fail "the index does not match the files: $out"
}

# assert_repo_error KEYWORD...: one error line "pakfire-repo: error: ..."
# naming each KEYWORD (any case); other lines of stderr are warnings, or
# the command's usage after a usage error.
assert_repo_error() {
	local lines=() l errors=0 k msg=""
	mapfile -t lines <"$RUN_ERR"
	for l in ${lines[@]+"${lines[@]}"}; do
		case $l in
		"pakfire-repo: error: "*) errors=$((errors + 1)); msg=$l ;;
		"pakfire-repo: warning: "*) ;;
		"usage: pakfire-repo "*|" "*) [ "$RUN_RC" = 2 ] || fail "a usage after exit $RUN_RC" ;;
		*) fail "stderr has a line that is neither the error nor a warning: \"$l\"" ;;
		esac
	done
	[ "$errors" -eq 1 ] || fail "expected one error line, got $errors: $RUN_CMD"
	for k in "$@"; do
		grep -qiF -- "$k" <<<"$msg" || fail "the error line does not mention \"$k\": $msg"
	done
}

remember_mirror() { py snapshot "$M" >"$T/state/mirror.before"; }
assert_mirror_unchanged() {
	py snapshot "$M" >"$T/state/mirror.after"
	diff -u "$T/state/mirror.before" "$T/state/mirror.after" >"$T/state/mirror.diff" ||
		{ head -n 20 "$T/state/mirror.diff"; fail "the mirror changed"; }
}

# gpg_verify INDEX SIG KEY...: gpg, in a home holding only the public KEYs,
# verifies SIG; GOODSIG lists the fingerprints of the good signatures.
gpg_verify() {
	local index=$1 sig=$2 home k
	shift 2
	home=$(mktemp -d "$PF_TMP/pfv.XXXXXX")
	chmod 700 "$home"
	for k in "$@"; do
		gpg --homedir "$home" --batch --import "$(key_file "$k")" 2>/dev/null ||
			fail "could not import key $k"
	done
	gpg --homedir "$home" --batch --status-fd 1 --verify "$sig" "$index" >"$T/state/verify" 2>/dev/null || true
	gpgconf --homedir "$home" --kill all >/dev/null 2>&1 || true
	rm -rf "$home"
	GOODSIG=$(awk '$2 == "VALIDSIG" {print $3}' "$T/state/verify" | sort | tr '\n' ' ')
	BADSIG=$(grep -cE '^\[GNUPG:\] (BADSIG|ERRSIG)' "$T/state/verify" || true)
}

test_addon_built_and_published() {
	mirror
	src_update 139 2.23
	src_addon zed "depends = bar"
	src_addon bar
	build_core 139 2.23
	run pakfire_repo build --addon "$SRC/updates/addons/zed" --series 2.23 \
		--root "$SRC/br-addons" --out "$M/2.23/$ARCH"
	assert_exit 0
	assert_output_contains "zed-1.0-1.manifest: 3 entries (2 files, 1 dirs, 0 symlinks, 0 removes)"
	build_addon bar 2.23
	[ -f "$M/2.23/$ARCH/addons/zed-1.0-1.pak" ] || fail "no addons/zed-1.0-1.pak"
	# the manifest is the first member of the package, byte for byte
	zstd -dc "$M/2.23/$ARCH/addons/zed-1.0-1.pak" | tar -xO -f - .pakfire/manifest |
		cmp - "$M/2.23/$ARCH/addons/zed-1.0-1.manifest" || fail "the package's manifest differs"
	publish_series 2.23
	local idx=$M/2.23/$ARCH/index
	assert_index_matches_files "$M/2.23/$ARCH"
	[ "$(field "$idx" Name=zed Type)" = addon ] || fail "zed is not Type: addon"
	[ "$(field "$idx" Name=zed Version)" = 1.0 ] || fail "zed's Version"
	[ "$(field "$idx" Name=zed Release)" = 1 ] || fail "zed's Release"
	[ "$(field "$idx" Name=zed Depends)" = bar ] || fail "zed's Depends"
	[ "$(field "$idx" Name=zed Summary)" = "The zed add-on" ] || fail "zed's Summary"
	[ "$(field "$idx" Name=zed Manifest)" = addons/zed-1.0-1.manifest ] || fail "zed's Manifest"
	[ "$(field "$idx" Name=zed Package)" = addons/zed-1.0-1.pak ] || fail "zed's Package"
	[ -z "$(field "$idx" Name=bar Depends)" ] || fail "bar has a Depends"
	# core stanzas first, then the add-ons sorted by name
	[ "$(grep -E '^(Number|Name):' "$idx" | tr '\n' ' ')" = "Number: 139 Name: bar Name: zed " ] ||
		fail "stanza order: $(grep -E '^(Number|Name):' "$idx" | tr '\n' ' ')"
	# derived from the sources and the files only: publishing again gives
	# the same stanzas (but the first)
	cp "$idx" "$T/state/index.1"
	publish_series 2.23 --date "$(field "$idx" - Date)" --valid-until "$(field "$idx" - Valid-Until)" \
		--revision "$(field "$idx" - Revision)"
	cmp "$idx" "$T/state/index.1" || fail "the same sources and files gave another index"
}

test_one_addon_source_two_series_with_their_releases() {
	mirror
	src_addon foo "release.2.25 = 2"
	build_addon foo 2.23
	build_addon foo 2.25
	publish_series 2.23
	publish_series 2.25
	[ "$(field "$M/2.23/$ARCH/index" Name=foo Release)" = 1 ] || fail "2.23 does not list foo 1.0-1"
	[ "$(field "$M/2.25/$ARCH/index" Name=foo Release)" = 2 ] || fail "2.25 does not list foo 1.0-2"
	[ "$(field "$M/2.25/$ARCH/index" Name=foo Package)" = addons/foo-1.0-2.pak ] || fail "2.25's Package"
	[ "$(find "$M/2.23/$ARCH/addons" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')" = \
		"foo-1.0-1.manifest foo-1.0-1.pak " ] || fail "2.23 holds other files than foo-1.0-1"
	[ "$(find "$M/2.25/$ARCH/addons" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')" = \
		"foo-1.0-2.manifest foo-1.0-2.pak " ] || fail "2.25 holds other files than foo-1.0-2"
	assert_index_matches_files "$M/2.23/$ARCH"
	assert_index_matches_files "$M/2.25/$ARCH"
	cmp -s "$M/2.23/$ARCH/addons/foo-1.0-1.pak" "$M/2.25/$ARCH/addons/foo-1.0-2.pak" &&
		fail "the two builds are the same package"
	# addon.conf moves on (2.25 gets release 3): 2.25's old files are no
	# longer what its source says, and publish refuses rather than drop
	# foo from the index; nothing is written
	sed -i 's/^release.2.25 = 2$/release.2.25 = 3/' "$SRC/updates/addons/foo/addon.conf"
	remember_mirror
	run pakfire_repo publish --repo "$M/2.25/$ARCH" --updates "$SRC/updates" --series 2.25 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 4
	assert_repo_error "addons/foo-1.0-2.manifest" "series 2.25" "build it again"
	assert_mirror_unchanged
}

test_series_switch_goes_into_the_index() {
	mirror
	src_update 139 2.23
	src_update 140 2.23 "series-switch = 2.25" "provides-client = 2"
	build_core 139 2.23
	build_core 140 2.23
	# publish checks that the series it switches to is there (bump makes
	# its tree; here by hand)
	ensure_key signer
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 4
	assert_output_contains "Series-Switch: 2.25, but there is no series 2.25 beside this one"
	mkdir -p "$M/2.25/$ARCH"
	publish_series 2.23
	[ "$(field "$M/2.23/$ARCH/index" Number=140 Series-Switch)" = 2.25 ] || fail "no Series-Switch: 2.25"
	[ -z "$(field "$M/2.23/$ARCH/index" Number=139 Series-Switch)" ] || fail "core 139 switches"
	assert_index_matches_files "$M/2.23/$ARCH"
	# a switch to the update's own series, or to no series name, is refused
	# naming file and line, and nothing is built
	src_update 141 2.23 "series-switch = 2.23"
	remember_mirror
	run pakfire_repo build --update "$SRC/updates/141" --filelist "$SRC/manifests/core-141.filelist" \
		--root "$SRC/br-141" --out "$M/2.23/$ARCH"
	assert_exit 4
	assert_repo_error "141/update.conf line 4" "own series"
	src_update 141 2.23 "series-switch = 2.25/x"
	run pakfire_repo build --update "$SRC/updates/141" --filelist "$SRC/manifests/core-141.filelist" \
		--root "$SRC/br-141" --out "$M/2.23/$ARCH"
	assert_exit 4
	assert_repo_error "141/update.conf line 4" "not a valid series name"
	assert_mirror_unchanged
	# a switching update must be the last of its series
	src_update 141 2.23
	build_core 141 2.23
	remember_mirror
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 4
	assert_repo_error "core 140 moves systems to series 2.25" "core 141 comes after it"
	assert_mirror_unchanged
}

test_publish_signs_with_every_key() {
	local old new other
	mirror
	ensure_key old
	old=$KEY_FPR
	ensure_key new
	new=$KEY_FPR
	ensure_key other
	other=$KEY_FPR
	src_update 139 2.23
	build_core 139 2.23
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$old" --gnupghome "$G" --key "$new"
	assert_exit 0
	assert_output_contains "signed by $old, $new"
	local want
	want=$(printf '%s\n' "$old" "$new" | sort | tr '\n' ' ')
	# one detached signature holding a good signature by each key
	gpg_verify "$M/2.23/$ARCH/index" "$M/2.23/$ARCH/index.sig" old new
	[ "$GOODSIG" = "$want" ] || fail "good signatures by: $GOODSIG; expected $want"
	[ "$BADSIG" = 0 ] || fail "a bad signature in index.sig"
	[ "$(grep -c '^\[GNUPG:\] NEWSIG' "$T/state/verify")" = 2 ] || fail "not exactly two signatures"
	# a client that knows only one of the keys finds its signature
	gpg_verify "$M/2.23/$ARCH/index" "$M/2.23/$ARCH/index.sig" new
	[ "$GOODSIG" = "$new " ] || fail "with the new key alone: $GOODSIG"
	# a key given twice is refused, and so is a key without its secret
	remember_mirror
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$old" --gnupghome "$G" --key "$old"
	assert_exit 2
	assert_repo_error "--key '$old' is given twice"
	gpg --homedir "$G" --batch --yes --delete-secret-keys "$other" 2>/dev/null ||
		fail "could not delete the secret key of 'other'"
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$old" --gnupghome "$G" --key "$other"
	assert_exit 1
	assert_repo_error "no secret key $other"
	assert_mirror_unchanged
}

test_publish_into_a_folder_that_does_not_exist() {
	mirror
	src_update 139 2.23
	ensure_key signer
	# build and publish make the whole path (the man page's example did
	# fail with "mkdir: No such file or directory")
	run pakfire_repo build --update "$SRC/updates/139" --filelist "$SRC/manifests/core-139.filelist" \
		--root "$SRC/br-139" --out "$M/deep/er/2.23/$ARCH"
	assert_exit 0
	run pakfire_repo publish --repo "$M/new/series/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 0
	assert_stderr_contains "has no core-N.manifest"
	[ -s "$M/new/series/2.23/$ARCH/index" ] || fail "no index in the new folder"
	[ -s "$M/new/series/2.23/$ARCH/index.sig" ] || fail "no index.sig in the new folder"
	gpg_verify "$M/new/series/2.23/$ARCH/index" "$M/new/series/2.23/$ARCH/index.sig" signer
	[ "$GOODSIG" = "$KEY_FPR " ] || fail "the new index's signature: $GOODSIG"
	[ "$(field "$M/new/series/2.23/$ARCH/index" - Revision)" = 1 ] || fail "the first revision is not 1"
	run pakfire_repo publish --repo "$M/deep/er/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 0
	assert_index_matches_files "$M/deep/er/2.23/$ARCH"
}

# 2.23 with core 139 and an add-on, published (revision 5), signed by "signer".
series_2_23() {
	mirror
	src_update 139 2.23
	src_addon foo "release.2.25 = 2"
	build_core 139 2.23
	build_addon foo 2.23
	publish_series 2.23 --revision 5
}

bump() {
	run pakfire_repo bump --mirror "$M" --from 2.23 --to 2.25 --arch "$ARCH" \
		--updates "$SRC/updates" --key "$KEY_FPR" --gnupghome "$G" "$@"
}

test_bump_closes_the_series_once_it_holds_the_switching_update() {
	series_2_23
	src_update 140 2.23 "series-switch = 2.25" "provides-client = 2"
	build_core 140 2.23
	bump --valid-days 30
	assert_exit 0
	assert_stderr_contains "series 2.25 has no index yet"
	local idx=$M/2.23/$ARCH/index
	[ "$(field "$idx" - Successor)" = 2.25 ] || fail "no Successor: 2.25 in 2.23's index"
	[ "$(field "$idx" - Revision)" = 6 ] || fail "the revision is $(field "$idx" - Revision), not 6"
	[ "$(field "$idx" Number=140 Series-Switch)" = 2.25 ] || fail "core 140 is not published switching"
	[ "$(field "$idx" Name=foo Release)" = 1 ] || fail "foo 1.0-1 is no longer in 2.23"
	assert_index_matches_files "$M/2.23/$ARCH"
	gpg_verify "$idx" "$idx.sig" signer
	[ "$GOODSIG" = "$KEY_FPR " ] || fail "2.23's new index is not signed: $GOODSIG"
	[ -d "$M/2.25/$ARCH/core" ] || fail "2.25's core folder was not made"
	[ -d "$M/2.25/$ARCH/addons" ] || fail "2.25's addons folder was not made"
	# the new series is built and published into that tree
	src_update 141 2.25 "requires = 140"
	build_core 141 2.25
	build_addon foo 2.25
	publish_series 2.25
	[ "$(field "$M/2.25/$ARCH/index" Number=141 Requires)" = 140 ] || fail "2.25 does not start at 141"
	[ "$(field "$M/2.25/$ARCH/index" Name=foo Release)" = 2 ] || fail "2.25 does not list foo 1.0-2"
	assert_index_matches_files "$M/2.25/$ARCH"
	# a second run changes nothing and says so
	remember_mirror
	bump
	assert_exit 0
	assert_output_contains "already closed"
	assert_mirror_unchanged
	# and a bump of the closed series towards another one is refused
	run pakfire_repo bump --mirror "$M" --from 2.23 --to 2.27 --arch "$ARCH" \
		--updates "$SRC/updates" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 1
	assert_repo_error "already names Successor 2.25"
	assert_mirror_unchanged
}

test_bump_without_the_switching_update_changes_nothing() {
	series_2_23
	remember_mirror
	bump
	assert_exit 1
	assert_repo_error "2.23/$ARCH/core holds no update that moves systems to 2.25" \
		"last core update is 139" "series-switch = 2.25"
	assert_mirror_unchanged
	[ ! -e "$M/2.25" ] || fail "2.25's tree was made"
	# a switching update towards another series is not the one
	src_update 140 2.23 "series-switch = 2.27"
	build_core 140 2.23
	remember_mirror
	bump
	assert_exit 1
	assert_repo_error "core 140 moves systems to series 2.27, not 2.25"
	assert_mirror_unchanged
	# nor is a series that was never published
	run pakfire_repo bump --mirror "$M" --from 2.21 --to 2.23 --arch "$ARCH" \
		--updates "$SRC/updates" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 1
	assert_repo_error "2.21/$ARCH has no index"
	assert_mirror_unchanged
	[ ! -e "$M/2.21" ] || fail "2.21 was made"
}

# build_refused NAME EXIT KEYWORD...: building add-on NAME's folder is
# refused with EXIT, naming the KEYWORDs, and writes nothing.
build_refused() {
	local dir=$SRC/updates/addons/$1 code=$2
	shift 2
	run pakfire_repo build --addon "$dir" --series 2.23 --root "$SRC/br-addons" --out "$M/2.23/$ARCH"
	assert_exit "$code"
	assert_repo_error "$@"
	[ ! -e "$M/2.23/$ARCH/addons" ] || fail "build wrote $(ls "$M/2.23/$ARCH/addons")"
}

test_bad_addon_names_and_addon_conf_are_refused() {
	mirror
	local n
	for n in core-foo old-foo 1234 .foo; do
		src_addon ok
		mv "$SRC/updates/addons/ok" "$SRC/updates/addons/x$n"
		sed -i "s/^name = ok$/name = $n/" "$SRC/updates/addons/x$n/addon.conf"
		build_refused "x$n" 4 "addons/x$n/addon.conf line 1" "name '$n'"
	done
	src_addon foo "colour = blue"
	build_refused foo 4 "addons/foo/addon.conf line 5" "unknown key 'colour'"
	src_addon foo "depends = bar, old-bar"
	build_refused foo 4 "addons/foo/addon.conf line 5" "'old-bar' starts with 'old-'"
	src_addon foo "release.2.25 = 2" "release.2.25 = 3"
	build_refused foo 4 "addons/foo/addon.conf line 6" "given twice (first on line 5)"
	src_addon foo "hook = post setup"
	build_refused foo 2 "addons/foo/addon.conf line 5" "hook phase 'post' is not one of an add-on's (pre-install, post-install, pre-remove or post-remove)"
	src_addon foo "hook = post-install $SRC/no-such-hook"
	build_refused foo 2 "addons/foo/addon.conf line 5: hook $SRC/no-such-hook: does not exist"
	src_addon foo
	sed -i '/^summary/d' "$SRC/updates/addons/foo/addon.conf"
	build_refused foo 4 "addons/foo/addon.conf" "'summary' is missing"
	src_addon foo
	sed -i 's/^version = 1.0$/version = 1.0-rc1/' "$SRC/updates/addons/foo/addon.conf"
	build_refused foo 4 "addons/foo/addon.conf line 2" "version '1.0-rc1'"
	# the folder is the add-on's name: publish finds it by that name
	src_addon foo
	sed -i 's/^name = foo$/name = bar/' "$SRC/updates/addons/foo/addon.conf"
	build_refused foo 4 "addons/foo/addon.conf" "name is bar, but the folder is foo"
	# a path of the file list missing from the build root, named by line
	src_addon foo
	echo "usr/share/missing" >>"$SRC/updates/addons/foo/filelist"
	build_refused foo 4 "addons/foo/filelist line 4" "usr/share/missing"
	# add-on builds need the series, core builds their file list
	src_addon foo
	run pakfire_repo build --addon "$SRC/updates/addons/foo" --root "$SRC/br-addons" --out "$M/2.23/$ARCH"
	assert_exit 2
	assert_repo_error "--addon needs --series"
	run pakfire_repo build --addon "$SRC/updates/addons/foo" --update "$SRC/updates/foo" \
		--series 2.23 --root "$SRC/br-addons" --out "$M/2.23/$ARCH"
	assert_exit 2
	assert_repo_error "give --update DIR or --addon DIR"
	[ ! -e "$M" ] || fail "the refused builds made $M"
}

# --- client levels (docs/formats.md, "Client levels") ----------------------

test_client_levels_go_into_the_index() {
	local i23 i25
	mirror
	src_update 139 2.23 "provides-client = 2"
	src_update 140 2.23 "series-switch = 2.25" "min-client = 2"
	src_addon foo "min-client = 2" "min-client.2.25 = 3" "release.2.25 = 2"
	build_core 139 2.23
	build_addon foo 2.23
	publish_series 2.23
	i23=$M/2.23/$ARCH/index
	[ "$(field "$i23" Number=139 Provides-Client)" = 2 ] || fail "core 139 does not say Provides-Client: 2"
	[ -z "$(field "$i23" Number=139 Min-Client)" ] || fail "core 139 has a Min-Client (1 is not written)"
	[ "$(field "$i23" Name=foo Min-Client)" = 2 ] || fail "foo does not say Min-Client: 2 in 2.23"
	[ -z "$(field "$i23" - Min-Client)" ] || fail "2.23's index has a Min-Client"
	# bump keeps 2.23 readable by level 1; the switch needs level 2, which
	# 139 brings
	build_core 140 2.23
	bump --valid-days 30
	assert_exit 0
	[ "$(field "$i23" Number=140 Min-Client)" = 2 ] || fail "core 140 does not say Min-Client: 2"
	[ -z "$(field "$i23" - Min-Client)" ] || fail "bump gave 2.23's index a Min-Client"
	# 2.25, reached only through the switch, starts at Min-Client 2:
	# 141 brings level 3, which 142 and foo's 2.25 build need
	src_update 141 2.25 "requires = 140" "provides-client = 3"
	src_update 142 2.25 "min-client = 3"
	build_core 141 2.25
	build_core 142 2.25
	build_addon foo 2.25
	run pakfire_repo publish --repo "$M/2.25/$ARCH" --updates "$SRC/updates" --series 2.25 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 0
	assert_output_contains "$M/2.25/$ARCH: Min-Client 2, as series 2.23 moves systems to 2.25 (give --min-client to say otherwise)"
	i25=$M/2.25/$ARCH/index
	[ "$(field "$i25" - Min-Client)" = 2 ] || fail "2.25's index does not say Min-Client: 2"
	[ "$(field "$i25" Number=141 Provides-Client)" = 3 ] || fail "core 141 does not say Provides-Client: 3"
	[ "$(field "$i25" Number=142 Min-Client)" = 3 ] || fail "core 142 does not say Min-Client: 3"
	[ "$(field "$i25" Name=foo Min-Client)" = 3 ] || fail "foo does not say Min-Client: 3 in 2.25"
	run pakfire_repo check --key "$T/keys/signer.asc" "$M/2.23/$ARCH"
	assert_exit 0
	run pakfire_repo check --key "$T/keys/signer.asc" "$M/2.25/$ARCH"
	assert_exit 0
	# published again, it keeps its Min-Client ...
	publish_series 2.25
	[ "$(field "$i25" - Min-Client)" = 2 ] || fail "publish lowered 2.25's Min-Client"
	[ "$(field "$i25" - Revision)" = 2 ] || fail "2.25's revision is $(field "$i25" - Revision), not 2"
	# ... unless told otherwise, and then the rules hold: 142 needs level
	# 3, which level-1 clients, who would read the index, ignore
	remember_mirror
	run pakfire_repo publish --repo "$M/2.25/$ARCH" --updates "$SRC/updates" --series 2.25 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --min-client 1
	assert_exit 4
	assert_repo_error "1 error found" "nothing was signed"
	assert_stderr_contains "pakfire-repo: warning: $M/2.25/$ARCH: Min-Client lowered from 2 to 1, as --min-client says"
	assert_output_contains "error: $M/2.25/$ARCH/index stanza 3 (core 142): Min-Client 3, in an index that level-1 clients read"
	assert_mirror_unchanged
	# a level this pakfire-repo could not read back is a usage error
	run pakfire_repo publish --repo "$M/2.25/$ARCH" --updates "$SRC/updates" --series 2.25 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --min-client 4
	assert_exit 2
	assert_repo_error "--min-client '4' is not a client level from 1 to 3"
	assert_mirror_unchanged
	# raised on a series clients are on already, it would strand those
	# below the new level: refused
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --min-client 2
	assert_exit 2
	assert_repo_error "Min-Client 2 is above the 1 of the index published now: clients below level 2 already on series 2.23 would be stranded"
	assert_mirror_unchanged
	# ... with --revision too
	run pakfire_repo publish --repo "$M/2.23/$ARCH" --updates "$SRC/updates" --series 2.23 \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --min-client 2 --revision 9
	assert_exit 2
	assert_repo_error "Min-Client 2 is above the 1 of the index published now"
	assert_mirror_unchanged
}

# refused_publish SERIES TEXT [publish options]: publish refuses to sign,
# with one error line holding TEXT, and leaves the mirror as it was.
refused_publish() {
	local series=$1 text=$2
	shift 2
	remember_mirror
	run pakfire_repo publish --repo "$M/$series/$ARCH" --updates "$SRC/updates" --series "$series" \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" "$@"
	assert_exit 4
	assert_repo_error "1 error found (one line each): nothing was signed"
	[ "$(grep -c '^error: ' "$RUN_OUT")" = 1 ] || fail "not one error line: $(cat "$RUN_OUT")"
	assert_output_contains "error: $text"
	assert_mirror_unchanged
}

test_publish_refuses_what_a_client_would_misread() {
	mirror
	src_update 139 2.23
	src_addon foo
	build_core 139 2.23
	build_addon foo 2.23
	publish_series 2.23
	# a core update that needs level 2, in an index that level 1 reads
	echo "min-client = 2" >>"$SRC/updates/139/update.conf"
	refused_publish 2.23 "$M/2.23/$ARCH/index stanza 2 (core 139): Min-Client 2, in an index that level-1 clients read (its Min-Client is 1)"
	src_update 139 2.23
	# an add-on that needs a level no core update brings
	echo "min-client = 3" >>"$SRC/updates/addons/foo/addon.conf"
	refused_publish 2.23 "$M/2.23/$ARCH/index stanza 3 (addon foo): Min-Client 3, but no core update of the chain provides client level 3 (Provides-Client): clients of level 2 could never install it"
	src_addon foo
	# a switch that level-1 clients would apply and stay behind: bump
	# refuses to close the series with it, and takes 2.25's tree away again
	src_update 140 2.23 "series-switch = 2.25"
	build_core 140 2.23
	remember_mirror
	bump
	assert_exit 4
	assert_output_contains "error: $M/2.23/$ARCH/index stanza 3 (core 140): Series-Switch: 2.25, in an index that level-1 clients read, but neither this update nor one before it provides client level 2 (Provides-Client)"
	assert_repo_error "1 error found (one line each): nothing was signed"
	assert_mirror_unchanged
	[ ! -e "$M/2.25" ] || fail "bump left 2.25's tree"
	# in a series of level 2, an update that needs level 3 before any
	# update brings it
	src_update 141 2.25 "requires = 140" "min-client = 3"
	build_core 141 2.25
	refused_publish 2.25 "$M/2.25/$ARCH/index stanza 2 (core 141): Min-Client 3, but no core update before it provides client level 3 (Provides-Client): clients of level 2 would stop there for good" \
		--min-client 2
	[ ! -e "$M/2.25/$ARCH/index" ] || fail "2.25 has an index"
	# what is not a client level, or not a key of the file, is refused
	# when the package is built, naming file and line
	src_update 142 2.25 "min-client = 0"
	run pakfire_repo build --update "$SRC/updates/142" --filelist "$SRC/manifests/core-142.filelist" \
		--root "$SRC/br-142" --out "$M/2.25/$ARCH"
	assert_exit 4
	assert_repo_error "142/update.conf line 4: min-client '0' is not a client level (a number from 1)"
	src_addon bar "provides-client = 2"
	run pakfire_repo build --addon "$SRC/updates/addons/bar" --series 2.25 --root "$SRC/br-addons" \
		--out "$M/2.25/$ARCH"
	assert_exit 4
	assert_repo_error "addons/bar/addon.conf line 5: unknown key 'provides-client'"
	[ ! -e "$M/2.25/$ARCH/addons/bar-1.0-1.pak" ] || fail "bar was built"
}

# man_example NAME DIR BR: the example of docs/pakfire-repo.1 between
# '.\" example: NAME' and '.\" end of example' as a script that runs in
# DIR: roff escapes undone, /srv/mirror, /tmp/g1 and /tmp/br/ put in this
# test's world ($M, $G and BR).
man_example() {
	echo "cd '$2'"
	awk -v name="$1" '$0 == ".\\\" example: " name {on = 1; next} /^\.\\" end of example$/ {on = 0} on' \
		"$PF_TOP/docs/pakfire-repo.1" | grep -v '^\.' |
		sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' \
		    -e "s|/srv/mirror|$M|g" -e "s|/tmp/g1|$G|g" -e "s|/tmp/br/|$3|g"
}

# The man page's EXAMPLES of a toolchain bump, run as written (roff
# escapes undone; /srv/mirror, /tmp/g1 and the build roots put in this
# test's world), in a source tree laid out as updates/ and manifests/ are.
test_the_man_page_bump_procedure_runs() {
	mirror
	local dir=$T/example script=$T/example.sh
	mkdir -p "$dir"
	SRC=$dir
	src_update 139 2.23
	src_update 140 2.23 "series-switch = 2.25" "provides-client = 2"
	src_update 141 2.25 "requires = 140"
	src_addon foo "release.2.25 = 2"
	src_addon bar "release.2.25 = 2" "depends = foo"
	mkdir -p "$dir/br"
	mv "$dir/br-139" "$dir/br/139"
	mv "$dir/br-140" "$dir/br/140"
	mv "$dir/br-141" "$dir/br/141"
	mv "$dir/br-addons" "$dir/br/addons-2.23"
	cp -a "$dir/br/addons-2.23" "$dir/br/addons-2.25"
	ensure_key signer
	# the example's own first steps: 2.23 published with core 139, 139 and
	# the add-ons in it
	man_example "toolchain bump" "$dir" "$dir/br/" >"$script"
	[ "$(wc -l <"$script")" -gt 1 ] || fail "no toolchain bump example in docs/pakfire-repo.1"
	grep -q 'pakfire-repo bump' "$script" || fail "the example does not run bump"
	cat "$script"
	mkdir -p "$T/bin"
	ln -s "$PAKFIRE_REPO_BIN" "$T/bin/pakfire-repo"
	run env PATH="$T/bin:$PATH" FPR="$KEY_FPR" bash -e "$script"
	assert_exit 0
	[ "$(field "$M/2.23/$ARCH/index" - Successor)" = 2.25 ] || fail "2.23 is not closed"
	[ "$(field "$M/2.23/$ARCH/index" Number=140 Series-Switch)" = 2.25 ] || fail "no switching update"
	[ "$(field "$M/2.25/$ARCH/index" Number=141 Requires)" = 140 ] || fail "2.25 has no core 141"
	[ "$(field "$M/2.25/$ARCH/index" Name=bar Release)" = 2 ] || fail "2.25 has no bar 1.0-2"
	[ "$(field "$M/2.25/$ARCH/index" Name=foo Release)" = 2 ] || fail "2.25 has no foo 1.0-2"
	[ "$(field "$M/2.23/$ARCH/index" Name=foo Release)" = 1 ] || fail "2.23 lost foo 1.0-1"
	assert_index_matches_files "$M/2.23/$ARCH"
	assert_index_matches_files "$M/2.25/$ARCH"

	# what the maintainers published passes their own check ...
	run pakfire_repo check --key "$T/keys/signer.asc" "$M/2.23/$ARCH"
	assert_exit 0
	run pakfire_repo check --key "$T/keys/signer.asc" "$M/2.25/$ARCH"
	assert_exit 0
	# ... and an appliance with add-ons crosses it: 2.23 at core 138 with
	# bar (foo pulled in), one upgrade to the end of 2.25
	mkdir -p "$WWW"
	ln -s "$M" "$WWW${MIRROR_PATH}"
	http_start
	SERIES=2.23
	root_at_core 138 --trust signer
	must_update
	run pakfire --root "$R" --yes install bar
	assert_exit 0
	assert_db "SELECT group_concat(id || ' ' || version || ' ' || series || ' ' || reason, ', ') FROM (SELECT * FROM units WHERE kind = 'addon' ORDER BY id)" \
		"bar 1.0-1 2.23 explicit, foo 1.0-1 2.23 dependency"
	run pakfire --root "$R" --yes upgrade
	assert_exit 0
	assert_db "SELECT series, core FROM system" "2.25|141"
	assert_db "SELECT group_concat(id || ' ' || version || ' ' || series, ', ') FROM (SELECT * FROM units WHERE kind = 'addon' ORDER BY id)" \
		"bar 1.0-2 2.25, foo 1.0-2 2.25"
	run pakfire --root "$R" verify
	assert_exit 0
}

# The man page's first example, the sample distribution of updates/, run as
# written from the project's top (its updates/, manifests/ and
# make-buildroot; roff escapes undone; /srv/mirror, /tmp/g1 and /tmp/br/ put
# in this test's world): two series, closed and opened by the bump, every
# add-on in both with the release its addon.conf gives there.
test_the_man_page_sample_example_runs() {
	mirror
	local script=$T/sample.sh a rel
	# the example makes its GnuPG home itself (short: gpg-agent's socket)
	G=$(mktemp -u "$PF_TMP/pfg.XXXXXX")
	man_example "the sample" "$PF_TOP" "$T/br/" >"$script"
	grep -q 'pakfire-repo bump' "$script" || fail "no sample example in docs/pakfire-repo.1"
	mkdir -p "$T/bin"
	ln -s "$PAKFIRE_REPO_BIN" "$T/bin/pakfire-repo"
	run env PATH="$T/bin:$PATH" bash -e "$script"
	assert_exit 0
	local i23=$M/2.23/$ARCH/index i25=$M/2.25/$ARCH/index
	[ "$(grep '^Number:' "$i23" | tr '\n' ' ')" = "Number: 138 Number: 139 Number: 140 " ] ||
		fail "2.23 holds $(grep '^Number:' "$i23" | tr '\n' ' ')"
	[ "$(field "$i23" - Successor)" = 2.25 ] || fail "2.23 is not closed towards 2.25"
	[ "$(field "$i23" Number=140 Series-Switch)" = 2.25 ] || fail "core 140 does not switch to 2.25"
	[ "$(grep '^Number:' "$i25" | tr '\n' ' ')" = "Number: 141 " ] || fail "2.25 does not hold core 141 alone"
	[ "$(field "$i25" Number=141 Requires)" = 140 ] || fail "2.25 does not start on 140"
	[ -z "$(field "$i25" - Successor)" ] || fail "2.25 is closed"
	[ "$(field "$i25" - Min-Client)" = 2 ] || fail "2.25's index does not say Min-Client: 2"
	[ "$(field "$i23" Number=140 Provides-Client)" = 3 ] || fail "core 140 does not say Provides-Client: 3"
	[ "$(field "$i23" - Min-Client)" = 3 ] || fail "2.23's index does not say Min-Client: 3 (core 138 runs a hook)"
	[ "$(field "$i23" Name=tor Depends)" = libseccomp ] || fail "tor does not depend on libseccomp in 2.23"
	[ "$(field "$i25" Name=tor Depends)" = libseccomp ] || fail "tor does not depend on libseccomp in 2.25"
	# every add-on of updates/addons in both series, with its release there
	for a in "$PF_TOP"/updates/addons/*/; do
		a=$(basename "$a")
		rel=$(awk -F' *= *' '$1 == "release" {print $2}' "$PF_TOP/updates/addons/$a/addon.conf")
		[ "$(field "$i23" Name="$a" Release)" = "$rel" ] || fail "2.23 does not list $a with release $rel"
		rel=$(awk -F' *= *' '$1 == "release.2.25" {print $2}' "$PF_TOP/updates/addons/$a/addon.conf")
		[ -n "$rel" ] || fail "updates/addons/$a/addon.conf has no release.2.25 (the bump rebuilds every add-on)"
		[ "$(field "$i25" Name="$a" Release)" = "$rel" ] || fail "2.25 does not list $a with release $rel"
		cmp -s "$M/2.23/$ARCH/$(field "$i23" Name="$a" Package)" "$M/2.25/$ARCH/$(field "$i25" Name="$a" Package)" &&
			fail "$a: the 2.23 and 2.25 packages are the same"
	done
	[ "$(grep -c '^Type: addon' "$i25")" -ge 4 ] || fail "2.25 lists fewer than the sample's four add-ons"
	assert_index_matches_files "$M/2.23/$ARCH"
	assert_index_matches_files "$M/2.25/$ARCH"
	# (the example verified 2.25's signature itself)
	gpg --homedir "$G" --armor --export >"$T/keys/example.asc"
	gpg_verify "$i23" "$i23.sig" example
	[ -n "$GOODSIG" ] || fail "2.23's index is not signed by the example's key"
	[ "$BADSIG" = 0 ] || fail "a bad signature in 2.23's index.sig"
}

run_tests "$@"
