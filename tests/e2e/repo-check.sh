#!/usr/bin/env bash
# pakfire-repo check: the lint of a published series folder finds, one line
# each, what clients would refuse or what cannot hold (a wrong hash, a missing
# file, a gap in the core chain, a Depends that names nothing, a path shipped
# by two packages, a package swapped for another update's, a bad or foreign
# signature, an index about to expire or expired, a Successor pointing
# nowhere), and passes on good repositories: published by pakfire-repo, or
# crafted from the formats by a program other than pakfire-repo
# (tests/lib/series.py, which reads the contract's craft.py specs too).
# publish runs the same checks before signing and refuses a broken folder.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# check DIR [OPTIONS]: pakfire-repo check of DIR against the signer's key.
check() {
	local dir=$1
	shift
	run pakfire_repo check "$dir" --key "$T/keys/signer.asc" "$@"
}

# assert_errors N: the last check printed N error lines.
assert_errors() {
	local n
	n=$(grep -c '^error: ' "$RUN_OUT" || true)
	[ "$n" = "$1" ] || fail "expected $1 error line(s), got $n: $RUN_CMD"
}

# assert_error TEXT...: one error line holds every TEXT (fixed strings).
assert_error() {
	local lines k
	lines=$(grep '^error: ' "$RUN_OUT" || true)
	for k in "$@"; do
		lines=$(grep -F -- "$k" <<<"$lines" || true)
	done
	[ -n "$lines" ] || fail "no error line mentions: $*: $RUN_CMD"
}

# assert_failed: exit 4 and the summary on stderr, after error lines.
assert_failed() {
	assert_exit 4
	assert_stderr_contains "pakfire-repo: error: $1: "
	grep -q '^error: ' "$RUN_OUT" || fail "no error line on stdout: $RUN_CMD"
}

assert_clean() {
	assert_exit 0
	assert_output_contains "no errors"
	! grep -q '^error: ' "$RUN_OUT" || fail "an error line on a clean check: $RUN_CMD"
}

# craft NAME JSON [SERIES]: tests/lib/series.py writes the repository of
# the spec (craft.py's form; @G@ and @FPR@: the GnuPG home and the key
# "signer") into $T/c/repo; CRAFTED is its folder of SERIES (default 2.23).
craft() {
	ensure_key signer
	printf '%s\n' "$2" | sed "s|@G@|$G|g; s|@FPR@|$FPR_signer|g" >"$T/$1.json"
	must "$PF_PY3" "$PF_TOP/tests/lib/series.py" "$T/$1.json" "$T/c/repo"
	CRAFTED=$T/c/repo/${3:-2.23}/x86_64
}

# The two series of the contract: 2.23 closed by core 140 switching to 2.25
# (and shipping the pakfire of client level 2 that completes the switch),
# foo depending on bar in both, rebuilt in 2.25, whose index only clients
# of level 2 read (docs/formats.md, "Client levels").
S23='{"gnupghome":"@G@","key":"@FPR@","series":"2.23","revision":20,"successor":"2.25","updates":[
 {"number":139,"requires":138,"files":[{"path":"usr/bin/tool","size":5000,"mode":"0755"}],
  "dirs":[{"path":"usr/share/doc"}],"symlinks":[{"path":"usr/bin/t","target":"tool"}]},
 {"number":140,"requires":139,"series_switch":"2.25","keys":{"Provides-Client":2},
  "files":[{"path":"usr/lib/libc.so.6","size":20000}]}],
 "addons":[{"name":"foo","version":"1.0","release":1,"depends":["bar"],"salt":"a","dirs":[{"path":"usr/share/doc"}],
            "files":[{"path":"usr/bin/foo","size":3000,"mode":"0755"}]},
           {"name":"bar","version":"2.0","release":1,"salt":"a","files":[{"path":"usr/lib/libbar.so.2","size":9000}]}]}'
S25='{"gnupghome":"@G@","key":"@FPR@","series":"2.25","revision":1,"index_keys":{"Min-Client":2},"updates":[
 {"number":141,"requires":140,"files":[{"path":"usr/lib/libnew.so","size":7000}]}],
 "addons":[{"name":"foo","version":"1.0","release":2,"depends":["bar"],"salt":"b","files":[{"path":"usr/bin/foo","size":3100,"mode":"0755"}]},
           {"name":"bar","version":"2.0","release":2,"salt":"b","files":[{"path":"usr/lib/libbar.so.2","size":9100}]}]}'

