#!/usr/bin/env bash
# What an owner reads and installs (issue 17, item 5): the man pages render
# without a warning, the exit codes of docs/exit-codes.md and pakfire(8) are
# the same, every command, option and configuration key the programs know is
# in the man pages, the completion and the sample configuration; the
# completions complete; a missing pakfire.conf says what to write; and
# `make install DESTDIR=...` installs all of it, never over an admin's
# pakfire.conf.
# shellcheck source=tests/lib.sh disable=SC2034,SC2031
. "$(dirname "$0")/../lib.sh"

DOCS=$PF_TOP/docs
PAGES=(pakfire.8 pakfire-repo.1 pakfire.conf.5)

# assert_page_renders FILE: groff -ww says nothing on any device, and man -l
# renders it, in an ASCII and in a UTF-8 locale, without a word on stderr.
assert_page_renders() {
	local page=$1 dev loc out
	for dev in "" -Tascii -Tutf8; do
		out=$(groff -man -ww -z $dev "$page" 2>&1) || fail "groff -man -ww -z $dev $page failed"
		[ -z "$out" ] || fail "groff -man -ww -z $dev $page warns: $out"
	done
	for loc in C C.UTF-8; do
		run env LC_ALL=$loc MANWIDTH=80 man -l "$page"
		assert_exit 0
		assert_stderr_empty
		grep -q '^NAME' "$RUN_OUT" || fail "man -l $page (LC_ALL=$loc) shows no NAME section"
	done
}

# man_text FILE: the page's source with \- as - and no font escapes, for
# grepping option names.
man_text() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"; }

# has_word FILE WORD: WORD appears in FILE, not as part of a longer option
# or word (--to is not --top, --valid is not --valid-until).
has_word() {
	local re
	re=$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')
	grep -qE -- "(^|[^-A-Za-z0-9_])$re([^-A-Za-z0-9_]|$)" "$1"
}

# complete_line FILE FUNC WORD...: source the completion FILE, complete the
# command line WORD... (the last word is the one under the cursor) with
# FUNC, and print COMPREPLY sorted, one a line.
complete_line() {
	local file=$1 func=$2
	shift 2
	(
		# shellcheck disable=SC1090
		. "$file"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$func"
		printf '%s\n' "${COMPREPLY[@]}"
	) | sed '/^$/d' | sort
}
complete_pakfire() { complete_line "$PF_TOP/pakfire/cli/pakfire.bash" _pakfire "$@"; }
complete_repo() { complete_line "$PF_TOP/pakfire/repo/pakfire-repo.bash" _pakfire_repo "$@"; }

# assert_lines ACTUAL EXPECTED WHAT: two sorted lists, equal.
assert_lines() {
	[ "$1" = "$2" ] || fail "$3: expected [$(echo "$2" | tr '\n' ' ')], got [$(echo "$1" | tr '\n' ' ')]"
}

# help_commands PROGRAM: the commands its --help lists.
help_commands() {
	"$1" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$|^exit/ { on = 0 }' | sort -u
}

# help_options PROGRAM [COMMAND]: every option (long and short) that
# `PROGRAM [COMMAND] --help` lists, one a line.
help_options() {
	local prog=$1
	shift
	"$prog" "$@" --help | awk '/^  -/ {
		for (i = 1; i <= NF; i++) {
			if ($i !~ /^-/) break
			o = $i; sub(/,$/, "", o); print o
			if ($i !~ /,$/) break
		}
	}' | sort -u
}

test_man_pages_render() {
	local p
	for p in "${PAGES[@]}"; do
		[ -f "$DOCS/$p" ] || fail "docs/$p is missing"
		assert_page_renders "$DOCS/$p"
	done
}

