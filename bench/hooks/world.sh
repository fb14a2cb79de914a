#!/usr/bin/env bash
# The world of bench/hooks/run.sh, made with the tests' harness
# (tests/lib.sh): mini updates 139 without and with hooks, a system at 138.
. "$(dirname "$0")/../../tests/lib.sh"
REPO_MIN_CLIENT=3

ms() { echo $(( ($2 - $1) / 1000000 )); }

# timed NAME CMD...: one run, its time under NAME.
timed() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || fail "$name: $* failed"
	t1=$(date +%s%N)
	echo "$name $(ms "$t0" "$t1")" >>"$BENCH_OUT"
}

# world NAME [repo_mini options]: a repository of core 139 and a root at
# 138 that has read it, kept as $T/NAME (repo) and $T/NAME.root.
world() {
	local name=$1
	shift
	rm -rf "$REPO" "$SRC"
	repo_mini 139 "$@"
	rm -rf "$T/$name"
	cp -a "$WWW" "$T/$name"
	R=$T/$name.root DB=$T/$name.root/var/lib/pakfire/pakfire.db
	root_at_core 138
	must_update
	cp -a "$R" "$T/$name.base"
}

# run_in NAME: upgrade the root of world NAME, fresh.
run_in() {
	rm -rf "$WWW" "$T/$1.root"
	cp -a "$T/$1" "$WWW"
	cp -a "$T/$1.base" "$T/$1.root"
	R=$T/$1.root
	timed "$2" "$PAKFIRE_BIN" --root "$R" upgrade --yes
}

test_hook_costs() {
	local i hooks=()
	mkdir -p "$T/h"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf '#!/bin/sh\nexit 0\n' >"$T/h/noop$i"
		chmod 0755 "$T/h/noop$i"
		hooks+=(--hook "post=$T/h/noop$i")
	done
	printf '#!/bin/sh\nhead -c 100000000 /dev/zero | tr "\\0" x\n' >"$T/h/loud"
	chmod 0755 "$T/h/loud"
	http_start
	world plain
	world hooks10 "${hooks[@]}"
	world loud --hook "post=$T/h/loud"
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		run_in plain plain
		run_in hooks10 hooks10
		timed sh10 sh -c 'for f in "$0"/noop*; do sh "$f"; done' "$T/h"
		run_in loud loud
		timed cat100 sh -c 'sh "$0" | cat >/dev/null' "$T/h/loud"
	done
}

run_tests "$@"