# --- good repositories ------------------------------------------------------

test_passes_on_what_publish_wrote() {
	# 139 and 140 both ship usr/bin/mini: core updates replacing each
	# other's files is what updates do, not a finding
	repo_mini 139
	repo_mini 140 --file boot/vmlinuz-140=100K
	check "$REPO"
	assert_clean
	assert_output_contains "$REPO: revision 11, 2 core updates, 0 add-ons: no errors, 0 warnings"
	assert_stderr_empty
	# the same with a keys folder, as a client's
	run pakfire_repo check --keys "$T/keys" "$REPO"
	assert_clean
}

test_passes_on_two_series_crafted_from_the_formats() {
	craft s23 "$S23"
	craft s25 "$S25" 2.25
	check "$T/c/repo/2.23/x86_64"
	assert_clean
	assert_output_contains "2 core updates, 2 add-ons: no errors"
	check "$T/c/repo/2.25/x86_64"
	assert_clean
	assert_output_contains "1 core update, 2 add-ons: no errors"
}

# --- files against the index ------------------------------------------------

test_wrong_hash() {
	repo_mini 139
	repo_mini 140
	flip_byte "$REPO/core/core-140.pak"
	flip_byte "$REPO/core/core-139.manifest"
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/core/core-140.pak: SHA-256" "does not match the signed index"
	assert_error "$REPO/core/core-139.manifest: SHA-256" "does not match the signed index"
	# a manifest that does not match is not parsed, nor its package read
	assert_errors 2
	assert_stderr_contains "2 errors, 0 warnings"
	append_bytes "$REPO/core/core-140.manifest" 10
	check "$REPO"
	assert_error "$REPO/core/core-140.manifest: " "bytes, but the signed index says its size is"
}

test_missing_file() {
	repo_mini 139
	repo_mini 140
	rm "$REPO/core/core-140.manifest"
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/core/core-140.manifest: missing (listed by $REPO/index stanza 3 (core 140))"
	assert_errors 1
	rm "$REPO/index.sig"
	check "$REPO"
	assert_error "$REPO/index.sig: missing"
}

test_package_swapped_for_another_updates_payload() {
	# the incident: core-140.pak replaced by core 139's, and an index
	# signed over what was on disk
	repo_mini 139
	repo_mini 140
	cp "$REPO/core/core-139.pak" "$REPO/core/core-140.pak"
	index_resign core/core-140.pak
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/core/core-140.pak: .pakfire/manifest differs from the published manifest"
	assert_errors 1
}

test_payload_that_is_not_its_manifest() {
	# the right manifest as first member, but other bytes in a file
	repo_mini 139
	hostile_pak 139 --content "etc/mini-release=Evil Linux - core139"$'\n'
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/core/core-139.pak: member 'etc/mini-release'"
	assert_errors 1
	hostile_pak 139 --omit usr/lib/libmini.so.139
	check "$REPO"
	assert_error "member 'usr/lib/libmini.so.139' is in the manifest but missing from the package"
	hostile_pak 139 --extra usr/bin/intruder
	check "$REPO"
	assert_error "member 'usr/bin/intruder' is not in the manifest"
}

# --- the index's own rules --------------------------------------------------

test_gap_in_core_numbers() {
	craft gap '{"gnupghome":"@G@","key":"@FPR@","updates":[
	 {"number":139,"requires":138,"files":[{"path":"usr/bin/a","size":10}]},
	 {"number":141,"requires":140,"files":[{"path":"usr/bin/b","size":10}]},
	 {"number":142,"requires":139,"files":[{"path":"usr/bin/c","size":10}]}]}'
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index: core 140 is missing: core 139 is followed by core 141"
	assert_error "$CRAFTED/index stanza 4 (core 142): Requires: 139, but the core update before it is 141"
	assert_errors 2
}