test_exit_codes_are_one_table() {
	local md man md_bits man_bits md_dbits man_dbits
	# the first column of docs/exit-codes.md's first table, and its bits
	md=$(awk '/^## / { exit } /^\| *[0-9]/ { c = $2; print c }' FS='|' "$DOCS/exit-codes.md" |
		tr -d ' ' | sort)
	# (each "## CMD" section's bits: status's, then diagnose's)
	md_bits=$(awk '/^## status/ { on = 1 } /^## diagnose/ { on = 0 } on && /^\| *[0-9]+ *\| *[0-9]+ *\|/ { print $3 }' FS='|' \
		"$DOCS/exit-codes.md" | tr -d ' ' | sort)
	md_dbits=$(awk '/^## diagnose/ { on = 1; next } /^## / { on = 0 } on && /^\| *[0-9]+ *\| *[0-9]+ *\|/ { print $3 }' FS='|' \
		"$DOCS/exit-codes.md" | tr -d ' ' | sort)
	# pakfire.8, EXIT STATUS: each .TP's tag, outside (codes) and inside
	# (status's bits) the indented list
	man=$(awk '/^\.SH EXIT STATUS/ { on = 1; next } /^\.SH/ { on = 0 }
		on && /^\.RS/ { d++ } on && /^\.RE/ { d-- }
		on && tp && /^\.B / { if (!d) code = $2; print d + 0, $2, code } { tp = /^\.TP/ }' "$DOCS/pakfire.8")
	man_bits=$(awk '$1 == 1 && $3 == "33..63" { print $2 }' <<<"$man" | sort)
	man_dbits=$(awk '$1 == 1 && $3 == "64..95" { print $2 }' <<<"$man" | sort)
	man=$(awk '$1 == 0 { print $2 }' <<<"$man" | sort)
	[ -n "$md" ] || fail "no exit codes found in docs/exit-codes.md"
	assert_lines "$man" "$md" "pakfire.8's EXIT STATUS against docs/exit-codes.md"
	assert_lines "$man_bits" "$md_bits" "status's bits in pakfire.8 against docs/exit-codes.md"
	assert_lines "$man_dbits" "$md_dbits" "diagnose's bits in pakfire.8 against docs/exit-codes.md"
	for c in 0 1 2 3 4 5 6 7 126 127 129 130 143 33..63 64..95; do
		grep -qx -- "$c" <<<"$md" || fail "docs/exit-codes.md does not list exit code $c"
	done
	assert_lines "$md_bits" "$(printf '%s\n' 1 16 2 4 8)" "status's bits"
	assert_lines "$md_dbits" "$(printf '%s\n' 1 16 2 4 8)" "diagnose's bits"
}

test_completion_completes() {
	local got
	command -v shellcheck >/dev/null || fail "shellcheck is not installed (tests/deps.sh)"
	run shellcheck -s bash "$PF_TOP/pakfire/cli/pakfire.bash" "$PF_TOP/pakfire/repo/pakfire-repo.bash"
	assert_exit 0
	got=$(complete_pakfire "$PAKFIRE_BIN" up)
	assert_lines "$got" "$(printf '%s\n' update upgrade)" "pakfire up<Tab>"
	got=$(complete_pakfire "$PAKFIRE_BIN" upgrade --)
	for o in --dry-run --to --root --config --yes --json --quiet --verbose --help --version; do
		grep -qx -- "$o" <<<"$got" || fail "pakfire upgrade --<Tab> does not offer $o: $got"
	done
	grep -qx -- --with-dependents <<<"$got" && fail "pakfire upgrade --<Tab> offers remove's --with-dependents"
	got=$(complete_pakfire "$PAKFIRE_BIN" --root /x --yes hook "")
	assert_lines "$got" "$(printf '%s\n' ack list rerun show)" "pakfire hook <Tab>"
	got=$(complete_pakfire "$PAKFIRE_BIN" hook show "")
	assert_lines "$got" "" "pakfire hook show <Tab> (an id)"
	got=$(complete_pakfire "$PAKFIRE_BIN" upgrade --to "")
	assert_lines "$got" "" "pakfire upgrade --to <Tab> (a number)"
	mkdir -p "$T/roots/r1" "$T/roots/r2"
	touch "$T/roots/file"
	got=$(complete_pakfire "$PAKFIRE_BIN" --root "$T/roots/r")
	assert_lines "$got" "$(printf '%s\n' "$T/roots/r1" "$T/roots/r2")" "pakfire --root DIR<Tab>: folders"
	got=$(complete_pakfire "$PAKFIRE_BIN" status --config "$T/roots/f")
	assert_lines "$got" "$T/roots/file" "pakfire --config FILE<Tab>: files"

	got=$(complete_repo "$PAKFIRE_REPO_BIN" b)
	assert_lines "$got" "$(printf '%s\n' build bump)" "pakfire-repo b<Tab>"
	got=$(complete_repo "$PAKFIRE_REPO_BIN" check --k)
	assert_lines "$got" "$(printf '%s\n' --key --keys)" "pakfire-repo check --k<Tab>"
	got=$(complete_repo "$PAKFIRE_REPO_BIN" publish --series 2.25 --r)
	assert_lines "$got" "$(printf '%s\n' --repo --revision)" "pakfire-repo publish --r<Tab>"
	got=$(complete_repo "$PAKFIRE_REPO_BIN" build --out "$T/roots/r")
	assert_lines "$got" "$(printf '%s\n' "$T/roots/r1" "$T/roots/r2")" "pakfire-repo build --out DIR<Tab>"
}

# The add-on names come from `pakfire list` with the command line's --root
# and --config and the filter of the command: a stand-in pakfire prints a
# table (and the sentence under it) and records how it was called.
test_completion_of_addon_names() {
	local fake=$T/bin/pakfire got
	mkdir -p "$T/bin"
	cat >"$fake" <<-EOF
		#!/bin/sh
		printf '%s\n' "\$*" >>"$T/calls"
		echo "NAME        VERSION  STATE      SUMMARY"
		echo "nano        7.2-1    installed  a small editor"
		echo "tor         0.4.8-2  available  onion routing"
		echo "2 add-ons upgradable: run 'pakfire upgrade'."
	EOF
	chmod +x "$fake"
	got=$(complete_pakfire "$fake" --root /r install "")
	assert_lines "$got" "$(printf '%s\n' nano tor)" "pakfire install <Tab>"
	got=$(complete_pakfire "$fake" remove --config /c.conf t)
	assert_lines "$got" "tor" "pakfire remove t<Tab>"
	complete_pakfire "$fake" info "" >/dev/null
	assert_lines "$(cat "$T/calls")" "$(printf '%s\n' "--root /r --available list" \
		"--config /c.conf --installed list" "list")" "how pakfire list was called"
	# a pakfire that fails (no database) completes nothing, silently
	got=$(complete_pakfire "$PAKFIRE_BIN" --root "$T/nothing" install "")
	assert_lines "$got" "" "pakfire install <Tab> on a root without a database"
}

# Parsed from the programs' own --help, so that a new command or option
# without documentation fails here.
test_every_command_and_option_is_documented() {
	local prog bin page cmd o got want want_o
	for prog in pakfire pakfire-repo; do
		if [ "$prog" = pakfire ]; then
			bin=$PAKFIRE_BIN page=$DOCS/pakfire.8
		else
			bin=$PAKFIRE_REPO_BIN page=$DOCS/pakfire-repo.1
		fi
		man_text "$page" >"$T/page"
		want=$(help_commands "$bin")
		[ "$(wc -l <<<"$want")" -ge 4 ] || fail "$prog --help lists fewer than 4 commands: $want"
		if [ "$prog" = pakfire ]; then got=$(complete_pakfire "$bin" ""); else got=$(complete_repo "$bin" ""); fi
		assert_lines "$got" "$want" "$prog <Tab> against the commands of $prog --help"
		for cmd in $want; do
			grep -qE "^\.(B|SS) $cmd( |$)" "$T/page" ||
				fail "$(basename "$page") has no entry (.B or .SS) for the command $cmd"
			want_o=$(help_options "$bin" "$cmd")
			if [ "$prog" = pakfire ]; then
				got=$(complete_pakfire "$bin" "$cmd" -)
			else
				got=$(complete_repo "$bin" "$cmd" -)
			fi
			assert_lines "$got" "$want_o" "$prog $cmd -<Tab> against $prog $cmd --help"
			for o in $want_o; do
				has_word "$T/page" "$o" || fail "$(basename "$page") does not mention $o (of $prog $cmd)"
			done
		done
	done
}

test_every_config_key_is_documented() {
	local keys k
	keys=$( {
		grep -oE 'strcmp\(key, "[a-z-]+"\)' "$PF_TOP/pakfire/lib/format/config.c"
		grep -oE '^\s*\[K_[A-Z_]+\] = "[a-z-]+",' "$PF_TOP/pakfire/lib/format/config-download.c"
	} | sed -E 's/.*"(.*)".*/\1/' | sort -u)
	[ "$(wc -l <<<"$keys")" -ge 19 ] || fail "found fewer than 19 keys in format/config*.c: $keys"
	man_text "$DOCS/pakfire.conf.5" >"$T/conf5"
	man_text "$DOCS/pakfire.8" >"$T/page8"
	for k in $keys; do
		grep -qE "^\.BI \"$k = \"" "$T/conf5" || fail "pakfire.conf.5 has no entry for the key $k"
		grep -qE "^#?$k = " "$DOCS/pakfire.conf.sample" || fail "pakfire.conf.sample does not show the key $k"
		has_word "$T/page8" "$k" || fail "pakfire.8 (CONFIGURATION) does not name the key $k"
	done
	# no key in the sample that pakfire does not know
	while read -r k; do
		grep -qx -- "$k" <<<"$keys" || fail "pakfire.conf.sample shows $k, which pakfire does not know"
	done < <(sed -nE 's/^#?([a-z-]+) = .*/\1/p' "$DOCS/pakfire.conf.sample" | sort -u)
}

# As installed, the sample refuses at once, naming the first required key;
# with every key uncommented it is a configuration pakfire accepts.
test_sample_config_refuses_until_edited() {
	mkdir -p "$T/new"
	run pakfire --root "$T/new" --config "$DOCS/pakfire.conf.sample" init --series 2.25 --core 138
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "missing required key 'series'"
	assert_stderr_contains "man 5 pakfire.conf"
	[ -z "$(ls -A "$T/new")" ] || fail "a refused init left files in the root: $(ls -A "$T/new")"

	sed -E 's/^#([a-z-]+ = )/\1/' "$DOCS/pakfire.conf.sample" >"$T/all.conf"
	run pakfire --root "$T/new" --config "$T/all.conf" init --series 2.25 --core 138
	assert_exit 0
	DB=$T/new/var/lib/pakfire/pakfire.db
	assert_db "SELECT series || ' ' || core FROM system" "2.25 138"
}

test_missing_config_says_what_to_write() {
	local c
	mkdir -p "$T/new"
	for c in "init --series 2.25 --core 138" status update; do
		# shellcheck disable=SC2086
		run pakfire --root "$T/new" $c
		assert_exit 2
		assert_one_line_error
		assert_error_line "$T/new/etc/pakfire/pakfire.conf" "does not exist" "series" "arch" \
			"mirror" "/share/doc/pakfire/pakfire.conf.sample" "man 5 pakfire.conf"
	done
	[ -z "$(ls -A "$T/new")" ] || fail "the refused commands left files in the root: $(ls -A "$T/new")"
	run pakfire --config "$T/none.conf" --root "$T/new" status
	assert_exit 2
	assert_error_line "$T/none.conf" "does not exist" "pakfire.conf.sample"
	# another reason than a missing file is said as it is
	mkdir -p "$T/dir.conf"
	run pakfire --config "$T/dir.conf" --root "$T/new" status
	assert_exit 2
	assert_error_line "cannot read configuration $T/dir.conf"
	grep -qF "sample" <<<"$ERROR_LINE" && fail "a folder given as --config is not a missing file: $ERROR_LINE"
	return 0
}

# make_install DESTDIR: `make install` of the suite's build, for the PREFIX
# it was built for (BUILD/prefix), without what an outer make (make check)
# passes down in its environment.
make_install() {
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$PF_TOP" --no-print-directory install \
		DESTDIR="$1" BUILD="$PF_BUILD" PREFIX="$PREFIX"
}

# make install into DESTDIR, with the suite's own build: nothing rebuilt
# (it would land in the suite's build folder with other flags).
test_make_install() {
	local d=$T/d before after f n u
	PREFIX=$(cat "$PF_BUILD/prefix") || fail "$PF_BUILD/prefix is missing (make did not build it)"
	u=$d$PREFIX
	before=$(stat -c %Y "$PAKFIRE_BIN" "$PAKFIRE_REPO_BIN")
	make_install "$d"
	assert_exit 0
	after=$(stat -c %Y "$PAKFIRE_BIN" "$PAKFIRE_REPO_BIN")
	[ "$before" = "$after" ] || fail "make install rebuilt $PF_BUILD"
	grep -E '^(cc|ar) ' "$RUN_OUT" && fail "make install compiled or linked something"

	for f in sbin/pakfire bin/pakfire-repo; do
		is_program "$u/$f" || fail "make install did not install $f"
	done
	cmp -s "$u/sbin/pakfire" "$PAKFIRE_BIN" || fail "usr/sbin/pakfire is not the suite's build"
	for f in man8/pakfire.8 man1/pakfire-repo.1 man5/pakfire.conf.5; do
		[ -f "$u/share/man/$f" ] || fail "make install did not install the man page $f"
		cmp -s "$u/share/man/$f" "$DOCS/$(basename "$f")" || fail "$f differs from docs/"
		assert_page_renders "$u/share/man/$f"
	done
	cmp -s "$u/share/doc/pakfire/pakfire.conf.sample" "$DOCS/pakfire.conf.sample" ||
		fail "the sample is not in usr/share/doc/pakfire/"
	cmp -s "$d/etc/pakfire/pakfire.conf" "$DOCS/pakfire.conf.sample" ||
		fail "the sample was not installed as etc/pakfire/pakfire.conf"
	[ -d "$d/etc/pakfire/keys" ] || fail "etc/pakfire/keys was not made"
	[ -d "$d/etc/pakfire/hooks.d" ] || fail "etc/pakfire/hooks.d was not made"
	cmp -s "$u/share/bash-completion/completions/pakfire" "$PF_TOP/pakfire/cli/pakfire.bash" ||
		fail "the completion of pakfire is not installed"
	cmp -s "$u/share/bash-completion/completions/pakfire-repo" "$PF_TOP/pakfire/repo/pakfire-repo.bash" ||
		fail "the completion of pakfire-repo is not installed"
	for f in systemd/pakfire-update.service systemd/pakfire-update.timer cron/pakfire check_pakfire; do
		cmp -s "$u/share/doc/pakfire/examples/$(basename "$f")" "$DOCS/$f" ||
			fail "the monitoring example $f is not in usr/share/doc/pakfire/examples/"
	done
	[ -x "$u/share/doc/pakfire/examples/check_pakfire" ] || fail "check_pakfire is not installed executable"
	n=$(find "$DOCS/schemas" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then
		[ "$(find "$u/share/doc/pakfire/schemas" -name '*.json' | wc -l)" = "$n" ] ||
			fail "the $n JSON Schemas of docs/schemas are not all installed"
	fi
	# the installed pakfire names the sample where it was installed
	mkdir -p "$T/empty"
	run "$u/sbin/pakfire" --root "$T/empty" status
	assert_exit 2
	assert_error_line "$PREFIX/share/doc/pakfire/pakfire.conf.sample"
	# the installed completion works from where bash-completion loads it
	[ "$(complete_line "$u/share/bash-completion/completions/pakfire" _pakfire pakfire up | tr '\n' ' ')" = "update upgrade " ] ||
		fail "the installed completion does not complete"

	# an admin's configuration, its folder modes, are never overwritten
	printf 'series = 2.23\narch = x86_64\nmirror = http://mine.example.org/\n' >"$d/etc/pakfire/pakfire.conf"
	chmod 0600 "$d/etc/pakfire/pakfire.conf"
	chmod 0700 "$d/etc/pakfire/keys"
	cp -p "$d/etc/pakfire/pakfire.conf" "$T/mine.conf"
	make_install "$d"
	assert_exit 0
	assert_output_contains "kept $d/etc/pakfire/pakfire.conf"
	cmp -s "$d/etc/pakfire/pakfire.conf" "$T/mine.conf" || fail "a second make install changed pakfire.conf"
	[ "$(stat -c %a "$d/etc/pakfire/pakfire.conf")" = 600 ] || fail "make install changed pakfire.conf's mode"
	[ "$(stat -c %a "$d/etc/pakfire/keys")" = 700 ] || fail "make install changed the keys folder's mode"
	[ -z "$(find "$d/etc" -newer "$T/mine.conf" ! -type d)" ] || fail "make install wrote into etc/ again"
}

run_tests "$@"