test_two_stanzas_with_one_number() {
	craft twice '{"gnupghome":"@G@","key":"@FPR@","updates":[
	 {"number":139,"requires":138,"files":[{"path":"usr/bin/a","size":10}]},
	 {"number":139,"requires":137,"files":[{"path":"usr/bin/b","size":10}]}]}'
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (core 139): Number: core 139 is listed twice (first in stanza 2)"
	assert_errors 1
}

test_unresolvable_dependency() {
	craft deps '{"gnupghome":"@G@","key":"@FPR@","updates":[
	 {"number":139,"requires":138,"files":[{"path":"usr/bin/a","size":10}]}],
	 "addons":[{"name":"foo","version":"1","depends":["bar","baz"],"files":[{"path":"usr/bin/foo","size":10}]},
	           {"name":"bar","version":"1","depends":["bar"],"files":[{"path":"usr/bin/bar","size":10}]}]}'
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (addon foo): Depends: baz is not an add-on of this index"
	assert_error "$CRAFTED/index stanza 4 (addon bar): Depends: the add-on depends on itself"
	assert_errors 2
}

test_file_owned_by_two_packages() {
	craft owners '{"gnupghome":"@G@","key":"@FPR@","updates":[
	 {"number":139,"requires":138,"files":[{"path":"usr/bin/tool","size":10}],"dirs":[{"path":"usr/share/foo"}]},
	 {"number":140,"requires":139,"files":[{"path":"usr/bin/tool","size":20}]}],
	 "addons":[{"name":"foo","version":"1","files":[{"path":"usr/bin/tool","size":30},{"path":"usr/share/foo/a","size":1}],
	            "dirs":[{"path":"usr/share/foo"}]},
	           {"name":"bar","version":"1","symlinks":[{"path":"usr/bin/foo-link","target":"tool"}],
	            "files":[{"path":"usr/share/foo/a","size":2}]}]}'
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	# the add-on against each core update that ships it; 139 against 140
	# is an update replacing a file: no finding
	assert_error "$CRAFTED/addons/foo-1-1.manifest: usr/bin/tool is also shipped by core 139 ($CRAFTED/core/core-139.manifest)"
	assert_error "$CRAFTED/addons/foo-1-1.manifest: usr/bin/tool is also shipped by core 140"
	assert_error "$CRAFTED/addons/foo-1-1.manifest: usr/share/foo/a is also shipped by addon bar"
	assert_errors 3
}

# --- the signature ----------------------------------------------------------

test_bad_signature() {
	repo_mini 139
	# a byte of the index changed after signing
	sed -i 's/^Summary: Mini core update 139$/Summary: Mini core update 666/' "$REPO/index"
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/index" "bad signature"
	assert_errors 1
	# not a signature at all
	printf 'junk' >"$REPO/index.sig"
	check "$REPO"
	assert_error "$REPO/index.sig is not a valid detached signature"
}

test_signature_by_an_unknown_key() {
	ensure_key signer
	repo_mini 139 --key stranger
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/index: signed by" "which is not a trusted key"
	assert_errors 1
	# the stranger's key given: fine
	run pakfire_repo check "$REPO" --key "$T/keys/stranger.asc"
	assert_clean
}

# sign_with NAME FILE OUT: a binary detached signature of FILE by key NAME.
sign_with() {
	ensure_key "$1"
	must gpg --homedir "$G" --batch --yes --local-user "$KEY_FPR" --detach-sign --output "$3" "$2"
}

test_every_signature_must_be_good() {
	# a good signature by the signer, and one by "other" over other bytes:
	# check refuses the index whoever made the bad one, in the words of
	# the client, which refuses it too
	repo_mini 139
	make_key other
	printf 'other bytes\n' >"$T/other"
	sign_with other "$T/other" "$T/other.sig"
	cat "$T/other.sig" >>"$REPO/index.sig"
	run pakfire_repo check "$REPO" --keys "$T/keys"
	assert_failed "$REPO"
	assert_error "$REPO/index: signed by $FPR_other" "bad signature: it does not match the index"
	assert_errors 1
}

test_signature_by_a_key_not_given_beside_a_good_one() {
	# the overlap of a key rotation: signed by the old and the new key,
	# checked with the old one only
	repo_mini 139
	sign_with newkey "$REPO/index" "$T/new.sig"
	cat "$T/new.sig" >>"$REPO/index.sig"
	check "$REPO"
	assert_exit 0
	assert_output_contains "warning: $REPO/index.sig: the signature by"
	assert_output_contains "a key not given, was not checked"
	assert_output_contains "no errors, 1 warning"
	run pakfire_repo check "$REPO" --keys "$T/keys"
	assert_clean
	assert_output_contains "no errors, 0 warnings"
}

# --- time and series --------------------------------------------------------

test_valid_until_near_is_a_warning_passed_an_error() {
	repo_mini 139 --valid-days 2
	check "$REPO"
	assert_exit 0
	assert_output_contains "warning: $REPO/index: Valid-Until"
	assert_output_contains "less than 3: publish it again before then"
	assert_output_contains "no errors, 1 warning"
	check "$REPO" --warn-days 1
	assert_clean
	assert_output_contains "no errors, 0 warnings"
	repo_mini 139 --valid-days -1
	check "$REPO"
	assert_failed "$REPO"
	assert_error "$REPO/index: Valid-Until" "has passed: clients refuse this index"
	assert_errors 1
}

test_successor_and_series_switch_pointing_nowhere() {
	craft s23 "$S23"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index: Successor: 2.25, but there is no series 2.25 beside this one (no $T/c/repo/2.25/x86_64/index)"
	assert_error "$CRAFTED/index stanza 3 (core 140): Series-Switch: 2.25, but there is no series 2.25"
	assert_errors 2
	# publish refuses to close a series into nothing
	repo_mini 139
	cp "$REPO/index" "$T/index.before"
	run pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" --series "$SERIES" \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --successor 2.27
	assert_exit 4
	assert_error "$REPO/index: Successor: 2.27, but there is no series 2.27 beside this one"
	cmp -s "$REPO/index" "$T/index.before" || fail "publish changed the index"
}

# --- publish ----------------------------------------------------------------

test_a_switch_into_a_series_that_does_not_go_on_from_it() {
	# 2.25 starts at 142 (Requires: 141): systems that apply 140 are stranded
	craft s23 "$S23"
	craft s25 "$(sed 's/"number":141,"requires":140/"number":142,"requires":141/' <<<"$S25")" 2.25
	check "$T/c/repo/2.23/x86_64"
	assert_failed "$T/c/repo/2.23/x86_64"
	assert_error "Series-Switch: 2.25, whose index" "offers no core update that requires 140"
}

test_an_update_after_the_switch_and_a_name_no_client_takes() {
	craft after '{"gnupghome":"@G@","key":"@FPR@","updates":[
	 {"number":139,"requires":138,"series_switch":"2.25","files":[{"path":"usr/bin/a","size":10}]},
	 {"number":140,"requires":139,"files":[{"path":"usr/bin/b","size":10}]}],
	 "addons":[{"name":"core-7","version":"1","release":1,"files":[{"path":"usr/bin/c","size":10}]}]}'
	mkdir -p "$T/c/repo/2.25/x86_64"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "Series-Switch: 2.25, yet core 140 follows it"
	assert_error "add-on name 'core-7'" "every client refuses this index"
}

test_publish_refuses_to_sign_a_swapped_package() {
	repo_mini 139
	repo_mini 140
	cp "$REPO/index" "$T/index.before"
	cp "$REPO/index.sig" "$T/index.sig.before"
	cp "$REPO/core/core-139.pak" "$REPO/core/core-140.pak"
	run pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" --series "$SERIES" \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 4
	assert_error "$REPO/core/core-140.pak: .pakfire/manifest differs from the published manifest"
	assert_errors 1
	assert_stderr_contains "pakfire-repo: error: $REPO: 1 error found (one line each): nothing was signed, the index and index.sig are as they were"
	cmp -s "$REPO/index" "$T/index.before" || fail "publish changed the index"
	cmp -s "$REPO/index.sig" "$T/index.sig.before" || fail "publish changed index.sig"
	[ -z "$(find "$REPO" -name '.pakfire-repo.*')" ] || fail "publish left a temporary file"
	# put right, it publishes
	rm -f "$REPO/core/core-140.pak"
	must pakfire_repo build --update "$SRC/updates/140" --filelist "$SRC/manifests/core-140.filelist" \
		--root "$SRC/buildroot-140" --out "$REPO"
	run pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" --series "$SERIES" \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G"
	assert_exit 0
	check "$REPO"
	assert_clean
}

# --- client levels (docs/formats.md, "Client levels") ----------------------

# lv SERIES INDEX-KEYS UPDATES [ADDONS]: craft series SERIES (its folder is
# CRAFTED) whose repository stanza has the keys INDEX-KEYS (JSON members),
# with the UPDATES and ADDONS (JSON objects, as u and a write them).
lv() {
	craft "lv-$1" "{\"gnupghome\":\"@G@\",\"key\":\"@FPR@\",\"series\":\"$1\",\"index_keys\":{$2},
		\"updates\":[$3],\"addons\":[${4-}]}" "$1"
}
# u N [KEYS] [MORE]: core update N (Requires N-1), one file of its own, the
# stanza keys KEYS and MORE members (a switch, hooks).
u() {
	printf '{"number":%s,"requires":%s,"files":[{"path":"usr/lib/l%s","size":100}],"keys":{%s}%s}' \
		"$1" "$(($1 - 1))" "$1" "${2-}" "${3-}"
}
# a NAME [KEYS] [MORE]: add-on NAME, as u.
a() {
	printf '{"name":"%s","version":"1","files":[{"path":"usr/share/%s/a","size":10}],"keys":{%s}%s}' \
		"$1" "$1" "${2-}" "${3-}"
}
HOOK=',"hooks":[{"phase":"post","name":"setup","content":"#!/bin/sh\ntrue\n"}]'
AHOOK=',"hooks":[{"phase":"post-install","name":"setup","content":"#!/bin/sh\ntrue\n"}]'

test_levels_the_sample_passes() {
	# core 140 switches to 2.25 and ships the pakfire that completes the
	# switch (level 3): readable by level 1 in 2.23, whose index level 1
	# reads; 2.25, reached only through the switch, is read by level 2 on,
	# and its 141 (a hook) needs the level 3 that every system brings from
	# 140
	repo_sample
	local m=$WWW$MIRROR_PATH
	run pakfire_repo check "$m/2.23/$ARCH" --key "${TRUST[0]}"
	assert_clean
	run pakfire_repo check "$m/2.25/$ARCH" --key "${TRUST[0]}"
	assert_clean
	grep -q '^Min-Client' <(sed '/^$/q' "$m/2.23/$ARCH/index") && fail "2.23's index has a Min-Client"
	[ "$(sed '/^$/q' "$m/2.25/$ARCH/index" | grep '^Min-Client:')" = "Min-Client: 2" ] ||
		fail "2.25's index does not say Min-Client: 2"
	awk -v RS= '/\nNumber: 140\n/' "$m/2.23/$ARCH/index" | grep -qx 'Provides-Client: 3' ||
		fail "core 140 does not say Provides-Client: 3"
	# 141 runs a hook: level 3, which 140 brings
	awk -v RS= '/\nNumber: 141\n/' "$m/2.25/$ARCH/index" | grep -qx 'Min-Client: 3' ||
		fail "core 141 does not say Min-Client: 3"
	awk -v RS= '/\nNumber: 140\n/' "$m/2.23/$ARCH/index" | grep -q '^Min-Client' &&
		fail "core 140 has a Min-Client: level 1 must apply it"
	true
}

test_levels_good_forms() {
	# an index that only clients of level 2 read: 141 brings level 3,
	# after which updates and add-ons may need it (hooks, declared); keys
	# that Optional-Keys lists, in an update and in the repository stanza
	lv 2.25 '"Min-Client":2,"X-Mirror-Note":"hi","Optional-Keys":"X-Mirror-Note"' \
		"$(u 141 '"Provides-Client":3'),$(u 142 '"Min-Client":3' "$HOOK"),$(u 143 '"X-Note":"a note","Optional-Keys":"X-Note, X-Other"')" \
		"$(a foo '"Min-Client":3' "$AHOOK")"
	check "$CRAFTED"
	assert_clean
	assert_output_contains "revision 10, 3 core updates, 1 add-on: no errors, 0 warnings"
	# in an index that level-1 clients read: 138 ships the pakfire of level
	# 2, so the switch may need it, and so may an add-on (level 1 installs
	# none)
	lv 2.25 '"Min-Client":2' "$(u 141)"
	lv 2.23 '' "$(u 138 '"Provides-Client":2'),$(u 139),$(u 140 '"Min-Client":2' ',"series_switch":"2.25"')" \
		"$(a foo '"Min-Client":2')"
	check "$CRAFTED"
	assert_clean
}

test_hooks_in_the_phases_of_their_kind() {
	# a core update runs pre and post hooks, an add-on its own four phases
	lv 2.25 '"Min-Client":2' "$(u 141 '"Provides-Client":3'),$(u 142 '"Min-Client":3' "$AHOOK")" \
		"$(a foo '"Min-Client":3' "$HOOK")"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/core/core-142.manifest: hook setup runs in phase post-install, which is not one of a core update's (pre, post)"
	assert_error "$CRAFTED/addons/foo-1-1.manifest: hook setup runs in phase post, which is not one of an add-on's (pre-install, post-install, pre-remove, post-remove)"
	assert_errors 2
}

test_levels_an_update_using_what_it_does_not_declare() {
	# hooks (level 3) in an update and an add-on that do not say so
	lv 2.25 '"Min-Client":2' "$(u 141 '"Provides-Client":3'),$(u 142 '' "$HOOK")" \
		"$(a foo '"Min-Client":2' "$AHOOK")"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (core 142): its manifest has hook entries, which need client level 3, but Min-Client is 2: clients below level 3 would not stop before it (declare min-client = 3 in its update.conf)"
	assert_error "$CRAFTED/index stanza 4 (addon foo): its manifest has hook entries, which need client level 3, but Min-Client is 2" "in its addon.conf"
	assert_errors 2
	# a switch that declares nothing, in an index of level 2: every
	# client that reads it acts on switches
	lv 2.29 '"Min-Client":2' "$(u 151)"
	lv 2.27 '"Min-Client":2' "$(u 150 '' ',"series_switch":"2.29"')"
	check "$CRAFTED"
	assert_clean
	# and in an index that level-1 clients read, with neither Min-Client 2
	# nor Provides-Client 2: they would apply it and stay behind
	lv 2.25 '"Min-Client":2' "$(u 141)"
	lv 2.23 '' "$(u 139),$(u 140 '' ',"series_switch":"2.25"')"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (core 140): Series-Switch: 2.25, in an index that level-1 clients read, but neither this update nor one before it provides client level 2 (Provides-Client): a level-1 client would apply it, stay on 2.23 and have no pakfire able to finish the crossing"
	assert_errors 1
	# Min-Client 2 alone does not do: level 1 ignores it
	lv 2.23 '' "$(u 139),$(u 140 '"Min-Client":2' ',"series_switch":"2.25"')"
	check "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (core 140): Series-Switch: 2.25, in an index that level-1 clients read, but neither"
	assert_errors 1
}

test_levels_a_min_client_that_no_earlier_update_provides() {
	# 143 provides level 3, but after 142, which needs it
	lv 2.25 '"Min-Client":2' "$(u 141),$(u 142 '"Min-Client":3'),$(u 143 '"Provides-Client":3')" \
		"$(a foo '"Min-Client":4')"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (core 142): Min-Client 3, but no core update before it provides client level 3 (Provides-Client): clients of level 2 would stop there for good"
	assert_error "$CRAFTED/index stanza 5 (addon foo): Min-Client 4, but no core update of the chain provides client level 4 (Provides-Client): clients of level 3 could never install it"
	assert_errors 2
}

test_levels_level_one_reads_every_core_update() {
	# 138 ships a pakfire of level 2, but level-1 clients apply 139 in the
	# same run, with the old code: only a switch may need level 2
	lv 2.25 '"Min-Client":2' "$(u 141)"
	lv 2.23 '' "$(u 138 '"Provides-Client":2'),$(u 139 '"Min-Client":2'),$(u 140 '"Min-Client":2' ',"series_switch":"2.25"')"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 3 (core 139): Min-Client 2, in an index that level-1 clients read (its Min-Client is 1): they ignore Min-Client and would apply it anyway; publish it in a series whose index says Min-Client: 2, one that systems reach only through a switch"
	assert_errors 1
}

test_levels_unknown_keys_and_provides_client_on_an_addon() {
	lv 2.25 '"Min-Client":2' "$(u 141 '"X-Colour":"blue","Optional-Keys":"X-Other"')" \
		"$(a foo '"Provides-Client":2')"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 2 (core 141): X-Colour is not a key that pakfire-repo (client level 3) knows, and Optional-Keys does not list it: clients of level 3 would refuse the update (list it in Optional-Keys if clients may ignore it)"
	assert_error "$CRAFTED/index stanza 3 (addon foo): Provides-Client 2 on an add-on: only a core update can bring a new pakfire"
	assert_errors 2
	# in the repository stanza, it makes every client refuse the index
	lv 2.25 '"Min-Client":2,"X-Colour":"blue"' "$(u 141)"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "X-Colour" "does not know, and Optional-Keys does not list it"
	assert_errors 1
}

test_min_partition_published_kept_and_checked() {
	# publish writes the distribution's advice with Optional-Keys (clients
	# of level 2 that do not know the key keep reading the index), keeps
	# it when not given, drops it when given empty, refuses a malformed one
	repo_mini 139
	repo_publish --min-partition "/boot=128M /=4G"
	[ "$(sed '/^$/q' "$REPO/index" | grep -E '^(Min-Partition|Optional-Keys):')" = \
		"$(printf 'Min-Partition: /boot=128M /=4G\nOptional-Keys: Min-Partition')" ] ||
		fail "the repository stanza does not carry Min-Partition with its Optional-Keys"
	check "$REPO"
	assert_clean
	repo_publish
	grep -qx "Min-Partition: /boot=128M /=4G" "$REPO/index" || fail "a later publish dropped Min-Partition"
	check "$REPO"
	assert_clean
	cp "$REPO/index" "$T/index.before"
	run pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" --series "$SERIES" \
		--arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" --min-partition "/boot=lots"
	assert_exit 2
	assert_stderr_contains "publish: --min-partition: size 'lots' for /boot is not a size"
	cmp -s "$REPO/index" "$T/index.before" || fail "a refused publish changed the index"
	repo_publish --min-partition ""
	! grep -q "^Min-Partition:\|^Optional-Keys:" "$REPO/index" ||
		fail "--min-partition \"\" left the key in the index"

	# crafted by another tool: listed and well formed passes; not listed,
	# or malformed, is what check finds
	lv 2.25 '"Min-Client":2,"Min-Partition":"/boot=128M","Optional-Keys":"Min-Partition"' "$(u 141)"
	check "$CRAFTED"
	assert_clean
	lv 2.25 '"Min-Client":2,"Min-Partition":"/boot=128M"' "$(u 141)"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 1 (repository): Min-Partition is not listed in Optional-Keys: clients of level 2 that do not know it would refuse the whole index"
	assert_errors 1
	lv 2.25 '"Min-Client":2,"Min-Partition":"/boot=128M boot=1G","Optional-Keys":"Min-Partition"' "$(u 141)"
	check "$CRAFTED"
	assert_failed "$CRAFTED"
	assert_error "$CRAFTED/index stanza 1 (repository): Min-Partition: mount point 'boot': not an absolute path: clients ignore it"
	assert_errors 1
}

test_usage() {
	repo_mini 139
	run pakfire_repo check --key "$T/keys/signer.asc"
	assert_exit 2
	assert_stderr_contains "REPO is required"
	run pakfire_repo check "$REPO"
	assert_exit 2
	assert_stderr_contains "--keys DIR or --key FILE"
	run pakfire_repo check "$T/nowhere" --key "$T/keys/signer.asc"
	assert_exit 2
	assert_stderr_contains "$T/nowhere"
	mkdir "$T/nokeys"
	run pakfire_repo check "$REPO" --keys "$T/nokeys"
	assert_exit 2
	assert_stderr_contains "holds no *.asc"
}

run_tests "$@"
